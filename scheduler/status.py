"""What ``wirewatch status`` reports: who holds the schedule, and per source the last and next run;
in Celery mode also the queue's depth and the workers with what each runs (``scheduler.cluster``).

Next run times come straight from APScheduler's job table (``storage.jobs_table``),
so the status is right whether or not a daemon is running.
"""

from dataclasses import dataclass
from datetime import datetime

from wirewatch.core.config import Config
from wirewatch.scheduler.cluster import ClusterLoad, cluster_load
from wirewatch.scheduler.lock import LockHolder, leader_lock_for
from wirewatch.storage.engine import Engine
from wirewatch.storage.jobs_table import next_run_times
from wirewatch.storage.ledger import RunRow, latest_runs


@dataclass(frozen=True)
class SourceStatus:
    """One source: its schedule, its latest run and its next scheduled time."""

    name: str
    schedule: str | None
    last_run: RunRow | None
    next_run: datetime | None
    scheduled: bool
    """Whether the job store has a job for it (False before a daemon first ran it)."""


@dataclass(frozen=True)
class DaemonStatus:
    holder: LockHolder | None
    sources: list[SourceStatus]
    cluster: ClusterLoad | None = None
    """Celery mode only: the queue and the workers."""


def collect_status(engine: Engine, config: Config) -> DaemonStatus:
    """Gather the lock holder and per-source runs; sources only in the job store are listed too."""
    holder = leader_lock_for(config.database.url).holder()
    next_runs = next_run_times(engine)
    schedules = {source.name: source.schedule for source in config.sources}
    names = list(schedules) + sorted(next_runs.keys() - schedules.keys())
    last = latest_runs(engine, names)
    sources = [
        SourceStatus(
            name, schedules.get(name), last.get(name), next_runs.get(name), name in next_runs
        )
        for name in names
    ]
    cluster = cluster_load(engine, config) if config.dispatch.engine == "celery" else None
    return DaemonStatus(holder, sources, cluster)
