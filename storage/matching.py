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
- PostgreSQL: one statement tests each candidate's stored ``tsvector`` against
  the ``tsquery`` of each watch (asked of PostgreSQL once per watch, then bound
  as text, so the statement's text never changes).

The provider, source and language filters are compared in Python with the
stored values (exact equality, as ``articles --provider`` compares them).
Matches go into ``watch_matches`` with ``ON CONFLICT DO NOTHING``: a story
matches a watch once per revision, whoever stores it.
"""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Connection, Integer, Text, bindparam, cast, select, text
from sqlalchemy.dialects import postgresql, sqlite

from wirewatch.core.config import WatchConfig
from wirewatch.core.query import Node
from wirewatch.storage.models import MatchEvent, MatchStatus, articles, watch_matches
from wirewatch.storage.search import (
    FTS5_TOKENIZER,
    POSTGRES_VECTOR,
    fts5_query,
    postgres_tsquery,
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
    def audience(self) -> tuple[object, ...]:
        """What decides which candidates it is offered: its events and filters."""
        return (self.events, self.providers, self.sources, self.languages)

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
    """Insert the matches of ``candidates`` into ``watch_matches``; return how many matched.

    Watches with the same events and filters are offered the same candidates (one set,
    computed once); the filters compare the stored values, read only when some watch
    filters.
    """
    by_event: dict[MatchEvent, set[int]] = {}
    for candidate in candidates:
        by_event.setdefault(candidate.event, set()).add(candidate.article_id)
    stored = _filtered_columns(connection, rules, by_event)
    offers: dict[tuple[object, ...], frozenset[int]] = {}
    queries: dict[int, tuple[Node, frozenset[int]]] = {}
    for index, rule in enumerate(rules):
        offered = offers.get(rule.audience)
        if offered is None:
            ids = set().union(*(by_event.get(event, ()) for event in rule.events))
            if rule.filters:
                ids = {i for i in ids if rule.admits(stored[i])}
            offered = offers[rule.audience] = frozenset(ids)
        if offered:
            queries[index] = (rule.query, offered)
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


def _filtered_columns(
    connection: Connection, rules: Sequence[WatchRule], by_event: Mapping[MatchEvent, set[int]]
) -> dict[int, Any]:
    """Provider, source and language of the candidates some filtering watch is offered."""
    events = {event for rule in rules if rule.filters for event in rule.events}
    ids = set().union(*(by_event.get(event, ()) for event in events))
    if not ids:
        return {}
    statement = select(
        articles.c.id, articles.c.provider, articles.c.source, articles.c.language
    ).where(articles.c.id.in_(sorted(ids)))
    return {row.id: row for row in connection.execute(statement)}


def matching_ids(
    connection: Connection, queries: Mapping[K, tuple[Node, AbstractSet[int]]]
) -> set[tuple[K, int]]:
    """Which of its ids each query matches, as ``(query key, article id)`` pairs.

    The meaning of ``articles --search``: the database evaluates the same FTS5 expression
    or ``tsquery``.
    """
    jobs = [(key, node, ids) for key, (node, ids) in queries.items() if ids]
    if not jobs:
        return set()
    if connection.dialect.name == "postgresql":
        return _postgres_matches(connection, jobs)
    return _sqlite_matches(connection, jobs)


def _all_ids(jobs: Sequence[tuple[K, Node, AbstractSet[int]]]) -> list[int]:
    """Every id of the jobs, sorted (jobs often share one set: each is read once)."""
    distinct = {id(ids): ids for _key, _node, ids in jobs}
    return sorted(set().union(*distinct.values()))


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
    connection: Connection, jobs: Sequence[tuple[K, Node, AbstractSet[int]]]
) -> set[tuple[K, int]]:
    """Index the candidates alone (a contentless FTS5 table: no text is stored twice, and
    ``delete-all`` empties it at once), then run every watch's FTS5 expression on them,
    sent together as one ``UNION ALL`` through the driver: the per-statement overhead
    would otherwise cost more than the search. The SQL text is constants; the queries
    are all letters, digits and quotes (``fts5_query``), bound as parameters. The table
    lives in this connection's temp schema, inside the storing transaction: a rollback
    empties it too.
    """
    ids = _all_ids(jobs)
    queries = [(position, _fts5(node)) for position, (_key, node, _ids) in enumerate(jobs)]
    wanted = [ids for _key, _node, ids in jobs]
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


_TSQUERIES: dict[tuple[str, Node], str] = {}
"""Per PostgreSQL database and query: its ``tsquery``, as PostgreSQL writes it."""
_MATCH_DOCUMENTS = text(
    "WITH docs AS MATERIALIZED ("
    f" SELECT id, {POSTGRES_VECTOR} || ''::tsvector AS doc FROM articles WHERE id = ANY(:ids))"
    " SELECT q.position, docs.id FROM docs"
    " JOIN unnest(CAST(:positions AS integer[]), CAST(:queries AS tsquery[]))"
    " AS q(position, query) ON docs.doc @@ q.query"
).bindparams(
    bindparam("ids", type_=postgresql.ARRAY(Integer)),
    bindparam("positions", type_=postgresql.ARRAY(Integer)),
    bindparam("queries", type_=postgresql.ARRAY(Text)),
)
"""Every query against every candidate's stored vector, in one statement of constant text.

The vectors are copied out of TOAST once (``|| ''``): referenced as stored, each
of the (candidates x queries) tests would decompress its vector again.
"""


def _postgres_tsqueries(connection: Connection, nodes: Sequence[Node]) -> list[str]:
    """Each query's ``tsquery`` as text, asked of PostgreSQL once per process and database
    (its parser decides what a word is: ``2.5``, ``kuna.net.kw``, ``oil-gas``); the text
    form reads back as the same ``tsquery``."""
    database = connection.engine.url.render_as_string()
    missing = list(dict.fromkeys(n for n in nodes if (database, n) not in _TSQUERIES))
    if missing:
        shown = connection.execute(
            select(*(cast(postgres_tsquery(node), Text) for node in missing))
        ).one()
        for node, query in zip(missing, shown, strict=True):
            _TSQUERIES[(database, node)] = query or ""
    return [_TSQUERIES[(database, node)] for node in nodes]


def _postgres_matches(
    connection: Connection, jobs: Sequence[tuple[K, Node, AbstractSet[int]]]
) -> set[tuple[K, int]]:
    """Each candidate's stored ``tsvector`` tested against the ``tsquery`` of every watch."""
    queries = _postgres_tsqueries(connection, [node for _key, node, _ids in jobs])
    wanted = [ids for _key, _node, ids in jobs]
    rows = connection.execute(
        _MATCH_DOCUMENTS,
        {
            "ids": _all_ids(jobs),
            "positions": list(range(len(jobs))),
            "queries": queries,
        },
    )
    return {
        (jobs[position][0], article_id)
        for position, article_id in rows
        if article_id in wanted[position]
    }


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
