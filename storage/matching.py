"""Watches matched against stories as they are stored, in the storing transaction.

``store_batch`` calls ``record_matches`` after each round of writes, with the
stories the round created (event ``new``) or revised (event ``revised``). Each
watch's query is evaluated by the database, on the rows just written, with the
very expression ``wirewatch articles --search`` uses (``storage.search``): a
watch matches exactly the stories that search would find, on SQLite and on
PostgreSQL alike.

The database decides:

- SQLite: the candidates are indexed alone, in a contentless FTS5 table of the
  connection's temp schema with ``articles_fts``'s tokenizer; one FTS5 ``MATCH``
  per watch against it, all in one ``UNION ALL`` statement. Indexing a batch
  costs less than scanning its texts in Python, and the queries do not touch
  the big index, so the cost does not grow with the table.
- PostgreSQL: first, in Python, a necessary condition (``Narrowing``: the story's
  text contains each word the query requires) leaves out the stories a watch
  cannot match; then one statement tests each remaining candidate's stored
  ``tsvector`` against the ``tsquery`` of each watch.

The provider, source and language filters are compared in Python with the
stored values (exact equality, as ``articles --provider`` compares them).
Matches go into ``watch_matches`` with ``ON CONFLICT DO NOTHING``: a story
matches a watch once per revision, whoever stores it.
"""

import re
import unicodedata
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Connection, Text, cast, select
from sqlalchemy.dialects import postgresql, sqlite

from wirewatch.core.config import WatchConfig
from wirewatch.core.query import And, Node, Not, Term
from wirewatch.storage.models import MatchEvent, MatchStatus, articles, watch_matches
from wirewatch.storage.search import (
    FTS5_TOKENIZER,
    fts5_query,
    postgres_tsquery,
    postgres_vector,
)

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class WatchRule:
    """A watch as matching needs it: its parsed query, filters and events."""

    name: str
    query: Node
    providers: frozenset[str]
    sources: frozenset[str]
    languages: frozenset[str]
    events: frozenset[MatchEvent]
    delivers: bool
    """It has a webhook: its matches start ``pending`` (else ``unsent``)."""

    @classmethod
    def from_config(cls, watch: WatchConfig) -> "WatchRule":
        return cls(
            name=watch.name,
            query=watch.parsed_query,
            providers=frozenset(watch.providers),
            sources=frozenset(watch.sources),
            languages=frozenset(watch.languages),
            events=frozenset(MatchEvent(event) for event in watch.on),
            delivers=watch.webhook is not None,
        )

    @property
    def filters(self) -> bool:
        """Whether it narrows by provider, source or language."""
        return bool(self.providers or self.sources or self.languages)

    def admits(self, row: Any) -> bool:
        """Whether the stored story passes this watch's filters (its query aside)."""
        return (
            (not self.providers or row.provider in self.providers)
            and (not self.sources or row.source in self.sources)
            and (not self.languages or row.language in self.languages)
        )


def watch_rules(watches: Iterable[WatchConfig]) -> tuple[WatchRule, ...]:
    return tuple(WatchRule.from_config(watch) for watch in watches)


@dataclass(frozen=True)
class Candidate:
    """A story a round of storing created or revised: what a watch may match."""

    article_id: int
    revision: int
    event: MatchEvent


def record_matches(
    connection: Connection,
    rules: Sequence[WatchRule],
    candidates: Sequence[Candidate],
    *,
    now: datetime | None = None,
) -> int:
    """Insert the matches of ``candidates`` into ``watch_matches``; return how many matched."""
    by_event: dict[MatchEvent, set[int]] = {}
    for candidate in candidates:
        by_event.setdefault(candidate.event, set()).add(candidate.article_id)
    offered = {
        index: set().union(*(by_event.get(event, ()) for event in rule.events))
        for index, rule in enumerate(rules)
    }
    offered = {index: ids for index, ids in offered.items() if ids}
    filtered = set().union(*(ids for index, ids in offered.items() if rules[index].filters))
    stored: dict[int, Any] = {}
    if filtered:
        stored = {
            row.id: row
            for row in connection.execute(
                select(
                    articles.c.id, articles.c.provider, articles.c.source, articles.c.language
                ).where(articles.c.id.in_(sorted(filtered)))
            )
        }
    queries: dict[int, tuple[Node, set[int]]] = {}
    for index, ids in offered.items():
        rule = rules[index]
        admitted = {i for i in ids if rule.admits(stored[i])} if rule.filters else ids
        if admitted:
            queries[index] = (rule.query, admitted)
    hits = matching_ids(connection, queries)
    when = now or datetime.now(UTC)
    by_id = {c.article_id: c for c in candidates}
    rows = []
    for index, article_id in sorted(hits):
        rule, candidate = rules[index], by_id[article_id]
        rows.append(
            match_row(
                rule.name, article_id, candidate.revision, candidate.event, rule.delivers, when
            )
        )
    return insert_matches(connection, rows)


def matching_ids(
    connection: Connection, queries: Mapping[K, tuple[Node, Iterable[int]]]
) -> set[tuple[K, int]]:
    """Which of its ids each query matches, as ``(query key, article id)`` pairs.

    The meaning of ``articles --search``: the database evaluates the same FTS5 expression
    or ``tsquery``; PostgreSQL only for the stories that may match (``Narrowing``).
    """
    asked = [(key, node, set(ids)) for key, (node, ids) in queries.items()]
    ids = sorted(set().union(*(ids for _key, _node, ids in asked)))
    if not ids:
        return set()
    if connection.dialect.name != "postgresql":
        return _sqlite_matches(connection, [(key, node, sorted(ids)) for key, node, ids in asked])
    texts = {
        row.id: folded(row.document)
        for row in connection.execute(
            select(
                articles.c.id, (articles.c.title + " " + articles.c.body).label("document")
            ).where(articles.c.id.in_(ids))
        )
    }
    required = _postgres_words(connection, [node for _key, node, _ids in asked])
    narrowing = Narrowing(texts, required)
    jobs = [(key, node, sorted(narrowing.possible(node) & ids)) for key, node, ids in asked]
    jobs = [job for job in jobs if job[2]]
    if not jobs:
        return set()
    return _postgres_matches(connection, jobs)


def folded(text: str) -> str:
    """``text`` case-folded, compatibility-decomposed, without combining marks: whatever
    ASCII word PostgreSQL's parser finds in ``text`` is a substring of this (removing
    marks only joins letters, it never separates two)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    if decomposed.isascii():
        return decomposed
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class Narrowing:
    """Which stories may match a query: a necessary condition, checked in Python.

    A story matches a term only if its text has a token for each word (lexeme) of the
    term, as the database tokenises and lower-cases words; so each ASCII word of the
    term is a substring of the story's ``folded`` text. Non-ASCII words are not checked
    (case folding may differ between Python and the database); excluded terms neither.
    The database then decides, exactly, for the stories that pass.
    """

    def __init__(self, texts: Mapping[int, str], required: Mapping[Term, tuple[str, ...]]):
        self.texts = texts
        self.required = required
        self.everything = frozenset(texts)
        self._found: dict[str, frozenset[int]] = {}

    def _having(self, word: str) -> frozenset[int]:
        found = self._found.get(word)
        if found is None:
            found = self._found[word] = frozenset(
                i for i, text in self.texts.items() if word in text
            )
        return found

    def possible(self, node: Node) -> frozenset[int]:
        if isinstance(node, Term):
            result = self.everything
            for word in self.required[node]:
                result &= self._having(word)
                if not result:
                    break
            return result
        if isinstance(node, Not):
            return self.everything
        parts = [self.possible(part) for part in node.parts]
        if isinstance(node, And):
            return frozenset.intersection(*parts)
        return frozenset.union(*parts)


def _terms(node: Node) -> Iterator[Term]:
    if isinstance(node, Term):
        yield node
    elif isinstance(node, Not):
        yield from _terms(node.part)
    else:
        for part in node.parts:
            yield from _terms(part)


_LEXEMES: dict[tuple[str, Term], tuple[str, ...]] = {}
"""Per PostgreSQL database and term: the ASCII lexemes of the term's ``tsquery``."""
_QUOTED_LEXEME = re.compile(r"'((?:[^']|'')*)'")


def _postgres_words(connection: Connection, nodes: Sequence[Node]) -> dict[Term, tuple[str, ...]]:
    """The ASCII words each term of ``nodes`` requires, as PostgreSQL tokenises them.

    Its parser has its own ideas (``2.5``, ``kuna.net.kw``, ``oil-gas``), so it is asked,
    once per process and database, for the lexemes of each new term's ``tsquery``.
    """
    terms = list(dict.fromkeys(t for node in nodes for t in _terms(node)))
    database = connection.engine.url.render_as_string()
    missing = [t for t in terms if (database, t) not in _LEXEMES]
    if missing:
        queries = [cast(postgres_tsquery(term), Text) for term in missing]
        row = connection.execute(select(*queries)).one()
        for term, shown in zip(missing, row, strict=True):
            lexemes = (text.replace("''", "'") for text in _QUOTED_LEXEME.findall(shown or ""))
            _LEXEMES[(database, term)] = tuple(
                lexeme for lexeme in lexemes if lexeme.isascii() and "\\" not in lexeme
            )
    return {term: _LEXEMES[(database, term)] for term in terms}


_CANDIDATES = "watch_candidates"
"""The temp-schema FTS5 table ``_sqlite_matches`` indexes a round's candidates in."""
_CREATE_CANDIDATES = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_CANDIDATES} USING fts5"
    f"(title, body, content='', columnsize=0, tokenize='{FTS5_TOKENIZER}')"
)
_MATCH_CANDIDATES = f"SELECT ?, rowid FROM temp.{_CANDIDATES} WHERE {_CANDIDATES} MATCH ?"
_COMPOUND_LIMIT = 200
"""FTS5 queries per statement (SQLite allows 500 terms in one compound SELECT)."""
_IDS_PER_INSERT = 500
"""Ids per ``IN`` list (SQLite allows 32,766 parameters; smaller lists plan as well)."""


@lru_cache(maxsize=4096)
def _fts5(node: Node) -> str:
    return fts5_query(node)


def _sqlite_matches(
    connection: Connection, jobs: Sequence[tuple[K, Node, list[int]]]
) -> set[tuple[K, int]]:
    """Index the candidates alone (a contentless FTS5 table: no text is stored twice, and
    ``delete-all`` empties it at once), then run every watch's FTS5 expression on them,
    sent together as one ``UNION ALL`` through the driver: the per-statement overhead
    would otherwise cost more than the search. The SQL text is constants; the queries
    are all letters, digits and quotes (``fts5_query``), bound as parameters. The table
    lives in this connection's temp schema, inside the storing transaction: a rollback
    empties it too.
    """
    ids = sorted({article_id for _key, _node, ids in jobs for article_id in ids})
    queries = [(position, _fts5(node)) for position, (_key, node, _ids) in enumerate(jobs)]
    wanted = [set(ids) for _key, _node, ids in jobs]
    found: set[tuple[K, int]] = set()
    cursor = connection.connection.cursor()
    try:
        cursor.execute(_CREATE_CANDIDATES)
        for start in range(0, len(ids), _IDS_PER_INSERT):
            chunk = ids[start : start + _IDS_PER_INSERT]
            cursor.execute(
                f"INSERT INTO temp.{_CANDIDATES} (rowid, title, body) "
                f"SELECT id, title, body FROM articles WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        for start in range(0, len(queries), _COMPOUND_LIMIT):
            batch = queries[start : start + _COMPOUND_LIMIT]
            cursor.execute(
                " UNION ALL ".join([_MATCH_CANDIDATES] * len(batch)),
                [value for query in batch for value in query],
            )
            for position, rowid in cursor.fetchall():
                if rowid in wanted[position]:
                    found.add((jobs[position][0], rowid))
        cursor.execute(f"INSERT INTO temp.{_CANDIDATES} ({_CANDIDATES}) VALUES ('delete-all')")
    finally:
        cursor.close()
    return found


def _postgres_matches(
    connection: Connection, jobs: Sequence[tuple[K, Node, list[int]]]
) -> set[tuple[K, int]]:
    """Each candidate's ``tsvector`` computed once (the costly part) and tested against the
    ``tsquery`` of every watch it may match."""
    docs = (
        select(articles.c.id, postgres_vector().label("doc"))
        .where(articles.c.id.in_(sorted({i for _key, _node, ids in jobs for i in ids})))
        .cte("watch_docs")
        .prefix_with("MATERIALIZED")
    )
    tests = [
        docs.c.doc.op("@@", is_comparison=True)(postgres_tsquery(node)).label(f"m{position}")
        for position, (_key, node, _ids) in enumerate(jobs)
    ]
    wanted = [set(ids) for _key, _node, ids in jobs]
    found: set[tuple[K, int]] = set()
    for row in connection.execute(select(docs.c.id, *tests)):
        for (key, _node, _ids), candidates, matched in zip(jobs, wanted, row[1:], strict=True):
            if matched and row.id in candidates:
                found.add((key, row.id))
    return found


def match_row(
    watch: str, article_id: int, revision: int, event: str, delivers: bool, when: datetime
) -> dict[str, Any]:
    """A new ``watch_matches`` row: ``pending`` and due now when its watch delivers."""
    return {
        "watch": watch,
        "article_id": article_id,
        "revision": revision,
        "event": str(event),
        "status": str(MatchStatus.PENDING if delivers else MatchStatus.UNSENT),
        "matched_at": when,
        "attempts": 0,
        "next_attempt_at": when if delivers else None,
    }


def insert_matches(
    connection: Connection, rows: Sequence[dict[str, Any]], *, count: bool = False
) -> int:
    """Insert match rows, skipping any (watch, story, revision) already recorded; with
    ``count``, return how many were new (else how many were offered: cheaper)."""
    if not rows:
        return 0
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = insert(watch_matches).on_conflict_do_nothing(
        index_elements=[
            watch_matches.c.watch,
            watch_matches.c.article_id,
            watch_matches.c.revision,
        ]
    )
    ordered = sorted(rows, key=lambda r: (r["watch"], r["article_id"], r["revision"]))
    if count:
        return len(connection.execute(statement.returning(watch_matches.c.id), ordered).all())
    connection.execute(statement, ordered)
    return len(ordered)
