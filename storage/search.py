"""Full-text search over title and body: one query language, translated per dialect.

The language and its parser are ``wirewatch.core.query``; this module turns a
parsed query into a WHERE clause, with the same meaning on both databases
(words as written, no stemming, no stop words):

- SQLite: an FTS5 ``MATCH`` against ``articles_fts`` (external content, kept in
  sync by triggers; tokenizer ``FTS5_TOKENIZER``). Every term is
  written as an FTS5 string of its words, so no user text is read as FTS5 syntax.
- PostgreSQL: a ``tsquery`` built from ``phraseto_tsquery('simple', ...)`` and
  ``to_tsquery('simple', '<word>':*)`` leaves combined with ``tsquery_and``,
  ``tsquery_or`` and ``tsquery_not``, each leaf's text a bound parameter, matched
  against ``articles.search_vector``: a stored generated column holding
  ``to_tsvector('simple', title || ' ' || body)``, with the GIN index
  ``ix_articles_search_vector``. Stored, the vector is computed once per write
  instead of once per candidate row and query (about 0.4 ms a story).
  ``storage.queries`` decides how the match is planned (the two-step search).
"""

from sqlalchemy import ColumnElement, Dialect, func, literal, literal_column, select, table, text

from wirewatch.core.query import And, Node, Not, Or, Term, parse_query
from wirewatch.storage.models import articles

_fts = table("articles_fts", literal_column("rowid"))

FTS5_TOKENIZER = "unicode61 remove_diacritics 0"
"""``articles_fts``'s tokenizer, as the head migration creates it (a test compares them)."""
POSTGRES_CONFIG = "simple"
POSTGRES_VECTOR = "search_vector"
"""The PostgreSQL column ``--search`` matches (only migrations create it: SQLite has none)."""
_REGCONFIG: ColumnElement[object] = literal_column(f"'{POSTGRES_CONFIG}'::regconfig")


def fts5_query(node: Node) -> str:
    """The query as an FTS5 expression; only words (letters and digits) come from the user."""
    if isinstance(node, Term):
        return f'"{" ".join(node.words)}"' + ("*" if node.prefix else "")
    if isinstance(node, Or):
        return " OR ".join(_fts5_group(part) for part in node.parts)
    if isinstance(node, And):
        wanted = [_fts5_group(p) for p in node.parts if not isinstance(p, Not)]
        unwanted = [_fts5_group(p.part) for p in node.parts if isinstance(p, Not)]
        together = " AND ".join(wanted)
        if not unwanted:
            return together
        return " NOT ".join([f"({together})" if len(wanted) > 1 else together, *unwanted])
    raise ValueError(f"an exclusion cannot stand alone: {node!r}")


def _fts5_group(node: Node) -> str:
    return fts5_query(node) if isinstance(node, Term) else f"({fts5_query(node)})"


def postgres_tsquery(node: Node) -> ColumnElement[object]:
    """The query as a PostgreSQL ``tsquery`` expression whose user text is all bound parameters."""
    if isinstance(node, Term):
        return _postgres_term(node)
    if isinstance(node, Or):
        return _fold("tsquery_or", [postgres_tsquery(part) for part in node.parts])
    if isinstance(node, And):
        query = _fold(
            "tsquery_and", [postgres_tsquery(p) for p in node.parts if not isinstance(p, Not)]
        )
        for part in node.parts:
            if isinstance(part, Not):
                query = func.tsquery_and(query, func.tsquery_not(postgres_tsquery(part.part)))
        return query
    raise ValueError(f"an exclusion cannot stand alone: {node!r}")


def _postgres_term(term: Term) -> ColumnElement[object]:
    """A phrase tokenised by PostgreSQL's own parser, as the documents were (``U.S.``, ``2.5``)."""
    if not term.prefix:
        return func.phraseto_tsquery(_REGCONFIG, literal(term.text))
    *head, last = term.words
    begins = func.to_tsquery(_REGCONFIG, literal(f"'{last}':*"))  # last: letters and digits
    if not head:
        return begins
    return func.tsquery_phrase(func.phraseto_tsquery(_REGCONFIG, literal(" ".join(head))), begins)


def _fold(function: str, queries: list[ColumnElement[object]]) -> ColumnElement[object]:
    combined = queries[0]
    for query in queries[1:]:
        combined = getattr(func, function)(combined, query)
    return combined


def postgres_vector(table_name: str = "articles") -> ColumnElement[object]:
    """``search_vector`` of ``table_name`` (``articles``, or a subquery that selected it)."""
    return literal_column(f"{table_name}.{POSTGRES_VECTOR}")


def search_clause(
    dialect: Dialect, query: str | Node, vector: ColumnElement[object] | None = None
) -> ColumnElement[bool]:
    """A WHERE clause on ``articles``: stories whose title or body match ``query``.

    ``query`` is parsed when given as text (``QuerySyntaxError`` when it is not a query).
    On PostgreSQL, ``vector`` is the search vector to match (``articles.search_vector``
    by default; a subquery's copy of it for the two-step search).
    """
    node = parse_query(query) if isinstance(query, str) else query
    if dialect.name == "postgresql":
        document = postgres_vector() if vector is None else vector
        return document.op("@@", is_comparison=True)(postgres_tsquery(node))
    matching = select(_fts.c.rowid).where(text("articles_fts MATCH :search_text"))
    return articles.c.id.in_(matching.params(search_text=fts5_query(node)))
