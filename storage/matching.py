"""Watches matched against stories as they are stored, in the storing transaction.

``store_batch`` calls ``record_matches`` after each round of writes, with the
stories the round created (event ``new``) or revised (event ``revised``). Each
watch's query is evaluated by the database, on the rows just written, with the
very expression ``wirewatch articles --search`` uses (``storage.search``): a
watch matches exactly the stories that search would find, on SQLite and on
PostgreSQL alike.

- SQLite: one FTS5 ``MATCH`` per watch, restricted to the candidates' rowids
  (FTS5 seeks to each rowid, so the cost does not grow with the table).
- PostgreSQL: one statement; each candidate's ``tsvector`` is computed once (a
  ``MATERIALIZED`` CTE) and tested against every watch's ``tsquery``.

The provider, source and language filters are compared in Python with the
stored values (exact equality, as ``articles --provider`` compares them).
Matches go into ``watch_matches`` with ``ON CONFLICT DO NOTHING``: a story
matches a watch once per revision, whoever stores it.
"""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, literal_column, select, text
from sqlalchemy.dialects import postgresql, sqlite

from wirewatch.core.config import WatchConfig
from wirewatch.core.query import Node
from wirewatch.storage.models import MatchEvent, MatchStatus, articles, watch_matches
from wirewatch.storage.search import POSTGRES_DOCUMENT, fts5_query, postgres_tsquery

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
    """Insert the matches of ``candidates`` into ``watch_matches``; return how many were new."""
    wanted = [(rule, c) for rule in rules for c in candidates if c.event in rule.events]
    if not wanted:
        return 0
    ids = sorted({c.article_id for _rule, c in wanted})
    stored = {
        row.id: row
        for row in connection.execute(
            select(
                articles.c.id, articles.c.provider, articles.c.source, articles.c.language
            ).where(articles.c.id.in_(ids))
        )
    }
    queries: dict[int, tuple[Node, set[int]]] = {}
    for index, rule in enumerate(rules):
        admitted = {
            c.article_id
            for r, c in wanted
            if r is rule and c.article_id in stored and rule.admits(stored[c.article_id])
        }
        if admitted:
            queries[index] = (rule.query, admitted)
    hits = matching_ids(connection, queries)
    when = now or datetime.now(UTC)
    rows = [
        match_row(rule.name, c.article_id, c.revision, c.event, rule.delivers, when)
        for index, rule in enumerate(rules)
        for c in candidates
        if c.event in rule.events and (index, c.article_id) in hits
    ]
    return insert_matches(connection, rows)


def matching_ids(
    connection: Connection, queries: Mapping[K, tuple[Node, Iterable[int]]]
) -> set[tuple[K, int]]:
    """Which of its ids each query matches, as ``(query key, article id)`` pairs.

    The meaning of ``articles --search``: the same FTS5 expression or ``tsquery``.
    """
    jobs = [(key, node, sorted(set(ids))) for key, (node, ids) in queries.items()]
    jobs = [job for job in jobs if job[2]]
    if not jobs:
        return set()
    if connection.dialect.name == "postgresql":
        return _postgres_matches(connection, jobs)
    return _sqlite_matches(connection, jobs)


def _sqlite_matches(
    connection: Connection, jobs: Sequence[tuple[K, Node, list[int]]]
) -> set[tuple[K, int]]:
    found: set[tuple[K, int]] = set()
    for key, node, ids in jobs:
        rowids = ",".join(str(int(i)) for i in ids)  # integers from the database
        statement = text(
            f"SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q AND rowid IN ({rowids})"
        )
        rows = connection.execute(statement, {"q": fts5_query(node)}).scalars()
        found.update((key, rowid) for rowid in rows)
    return found


def _postgres_matches(
    connection: Connection, jobs: Sequence[tuple[K, Node, list[int]]]
) -> set[tuple[K, int]]:
    ids = sorted({i for _position, _node, job_ids in jobs for i in job_ids})
    docs = (
        select(articles.c.id, literal_column(POSTGRES_DOCUMENT).label("doc"))
        .where(articles.c.id.in_(ids))
        .cte("watch_docs")
        .prefix_with("MATERIALIZED")
    )
    tests = [
        docs.c.doc.op("@@", is_comparison=True)(postgres_tsquery(node)).label(f"m{position}")
        for position, (_key, node, _ids) in enumerate(jobs)
    ]
    wanted = [set(job_ids) for _key, _node, job_ids in jobs]
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


def insert_matches(connection: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Insert match rows, skipping any (watch, story, revision) already recorded."""
    if not rows:
        return 0
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(watch_matches)
        .on_conflict_do_nothing(
            index_elements=[
                watch_matches.c.watch,
                watch_matches.c.article_id,
                watch_matches.c.revision,
            ]
        )
        .returning(watch_matches.c.id)
    )
    ordered = sorted(rows, key=lambda r: (r["watch"], r["article_id"], r["revision"]))
    return len(connection.execute(statement, ordered).all())
