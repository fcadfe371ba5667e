"""Politeness across machines: a PostgreSQL advisory lock per crawled host.

In Celery mode several workers on several machines crawl at once. Two sources
that share a host must never be crawled at the same time anywhere, or
``per_host_concurrency`` and ``download_delay`` would hold per machine only. So a
worker, before it claims a run, takes one session-level advisory lock per host
of the run (``pg_try_advisory_lock(HOST_LOCK_CLASS, key)``) on a connection of its
own, held for the whole crawl. The locks are tried, never waited for: a job that
cannot take them all takes none and is retried later (``try_acquire`` False), so
no worker slot waits on a lock and no two jobs can deadlock.

A lock lasts exactly as long as its connection: a worker that dies releases its
hosts with it. The key of a host is a 32-bit hash of its name; two hosts that
collide just take turns.
"""

import contextlib
import zlib
from collections.abc import Iterable

from sqlalchemy import Connection, text
from sqlalchemy.pool import NullPool

from wirewatch.storage.engine import make_engine

HOST_LOCK_CLASS = 0x77776874
"""``wwht``: the first key of every host lock (apart from the leader and migration locks)."""

_CONNECT_ARGS = {"connect_timeout": 10, "keepalives": 1, "keepalives_idle": 10}
_HELD_HOSTS = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND classid = :cls AND objsubid = 2"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def host_key(host: str) -> int:
    """The host's lock key: a signed 32-bit hash of its lower-cased name."""
    value = zlib.crc32(host.lower().encode("utf-8"))
    return value - (1 << 32) if value >= 1 << 31 else value


class HostLocks:
    """The host locks of one run, on one dedicated autocommit connection."""

    def __init__(self, url: str) -> None:
        self._engine = make_engine(url, poolclass=NullPool, connect_args=_CONNECT_ARGS)
        self._connection: Connection | None = None
        self.held: list[str] = []

    def try_acquire(self, hosts: Iterable[str]) -> bool:
        """Take every host's lock, or none of them: False when another run holds one."""
        wanted = sorted({host.lower() for host in hosts})
        connection = self._connect()
        for host in wanted:
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:cls, :key)"),
                {"cls": HOST_LOCK_CLASS, "key": host_key(host)},
            ).scalar_one()
            if not got:
                self.release()
                return False
            self.held.append(host)
        return True

    def release(self) -> None:
        """Give every lock back and close the connection (safe to call twice)."""
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.execute(text("SELECT pg_advisory_unlock_all()"))
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None
        self.held = []
        self._engine.dispose()

    def _connect(self) -> Connection:
        if self._connection is None:
            self._connection = self._engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            )
        return self._connection


def held_host_locks(url: str) -> int:
    """How many host locks are held right now, on any machine (for ``wirewatch status``)."""
    engine = make_engine(url, poolclass=NullPool, connect_args=_CONNECT_ARGS)
    try:
        with engine.connect() as connection:
            return int(connection.execute(_HELD_HOSTS, {"cls": HOST_LOCK_CLASS}).scalar_one())
    finally:
        engine.dispose()
