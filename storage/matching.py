"""Watches matched against stories as they are stored, in the storing transaction.

``store_batch`` calls ``record_matches`` after each round of writes, with the
stories the round created (event ``new``) or revised (event ``revised``). Each
watch's query is evaluated by the database, on the rows just written, with the
very expression ``wirewatch articles --search`` uses (``storage.search``): a
watch matches exactly the stories that search would find, on SQLite and on
PostgreSQL alike.

The database decides:

- SQLite (``storage.match_sqlite``): the candidates are indexed alone, in a
  temporary FTS5 table with ``articles_fts``'s tokenizer, and every watch's FTS5
  ``MATCH`` runs against it in one statement.
- PostgreSQL (``storage.match_postgres``): one statement tests each candidate's
  stored ``tsvector`` against the ``tsquery`` of each watch.

The provider, source and language filters are compared in Python with the
stored values (exact equality, as ``articles --provider`` compares them).
Matches go into ``watch_matches`` with ``ON CONFLICT DO NOTHING``: a story
matches a watch once per revision, whoever stores it.
"""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from wirewatch.core.config import WatchConfig
from wirewatch.core.query import Node
from wirewatch.storage.match_postgres import postgres_matches
from wirewatch.storage.match_sqlite import (
    StoredFilters,
    executemany,
    sqlite_matches,
    stored_filters,
)
from wirewatch.storage.models import MatchEvent, MatchStatus, articles, watch_matches

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

    def admits(self, row: StoredFilters) -> bool:
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
) -> Mapping[int, StoredFilters]:
    """Provider, source and language of the candidates some filtering watch is offered."""
    events = {event for rule in rules if rule.filters for event in rule.events}
    ids = sorted(set().union(*(by_event.get(event, ()) for event in events)))
    if not ids:
        return {}
    if connection.dialect.name == "sqlite":
        return stored_filters(connection, ids)
    statement = select(
        articles.c.id, articles.c.provider, articles.c.source, articles.c.language
    ).where(articles.c.id.in_(ids))
    return {
        row.id: StoredFilters(row.provider, row.source, row.language)
        for row in connection.execute(statement)
    }


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
        return postgres_matches(connection, _all_ids(jobs), jobs)
    return sqlite_matches(connection, _all_ids(jobs), jobs)


def _all_ids(jobs: Sequence[tuple[K, Node, AbstractSet[int]]]) -> list[int]:
    """Every id of the jobs, sorted (jobs often share one set: each is read once)."""
    distinct = {id(ids): ids for _key, _node, ids in jobs}
    return sorted(set().union(*distinct.values()))


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


def _insert_statement(dialect: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(watch_matches).on_conflict_do_nothing(
        index_elements=[
            watch_matches.c.watch,
            watch_matches.c.article_id,
            watch_matches.c.revision,
        ]
    )


_INSERTS = {dialect: _insert_statement(dialect) for dialect in ("postgresql", "sqlite")}


def insert_matches(
    connection: Connection, rows: Sequence[dict[str, Any]], *, count: bool = False
) -> int:
    """Insert match rows, skipping any (watch, story, revision) already recorded; with
    ``count``, return how many were new (else how many were offered: cheaper)."""
    if not rows:
        return 0
    statement = _INSERTS[connection.dialect.name]
    ordered = sorted(rows, key=lambda r: (r["watch"], r["article_id"], r["revision"]))
    if count:
        return len(connection.execute(statement.returning(watch_matches.c.id), ordered).all())
    if connection.dialect.name == "sqlite":
        executemany(connection, statement, ordered)
    else:
        connection.execute(statement, ordered)
    return len(ordered)
