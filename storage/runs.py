"""Crawl runs: one ``crawl_runs`` row per crawl of one source, and its rejected pages.

Counters are incremented in the database (``SET n = n + :delta``), so several
writers of one run never lose each other's counts.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from wirewatch.core.record import Rejection
from wirewatch.storage.models import RunStatus, RunTrigger, crawl_runs, rejected_pages

COUNTERS = (
    "pages_fetched",
    "articles_new",
    "articles_updated",
    "articles_unchanged",
    "duplicates",
    "pages_rejected",
)


@dataclass(frozen=True)
class RunRow:
    """A ``crawl_runs`` row, detached from any session."""

    id: int
    source: str
    trigger: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    pages_fetched: int
    articles_new: int
    articles_updated: int
    articles_unchanged: int
    duplicates: int
    pages_rejected: int
    error: str | None
    pid: int | None
    hostname: str | None


RUN_COLUMNS = [crawl_runs.c[name] for name in RunRow.__dataclass_fields__]


def utcnow() -> datetime:
    return datetime.now(UTC)


def start_run(
    engine: Engine,
    source: str,
    trigger: str,
    *,
    pid: int | None = None,
    hostname: str | None = None,
) -> int:
    """Insert a ``running`` row and return its id."""
    statement = (
        insert(crawl_runs)
        .values(
            source=source,
            trigger=str(RunTrigger(trigger)),
            status=str(RunStatus.RUNNING),
            started_at=utcnow(),
            pid=pid,
            hostname=hostname,
        )
        .returning(crawl_runs.c.id)
    )
    with engine.begin() as connection:
        return int(connection.execute(statement).scalar_one())


def add_run_counts(
    engine: Engine,
    run_id: int,
    *,
    pages_fetched: int = 0,
    articles_new: int = 0,
    articles_updated: int = 0,
    articles_unchanged: int = 0,
    duplicates: int = 0,
    pages_rejected: int = 0,
) -> None:
    """Atomically add to the run's counters."""
    deltas = {
        "pages_fetched": pages_fetched,
        "articles_new": articles_new,
        "articles_updated": articles_updated,
        "articles_unchanged": articles_unchanged,
        "duplicates": duplicates,
        "pages_rejected": pages_rejected,
    }
    values = {name: crawl_runs.c[name] + delta for name, delta in deltas.items() if delta}
    if not values:
        return
    with engine.begin() as connection:
        connection.execute(update(crawl_runs).where(crawl_runs.c.id == run_id).values(values))


def finish_run(engine: Engine, run_id: int, status: str, error: str | None = None) -> None:
    """Close a run with its final status (and why it failed, when it did)."""
    statement = (
        update(crawl_runs)
        .where(crawl_runs.c.id == run_id)
        .values(status=str(RunStatus(status)), finished_at=utcnow(), error=error)
    )
    with engine.begin() as connection:
        connection.execute(statement)


def record_rejections(
    engine: Engine,
    run_id: int,
    rejections: Sequence[Rejection],
    seen_at: datetime | None = None,
) -> None:
    """Store rejected pages for a run (counters are the caller's, via ``add_run_counts``)."""
    if not rejections:
        return
    when = seen_at or utcnow()
    rows = [
        {
            "crawl_run_id": run_id,
            "url": rejection.url,
            "reason": str(rejection.reason),
            "detail": rejection.detail,
            "http_status": rejection.http_status,
            "seen_at": when,
        }
        for rejection in rejections
    ]
    with engine.begin() as connection:
        connection.execute(insert(rejected_pages), rows)


def get_run(engine: Engine, run_id: int) -> RunRow | None:
    with engine.connect() as connection:
        row = connection.execute(select(*RUN_COLUMNS).where(crawl_runs.c.id == run_id)).first()
    return RunRow(**row._mapping) if row else None


def running_runs(engine: Engine) -> list[RunRow]:
    """Runs still marked ``running``, oldest first (the daemon checks their pid/hostname)."""
    statement = (
        select(*RUN_COLUMNS)
        .where(crawl_runs.c.status == str(RunStatus.RUNNING))
        .order_by(crawl_runs.c.started_at, crawl_runs.c.id)
    )
    with engine.connect() as connection:
        return [RunRow(**row._mapping) for row in connection.execute(statement)]


def mark_interrupted(engine: Engine, run_ids: Iterable[int], reason: str) -> None:
    """Close runs whose process is gone; only rows still ``running`` are touched."""
    ids = list(run_ids)
    if not ids:
        return
    statement = (
        update(crawl_runs)
        .where(crawl_runs.c.id.in_(ids), crawl_runs.c.status == str(RunStatus.RUNNING))
        .values(status=str(RunStatus.INTERRUPTED), finished_at=utcnow(), error=reason)
    )
    with engine.begin() as connection:
        connection.execute(statement)
