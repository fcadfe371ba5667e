"""Leader election: one active scheduler per database.

APScheduler 3 cannot share a job store between two schedulers (both would run
every job), so a daemon schedules only while it holds a lock on the database:

- PostgreSQL: a session-level ``pg_try_advisory_lock`` on a dedicated autocommit
  connection. The holder's identity (pid, host, since) is written into that
  connection's ``application_name``, so ``pg_locks`` joined with
  ``pg_stat_activity`` answers "who holds it" with no table to go stale: the lock
  and its description vanish together when the connection does.
- SQLite: an exclusive ``flock`` on ``<database>.scheduler.lock`` beside the
  database file; the holder writes its identity into the locked file. The file
  is never deleted (deleting a lock file lets two processes lock two inodes).

``still_held`` is the heartbeat: a leader whose PostgreSQL connection is lost
(or whose lock file was replaced) must stop scheduling at once.
"""

import contextlib
import fcntl
import json
import os
import socket
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from wirewatch.core.errors import WirewatchError
from wirewatch.storage.engine import make_engine, normalise_url

PG_LOCK_KEY = 0x77777363  # "wwsc": distinct from storage.migrate's migration lock
APPLICATION_PREFIX = "wirewatch-daemon"
LOCK_SUFFIX = ".scheduler.lock"
_PG_CONNECT_ARGS = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}
_PG_HOLDER_QUERY = text(
    """
    SELECT a.application_name, a.pid
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted
      AND l.classid = 0 AND l.objid = :key AND l.objsubid = 1
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    """
)


class DaemonLockedError(WirewatchError):
    """Another daemon holds the schedule of this database (``wirewatch daemon --no-wait``)."""

    exit_code = 3


@dataclass(frozen=True)
class LockHolder:
    """Who holds the schedule: the daemon's pid and host, and since when."""

    pid: int
    host: str
    since: datetime | None

    def describe(self) -> str:
        since = f" since {self.since:%Y-%m-%d %H:%M:%S} UTC" if self.since else ""
        return f"pid {self.pid} on {self.host}{since}"


def this_host() -> str:
    return socket.gethostname()


class LeaderLock(ABC):
    """A non-blocking, process-wide lock that elects the one scheduling daemon."""

    @abstractmethod
    def try_acquire(self) -> bool:
        """Take the lock if it is free; never blocks for long."""

    @abstractmethod
    def still_held(self) -> bool:
        """Heartbeat: False once the lock can no longer be trusted (connection lost, file gone)."""

    @abstractmethod
    def release(self) -> None:
        """Give the lock up (safe to call when not held)."""

    @abstractmethod
    def holder(self) -> LockHolder | None:
        """Who holds the lock now, or None when nobody does."""


def leader_lock_for(url: str) -> LeaderLock:
    """The lock that fits the database: advisory lock on PostgreSQL, lock file on SQLite."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "postgresql":
        return PostgresAdvisoryLock(url)
    database = parsed.database
    if not database or database == ":memory:":
        raise WirewatchError("the daemon needs a database file or PostgreSQL, not in-memory SQLite")
    return SqliteFileLock(Path(database).resolve().with_name(Path(database).name + LOCK_SUFFIX))


class PostgresAdvisoryLock(LeaderLock):
    """``pg_try_advisory_lock`` held by one dedicated autocommit connection."""

    def __init__(self, url: str) -> None:
        self._engine = make_engine(url, poolclass=NullPool, connect_args=_PG_CONNECT_ARGS)
        self._connection: Connection | None = None
        self._held = False

    def try_acquire(self) -> bool:
        if self._held:
            return True
        try:
            connection = self._connect()
            name = _application_name(os.getpid(), this_host(), datetime.now(UTC))
            connection.execute(
                text("SELECT set_config('application_name', :n, false)"), {"n": name}
            )
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": PG_LOCK_KEY}
            ).scalar_one()
        except Exception:
            self._drop_connection()
            raise
        self._held = bool(got)
        return self._held

    def still_held(self) -> bool:
        if not self._held or self._connection is None:
            return False
        query = text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND pid = pg_backend_pid() AND classid = 0 AND objid = :key AND objsubid = 1"
        )
        try:
            return bool(self._connection.execute(query, {"key": PG_LOCK_KEY}).scalar_one())
        except Exception:
            self._held = False
            return False

    def release(self) -> None:
        if self._held and self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": PG_LOCK_KEY}
                )
        self._held = False
        self._drop_connection()
        self._engine.dispose()

    def holder(self) -> LockHolder | None:
        with self._engine.connect() as connection:
            return pg_lock_holder(connection)

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


def pg_lock_holder(connection: Connection) -> LockHolder | None:
    """Read who holds the scheduler's advisory lock from ``pg_locks``/``pg_stat_activity``."""
    row = connection.execute(_PG_HOLDER_QUERY, {"key": PG_LOCK_KEY}).first()
    if row is None:
        return None
    parsed = _parse_application_name(row.application_name or "")
    return parsed or LockHolder(pid=0, host=f"unknown (server backend {row.pid})", since=None)


def _application_name(pid: int, host: str, since: datetime) -> str:
    # PostgreSQL truncates application_name to 63 bytes: the host goes last.
    return f"{APPLICATION_PREFIX} {pid} {int(since.timestamp())} {host}"[:63]


def _parse_application_name(name: str) -> LockHolder | None:
    parts = name.split(" ", 3)
    if len(parts) != 4 or parts[0] != APPLICATION_PREFIX:
        return None
    try:
        return LockHolder(int(parts[1]), parts[3], datetime.fromtimestamp(int(parts[2]), UTC))
    except ValueError:
        return None


class SqliteFileLock(LeaderLock):
    """An exclusive ``flock`` on a file beside the SQLite database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        info = {"pid": os.getpid(), "host": this_host(), "since": datetime.now(UTC).isoformat()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        os.fsync(fd)
        self._fd = fd
        return True

    def still_held(self) -> bool:
        if self._fd is None:
            return False
        try:
            return self.path.stat().st_ino == os.fstat(self._fd).st_ino
        except OSError:
            return False

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing the descriptor drops the flock
        self._fd = None

    def holder(self) -> LockHolder | None:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return _parse_lock_file(os.pread(fd, 4096, 0))
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)


def _parse_lock_file(content: bytes) -> LockHolder:
    try:
        info = json.loads(content)
        return LockHolder(
            int(info["pid"]), str(info["host"]), datetime.fromisoformat(info["since"])
        )
    except (ValueError, KeyError, TypeError):
        return LockHolder(pid=0, host="unknown (lock file still being written)", since=None)
