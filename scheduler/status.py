"""What ``wirewatch status`` reports: who holds the schedule, and per source the last and next run.

Next run times come straight from APScheduler's ``apscheduler_jobs`` table
(``next_run_time`` is a UTC epoch float, the job id is the source name), so the
status is right whether or not a daemon is running.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, Engine, Float, MetaData, String, Table, func, inspect, select

from wirewatch.core.config import Config
from wirewatch.scheduler.lock import LockHolder, leader_lock_for
from wirewatch.storage.models import crawl_runs
from wirewatch.storage.runs import RUN_COLUMNS, RunRow

_jobs = Table(
    "apscheduler_jobs",
    MetaData(),
    Column("id", String(191), primary_key=True),
    Column("next_run_time", Float(25)),
)


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


def collect_status(engine: Engine, config: Config) -> DaemonStatus:
    """Gather the lock holder and per-source runs; sources only in the job store are listed too."""
    holder = leader_lock_for(config.database.url).holder()
    next_runs = next_run_times(engine)
    schedules = {source.name: source.schedule for source in config.sources}
    names = list(schedules) + sorted(next_runs.keys() - schedules.keys())
    last = last_runs(engine, names)
    sources = [
        SourceStatus(
            name, schedules.get(name), last.get(name), next_runs.get(name), name in next_runs
        )
        for name in names
    ]
    return DaemonStatus(holder, sources)


def next_run_times(engine: Engine) -> dict[str, datetime | None]:
    """Each stored job's next run time (None: paused); empty before any daemon ran."""
    if not inspect(engine).has_table(_jobs.name):
        return {}
    with engine.connect() as connection:
        rows = connection.execute(select(_jobs.c.id, _jobs.c.next_run_time)).all()
    return {
        row.id: datetime.fromtimestamp(row.next_run_time, UTC) if row.next_run_time else None
        for row in rows
    }


def last_runs(engine: Engine, sources: list[str]) -> dict[str, RunRow]:
    """The latest run of each source."""
    if not sources:
        return {}
    latest = (
        select(func.max(crawl_runs.c.id).label("id"))
        .where(crawl_runs.c.source.in_(sources))
        .group_by(crawl_runs.c.source)
        .scalar_subquery()
    )
    statement = select(*RUN_COLUMNS).where(crawl_runs.c.id.in_(latest))
    with engine.connect() as connection:
        return {row.source: RunRow(**row._mapping) for row in connection.execute(statement)}
