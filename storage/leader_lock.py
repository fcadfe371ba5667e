"""The PostgreSQL side of the daemon's leader election: one session-level advisory lock.

``pg_try_advisory_lock`` is held by a dedicated autocommit connection, so the
lock lasts exactly as long as that connection. Its holder describes itself in
the connection's ``application_name`` (the scheduler decides what it writes
there), so ``pg_locks`` joined with ``pg_stat_activity`` answers "who holds it"
with no table to go stale: the lock and its description vanish together when
the connection does. The scheduler's ``lock`` module builds the election on it
(and on a lock file beside SQLite databases, which needs no SQL).
"""

import contextlib
from dataclasses import dataclass

from sqlalchemy import Connection, text
from sqlalchemy.pool import NullPool

from wirewatch.storage.engine import make_engine

LEADER_LOCK_KEY = 0x77777363
"""``wwsc``: distinct from ``storage.migrate``'s migration lock (``wire``)."""

_CONNECT_ARGS = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}
"""A lost server or network is noticed within about 25 s, not after TCP's hours."""

# A bigint key shows in pg_locks as classid (high 32 bits), objid (low 32 bits), objsubid 1.
_HOLDER_QUERY = text(
    """
    SELECT a.application_name, a.pid
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted
      AND l.classid = 0 AND l.objid = :key AND l.objsubid = 1
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    """
)
_HELD_BY_THIS_SESSION = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND pid = pg_backend_pid() AND classid = 0 AND objid = :key AND objsubid = 1"
)


@dataclass(frozen=True)
class AdvisoryHolder:
    """The session holding the lock: what it calls itself and its server process."""

    application_name: str
    backend_pid: int


class AdvisoryLock:
    """The leader lock of one PostgreSQL database, on a connection of its own."""

    def __init__(self, url: str, key: int = LEADER_LOCK_KEY) -> None:
        self.key = key
        self._engine = make_engine(url, poolclass=NullPool, connect_args=_CONNECT_ARGS)
        self._connection: Connection | None = None
        self._held = False

    def try_acquire(self, application_name: str) -> bool:
        """Name the session ``application_name`` and take the lock if it is free."""
        if self._held:
            return True
        try:
            connection = self._connect()
            connection.execute(
                text("SELECT set_config('application_name', :n, false)"), {"n": application_name}
            )
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
            ).scalar_one()
        except Exception:
            self._drop_connection()
            raise
        self._held = bool(got)
        return self._held

    def still_held(self) -> bool:
        """Whether the server still sees this session holding the lock (False once lost)."""
        if not self._held or self._connection is None:
            return False
        try:
            return bool(
                self._connection.execute(_HELD_BY_THIS_SESSION, {"key": self.key}).scalar_one()
            )
        except Exception:
            self._held = False
            return False

    def release(self) -> None:
        """Unlock (when held), close the lock's connection and its engine."""
        if self._held and self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        self._held = False
        self._drop_connection()
        self._engine.dispose()

    def holder(self) -> AdvisoryHolder | None:
        """Who holds the lock now (any session), or None when nobody does."""
        with self._engine.connect() as connection:
            row = connection.execute(_HOLDER_QUERY, {"key": self.key}).first()
        if row is None:
            return None
        return AdvisoryHolder(row.application_name or "", row.pid)

    def _connect(self) -> Connection:
        if self._connection is None:
            self._connection = self._engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            )
        return self._connection

    def _drop_connection(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None
