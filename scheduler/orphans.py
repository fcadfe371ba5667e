"""Crash recovery: which ``running`` runs a new leader finds left behind, and how they end.

A daemon that died (or lost its host) leaves rows ``running``. At leader start
the daemon sorts them (``triage_running``): a row whose process is gone is
closed ``interrupted`` now; a row whose crawl child still runs is waited for
(``orphan_ended`` says how it ends if the child did not close it itself). The
rows are closed through the ledger, and only while still ``running``.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import psutil

from wirewatch.scheduler.child_process import RUN_ID_FLAG
from wirewatch.storage.ledger import RunOutcome, RunRow
from wirewatch.storage.models import RunStatus, RunTrigger

PidCheck = Callable[[int, int, datetime], bool]


@dataclass(frozen=True)
class Triage:
    """Running rows sorted at leader start: which are stale, which still have a live process."""

    stale: list[tuple[RunRow, RunOutcome]]
    alive: list[RunRow]
    foreign: list[RunRow]


def triage_running(rows: list[RunRow], host: str, is_alive: PidCheck) -> Triage:
    """Decide which ``running`` rows were left behind by a process that is gone, and how they end.

    On this host the row's pid decides. A *scheduled* run from another host is
    stale too: only the leader runs scheduled crawls, and the caller is the leader
    now. Manual runs on other hosts cannot be checked and are left alone.
    """
    stale: list[tuple[RunRow, RunOutcome]] = []
    alive: list[RunRow] = []
    foreign: list[RunRow] = []
    for row in rows:
        if row.hostname == host:
            if row.pid is not None and is_alive(row.pid, row.id, row.started_at):
                alive.append(row)
            else:
                reason = f"process {row.pid} on {host} is gone (daemon or crawl died)"
                stale.append((row, RunOutcome(RunStatus.INTERRUPTED, reason)))
        elif row.trigger is RunTrigger.SCHEDULE:
            reason = f"left running by a daemon on {row.hostname or 'an unknown host'} that no longer holds the schedule"
            stale.append((row, RunOutcome(RunStatus.INTERRUPTED, reason)))
        else:
            foreign.append(row)
    return Triage(stale, alive, foreign)


def orphan_ended(row: RunRow) -> RunOutcome:
    """How a run ends whose orphaned crawl child exited (or was killed) without closing it."""
    reason = f"its daemon died; crawl process {row.pid} ended without finishing the run"
    return RunOutcome(RunStatus.INTERRUPTED, reason)


def process_owns_run(pid: int, run_id: int, started_at: datetime) -> bool:
    """Whether ``pid`` is still the process of run ``run_id`` (not a recycled pid).

    It is when its command line carries ``--run-id N`` (the crawl child), or when
    it started before the run did (the daemon that created the row).
    """
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        if process.create_time() < started_at.timestamp():
            return True
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True
    return is_crawl_child(pid, run_id)


def is_crawl_child(pid: int, run_id: int) -> bool:
    """Whether ``pid`` is the crawl child of run ``run_id`` (its command line says so)."""
    try:
        argv = psutil.Process(pid).cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
    pairs = itertools.pairwise(argv)
    return any(flag == RUN_ID_FLAG and value == str(run_id) for flag, value in pairs)
