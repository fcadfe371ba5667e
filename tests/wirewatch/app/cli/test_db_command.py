"""``wirewatch db``: upgrade (and --sql), current, history, downgrade, on both databases."""

from pathlib import Path

import pytest
from sqlalchemy import inspect

from tests.wirewatch.app.cli.conftest import Run
from wirewatch.storage.engine import make_engine
from wirewatch.storage.migrate import current_revision, head_revision, migration_history


@pytest.fixture
def empty_db(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WIREWATCH_CONFIG", raising=False)
    monkeypatch.setenv("WIREWATCH_DATABASE_URL", database_url)
    return database_url


def test_current_history_downgrade_and_upgrade_again(run_cli: Run, empty_db: str) -> None:
    head = head_revision()
    first = migration_history()[-1].revision
    assert run_cli("db", "current").out.endswith(
        f"empty database (head is {head}; any command migrates it)\n"
    )

    history = run_cli("db", "history").out.splitlines()
    assert len(history) == len(migration_history())
    assert history[-1].startswith(f"<base> -> {first}")
    assert f"-> {head} (head), " in history[0]

    assert run_cli("db", "upgrade").code == 0
    assert run_cli("db", "current").out.endswith(f": {head} (head)\n")

    refused = run_cli("db", "downgrade", first)  # no terminal, no --yes
    assert refused.code == 2 and "--yes" in refused.err
    engine = make_engine(empty_db)
    try:
        assert current_revision(engine) == head
        down = run_cli("db", "downgrade", "base", "--yes")
        assert down.code == 0, down.err
        assert down.out.endswith(f"downgraded {head} -> base (empty)\n")
        assert current_revision(engine) is None
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    unknown = run_cli("db", "downgrade", "nosuchrev", "--yes")
    assert unknown.code == 2 and "nosuchrev" in unknown.err


def test_upgrade_sql_prints_the_pending_migrations_without_running_them(
    run_cli: Run, empty_db: str
) -> None:
    result = run_cli("db", "upgrade", "--sql")
    assert result.code == 0, result.err
    assert "CREATE TABLE articles" in result.out
    assert f"version_num='{head_revision()}'" in result.out
    engine = make_engine(empty_db)
    try:
        assert current_revision(engine) is None  # nothing was applied
    finally:
        engine.dispose()
    assert run_cli("db", "upgrade").code == 0
    assert "CREATE TABLE" not in run_cli("db", "upgrade", "--sql").out  # nothing pending
    assert "CREATE TABLE articles" in run_cli("db", "upgrade", "--sql", "--from", "base").out
    assert run_cli("db", "upgrade", "--from", "base").code == 2
