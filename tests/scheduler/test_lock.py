"""Leader locks on both databases: exclusive, self-describing, and noticed when lost."""

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from wirewatch.core.errors import WirewatchError
from wirewatch.scheduler.lock import (
    LOCK_SUFFIX,
    LeaderLock,
    PostgresAdvisoryLock,
    SqliteFileLock,
    leader_lock_for,
    this_host,
)
from wirewatch.storage.engine import make_engine


def exercise(first: LeaderLock, second: LeaderLock) -> None:
    assert first.holder() is None
    assert first.try_acquire()
    assert first.still_held()
    assert not second.try_acquire()
    holder = second.holder()
    assert holder is not None and holder.pid == os.getpid() and holder.host[:10] == this_host()[:10]
    assert holder.since is not None
    first.release()
    assert not first.still_held()
    assert second.holder() is None
    assert second.try_acquire()
    second.release()


def test_sqlite_lock_is_exclusive_and_says_who_holds_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'news.db'}"
    first, second = leader_lock_for(url), leader_lock_for(url)
    assert isinstance(first, SqliteFileLock)
    assert first.path == tmp_path / f"news.db{LOCK_SUFFIX}"
    exercise(first, second)


def test_sqlite_lock_lost_when_its_file_is_replaced(tmp_path: Path) -> None:
    lock = leader_lock_for(f"sqlite:///{tmp_path / 'news.db'}")
    assert isinstance(lock, SqliteFileLock) and lock.try_acquire()
    lock.path.unlink()
    assert not lock.still_held()
    lock.release()


def test_in_memory_sqlite_cannot_host_a_daemon() -> None:
    with pytest.raises(WirewatchError, match="database file or PostgreSQL"):
        leader_lock_for("sqlite://")


@pytest.mark.postgres
def test_postgres_lock_is_exclusive_and_says_who_holds_it(postgres_url: str) -> None:
    first, second = leader_lock_for(postgres_url), leader_lock_for(postgres_url)
    assert isinstance(first, PostgresAdvisoryLock)
    try:
        exercise(first, second)
    finally:
        first.release()
        second.release()


@pytest.mark.postgres
def test_postgres_lock_lost_with_its_connection(postgres_url: str) -> None:
    lock = leader_lock_for(postgres_url)
    other = leader_lock_for(postgres_url)
    engine = make_engine(postgres_url)
    try:
        assert lock.try_acquire()
        with engine.begin() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name LIKE 'wirewatch-daemon %' AND datname = current_database()"
                )
            )
        assert not lock.still_held()
        assert other.try_acquire()
    finally:
        lock.release()
        other.release()
        engine.dispose()
