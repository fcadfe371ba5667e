"""Initial schema: the contract's tables plus full-text search.

SQLite gets an external-content FTS5 table ``articles_fts`` kept in sync by
triggers; PostgreSQL a GIN index on ``to_tsvector('english', title || ' ' ||
body)``, the exact expression ``storage.search`` queries so the index is used.

Revision ID: a1f3c9e20b01
Revises:
Create Date: 2026-11-27 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "a1f3c9e20b01"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)

SQLITE_FTS = [
    """CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, body, content='articles', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    """CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END""",
    """CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
]
SQLITE_FTS_DROP = [
    "DROP TRIGGER IF EXISTS articles_fts_update",
    "DROP TRIGGER IF EXISTS articles_fts_delete",
    "DROP TRIGGER IF EXISTS articles_fts_insert",
    "DROP TABLE IF EXISTS articles_fts",
]
POSTGRES_FTS = (
    "CREATE INDEX ix_articles_search ON articles "
    "USING gin (to_tsvector('english'::regconfig, title || ' ' || body))"
)


def upgrade() -> None:
    _create_articles()
    _create_article_urls()
    _create_article_revisions()
    _create_crawl_runs()
    _create_rejected_pages()
    _create_search()


def downgrade() -> None:
    _drop_search()
    op.drop_table("rejected_pages")
    op.drop_table("crawl_runs")
    op.drop_table("article_revisions")
    op.drop_table("article_urls")
    op.drop_table("articles")


def _create_articles() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wire_id", sa.Text(), nullable=True),
        sa.Column("article_number", sa.BigInteger(), nullable=True),
        sa.Column("wire_date", sa.Date(), nullable=True),
        sa.Column("provider_code", sa.Text(), nullable=True),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("published_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("published_precision", sa.Text(), nullable=False),
        sa.Column("quality_flags", sa.Text(), server_default="", nullable=False),
        sa.Column("language", sa.Text(), nullable=True),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column("canonical_url", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), server_default="1", nullable=False),
        sa.Column("first_seen_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("last_seen_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("revised_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("wire_id", name=op.f("uq_articles_wire_id")),
    )
    with op.batch_alter_table("articles") as batch:
        batch.create_index("ix_articles_article_number", ["article_number"])
        batch.create_index("ix_articles_provider", ["provider"])
        batch.create_index("ix_articles_published_at", ["published_at"])
        batch.create_index("ix_articles_source", ["source"])
        batch.create_index(
            "uq_articles_content_hash_no_wire_id",
            ["content_hash"],
            unique=True,
            sqlite_where=sa.text("wire_id IS NULL"),
            postgresql_where=sa.text("wire_id IS NULL"),
        )


def _create_article_urls() -> None:
    op.create_table(
        "article_urls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("first_seen_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("last_seen_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("last_fetched_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_urls_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_urls")),
        sa.UniqueConstraint("url", name=op.f("uq_article_urls_url")),
    )
    with op.batch_alter_table("article_urls") as batch:
        batch.create_index("ix_article_urls_article_id", ["article_id"])


def _create_article_revisions() -> None:
    op.create_table(
        "article_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column("captured_at", UTC_TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_revisions_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_revisions")),
        sa.UniqueConstraint(
            "article_id", "revision", name=op.f("uq_article_revisions_article_id_revision")
        ),
    )


def _create_crawl_runs() -> None:
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("trigger", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("started_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("finished_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("pages_fetched", sa.Integer(), server_default="0", nullable=False),
        sa.Column("articles_new", sa.Integer(), server_default="0", nullable=False),
        sa.Column("articles_updated", sa.Integer(), server_default="0", nullable=False),
        sa.Column("articles_unchanged", sa.Integer(), server_default="0", nullable=False),
        sa.Column("duplicates", sa.Integer(), server_default="0", nullable=False),
        sa.Column("pages_rejected", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("hostname", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_runs")),
    )
    with op.batch_alter_table("crawl_runs") as batch:
        batch.create_index("ix_crawl_runs_source_started_at", ["source", "started_at"])
        batch.create_index("ix_crawl_runs_status", ["status"])


def _create_rejected_pages() -> None:
    op.create_table(
        "rejected_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("seen_at", UTC_TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"],
            ["crawl_runs.id"],
            name=op.f("fk_rejected_pages_crawl_run_id_crawl_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejected_pages")),
    )
    with op.batch_alter_table("rejected_pages") as batch:
        batch.create_index("ix_rejected_pages_crawl_run_id", ["crawl_run_id"])


def _create_search() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(POSTGRES_FTS)


def _drop_search() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_FTS_DROP:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_articles_search")
