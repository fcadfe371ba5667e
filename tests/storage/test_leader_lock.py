"""The daemon's advisory lock on PostgreSQL: exclusive, named by its holder, gone with it."""

from pathlib import Path

import pytest
from sqlalchemy import text

from wirewatch.storage import migrate
from wirewatch.storage.engine import database_location, make_engine
from wirewatch.storage.leader_lock import LEADER_LOCK_KEY, AdvisoryLock


def test_the_leader_lock_and_the_migration_lock_are_different_locks() -> None:
    assert LEADER_LOCK_KEY != migrate._PG_MIGRATION_LOCK


def test_database_location_reads_the_url_without_connecting(tmp_path: Path) -> None:
    sqlite = database_location(f"sqlite:///{tmp_path}/news.db")
    assert (sqlite.backend, sqlite.database, sqlite.in_memory) == (
        "sqlite",
        f"{tmp_path}/news.db",
        False,
    )
    assert database_location("sqlite://").in_memory
    postgres = database_location("postgres://someone@db.example/news")
    assert (postgres.backend, postgres.database, postgres.in_memory) == (
        "postgresql",
        "news",
        False,
    )


@pytest.mark.postgres
def test_one_session_holds_the_lock_and_names_itself(postgres_url: str) -> None:
    first, second = AdvisoryLock(postgres_url), AdvisoryLock(postgres_url)
    try:
        assert first.holder() is None
        assert first.try_acquire("first holder")
        assert first.still_held()
        assert not second.try_acquire("second holder")
        assert not second.still_held()
        holder = second.holder()
        assert holder is not None and holder.application_name == "first holder"
        assert holder.backend_pid > 0
        first.release()
        assert not first.still_held() and second.holder() is None
        assert second.try_acquire("second holder")
    finally:
        first.release()
        second.release()


@pytest.mark.postgres
def test_the_lock_is_lost_with_its_connection(postgres_url: str) -> None:
    lock = AdvisoryLock(postgres_url)
    engine = make_engine(postgres_url)
    try:
        assert lock.try_acquire("about to lose it")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = 'about to lose it'"
                    " AND datname = current_database()"
                )
            )
        assert not lock.still_held()
    finally:
        lock.release()
        engine.dispose()
