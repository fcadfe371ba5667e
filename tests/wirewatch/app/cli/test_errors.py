"""Expected failures are one line (a usage error adds a hint), never a traceback.

A database at another schema revision, out-of-range arguments, click's usage
errors, an unreachable PostgreSQL, and a reader that closes the pipe early.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.cli import child_env
from tests.factories import make_record, migrated, sighting
from tests.wirewatch.app.cli.conftest import Run
from wirewatch.storage.engine import database_location, make_engine
from wirewatch.storage.ledger import RunOutcome, close_run, start_run
from wirewatch.storage.migrate import current_revision, head_revision, upgrade
from wirewatch.storage.models import RunStatus, RunTrigger
from wirewatch.storage.upsert import store_batch

FIRST_REVISION = "a1f3c9e20b01"
READ_COMMANDS = [("articles",), ("show", "1"), ("runs",), ("status",)]


def one_line_error(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("wirewatch: error: "), err
    return lines[0]


@pytest.fixture
def database(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WIREWATCH_CONFIG", raising=False)
    monkeypatch.setenv("WIREWATCH_DATABASE_URL", database_url)
    return database_url


def set_revision(url: str, revision: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


@pytest.mark.parametrize("args", [*READ_COMMANDS, ("db", "upgrade")], ids=" ".join)
def test_a_database_newer_than_the_code_is_one_line_with_exit_code_2(
    database: str, run_cli: Run, args: tuple[str, ...]
) -> None:
    engine = make_engine(database)
    upgrade(engine)
    engine.dispose()
    set_revision(database, "ffffffffffff")
    result = run_cli(*args)
    assert (result.code, result.out) == (2, "")
    assert one_line_error(result.err) == (
        "wirewatch: error: this database is at revision ffffffffffff, newer than this "
        f"wirewatch (head {head_revision()}); upgrade wirewatch"
    )


def test_an_older_database_waits_for_db_upgrade(database: str, run_cli: Run) -> None:
    engine = make_engine(database)
    upgrade(engine, FIRST_REVISION)
    result = run_cli("articles")
    assert result.code == 2
    assert "at revision a1f3c9e20b01, older than this wirewatch" in one_line_error(result.err)
    assert "`wirewatch db upgrade`" in result.err
    assert current_revision(engine) == FIRST_REVISION  # not migrated unasked
    upgraded = run_cli("db", "upgrade")
    assert upgraded.code == 0 and "-> " + str(head_revision()) in upgraded.out
    assert run_cli("articles").code == 0
    engine.dispose()


def test_a_new_empty_database_is_migrated_by_any_command(database: str, run_cli: Run) -> None:
    location = database_location(database)
    if location.backend == "sqlite":
        Path(str(location.database)).touch()  # exists, empty: as `createdb` leaves PostgreSQL's
    assert run_cli("runs").code == 0
    engine = make_engine(database)
    assert current_revision(engine) == head_revision()
    engine.dispose()


@pytest.mark.parametrize("args", READ_COMMANDS[:3], ids=" ".join)
def test_reading_a_sqlite_file_that_does_not_exist_says_so_and_creates_nothing(
    sqlite_url: str, run_cli: Run, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.setenv("WIREWATCH_DATABASE_URL", sqlite_url)
    path = Path(str(database_location(sqlite_url).database))
    result = run_cli(*args)
    assert (result.code, result.out) == (2, "")
    assert one_line_error(result.err) == (
        f"wirewatch: error: no database at {path}: nothing has been stored there yet "
        "(`wirewatch db upgrade` creates it, `wirewatch crawl` fills it)"
    )
    assert not path.exists()
    assert run_cli("db", "upgrade").code == 0
    assert run_cli(*args).code == (1 if args[0] == "show" else 0)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("articles", "--until", "9999-12-31"), "out of range"),
        (("articles", "--since", "0001-01-01"), "out of range"),
        (("articles", "--since", "0001-01-01T00:00:00+01:00"), "out of range"),
        (("articles", "--until", "9999-12-31T23:00:00-05:00"), "out of range"),
        (("articles", "--limit", "99999999999999999999"), "too large"),
        (("runs", "--limit", "99999999999999999999"), "too large"),
        (("articles", "--search", '"unclosed'), "not closed"),
        (("articles", "--search", "Kuwait OR"), "OR needs a term on each side"),
    ],
)
def test_out_of_range_arguments_are_one_line_with_exit_code_2(
    database: str, run_cli: Run, args: tuple[str, ...], says: str
) -> None:
    result = run_cli(*args)
    assert (result.code, result.out) == (2, "")
    assert says in one_line_error(result.err)


def test_the_edges_of_the_range_still_work(database: str, run_cli: Run) -> None:
    migrated(database).dispose()
    for args in (
        ("--since", "0001-01-02", "--until", "9999-12-30"),
        ("--limit", str(2**63 - 1)),
    ):
        result = run_cli("articles", *args)
        assert (result.code, result.err) == (0, "No stored stories match.\n")


def test_an_id_no_database_could_hold_is_an_unknown_story(database: str, run_cli: Run) -> None:
    migrated(database).dispose()
    for key in ("99999999999999999999", "\u00b2"):
        result = run_cli("show", key)
        assert result.code == 1
        assert "no stored story has the wire ID or id" in one_line_error(result.err)


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (("articles", "--bogus"), "Try 'wirewatch articles -h' for help."),
        (("artikles",), "Try 'wirewatch -h' for help."),
        (("show",), "Try 'wirewatch show -h' for help."),
        (("status", "--format", "xml"), "Try 'wirewatch status -h' for help."),
        (("demo", "--stories", "0"), "Try 'wirewatch demo -h' for help."),
    ],
)
def test_click_usage_errors_are_an_error_line_and_a_hint(
    run_cli: Run, args: tuple[str, ...], hint: str
) -> None:
    result = run_cli(*args)
    assert (result.code, result.out) == (2, "")
    first, second = result.err.splitlines()
    assert first.startswith("wirewatch: error: ")
    assert second == hint


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test",
        "postgresql+psycopg://postgres@127.0.0.1:5432/wirewatch_no_such_database",
    ],
    ids=["refused", "no-such-database"],
)
def test_postgresql_connection_errors_are_one_line(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WIREWATCH_DATABASE_URL", url)
    result = run_cli("articles")
    assert result.code == 1
    line = one_line_error(result.err)
    assert line.startswith("wirewatch: error: database unavailable: ")
    if url.endswith("wirewatch_no_such_database"):
        assert line.endswith(
            "; create it (`createdb wirewatch_no_such_database`), then run `wirewatch db upgrade`"
        )


def run_into_closed_pipe(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``wirewatch ARGS`` writing into a pipe nobody reads any more (``| head -0``)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "wirewatch", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env=child_env({"WIREWATCH_DATABASE_URL": database}),
            check=False,
        )
    finally:
        os.close(write_end)


def stored(url: str, count: int) -> str:
    """A migrated database with ``count`` stories and a run."""
    engine = migrated(url)
    paragraph = "A paragraph long enough to fill a pipe buffer soon. " * 20
    records = [make_record(n, paragraphs=(paragraph,)) for n in range(1, count + 1)]
    store_batch(engine, [sighting(record) for record in records])
    close_run(engine, start_run(engine, "wire", RunTrigger.MANUAL), RunOutcome(RunStatus.SUCCEEDED))
    engine.dispose()
    return url


@pytest.mark.parametrize(
    "args",
    [
        ("articles",),
        ("articles", "--format", "jsonl"),
        ("articles", "--format", "csv"),
        ("show", "1"),
        ("runs",),
        ("status",),
    ],
    ids=" ".join,
)
def test_a_closed_pipe_ends_the_output_quietly_with_exit_code_0(
    sqlite_url: str, args: tuple[str, ...]
) -> None:
    result = run_into_closed_pipe(stored(sqlite_url, 3), *args)
    assert (result.returncode, result.stderr) == (0, "")


def test_articles_piped_into_head_exits_0(sqlite_url: str) -> None:
    """The shell's own pipe, with far more output than a pipe buffers."""
    database = stored(sqlite_url, 400)
    script = (
        f"{sys.executable} -m wirewatch articles --limit 0 --body --format jsonl"
        " | head -1 >/dev/null; echo ${PIPESTATUS[0]}"
    )
    result = subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=child_env({"WIREWATCH_DATABASE_URL": database}),
    )
    assert (result.stdout.strip(), result.stderr) == ("0", "")
