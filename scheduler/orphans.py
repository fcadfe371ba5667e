"""Crash recovery: which ``running`` runs a new leader finds left behind, and how they end.

A daemon that died (or lost its host) leaves rows ``running``. At leader start
the daemon sorts them (``triage_running``): a row whose process is gone is
closed ``interrupted`` now; a row whose crawl child still runs is waited for
(``orphan_ended`` says how it ends if the child did not close it itself). The
rows are closed through the ledger, and only while still ``running``. Whether a
pid is still a run's process is ``wirewatch.core.processes.process_owns_run``'s
to say, as for every crawl, which closes this host's abandoned rows when it starts
(``storage.ledger.close_abandoned_runs``).
"""

from dataclasses import dataclass

from wirewatch.storage.ledger import ProcessCheck, RunOutcome, RunRow, abandoned_outcome
from wirewatch.storage.models import RunStatus, RunTrigger


@dataclass(frozen=True)
class Triage:
    """Running rows sorted at leader start: which are stale, which still have a live process."""

    stale: list[tuple[RunRow, RunOutcome]]
    alive: list[RunRow]
    foreign: list[RunRow]


def triage_running(rows: list[RunRow], host: str, is_alive: ProcessCheck) -> Triage:
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
                stale.append((row, abandoned_outcome(row)))
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
