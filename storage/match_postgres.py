"""Watch matching on PostgreSQL: each candidate's stored ``tsvector`` against every
watch's ``tsquery``, in one statement of constant text."""

from collections.abc import Hashable, Sequence
from collections.abc import Set as AbstractSet
from typing import TypeVar

from sqlalchemy import Connection, Integer, Text, bindparam, cast, select, text
from sqlalchemy.dialects import postgresql

from wirewatch.core.query import Node
from wirewatch.storage.search import POSTGRES_VECTOR, postgres_tsquery

K = TypeVar("K", bound=Hashable)

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


def postgres_matches(
    connection: Connection, ids: Sequence[int], jobs: Sequence[tuple[K, Node, AbstractSet[int]]]
) -> set[tuple[K, int]]:
    """Which of its ids each job's query matches, as ``(key, article id)`` pairs; ``ids``
    holds every id of the jobs."""
    queries = _postgres_tsqueries(connection, [node for _key, node, _ids in jobs])
    rows = connection.execute(
        _MATCH_DOCUMENTS,
        {"ids": list(ids), "positions": list(range(len(jobs))), "queries": queries},
    )
    return {
        (jobs[position][0], article_id)
        for position, article_id in rows
        if article_id in jobs[position][2]
    }
