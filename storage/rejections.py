"""Read side of ``rejected_pages``: the pages runs could not store, with their run's source."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from wirewatch.storage.models import crawl_runs, rejected_pages


@dataclass(frozen=True)
class RejectionFilter:
    source: str | None = None
    reason: str | None = None
    since: datetime | None = None
    """Seen at or after."""
    run_id: int | None = None
    limit: int | None = 50


@dataclass(frozen=True)
class RejectedPageRow:
    id: int
    run_id: int
    source: str
    seen_at: datetime
    reason: str
    http_status: int | None
    url: str
    detail: str


def list_rejections(engine: Engine, where: RejectionFilter) -> list[RejectedPageRow]:
    """Rejected pages, newest first."""
    statement = (
        select(
            rejected_pages.c.id,
            rejected_pages.c.crawl_run_id.label("run_id"),
            crawl_runs.c.source,
            rejected_pages.c.seen_at,
            rejected_pages.c.reason,
            rejected_pages.c.http_status,
            rejected_pages.c.url,
            rejected_pages.c.detail,
        )
        .join(crawl_runs, crawl_runs.c.id == rejected_pages.c.crawl_run_id)
        .order_by(rejected_pages.c.seen_at.desc(), rejected_pages.c.id.desc())
    )
    if where.source:
        statement = statement.where(crawl_runs.c.source == where.source)
    if where.reason:
        statement = statement.where(rejected_pages.c.reason == where.reason)
    if where.since is not None:
        statement = statement.where(rejected_pages.c.seen_at >= where.since)
    if where.run_id is not None:
        statement = statement.where(rejected_pages.c.crawl_run_id == where.run_id)
    if where.limit is not None:
        statement = statement.limit(where.limit)
    with engine.connect() as connection:
        return [RejectedPageRow(**row._mapping) for row in connection.execute(statement)]
