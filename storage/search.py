"""Full-text search over title and body, one clause per dialect.

SQLite: the FTS5 table ``articles_fts`` (external content, kept in sync by
triggers). PostgreSQL: ``websearch_to_tsquery`` against the expression the GIN
index ``ix_articles_search`` was built on; the text must match it exactly for
the planner to use the index.
"""

import re

from sqlalchemy import ColumnElement, Dialect, false, literal_column, select, table, text, true

from wirewatch.storage.models import articles

_TOKEN = re.compile(r"\w+", re.UNICODE)
_fts = table("articles_fts", literal_column("rowid"))

POSTGRES_DOCUMENT = "to_tsvector('english'::regconfig, articles.title || ' ' || articles.body)"


def fts5_query(user_text: str) -> str:
    """The user's words as an FTS5 query: each one a quoted phrase, all required.

    Quoting makes FTS5 syntax (``AND``, ``NEAR``, ``*``, ``:``, quotes) plain text,
    so no input can raise a syntax error.
    """
    return " ".join(f'"{word}"' for word in _TOKEN.findall(user_text))


def search_clause(dialect: Dialect, user_text: str) -> ColumnElement[bool]:
    """A WHERE clause on ``articles`` matching stories whose title or body has the words."""
    if dialect.name == "postgresql":
        if not user_text.strip():
            return true()
        return text(
            f"{POSTGRES_DOCUMENT} @@ websearch_to_tsquery('english'::regconfig, :search_text)"
        ).bindparams(search_text=user_text)  # type: ignore[return-value]
    query = fts5_query(user_text)
    if not query:
        return true() if not user_text.strip() else false()
    matching = select(_fts.c.rowid).where(text("articles_fts MATCH :search_text"))
    return articles.c.id.in_(matching.params(search_text=query))
