"""``close_abandoned_runs``: this host's running rows whose process is gone end ``interrupted``.

The process check is the caller's (``wirewatch.core.processes.process_owns_run``);
here it is a set of live pids, so the ledger's part is tested alone on both databases.
"""

from datetime import datetime

from sqlalchemy import Engine

from wirewatch.storage.ledger import (
    RunOutcome,
    close_abandoned_runs,
    close_run,
    get_run,
    start_run,
)
from wirewatch.storage.models import RunStatus, RunTrigger

LIVE_PIDS = {100}


def owned(pid: int, _run_id: int, _started_at: datetime) -> bool:
    return pid in LIVE_PIDS


def test_only_this_hosts_running_rows_without_a_live_process_are_closed(
    migrated_engine: Engine,
) -> None:
    engine = migrated_engine
    dead = start_run(engine, "a", RunTrigger.MANUAL, pid=200, hostname="here")
    no_pid = start_run(engine, "b", RunTrigger.SCHEDULE, hostname="here")
    live = start_run(engine, "c", RunTrigger.MANUAL, pid=100, hostname="here")
    elsewhere = start_run(engine, "d", RunTrigger.SCHEDULE, pid=200, hostname="there")
    unknown_host = start_run(engine, "e", RunTrigger.MANUAL, pid=200)
    finished = start_run(engine, "f", RunTrigger.MANUAL, pid=200, hostname="here")
    close_run(engine, finished, RunOutcome(RunStatus.SUCCEEDED))

    closed = close_abandoned_runs(engine, "here", owned)

    assert [(row.id, outcome.status) for row, outcome in closed] == [
        (dead, RunStatus.INTERRUPTED),
        (no_pid, RunStatus.INTERRUPTED),
    ]
    dead_row, no_pid_row = get_run(engine, dead), get_run(engine, no_pid)
    assert dead_row is not None and dead_row.status is RunStatus.INTERRUPTED
    assert dead_row.finished_at is not None
    assert dead_row.error == (
        "process 200 on here is gone: it died or was killed before it closed the run"
    )
    assert no_pid_row is not None and no_pid_row.error == (
        "its process (no pid recorded) on here is gone: "
        "it died or was killed before it closed the run"
    )
    for run_id, status in (
        (live, RunStatus.RUNNING),
        (elsewhere, RunStatus.RUNNING),
        (unknown_host, RunStatus.RUNNING),
        (finished, RunStatus.SUCCEEDED),
    ):
        row = get_run(engine, run_id)
        assert row is not None and row.status is status, row
    assert close_abandoned_runs(engine, "here", owned) == []


def test_a_run_its_process_closes_first_keeps_that_close(migrated_engine: Engine) -> None:
    engine = migrated_engine
    run_id = start_run(engine, "a", RunTrigger.MANUAL, pid=200, hostname="here")

    def closes_meanwhile(pid: int, checked: int, _started_at: datetime) -> bool:
        close_run(engine, checked, RunOutcome(RunStatus.SUCCEEDED))  # its crawl just finished
        return False

    assert close_abandoned_runs(engine, "here", closes_meanwhile) == []
    row = get_run(engine, run_id)
    assert row is not None and row.status is RunStatus.SUCCEEDED and row.error is None
