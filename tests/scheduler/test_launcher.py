"""The launcher's outcome for a run, from how its child ended, and how the ledger takes it."""

import os

from sqlalchemy import Engine

from wirewatch.scheduler.child_process import ChildExit
from wirewatch.scheduler.launcher import NotStarted, launcher_outcome, settle_run
from wirewatch.storage.ledger import RunOutcome, attach_pid, close_run, get_run, start_run
from wirewatch.storage.models import RunStatus, RunTrigger


def new_run(engine: Engine) -> int:
    run_id = start_run(engine, "wire", RunTrigger.SCHEDULE, pid=os.getpid(), hostname="here")
    attach_pid(engine, run_id, 4242)
    return run_id


def status(engine: Engine, run_id: int) -> tuple[str, str | None]:
    row = get_run(engine, run_id)
    assert row is not None
    return row.status, row.error


# launcher_outcome: the decision alone.


def test_a_timed_out_child_fails_with_the_timeout_and_its_stderr() -> None:
    ended = ChildExit(-9, 12.0, timed_out=True, timeout=10, stderr_tail=["fetching..."])
    outcome = launcher_outcome(ended)
    assert outcome.status is RunStatus.FAILED and outcome.error is not None
    assert "timed out after 10 s (run_timeout)" in outcome.error and "fetching..." in outcome.error


def test_a_child_terminated_at_shutdown_is_interrupted() -> None:
    outcome = launcher_outcome(ChildExit(-15, 3.0, terminated=True))
    assert outcome == RunOutcome(
        RunStatus.INTERRUPTED, "daemon stopping: crawl terminated after the grace period"
    )


def test_a_crash_fails_with_the_exit_code_and_stderr() -> None:
    outcome = launcher_outcome(ChildExit(1, 2.0, stderr_tail=["Traceback (most recent…", "boom"]))
    assert outcome.status is RunStatus.FAILED
    assert (
        outcome.error and "exited with code 1" in outcome.error and outcome.error.endswith("boom")
    )


def test_a_kill_by_signal_names_it() -> None:
    assert "killed by SIGKILL" in (launcher_outcome(ChildExit(-9, 1.0)).error or "")


def test_a_clean_exit_that_left_its_run_open_is_a_failure() -> None:
    outcome = launcher_outcome(ChildExit(0, 3.0))
    assert outcome.status is RunStatus.FAILED
    assert outcome.error == "crawl process exited with code 0 without finishing its run"


def test_a_run_never_started_is_interrupted_when_stopping_and_failed_when_the_spawn_failed() -> (
    None
):
    assert launcher_outcome(NotStarted()) == RunOutcome(
        RunStatus.INTERRUPTED, "daemon stopping before the crawl started"
    )
    failed = launcher_outcome(NotStarted("[Errno 2] No such file"))
    assert failed.status is RunStatus.FAILED
    assert failed.error == "could not start the crawl process: [Errno 2] No such file"


# settle_run: the outcome proposed to the ledger.


def test_timeout_overrides_the_childs_own_interrupted(sqlite_engine: Engine) -> None:
    run_id = new_run(sqlite_engine)
    close_run(sqlite_engine, run_id, RunOutcome(RunStatus.INTERRUPTED, "SIGTERM"))
    ended = ChildExit(-9, 12.0, timed_out=True, timeout=10, stderr_tail=["fetching..."])
    assert settle_run(sqlite_engine, run_id, ended) is RunStatus.FAILED
    state, error = status(sqlite_engine, run_id)
    assert state == "failed" and error is not None
    assert "timed out after 10 s (run_timeout)" in error and "fetching..." in error


def test_crash_without_finishing_is_failed_with_exit_code_and_stderr(sqlite_engine: Engine) -> None:
    run_id = new_run(sqlite_engine)
    ended = ChildExit(1, 2.0, stderr_tail=["Traceback (most recent call last):", "boom"])
    assert settle_run(sqlite_engine, run_id, ended) is RunStatus.FAILED
    _, error = status(sqlite_engine, run_id)
    assert error and "exited with code 1" in error and error.endswith("boom")


def test_terminated_at_shutdown_is_interrupted(sqlite_engine: Engine) -> None:
    run_id = new_run(sqlite_engine)
    assert (
        settle_run(sqlite_engine, run_id, ChildExit(-15, 3.0, terminated=True))
        is RunStatus.INTERRUPTED
    )


def test_a_run_the_child_finished_is_left_alone(sqlite_engine: Engine) -> None:
    run_id = new_run(sqlite_engine)
    close_run(sqlite_engine, run_id, RunOutcome(RunStatus.SUCCEEDED))
    assert settle_run(sqlite_engine, run_id, ChildExit(0, 3.0)) is RunStatus.SUCCEEDED
    assert status(sqlite_engine, run_id) == ("succeeded", None)


def test_a_run_the_child_succeeded_before_a_timeout_kill_keeps_its_success(
    sqlite_engine: Engine,
) -> None:
    run_id = new_run(sqlite_engine)
    close_run(sqlite_engine, run_id, RunOutcome(RunStatus.SUCCEEDED))
    ended = ChildExit(-9, 12.0, timed_out=True, timeout=10)
    assert settle_run(sqlite_engine, run_id, ended) is RunStatus.SUCCEEDED


def test_a_run_never_started_is_closed_and_a_missing_row_reported(sqlite_engine: Engine) -> None:
    run_id = new_run(sqlite_engine)
    assert settle_run(sqlite_engine, run_id, NotStarted()) is RunStatus.INTERRUPTED
    assert settle_run(sqlite_engine, 9999, NotStarted()) is None
