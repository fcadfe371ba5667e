"""Leader election: one active scheduler per database.

APScheduler 3 cannot share a job store between two schedulers (both would run
every job), so a daemon schedules only while it holds a lock on the database:

- PostgreSQL: a session-level ``pg_try_advisory_lock`` on a dedicated autocommit
  connection (its SQL is storage's: ``storage.leader_lock``). The holder's
  identity (pid, host, since) is written into that connection's
  ``application_name``, so ``pg_locks`` joined with ``pg_stat_activity`` answers
  "who holds it" with no table to go stale: the lock and its description vanish
  together when the connection does.
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
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from wirewatch.core.errors import WirewatchError
from wirewatch.core.processes import this_host
from wirewatch.storage.engine import database_location
from wirewatch.storage.leader_lock import AdvisoryLock

APPLICATION_PREFIX = "wirewatch-daemon"
LOCK_SUFFIX = ".scheduler.lock"


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
    location = database_location(url)
    if location.backend == "postgresql":
        return PostgresAdvisoryLock(url)
    if location.in_memory or location.database is None:
        raise WirewatchError("the daemon needs a database file or PostgreSQL, not in-memory SQLite")
    database = Path(location.database)
    return SqliteFileLock(database.resolve().with_name(database.name + LOCK_SUFFIX))


class PostgresAdvisoryLock(LeaderLock):
    """``pg_try_advisory_lock`` on a dedicated connection (``storage.leader_lock``),
    whose ``application_name`` says which daemon holds it."""

    def __init__(self, url: str) -> None:
        self._lock = AdvisoryLock(url)

    def try_acquire(self) -> bool:
        return self._lock.try_acquire(
            _application_name(os.getpid(), this_host(), datetime.now(UTC))
        )

    def still_held(self) -> bool:
        return self._lock.still_held()

    def release(self) -> None:
        self._lock.release()

    def holder(self) -> LockHolder | None:
        found = self._lock.holder()
        if found is None:
            return None
        parsed = _parse_application_name(found.application_name)
        return parsed or LockHolder(
            pid=0, host=f"unknown (server backend {found.backend_pid})", since=None
        )


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
