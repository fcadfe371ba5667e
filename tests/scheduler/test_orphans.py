"""Crash recovery: which running rows a new leader closes, and how it tells a run's process."""

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from tests.factories import run_row
from wirewatch.scheduler.child_process import crawl_command
from wirewatch.scheduler.orphans import (
    is_crawl_child,
    orphan_ended,
    process_owns_run,
    triage_running,
)
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
    assert "gone" in (triage.stale[0][1].error or "")
    assert "no longer holds the schedule" in (triage.stale[2][1].error or "")
    assert [r.id for r in triage.alive] == [2]
    assert [r.id for r in triage.foreign] == [5]


def test_process_owns_run_tells_the_creator_from_a_recycled_pid() -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    earlier = datetime.now(UTC) - timedelta(days=3650)
    assert process_owns_run(os.getpid(), 7, later)  # started before the run: its creator
    assert not process_owns_run(os.getpid(), 7, earlier)  # newer than the run, not its child
    assert not process_owns_run(2**22 + 17, 7, later)  # no such process


def test_an_orphan_that_ended_without_closing_its_run_is_interrupted() -> None:
    outcome = orphan_ended(run_row(7, pid=4321, hostname="here"))
    assert outcome.status is RunStatus.INTERRUPTED
    assert outcome.error == "its daemon died; crawl process 4321 ended without finishing the run"


def test_a_crawl_child_is_known_by_the_run_id_on_its_command_line() -> None:
    """A process whose argv is the launcher's crawl command (sleeping instead of crawling)."""
    argv = crawl_command([7, 8], None)
    code = "import time; time.sleep(30)"
    child = subprocess.Popen([sys.executable, "-c", code, *argv[1:]])
    try:
        deadline = time.monotonic() + 10
        while not is_crawl_child(child.pid, 8) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert is_crawl_child(child.pid, 7) and is_crawl_child(child.pid, 8)
        assert not is_crawl_child(child.pid, 9)
        assert not is_crawl_child(os.getpid(), 7)
    finally:
        child.kill()
        child.wait()
