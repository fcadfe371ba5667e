"""Indexes for a million stories: the listing order, per provider, and a stored search vector.

Measured on a million stories (``benchmarks/bench_postgres_scale.py``), the
listing order ``published_at DESC NULLS LAST, id DESC`` matched no index, so the
newest 50 stories took a parallel sequential scan, and ``--search`` recomputed
``to_tsvector`` for every candidate row. This migration adds:

- ``ix_articles_published_order`` on ``(published_at DESC NULLS LAST, id DESC)``,
  which serves the listing, keyset paging and date ranges; on PostgreSQL it
  also carries ``provider`` (``INCLUDE``) so per-provider daily counts over a
  date range are an index-only scan. It replaces ``ix_articles_published_at``.
- ``ix_articles_provider_published`` on ``(provider, published_at DESC NULLS
  LAST, id DESC)``: one provider's newest stories. It replaces
  ``ix_articles_provider`` (same leading column).
- PostgreSQL only: ``articles.search_vector``, a stored generated ``tsvector``
  (``to_tsvector('simple', title || ' ' || body)``, what ``--search`` matches),
  with the GIN index ``ix_articles_search_vector``. Adding the column rewrites
  the table (an exclusive lock for minutes at a million stories: stop the
  daemon first). The expression indexes ``ix_articles_search_simple`` and
  ``ix_articles_search`` stay, so SQL written against the documented
  expressions keeps using an index; ``ix_articles_search_simple`` is deprecated
  (the README says so) and a later migration drops it.

SQLite keeps its FTS5 table; it gets the two b-tree indexes (without
``NULLS LAST``, which SQLite's ``CREATE INDEX`` refuses: its ``DESC`` already
puts NULLs last).

Revision ID: c3e5a7f10d42
Revises: b7d2e4f19a30
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c3e5a7f10d42"
down_revision: str | Sequence[str] | None = "b7d2e4f19a30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSTGRES_UPGRADE = [
    "CREATE INDEX ix_articles_published_order ON articles "
    "(published_at DESC NULLS LAST, id DESC) INCLUDE (provider)",
    "CREATE INDEX ix_articles_provider_published ON articles "
    "(provider, published_at DESC NULLS LAST, id DESC)",
    "DROP INDEX ix_articles_published_at",
    "DROP INDEX ix_articles_provider",
    "ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple'::regconfig, title || ' ' || body)) STORED",
    "CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)",
]
POSTGRES_DOWNGRADE = [
    "DROP INDEX IF EXISTS ix_articles_search_vector",
    "ALTER TABLE articles DROP COLUMN IF EXISTS search_vector",
    "CREATE INDEX ix_articles_published_at ON articles (published_at)",
    "CREATE INDEX ix_articles_provider ON articles (provider)",
    "DROP INDEX ix_articles_provider_published",
    "DROP INDEX ix_articles_published_order",
]
SQLITE_UPGRADE = [
    "CREATE INDEX ix_articles_published_order ON articles (published_at DESC, id DESC)",
    "CREATE INDEX ix_articles_provider_published ON articles "
    "(provider, published_at DESC, id DESC)",
    "DROP INDEX ix_articles_published_at",
    "DROP INDEX ix_articles_provider",
]
SQLITE_DOWNGRADE = [
    "CREATE INDEX ix_articles_published_at ON articles (published_at)",
    "CREATE INDEX ix_articles_provider ON articles (provider)",
    "DROP INDEX ix_articles_provider_published",
    "DROP INDEX ix_articles_published_order",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in POSTGRES_UPGRADE if dialect == "postgresql" else SQLITE_UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in POSTGRES_DOWNGRADE if dialect == "postgresql" else SQLITE_DOWNGRADE:
        op.execute(statement)
