"""Crash recovery: which running rows a new leader closes, and how they end.

(How a run's process is told from a dead or recycled pid: tests/wirewatch/core/test_processes.py.)
"""

from datetime import UTC, datetime

from wirewatch.scheduler.orphans import orphan_ended, triage_running
from wirewatch.storage.ledger import RunRow
from wirewatch.storage.models import RunStatus, RunTrigger


def row(
    run_id: int, pid: int | None, host: str, trigger: RunTrigger = RunTrigger.SCHEDULE
) -> RunRow:
    return RunRow(
        id=run_id,
        source="wire",
        trigger=trigger,
        status=RunStatus.RUNNING,
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
        row(5, 400, "there", trigger=RunTrigger.MANUAL),
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
    outcome = orphan_ended(row(7, 4321, "here"))
    assert outcome.status is RunStatus.INTERRUPTED
    assert outcome.error == "its daemon died; crawl process 4321 ended without finishing the run"
