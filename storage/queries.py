"""Read-side queries for the CLI and downstream code.

Everything returns plain frozen dataclasses, never ORM objects tied to a session.

Stories are listed in one order, ``published_at DESC NULLS LAST, id DESC``, which
the index ``ix_articles_published_order`` (and, for one provider,
``ix_articles_provider_published``) holds, so a page of the newest stories reads
a page of index. Deeper pages go by keyset (``ArticleFilter.after``: the stories
after a given one), never by OFFSET: the older dated stories first (a row
comparison the ordering index serves), then, when the page is not full, the
undated ones.

On PostgreSQL a search with a limit runs in up to two steps, because neither
plan alone is fast for every query: walking the ordering index checks every
story until enough match (seconds for a rare word), and the GIN index's bitmap
fetches every match before sorting (seconds for a common one).

1. The newest ``SEARCH_WINDOW`` stories that pass the other filters, through the
   ordering index, matched against their stored search vectors. When at least
   ``limit`` match, they are the answer: every story outside the window is
   older than every story in it. This step is skipped when the planner's
   statistics say fewer than ``limit`` of the window will match (a rare word).
2. Otherwise the GIN index: every match, sorted, with an ordering the ordering
   index cannot give (``published_at + interval '0'``), so the planner takes the
   bitmap path; fewer than ``limit`` matches among the newest ``SEARCH_WINDOW``
   means the word is rare there.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Engine,
    Select,
    and_,
    func,
    literal,
    select,
    text,
    tuple_,
)

from wirewatch.core.errors import UsageError
from wirewatch.core.query import Node
from wirewatch.storage.ledger import RUN_COLUMNS, RunRow
from wirewatch.storage.models import article_revisions, article_urls, articles, crawl_runs
from wirewatch.storage.planner import estimated_rows
from wirewatch.storage.search import POSTGRES_VECTOR, postgres_vector, search_clause

SEARCH_WINDOW = 5_000
"""How many of the newest stories the first step of a PostgreSQL search looks at."""


@dataclass(frozen=True)
class SearchPlan:
    """How a PostgreSQL search with a limit runs (the module docstring's two steps)."""

    window: int = SEARCH_WINDOW
    """How many of the newest stories the first step looks at."""
    by_statistics: bool = True
    """Skip the first step when the planner expects too few matches in the window."""


@dataclass(frozen=True)
class ArticleFilter:
    """Which stories to list; ``since``/``until`` bound ``published_at`` (inclusive, exclusive).

    ``search`` is a query of ``wirewatch.core.query``'s language, as text or parsed;
    blank text filters nothing out. ``after`` is a story's id: only the stories
    listed after it (older, or as old with a smaller id) are wanted, the next page
    of a listing that ended with that story.
    """

    since: datetime | None = None
    until: datetime | None = None
    provider: str | None = None
    source: str | None = None
    search: str | Node | None = None
    limit: int | None = 50
    after: int | None = None

    @property
    def searches(self) -> bool:
        return self.search is not None and (
            not isinstance(self.search, str) or bool(self.search.strip())
        )


class UnknownCursor(UsageError):
    """``ArticleFilter.after`` names no stored story."""


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


def _filtered(
    statement: Select[Any],
    engine: Engine,
    where: ArticleFilter,
    cursor: ColumnElement[bool] | None = None,
    *,
    search: bool = True,
) -> Select[Any]:
    if cursor is not None:
        statement = statement.where(cursor)
    if where.since is not None:
        statement = statement.where(articles.c.published_at >= where.since)
    if where.until is not None:
        statement = statement.where(articles.c.published_at < where.until)
    if where.provider:
        statement = statement.where(articles.c.provider == where.provider)
    if where.source:
        statement = statement.where(articles.c.source == where.source)
    if search and where.searches:
        assert where.search is not None
        statement = statement.where(search_clause(engine.dialect, where.search))
    return statement


def list_articles(
    engine: Engine, where: ArticleFilter | None = None, *, plan: SearchPlan = SearchPlan()
) -> list[ArticleRow]:
    """Matching stories, newest first (undated ones last).

    ``UnknownCursor`` when ``where.after`` names no story. ``plan`` says how a
    PostgreSQL search runs (see the module docstring).
    """
    where = where or ArticleFilter()
    with engine.connect() as connection:
        if where.after is None:
            return _listed(connection, engine, where, None, plan)
        dated, undated = after_story(connection, where.after)
        rows = _listed(connection, engine, where, dated, plan)
        if undated is not None and (where.limit is None or len(rows) < where.limit):
            rest = None if where.limit is None else where.limit - len(rows)
            rows += _listed(connection, engine, replace(where, limit=rest), undated, plan)
        return rows


def _listed(
    connection: Connection,
    engine: Engine,
    where: ArticleFilter,
    cursor: ColumnElement[bool] | None,
    plan: SearchPlan,
) -> list[ArticleRow]:
    if engine.dialect.name == "postgresql" and where.searches:
        return _search_postgres(connection, engine, where, cursor, plan)
    statement = _filtered(select(*ARTICLE_COLUMNS), engine, where, cursor).order_by(*LISTING_ORDER)
    if where.limit is not None:
        statement = statement.limit(where.limit)
    return [ArticleRow(**row._mapping) for row in connection.execute(statement)]


LISTING_ORDER = (articles.c.published_at.desc().nulls_last(), articles.c.id.desc())


def after_story(
    connection: Connection, story_id: int
) -> tuple[ColumnElement[bool], ColumnElement[bool] | None]:
    """The keyset conditions "listed after story ``story_id``" (``UnknownCursor`` if none).

    After a dated story come the older dated ones, then every undated one: two
    conditions, the second None after an undated story. They are queried one
    after the other because ``... OR published_at IS NULL`` would keep the row
    comparison from being an index condition (100,000 deep: 10 ms instead of 0.2).
    """
    if story_id > MAX_INTEGER:
        raise UnknownCursor(f"--after {story_id}: no stored story has that id")
    cursor = literal(story_id, BigInteger)  # ids are 32-bit on PostgreSQL; any value compares
    found = connection.execute(
        select(articles.c.published_at).where(articles.c.id == cursor)
    ).first()
    if found is None:
        raise UnknownCursor(f"--after {story_id}: no stored story has that id")
    undated = articles.c.published_at.is_(None)
    if found.published_at is None:  # undated stories come last, by id
        return and_(undated, articles.c.id < cursor), None
    return tuple_(articles.c.published_at, articles.c.id) < tuple_(
        found.published_at, cursor
    ), undated


def _search_postgres(
    connection: Connection,
    engine: Engine,
    where: ArticleFilter,
    cursor: ColumnElement[bool] | None,
    plan: SearchPlan,
) -> list[ArticleRow]:
    """The two-step search of the module docstring."""
    assert where.search is not None
    window = plan.window
    if (
        where.limit is not None
        and where.limit <= window
        and (not plan.by_statistics or _window_may_fill(connection, engine, where, cursor, window))
    ):
        recent = (
            _filtered(
                select(*ARTICLE_COLUMNS, postgres_vector().label(POSTGRES_VECTOR)),
                engine,
                where,
                cursor,
                search=False,
            )
            .order_by(*LISTING_ORDER)
            .limit(window)
            .subquery("recent")
        )
        first = (
            select(*(recent.c[name] for name in ArticleRow.__dataclass_fields__))
            .where(search_clause(engine.dialect, where.search, postgres_vector("recent")))
            .order_by(recent.c.published_at.desc().nulls_last(), recent.c.id.desc())
            .limit(where.limit)
        )
        rows = [ArticleRow(**row._mapping) for row in connection.execute(first)]
        if len(rows) == where.limit:
            return rows
    unindexed_order = articles.c.published_at + text("interval '0'")
    statement = _filtered(select(*ARTICLE_COLUMNS), engine, where, cursor).order_by(
        unindexed_order.desc().nulls_last(), articles.c.id.desc()
    )
    if where.limit is not None:
        statement = statement.limit(where.limit)
    return [ArticleRow(**row._mapping) for row in connection.execute(statement)]


def _window_may_fill(
    connection: Connection,
    engine: Engine,
    where: ArticleFilter,
    cursor: ColumnElement[bool] | None,
    window: int,
) -> bool:
    """Whether the planner expects ``limit`` matches among the newest ``window`` stories.

    From its statistics: the share of the filtered stories that match, times the
    window. A word it expects to be rarer than that goes straight to the GIN index
    (the window's search vectors, read from TOAST, cost 4,000 block reads cold).
    The statistics only steer: either step gives the same answer.
    """
    assert where.limit is not None
    listed = select(articles.c.id)
    filtered = estimated_rows(connection, _filtered(listed, engine, where, cursor, search=False))
    matching = estimated_rows(connection, _filtered(listed, engine, where, cursor))
    return matching * min(window, filtered) >= where.limit * max(filtered, 1.0)


def article_query(engine: Engine, where: ArticleFilter, *columns: Any) -> Select[Any]:
    """One statement for every story ``where`` matches (its columns plus ``columns``),
    for streaming an unbounded listing; bounded ones and ``--after`` pages go
    through ``list_articles``."""
    statement = _filtered(select(*ARTICLE_COLUMNS, *columns), engine, where).order_by(
        *LISTING_ORDER
    )
    if where.limit is not None:
        statement = statement.limit(where.limit)
    return statement


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
