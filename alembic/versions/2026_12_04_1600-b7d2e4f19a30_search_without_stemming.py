"""Full-text search that means the same on both databases: words as written, no stemming.

``wirewatch articles --search`` matches words as written on SQLite and on
PostgreSQL alike (``wirewatch.core.query``):

- PostgreSQL gets a second GIN index, ``ix_articles_search_simple``, on
  ``to_tsvector('simple', title || ' ' || body)`` (lower-cased words, no
  stemming, no stop words), the expression ``storage.search`` now queries.
  ``ix_articles_search`` (the ``'english'`` expression) stays, so documented
  SQL that uses it keeps using an index.
- SQLite's ``articles_fts`` keeps its name, columns and triggers, but its
  tokenizer stops folding diacritics (``remove_diacritics 0``), as PostgreSQL's
  ``'simple'`` configuration does not fold them: ``café`` and ``cafe`` are two
  words on both. The table is rebuilt from ``articles``.

Revision ID: b7d2e4f19a30
Revises: a1f3c9e20b01
Create Date: 2026-12-04 16:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b7d2e4f19a30"
down_revision: str | Sequence[str] | None = "a1f3c9e20b01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSTGRES_INDEX = (
    "CREATE INDEX ix_articles_search_simple ON articles "
    "USING gin (to_tsvector('simple'::regconfig, title || ' ' || body))"
)
SQLITE_TRIGGERS = [
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


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _rebuild_fts("unicode61 remove_diacritics 0")
    elif dialect == "postgresql":
        op.execute(POSTGRES_INDEX)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _rebuild_fts("unicode61 remove_diacritics 2")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_articles_search_simple")


def _rebuild_fts(tokenize: str) -> None:
    """Recreate ``articles_fts`` (and its triggers) with ``tokenize``, filled from ``articles``."""
    for trigger in ("articles_fts_update", "articles_fts_delete", "articles_fts_insert"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS articles_fts")
    op.execute(
        "CREATE VIRTUAL TABLE articles_fts USING fts5("
        "title, body, content='articles', content_rowid='id', "
        f"tokenize='{tokenize}')"
    )
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)
    op.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
