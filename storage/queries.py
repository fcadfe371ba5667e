"""Read-side queries for the CLI and downstream code.

Everything returns plain frozen dataclasses, never ORM objects tied to a session.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, Select, func, select

from wirewatch.core.query import Node
from wirewatch.storage.ledger import RUN_COLUMNS, RunRow
from wirewatch.storage.models import article_revisions, article_urls, articles, crawl_runs
from wirewatch.storage.search import search_clause


@dataclass(frozen=True)
class ArticleFilter:
    """Which stories to list; ``since``/``until`` bound ``published_at`` (inclusive, exclusive).

    ``search`` is a query of ``wirewatch.core.query``'s language, as text or parsed;
    blank text filters nothing out.
    """

    since: datetime | None = None
    until: datetime | None = None
    provider: str | None = None
    source: str | None = None
    search: str | Node | None = None
    limit: int | None = 50


@dataclass(frozen=True)
class ArticleRow:
    id: int
    wire_id: str | None
    article_number: int | None
    wire_date: date | None
    provider_code: str | None
    provider: str
    title: str
    published_at: datetime | None
    published_precision: str
    quality_flags: str
    language: str | None
    word_count: int
    content_hash: str
    canonical_url: str
    source: str
    revision: int
    first_seen_at: datetime
    last_seen_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class AddressRow:
    url: str
    source: str
    first_seen_at: datetime
    last_seen_at: datetime
    last_fetched_at: datetime | None
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class RevisionRow:
    revision: int
    title: str
    body: str
    content_hash: str
    captured_at: datetime


@dataclass(frozen=True)
class ArticleDetail:
    """One story with its body, every address it was seen at and its earlier revisions."""

    article: ArticleRow
    body: str
    addresses: tuple[AddressRow, ...] = field(default_factory=tuple)
    revisions: tuple[RevisionRow, ...] = field(default_factory=tuple)


MAX_INTEGER = 2**63 - 1
"""The largest integer both databases take, as an id or a LIMIT (a signed 64-bit integer)."""

ARTICLE_COLUMNS = [articles.c[name] for name in ArticleRow.__dataclass_fields__]
ADDRESS_COLUMNS = [article_urls.c[name] for name in AddressRow.__dataclass_fields__]
REVISION_COLUMNS = [article_revisions.c[name] for name in RevisionRow.__dataclass_fields__]


def _filtered(statement: Select[Any], engine: Engine, where: ArticleFilter) -> Select[Any]:
    if where.since is not None:
        statement = statement.where(articles.c.published_at >= where.since)
    if where.until is not None:
        statement = statement.where(articles.c.published_at < where.until)
    if where.provider:
        statement = statement.where(articles.c.provider == where.provider)
    if where.source:
        statement = statement.where(articles.c.source == where.source)
    if where.search is not None and (not isinstance(where.search, str) or where.search.strip()):
        statement = statement.where(search_clause(engine.dialect, where.search))
    return statement


def article_query(engine: Engine, where: ArticleFilter, *columns: Any) -> Select[Any]:
    """The statement of ``list_articles`` (its columns plus ``columns``), for streaming it."""
    statement = _filtered(select(*ARTICLE_COLUMNS, *columns), engine, where).order_by(
        articles.c.published_at.desc().nulls_last(), articles.c.id.desc()
    )
    if where.limit is not None:
        statement = statement.limit(where.limit)
    return statement


def list_articles(engine: Engine, where: ArticleFilter | None = None) -> list[ArticleRow]:
    """Matching stories, newest first (undated ones last)."""
    statement = article_query(engine, where or ArticleFilter())
    with engine.connect() as connection:
        return [ArticleRow(**row._mapping) for row in connection.execute(statement)]


def count_articles(engine: Engine, where: ArticleFilter) -> int:
    """How many stories ``where`` matches, its limit aside."""
    matching = _filtered(select(articles.c.id), engine, where).subquery()
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(matching)).scalar_one())


def get_article(engine: Engine, wire_id_or_id: str) -> ArticleDetail | None:
    """One story by wire ID, or by numeric database id."""
    key = wire_id_or_id.strip()
    condition = articles.c.wire_id == key
    if key.isascii() and key.isdigit():
        if int(key) > MAX_INTEGER:
            return None  # no row has it; the databases would refuse to compare it
        condition = articles.c.id == int(key)
    with engine.connect() as connection:
        row = connection.execute(select(*ARTICLE_COLUMNS, articles.c.body).where(condition)).first()
        if row is None:
            return None
        values = dict(row._mapping)
        body = values.pop("body")
        addresses = connection.execute(
            select(*ADDRESS_COLUMNS)
            .where(article_urls.c.article_id == values["id"])
            .order_by(article_urls.c.first_seen_at, article_urls.c.id)
        )
        revisions = connection.execute(
            select(*REVISION_COLUMNS)
            .where(article_revisions.c.article_id == values["id"])
            .order_by(article_revisions.c.revision)
        )
        return ArticleDetail(
            article=ArticleRow(**values),
            body=body,
            addresses=tuple(AddressRow(**a._mapping) for a in addresses),
            revisions=tuple(RevisionRow(**r._mapping) for r in revisions),
        )


def list_runs(engine: Engine, source: str | None = None, limit: int = 20) -> list[RunRow]:
    """The latest crawl runs, newest first."""
    statement = select(*RUN_COLUMNS).order_by(
        crawl_runs.c.started_at.desc(), crawl_runs.c.id.desc()
    )
    if source:
        statement = statement.where(crawl_runs.c.source == source)
    with engine.connect() as connection:
        return [
            RunRow.from_mapping(row._mapping) for row in connection.execute(statement.limit(limit))
        ]
