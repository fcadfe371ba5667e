"""Totals of the run ledger per source, as the daemon's metrics report them.

Everything is read from ``crawl_runs`` and ``rejected_pages`` of closed runs
(a run's counts join the totals when it closes), so the totals survive crawl
children and daemon restarts and always agree with ``wirewatch runs``. Each call
is a handful of grouped queries over the whole ledger: cheap next to a scrape
interval, and the caller (``scheduler.metrics``) caches it for a few seconds.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, Float, case, cast, func, literal, select

from wirewatch.storage.ledger import COUNTERS, RunCounts
from wirewatch.storage.models import RunStatus, crawl_runs, rejected_pages


@dataclass
class SourceTotals:
    """One source's closed runs, added up."""

    runs: dict[str, int] = field(default_factory=dict)
    """Closed runs by final status."""
    running: int = 0
    counts: RunCounts = field(default_factory=RunCounts)
    rejected: dict[str, int] = field(default_factory=dict)
    """Rejected pages by reason."""
    duration_buckets: list[int] = field(default_factory=list)
    """Closed runs that took at most each of the bounds asked for, seconds (cumulative)."""
    duration_sum: float = 0.0
    duration_count: int = 0
    last_success: datetime | None = None
    """When its latest successful run finished."""


def _duration(engine: Engine) -> ColumnElement[Any]:
    """Seconds from a run's start to its end, in the database's own arithmetic."""
    if engine.dialect.name == "sqlite":
        return (
            func.julianday(crawl_runs.c.finished_at) - func.julianday(crawl_runs.c.started_at)
        ) * literal(86400.0)
    return cast(func.extract("epoch", crawl_runs.c.finished_at - crawl_runs.c.started_at), Float)


def run_totals(engine: Engine, bounds: Sequence[float]) -> dict[str, SourceTotals]:
    """Per source: closed runs by status, their counters, rejections by reason, a duration
    histogram over ``bounds`` (seconds, ascending) and the latest success."""
    duration = _duration(engine)
    closed = crawl_runs.c.status != RunStatus.RUNNING
    per_status = select(
        crawl_runs.c.source,
        crawl_runs.c.status,
        func.count().label("runs"),
        *(func.coalesce(func.sum(crawl_runs.c[name]), 0).label(name) for name in COUNTERS),
        func.coalesce(func.sum(duration), 0.0).label("duration_sum"),
        func.count(crawl_runs.c.finished_at).label("duration_count"),
        *(
            func.coalesce(func.sum(case((duration <= bound, 1), else_=0)), 0).label(f"le{index}")
            for index, bound in enumerate(bounds)
        ),
    ).group_by(crawl_runs.c.source, crawl_runs.c.status)
    successes = (
        select(crawl_runs.c.source, func.max(crawl_runs.c.finished_at).label("finished_at"))
        .where(crawl_runs.c.status == RunStatus.SUCCEEDED)
        .group_by(crawl_runs.c.source)
    )
    rejections = (
        select(crawl_runs.c.source, rejected_pages.c.reason, func.count().label("pages"))
        .join(crawl_runs, crawl_runs.c.id == rejected_pages.c.crawl_run_id)
        .where(closed)
        .group_by(crawl_runs.c.source, rejected_pages.c.reason)
    )
    totals: dict[str, SourceTotals] = {}

    def of(source: str) -> SourceTotals:
        return totals.setdefault(source, SourceTotals(duration_buckets=[0] * len(bounds)))

    with engine.connect() as connection:
        for row in connection.execute(per_status).mappings():
            source = of(row["source"])
            if row["status"] == RunStatus.RUNNING:
                source.running += int(row["runs"])
                continue
            source.runs[str(row["status"])] = int(row["runs"])
            source.counts += RunCounts(**{name: int(row[name]) for name in COUNTERS})
            source.duration_sum += float(row["duration_sum"])
            source.duration_count += int(row["duration_count"])
            for index in range(len(bounds)):
                source.duration_buckets[index] += int(row[f"le{index}"])
        for name, finished_at in connection.execute(successes):
            of(name).last_success = finished_at
        for name, reason, pages in connection.execute(rejections):
            of(name).rejected[reason] = int(pages)
    return totals
