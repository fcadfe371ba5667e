"""The daemon's bookkeeping of ``crawl_runs``: settling after a child exits, crash triage."""

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from wirewatch.scheduler.child import ChildOutcome
from wirewatch.scheduler.runs import process_owns_run, set_run_pid, settle_run, triage_running
from wirewatch.storage.engine import make_engine
from wirewatch.storage.migrate import upgrade
from wirewatch.storage.models import RunStatus
from wirewatch.storage.runs import RunRow, finish_run, get_run, start_run


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def new_run(engine: Engine) -> int:
    run_id = start_run(engine, "wire", "schedule", pid=os.getpid(), hostname="here")
    set_run_pid(engine, run_id, 4242)
    return run_id


def status(engine: Engine, run_id: int) -> tuple[str, str | None]:
    row = get_run(engine, run_id)
    assert row is not None
    return row.status, row.error


def test_timeout_overrides_the_childs_own_interrupted(engine: Engine) -> None:
    run_id = new_run(engine)
    finish_run(engine, run_id, RunStatus.INTERRUPTED, "SIGTERM")
    outcome = ChildOutcome(-9, 12.0, timed_out=True, timeout=10, stderr_tail=["fetching..."])
    assert settle_run(engine, run_id, outcome) == "failed"
    state, error = status(engine, run_id)
    assert state == "failed" and error is not None
    assert "timed out after 10 s (run_timeout)" in error and "fetching..." in error


def test_crash_without_finishing_is_failed_with_exit_code_and_stderr(engine: Engine) -> None:
    run_id = new_run(engine)
    outcome = ChildOutcome(1, 2.0, stderr_tail=["Traceback (most recent call last):", "boom"])
    assert settle_run(engine, run_id, outcome) == "failed"
    _, error = status(engine, run_id)
    assert error and "exited with code 1" in error and error.endswith("boom")


def test_killed_by_signal_names_it(engine: Engine) -> None:
    run_id = new_run(engine)
    settle_run(engine, run_id, ChildOutcome(-9, 1.0))
    assert "killed by SIGKILL" in (status(engine, run_id)[1] or "")


def test_terminated_at_shutdown_is_interrupted(engine: Engine) -> None:
    run_id = new_run(engine)
    assert settle_run(engine, run_id, ChildOutcome(-15, 3.0, terminated=True)) == "interrupted"


def test_a_run_the_child_finished_is_left_alone(engine: Engine) -> None:
    run_id = new_run(engine)
    finish_run(engine, run_id, RunStatus.SUCCEEDED)
    assert settle_run(engine, run_id, ChildOutcome(0, 3.0)) == "succeeded"
    assert status(engine, run_id) == ("succeeded", None)


def row(run_id: int, pid: int | None, host: str, trigger: str = "schedule") -> RunRow:
    return RunRow(
        id=run_id,
        source="wire",
        trigger=trigger,
        status="running",
        started_at=datetime.now(UTC),
        finished_at=None,
        pages_fetched=0,
        articles_new=0,
        articles_updated=0,
        articles_unchanged=0,
        duplicates=0,
        pages_rejected=0,
        error=None,
        pid=pid,
        hostname=host,
    )


def test_triage_sorts_stale_alive_and_foreign_rows() -> None:
    rows = [
        row(1, 100, "here"),
        row(2, 200, "here"),
        row(3, None, "here"),
        row(4, 300, "there"),
        row(5, 400, "there", trigger="manual"),
    ]
    triage = triage_running(rows, "here", lambda pid, _run, _when: pid == 200)
    assert [r.id for r, _ in triage.stale] == [1, 3, 4]
    assert "gone" in triage.stale[0][1] and "no longer holds the schedule" in triage.stale[2][1]
    assert [r.id for r in triage.alive] == [2]
    assert [r.id for r in triage.foreign] == [5]


def test_process_owns_run_tells_the_creator_from_a_recycled_pid() -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    earlier = datetime.now(UTC) - timedelta(days=3650)
    assert process_owns_run(os.getpid(), 7, later)  # started before the run: its creator
    assert not process_owns_run(os.getpid(), 7, earlier)  # newer than the run, not its child
    assert not process_owns_run(2**22 + 17, 7, later)  # no such process
