"""Watch matching on SQLite, through the driver's cursor.

A round of storing offers about a hundred stories to every watch. On SQLite the
work that is left once the stories are indexed is small enough that
SQLAlchemy's per-statement and per-row handling would cost as much as the
search itself, so this module talks to ``sqlite3`` directly, inside the storing
transaction, with SQL made only of constants and placeholders (every value is
bound):

- ``sqlite_matches`` indexes the candidates alone, in a contentless FTS5 table
  of the connection's temp schema with ``articles_fts``'s tokenizer, and runs
  every watch's FTS5 expression on them in one ``UNION ALL`` statement. The
  queries do not touch the big index, so the cost does not grow with the table.
- ``stored_filters`` reads the provider, source and language of the candidates.
- ``executemany`` inserts rows with the SQL SQLAlchemy compiles for a construct,
  each value converted once by its column's own type.

Nothing here passes through the engine's text-cleaning hook: the values are
ids, timestamps, watch names (validated ``[a-z0-9-]``), the enums' values, and
FTS5 expressions of letters, digits and quotes (``fts5_query``).
"""

from collections.abc import Hashable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import Insert

from wirewatch.core.query import Node
from wirewatch.storage.search import FTS5_TOKENIZER, fts5_query

K = TypeVar("K", bound=Hashable)


class StoredFilters(NamedTuple):
    """The stored values a watch's filters compare: its provider, source and language."""

    provider: str
    source: str
    language: str | None


_CANDIDATES = "watch_candidates"
"""The temp-schema FTS5 table ``sqlite_matches`` indexes a round's candidates in."""
_CREATE_CANDIDATES = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_CANDIDATES} USING fts5"
    f"(title, body, content='', columnsize=0, tokenize='{FTS5_TOKENIZER}')"
)
_MATCH_CANDIDATES = f"SELECT ?, rowid FROM temp.{_CANDIDATES} WHERE {_CANDIDATES} MATCH ?"
_COMPOUND_LIMIT = 200
"""FTS5 queries per statement (SQLite allows 500 terms in one compound SELECT)."""
_IDS_PER_STATEMENT = 500
"""Ids per ``IN`` list (SQLite allows 32,766 parameters; smaller lists plan as well)."""


def _placeholders(count: int) -> str:
    return ",".join("?" * count)


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [
        ids[start : start + _IDS_PER_STATEMENT] for start in range(0, len(ids), _IDS_PER_STATEMENT)
    ]


@lru_cache(maxsize=4096)
def _fts5(node: Node) -> str:
    return fts5_query(node)


def sqlite_matches(
    connection: Connection, ids: Sequence[int], jobs: Sequence[tuple[K, Node, AbstractSet[int]]]
) -> set[tuple[K, int]]:
    """Which of its ids each job's query matches, as ``(key, article id)`` pairs.

    ``ids`` holds every id of the jobs. The table is contentless: no text is stored
    twice, and ``delete-all`` empties it at once. It lives in this connection's temp
    schema, inside the storing transaction: a rollback empties it too.
    """
    queries = [
        value for position, (_k, node, _i) in enumerate(jobs) for value in (position, _fts5(node))
    ]
    found: set[tuple[K, int]] = set()
    cursor = connection.connection.cursor()
    try:
        cursor.execute(_CREATE_CANDIDATES)
        for chunk in _chunks(ids):
            cursor.execute(
                f"INSERT INTO temp.{_CANDIDATES} (rowid, title, body) "
                f"SELECT id, title, body FROM articles WHERE id IN ({_placeholders(len(chunk))})",
                chunk,
            )
        step = 2 * _COMPOUND_LIMIT
        for start in range(0, len(queries), step):
            values = queries[start : start + step]
            cursor.execute(" UNION ALL ".join([_MATCH_CANDIDATES] * (len(values) // 2)), values)
            for position, rowid in cursor.fetchall():
                key, _node, wanted = jobs[position]
                if rowid in wanted:
                    found.add((key, rowid))
        cursor.execute(f"INSERT INTO temp.{_CANDIDATES} ({_CANDIDATES}) VALUES ('delete-all')")
    finally:
        cursor.close()
    return found


def stored_filters(connection: Connection, ids: Sequence[int]) -> dict[int, StoredFilters]:
    """The provider, source and language stored for each of ``ids``."""
    cursor = connection.connection.cursor()
    try:
        found = {}
        for chunk in _chunks(ids):
            cursor.execute(
                "SELECT id, provider, source, language FROM articles "
                f"WHERE id IN ({_placeholders(len(chunk))})",
                chunk,
            )
            for article_id, *values in cursor.fetchall():
                found[article_id] = StoredFilters(*values)
        return found
    finally:
        cursor.close()


class _Compiled(NamedTuple):
    sql: str
    keys: tuple[str, ...]
    processors: Mapping[str, Any]


@lru_cache(maxsize=32)
def _compiled(statement: Insert, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    order = tuple(compiled.positiontup or ())
    if set(order) != set(keys):
        raise ValueError(f"{statement} does not take exactly the values {keys}")
    table = statement.table
    processors = {
        key: processor
        for key in order
        if (processor := table.c[key].type.dialect_impl(dialect).bind_processor(dialect))
    }
    return _Compiled(compiled.string, order, processors)


def executemany(
    connection: Connection, statement: Insert, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Run ``statement`` for each of ``rows`` (all with the same keys) with the driver's
    ``executemany``. Each distinct value of a column with a conversion (a timestamp) is
    converted once: the rows of a round share theirs."""
    if not rows:
        return
    compiled = _compiled(statement, connection.dialect, tuple(rows[0]))
    columns = [[row[key] for row in rows] for key in compiled.keys]
    for position, key in enumerate(compiled.keys):
        if processor := compiled.processors.get(key):
            converted = {raw: processor(raw) for raw in set(columns[position])}
            columns[position] = [converted[raw] for raw in columns[position]]
    parameters = list(zip(*columns, strict=True))
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(compiled.sql, parameters)
    finally:
        cursor.close()
