"""The daemon's side of ``crawl_runs``: rows it creates, settles and recovers.

The daemon inserts each scheduled run's row (``running``, with the daemon's pid)
before spawning the child, then records the child's pid in it, so ``pid`` always
names the process that will finish the row. After the child exits the daemon
makes sure the row is final: a child that died or was killed without closing it
leaves it ``failed`` (with why) or, when the daemon itself stopped it at
shutdown, ``interrupted``. ``hostname`` is the daemon's (and so the child's) host.
"""

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import psutil
from sqlalchemy import Engine, update

from wirewatch.scheduler.child import ChildOutcome
from wirewatch.storage.models import RunStatus, crawl_runs
from wirewatch.storage.runs import RunRow, finish_run, get_run

log = logging.getLogger(__name__)


def set_run_pid(engine: Engine, run_id: int, pid: int) -> None:
    """Point a running row at the child process that now owns it."""
    statement = (
        update(crawl_runs)
        .where(crawl_runs.c.id == run_id, crawl_runs.c.status == str(RunStatus.RUNNING))
        .values(pid=pid)
    )
    with engine.begin() as connection:
        connection.execute(statement)


def settle_run(engine: Engine, run_id: int, outcome: ChildOutcome) -> str:
    """Make the row final after its child exited; return the final status."""
    row = get_run(engine, run_id)
    if row is None:
        return "missing"
    timed_out_unfinished = row.status in (RunStatus.RUNNING, RunStatus.INTERRUPTED)
    if outcome.timed_out and timed_out_unfinished:
        finish_run(engine, run_id, RunStatus.FAILED, outcome.describe())
        return RunStatus.FAILED
    if row.status != RunStatus.RUNNING:
        return row.status
    if outcome.terminated:
        reason = "daemon stopping: crawl terminated after the grace period"
        finish_run(engine, run_id, RunStatus.INTERRUPTED, reason)
        return RunStatus.INTERRUPTED
    reason = outcome.describe()
    if outcome.returncode == 0:
        reason = "crawl process exited with code 0 without finishing its run"
    finish_run(engine, run_id, RunStatus.FAILED, reason)
    return RunStatus.FAILED


PidCheck = Callable[[int, int, datetime], bool]


@dataclass(frozen=True)
class Triage:
    """Running rows sorted at leader start: which are stale, which still have a live process."""

    stale: list[tuple[RunRow, str]]
    alive: list[RunRow]
    foreign: list[RunRow]


def triage_running(rows: list[RunRow], host: str, is_alive: PidCheck) -> Triage:
    """Decide which ``running`` rows were left behind by a process that is gone.

    On this host the row's pid decides. A *scheduled* run from another host is
    stale too: only the leader runs scheduled crawls, and the caller is the leader
    now. Manual runs on other hosts cannot be checked and are left alone.
    """
    stale: list[tuple[RunRow, str]] = []
    alive: list[RunRow] = []
    foreign: list[RunRow] = []
    for row in rows:
        if row.hostname == host:
            if row.pid is not None and is_alive(row.pid, row.id, row.started_at):
                alive.append(row)
            else:
                stale.append((row, f"process {row.pid} on {host} is gone (daemon or crawl died)"))
        elif row.trigger == "schedule":
            reason = f"left running by a daemon on {row.hostname or 'an unknown host'} that no longer holds the schedule"
            stale.append((row, reason))
        else:
            foreign.append(row)
    return Triage(stale, alive, foreign)


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
    return any(flag == "--run-id" and value == str(run_id) for flag, value in pairs)
