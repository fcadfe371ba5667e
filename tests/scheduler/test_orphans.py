"""Crash recovery: which running rows a new leader closes, and how they end.

(How a run's process is told from a dead or recycled pid: tests/wirewatch/core/test_processes.py.)
"""

from tests.factories import run_row
from wirewatch.scheduler.orphans import orphan_ended, triage_running
from wirewatch.storage.models import RunStatus, RunTrigger


def test_triage_sorts_stale_alive_and_foreign_rows() -> None:
    rows = [
        run_row(1, pid=100, hostname="here"),
        run_row(2, pid=200, hostname="here"),
        run_row(3, pid=None, hostname="here"),
        run_row(4, pid=300, hostname="there"),
        run_row(5, pid=400, hostname="there", trigger=RunTrigger.MANUAL),
    ]
    triage = triage_running(rows, "here", lambda pid, _run, _when: pid == 200)
    assert [r.id for r, _ in triage.stale] == [1, 3, 4]
    assert {outcome.status for _, outcome in triage.stale} == {RunStatus.INTERRUPTED}
    assert triage.stale[0][1].error == (
        "process 100 on here is gone: it died or was killed before it closed the run"
    )
    assert "its process (no pid recorded) on here is gone" in (triage.stale[1][1].error or "")
    assert "no longer holds the schedule" in (triage.stale[2][1].error or "")
    assert [r.id for r in triage.alive] == [2]
    assert [r.id for r in triage.foreign] == [5]


def test_an_orphan_that_ended_without_closing_its_run_is_interrupted() -> None:
    outcome = orphan_ended(run_row(7, pid=4321, hostname="here"))
    assert outcome.status is RunStatus.INTERRUPTED
    assert outcome.error == "its daemon died; crawl process 4321 ended without finishing the run"
