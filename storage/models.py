"""SQLAlchemy models: the tables and columns of ``shared/spec/data-contract.md``.

Alembic migrations create the schema; these models describe it, and an
autogenerate comparison in the tests keeps the two in agreement. Full-text
search objects (SQLite ``articles_fts`` and its triggers, PostgreSQL's GIN
expression index) exist only in migrations and are hidden from that comparison.

Extra columns beyond the contract: ``articles.revised_at`` (when the current
title/body were first stored, which becomes ``article_revisions.captured_at``
once they are superseded), ``crawl_runs.pid`` and ``crawl_runs.hostname`` (so the
daemon can tell whether a ``running`` row's process is gone), and
``watch_matches.status`` (``MatchStatus``: where a match is in its delivery) and
``watch_matches.last_attempt_at`` (when its last try began).

``uq_crawl_runs_source_active``, a partial unique index on ``crawl_runs.source``
over the ``queued`` and ``running`` rows, is how the database refuses a second
run of one source in flight, across every machine of a Celery cluster.
"""

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, ClassVar, cast

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and handed out timezone-aware.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so values are
    stored as naive UTC and re-labelled as UTC when read. Naive values passed in
    are taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[datetime]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(DateTime())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = to_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else to_utc(value)


def to_utc(value: datetime) -> datetime:
    """The same instant as an aware UTC datetime; naive values are taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class RunStatus(StrEnum):
    """``crawl_runs.status``: ``queued`` (Celery mode) until a worker claims it, ``running``
    until the run ledger closes the run as one of the rest."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class RunTrigger(StrEnum):
    """``crawl_runs.trigger``: the daemon's schedule, ``wirewatch crawl`` or ``wirewatch demo``."""

    SCHEDULE = "schedule"
    MANUAL = "manual"
    DEMO = "demo"


class MatchStatus(StrEnum):
    """``watch_matches.status``: where a match is in its delivery."""

    PENDING = "pending"
    """Waiting for (another) try at its watch's webhook."""
    DELIVERED = "delivered"
    FAILED = "failed"
    """Gave up: its watch's ``max_attempts`` tries all failed."""
    UNSENT = "unsent"
    """Its watch had no webhook when it matched: listed (``wirewatch matches``), never posted."""


class MatchEvent(StrEnum):
    """``watch_matches.event``: what made a story match."""

    NEW = "new"
    REVISED = "revised"


class Base(DeclarativeBase):
    metadata = metadata
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        str: Text(),
        int: Integer(),
        date: Date(),
    }


class Article(Base):
    """One story, however many addresses carried it (keyed by wire_id, else content_hash)."""

    __tablename__ = "articles"
    __table_args__ = (
        Index(
            "uq_articles_content_hash_no_wire_id",
            "content_hash",
            unique=True,
            sqlite_where=text("wire_id IS NULL"),
            postgresql_where=text("wire_id IS NULL"),
        ),
        Index("ix_articles_source", "source"),
        Index("ix_articles_article_number", "article_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wire_id: Mapped[str | None] = mapped_column(unique=True)
    article_number: Mapped[int | None] = mapped_column(BigInteger)
    wire_date: Mapped[date | None]
    provider_code: Mapped[str | None]
    provider: Mapped[str]
    title: Mapped[str]
    body: Mapped[str]
    published_at: Mapped[datetime | None]
    published_precision: Mapped[str]
    quality_flags: Mapped[str] = mapped_column(server_default="")
    language: Mapped[str | None]
    word_count: Mapped[int]
    content_hash: Mapped[str]
    canonical_url: Mapped[str]
    source: Mapped[str]
    revision: Mapped[int] = mapped_column(server_default="1")
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    revised_at: Mapped[datetime]


class ArticleUrl(Base):
    """Every (canonicalised) address a story was seen at."""

    __tablename__ = "article_urls"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(unique=True)
    source: Mapped[str]
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    last_fetched_at: Mapped[datetime | None]
    etag: Mapped[str | None]
    last_modified: Mapped[str | None]


class ArticleRevision(Base):
    """What a story said before it changed: the contents of one superseded revision."""

    __tablename__ = "article_revisions"
    __table_args__ = (UniqueConstraint("article_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    revision: Mapped[int]
    title: Mapped[str]
    body: Mapped[str]
    content_hash: Mapped[str]
    captured_at: Mapped[datetime]


ACTIVE_RUN = "status IN ('queued', 'running')"
"""The rows of runs in flight: at most one per source (``uq_crawl_runs_source_active``)."""


class CrawlRun(Base):
    """One crawl of one source, with its counters."""

    __tablename__ = "crawl_runs"
    __table_args__ = (
        Index("ix_crawl_runs_source_started_at", "source", "started_at"),
        Index("ix_crawl_runs_status", "status"),
        Index(
            "uq_crawl_runs_source_active",
            "source",
            unique=True,
            sqlite_where=text(ACTIVE_RUN),
            postgresql_where=text(ACTIVE_RUN),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str]
    trigger: Mapped[str]
    status: Mapped[str]
    queued_at: Mapped[datetime | None]
    started_at: Mapped[datetime]
    """When a worker claimed the run (while ``queued``: when it was enqueued)."""
    finished_at: Mapped[datetime | None]
    pages_fetched: Mapped[int] = mapped_column(server_default="0")
    articles_new: Mapped[int] = mapped_column(server_default="0")
    articles_updated: Mapped[int] = mapped_column(server_default="0")
    articles_unchanged: Mapped[int] = mapped_column(server_default="0")
    duplicates: Mapped[int] = mapped_column(server_default="0")
    pages_rejected: Mapped[int] = mapped_column(server_default="0")
    error: Mapped[str | None]
    pid: Mapped[int | None]
    hostname: Mapped[str | None]
    heartbeat_at: Mapped[datetime | None]


class RejectedPage(Base):
    """A page that could not be stored, with a short reason code."""

    __tablename__ = "rejected_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    crawl_run_id: Mapped[int] = mapped_column(
        ForeignKey("crawl_runs.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str]
    reason: Mapped[str]
    detail: Mapped[str]
    http_status: Mapped[int | None]
    seen_at: Mapped[datetime]


class WatchMatch(Base):
    """The outbox of alerts: one story (at one revision) that matched one watch.

    Written in the transaction that stored the story; ``id`` is the delivery's
    ``Idempotency-Key``, the same on every try.
    """

    __tablename__ = "watch_matches"
    __table_args__ = (
        UniqueConstraint("watch", "article_id", "revision"),
        Index("ix_watch_matches_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_watch_matches_matched_at", "matched_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    watch: Mapped[str]
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    revision: Mapped[int]
    event: Mapped[str]
    status: Mapped[str]
    matched_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(server_default="0")
    last_error: Mapped[str | None]
    last_attempt_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]


# Core tables, typed as ``Table`` for insert/update constructs.
articles = cast(Table, Article.__table__)

# The listing order, ``published_at DESC NULLS LAST, id DESC``, as indexes (SQLite's
# ``CREATE INDEX`` takes no ``NULLS LAST``; its ``DESC`` puts NULLs last anyway).
Index(
    "ix_articles_published_order",
    articles.c.published_at.desc().nulls_last(),
    articles.c.id.desc(),
    postgresql_include=["provider"],
)
Index(
    "ix_articles_provider_published",
    articles.c.provider,
    articles.c.published_at.desc().nulls_last(),
    articles.c.id.desc(),
)
article_urls = cast(Table, ArticleUrl.__table__)
article_revisions = cast(Table, ArticleRevision.__table__)
crawl_runs = cast(Table, CrawlRun.__table__)
rejected_pages = cast(Table, RejectedPage.__table__)
watch_matches = cast(Table, WatchMatch.__table__)
