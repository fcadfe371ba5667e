"""Storage: the database that is wirewatch's public interface.

Layers, bottom up:

- ``models``: typed SQLAlchemy models of the data contract's tables (the schema
  itself is created only by the Alembic migrations in ``alembic/``).
- ``engine``: engines for SQLite (WAL, foreign keys, busy timeout) and PostgreSQL
  (psycopg 3); ``migrate``: run those migrations from code (``ensure_schema``).
- ``upsert``: ``store_batch``, the one write path for extracted records; it applies
  the contract's rules (stored once, every address, improves-never-degrades,
  revisions without flip-flop) set-based, in one transaction per batch.
- ``ledger``: crawl runs and rejected pages; ``addresses``: what incremental
  crawling asks (known addresses, known article numbers, 304 touches).
- ``queries`` and ``search``: read-side functions returning plain dataclasses.
"""

from wirewatch.storage.addresses import (
    KnownAddress,
    lookup_addresses,
    lookup_article_numbers,
    lookup_numbered_addresses,
    touch_addresses,
)
from wirewatch.storage.engine import make_engine, session_factory
from wirewatch.storage.ledger import (
    RunRow,
    add_counts,
    close_run,
    get_run,
    record_rejections,
    running_runs,
    start_run,
)
from wirewatch.storage.migrate import current_revision, downgrade, ensure_schema, upgrade
from wirewatch.storage.models import (
    Article,
    ArticleRevision,
    ArticleUrl,
    CrawlRun,
    RejectedPage,
    RunStatus,
    RunTrigger,
)
from wirewatch.storage.queries import (
    AddressRow,
    ArticleDetail,
    ArticleFilter,
    ArticleRow,
    RevisionRow,
    count_articles,
    get_article,
    list_articles,
    list_runs,
)
from wirewatch.storage.upsert import Outcome, Sighting, StoreResult, store_batch

__all__ = [
    "AddressRow",
    "Article",
    "ArticleDetail",
    "ArticleFilter",
    "ArticleRevision",
    "ArticleRow",
    "ArticleUrl",
    "CrawlRun",
    "KnownAddress",
    "Outcome",
    "RejectedPage",
    "RevisionRow",
    "RunRow",
    "RunStatus",
    "RunTrigger",
    "Sighting",
    "StoreResult",
    "add_counts",
    "close_run",
    "count_articles",
    "current_revision",
    "downgrade",
    "ensure_schema",
    "get_article",
    "get_run",
    "list_articles",
    "list_runs",
    "lookup_addresses",
    "lookup_article_numbers",
    "lookup_numbered_addresses",
    "make_engine",
    "record_rejections",
    "running_runs",
    "session_factory",
    "start_run",
    "store_batch",
    "touch_addresses",
    "upgrade",
]
