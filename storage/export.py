"""Read-side helpers the CLI needs beyond ``storage.queries``: bodies, rejections, totals.

Kept apart from ``queries`` so the CLI's needs (``wirewatch articles --body``,
``wirewatch demo``'s report) do not grow the core query module.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, func, select

from wirewatch.storage.models import article_revisions, article_urls, articles, rejected_pages
from wirewatch.storage.queries import ArticleFilter, ArticleRow, article_query, list_articles

STREAM_CHUNK = 500
"""Stories read from the database at a time when streaming them out."""


@dataclass(frozen=True)
class RejectionRow:
    id: int
    crawl_run_id: int
    url: str
    reason: str
    detail: str
    http_status: int | None
    seen_at: datetime


@dataclass(frozen=True)
class Totals:
    """Whole-database figures: stories, addresses, stories seen at several, revisions."""

    articles: int
    addresses: int
    syndicated: int
    revisions: int
    flagged: int


REJECTION_COLUMNS = [rejected_pages.c[name] for name in RejectionRow.__dataclass_fields__]


def article_bodies(engine: Engine, ids: Iterable[int]) -> dict[int, str]:
    """``articles.body`` of the given ids."""
    wanted = list(ids)
    bodies: dict[int, str] = {}
    with engine.connect() as connection:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = connection.execute(
                select(articles.c.id, articles.c.body).where(articles.c.id.in_(chunk))
            )
            bodies.update({row.id: row.body for row in rows})
    return bodies


def article_addresses(engine: Engine, ids: Iterable[int]) -> dict[int, list[str]]:
    """Every address of the given stories, first seen first."""
    wanted = list(ids)
    addresses: dict[int, list[str]] = {}
    with engine.connect() as connection:
        for start in range(0, len(wanted), 500):
            rows = connection.execute(
                select(article_urls.c.article_id, article_urls.c.url)
                .where(article_urls.c.article_id.in_(wanted[start : start + 500]))
                .order_by(article_urls.c.first_seen_at, article_urls.c.id)
            )
            for row in rows:
                addresses.setdefault(row.article_id, []).append(row.url)
    return addresses


def stream_articles(
    engine: Engine, where: ArticleFilter, *, body: bool, chunk: int = STREAM_CHUNK
) -> Iterator[list[tuple[ArticleRow, str | None]]]:
    """The stories of ``list_articles`` in chunks of ``chunk``, with their body on request,
    read as they are written out (a server-side cursor on PostgreSQL): memory stays flat
    however many there are. A bounded listing or an ``--after`` page is read
    whole through ``list_articles`` (keyset paging, PostgreSQL's two-step search)."""
    if where.limit is not None or where.after is not None:
        listed = list_articles(engine, where)
        bodies = article_bodies(engine, [row.id for row in listed]) if body else {}
        for start in range(0, len(listed), chunk):
            yield [(row, bodies.get(row.id)) for row in listed[start : start + chunk]]
        return
    extra = [articles.c.body] if body else []
    statement = article_query(engine, where, *extra)
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=chunk).execute(
            statement
        )
        for partition in result.partitions(chunk):
            rows = []
            for row in partition:
                values = dict(row._mapping)
                text = values.pop("body", None)
                rows.append((ArticleRow(**values), text))
            yield rows


def list_rejections(
    engine: Engine, run_ids: Iterable[int] | None = None, limit: int | None = None
) -> list[RejectionRow]:
    """Rejected pages, newest first, optionally only those of some runs."""
    statement = select(*REJECTION_COLUMNS).order_by(
        rejected_pages.c.seen_at.desc(), rejected_pages.c.id.desc()
    )
    if run_ids is not None:
        statement = statement.where(rejected_pages.c.crawl_run_id.in_(list(run_ids)))
    if limit is not None:
        statement = statement.limit(limit)
    with engine.connect() as connection:
        return [RejectionRow(**row._mapping) for row in connection.execute(statement)]


def totals(engine: Engine) -> Totals:
    per_article = (
        select(article_urls.c.article_id)
        .group_by(article_urls.c.article_id)
        .having(func.count() > 1)
        .subquery()
    )
    flagged = select(func.count()).select_from(articles).where(articles.c.quality_flags != "")
    with engine.connect() as connection:
        return Totals(
            articles=_count(connection, select(func.count()).select_from(articles)),
            addresses=_count(connection, select(func.count()).select_from(article_urls)),
            syndicated=_count(connection, select(func.count()).select_from(per_article)),
            revisions=_count(connection, select(func.count()).select_from(article_revisions)),
            flagged=_count(connection, flagged),
        )


def _count(connection: Connection, statement: Select[Any]) -> int:
    return int(connection.execute(statement).scalar_one())
