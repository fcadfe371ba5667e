"""``watch_matches`` beyond store time: delivery state, listings, tests and backfills.

Delivery takes one due match at a time (``claim_due``): a single ``UPDATE``
marks it as being tried (``attempts`` + 1, ``last_attempt_at``) and moves its
``next_attempt_at`` a lease ahead, so a second deliverer skips it; if the
process dies while posting, the match is due again when the lease ends. The
result is then written with ``record_delivered`` or ``record_failure``.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, exists, func, select, update

from wirewatch.core.alerts import Alert, AlertStory, addresses_of
from wirewatch.storage.matching import WatchRule, insert_matches, match_row
from wirewatch.storage.models import (
    MatchEvent,
    MatchStatus,
    article_revisions,
    article_urls,
    articles,
    watch_matches,
)
from wirewatch.storage.queries import ARTICLE_COLUMNS, ArticleRow
from wirewatch.storage.search import search_clause


@dataclass(frozen=True)
class MatchRow:
    """One match with the headline fields of its story (``wirewatch matches``)."""

    id: int
    watch: str
    event: str
    status: str
    article_id: int
    revision: int
    matched_at: datetime
    delivered_at: datetime | None
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    wire_id: str | None
    provider: str
    title: str
    published_at: datetime | None
    canonical_url: str


@dataclass(frozen=True)
class WatchCounts:
    """One watch's matches by status, and its latest delivery error."""

    watch: str
    matched: int = 0
    delivered: int = 0
    pending: int = 0
    failed: int = 0
    unsent: int = 0
    last_error: str | None = None
    last_error_at: datetime | None = None


@dataclass(frozen=True)
class ClaimedMatch:
    """A match being tried now: its row's state after the claim, and its story."""

    alert: Alert
    attempts: int


def _now() -> datetime:
    return datetime.now(UTC)


def claim_due(
    engine: Engine,
    watches: Sequence[str],
    lease: float,
    *,
    skip: Collection[int] = (),
    now: datetime | None = None,
) -> ClaimedMatch | None:
    """Take the oldest due pending match of one of ``watches`` (not one of ``skip``), or None."""
    if not watches:
        return None
    now = now or _now()
    conditions = [
        watch_matches.c.status == MatchStatus.PENDING,
        watch_matches.c.watch.in_(list(watches)),
        watch_matches.c.next_attempt_at <= now,
    ]
    if skip:
        conditions.append(watch_matches.c.id.not_in(list(skip)))
    due = (
        select(watch_matches.c.id)
        .where(*conditions)
        .order_by(watch_matches.c.next_attempt_at, watch_matches.c.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    claim = (
        update(watch_matches)
        .where(
            watch_matches.c.id == due,
            watch_matches.c.status == MatchStatus.PENDING,
        )
        .values(
            attempts=watch_matches.c.attempts + 1,
            last_attempt_at=now,
            next_attempt_at=now + timedelta(seconds=lease),
        )
        .returning(
            watch_matches.c.id,
            watch_matches.c.watch,
            watch_matches.c.event,
            watch_matches.c.article_id,
            watch_matches.c.revision,
            watch_matches.c.matched_at,
            watch_matches.c.attempts,
        )
    )
    with engine.begin() as connection:
        row = connection.execute(claim).first()
        if row is None:
            return None
        story = _story(connection, row.article_id, row.revision)
    alert = Alert(row.id, row.watch, row.event, row.matched_at, story)
    return ClaimedMatch(alert, row.attempts)


def _story(connection: Connection, article_id: int, revision: int) -> AlertStory:
    """The story as it read at ``revision`` (its archived text when it was revised since)."""
    current = connection.execute(
        select(
            articles.c.wire_id,
            articles.c.title,
            articles.c.body,
            articles.c.provider,
            articles.c.published_at,
            articles.c.canonical_url,
            articles.c.revision,
        ).where(articles.c.id == article_id)
    ).one()
    title, body = current.title, current.body
    if revision != current.revision:
        archived = connection.execute(
            select(article_revisions.c.title, article_revisions.c.body).where(
                article_revisions.c.article_id == article_id,
                article_revisions.c.revision == revision,
            )
        ).first()
        if archived is not None:
            title, body = archived.title, archived.body
    urls = connection.execute(
        select(article_urls.c.url)
        .where(article_urls.c.article_id == article_id)
        .order_by(article_urls.c.first_seen_at, article_urls.c.id)
    ).scalars()
    return AlertStory(
        id=article_id,
        wire_id=current.wire_id,
        title=title,
        provider=current.provider,
        published_at=current.published_at,
        canonical_url=current.canonical_url,
        addresses=addresses_of(list(urls), current.canonical_url),
        revision=revision,
        body=body,
    )


def record_delivered(engine: Engine, match_id: int, when: datetime | None = None) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(watch_matches)
            .where(watch_matches.c.id == match_id)
            .values(
                status=MatchStatus.DELIVERED,
                delivered_at=when or _now(),
                next_attempt_at=None,
                last_error=None,
            )
        )


def record_failure(engine: Engine, match_id: int, error: str, retry_at: datetime | None) -> None:
    """A failed try: due again at ``retry_at``, or ``failed`` for good when it is None."""
    values: dict[str, Any] = {"last_error": error[:1000], "next_attempt_at": retry_at}
    if retry_at is None:
        values["status"] = MatchStatus.FAILED
    with engine.begin() as connection:
        connection.execute(
            update(watch_matches)
            .where(watch_matches.c.id == match_id, watch_matches.c.status == MatchStatus.PENDING)
            .values(values)
        )


def fail_exhausted(engine: Engine, watch: str, max_attempts: int) -> int:
    """Mark failed the pending matches of ``watch`` that already had ``max_attempts`` tries
    (its maximum was lowered, or the process died during its last try)."""
    with engine.begin() as connection:
        result = connection.execute(
            update(watch_matches)
            .where(
                watch_matches.c.watch == watch,
                watch_matches.c.status == MatchStatus.PENDING,
                watch_matches.c.attempts >= max_attempts,
            )
            .values(status=MatchStatus.FAILED, next_attempt_at=None)
        )
        return int(result.rowcount or 0)


def watch_counts(engine: Engine) -> dict[str, WatchCounts]:
    """Counts by status of every watch that has matches, with its latest error."""
    column = watch_matches.c.status

    def count(status: MatchStatus) -> Any:
        return func.coalesce(func.sum(case((column == status, 1), else_=0)), 0)

    statement = select(
        watch_matches.c.watch,
        func.count().label("matched"),
        count(MatchStatus.DELIVERED).label("delivered"),
        count(MatchStatus.PENDING).label("pending"),
        count(MatchStatus.FAILED).label("failed"),
        count(MatchStatus.UNSENT).label("unsent"),
    ).group_by(watch_matches.c.watch)
    latest = (
        select(
            watch_matches.c.watch,
            watch_matches.c.last_error,
            watch_matches.c.last_attempt_at,
        )
        .where(watch_matches.c.last_error.is_not(None))
        .order_by(watch_matches.c.last_attempt_at.desc(), watch_matches.c.id.desc())
    )
    counts: dict[str, WatchCounts] = {}
    with engine.connect() as connection:
        for row in connection.execute(statement):
            counts[row.watch] = WatchCounts(
                row.watch,
                int(row.matched),
                int(row.delivered),
                int(row.pending),
                int(row.failed),
                int(row.unsent),
            )
        for row in connection.execute(latest):
            found = counts.get(row.watch)
            if found is not None and found.last_error is None:
                counts[row.watch] = WatchCounts(
                    **{
                        **found.__dict__,
                        "last_error": row.last_error,
                        "last_error_at": row.last_attempt_at,
                    }
                )
    return counts


MATCH_COLUMNS = [
    *(
        watch_matches.c[name]
        for name in (
            "id",
            "watch",
            "event",
            "status",
            "article_id",
            "revision",
            "matched_at",
            "delivered_at",
            "attempts",
            "last_error",
            "next_attempt_at",
        )
    ),
    articles.c.wire_id,
    articles.c.provider,
    articles.c.title,
    articles.c.published_at,
    articles.c.canonical_url,
]


def list_matches(
    engine: Engine,
    watch: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[MatchRow]:
    """Matches, newest first (``since`` bounds ``matched_at``)."""
    statement = (
        select(*MATCH_COLUMNS)
        .join(articles, articles.c.id == watch_matches.c.article_id)
        .order_by(watch_matches.c.matched_at.desc(), watch_matches.c.id.desc())
    )
    if watch is not None:
        statement = statement.where(watch_matches.c.watch == watch)
    if since is not None:
        statement = statement.where(watch_matches.c.matched_at >= since)
    if limit is not None:
        statement = statement.limit(limit)
    with engine.connect() as connection:
        return [MatchRow(**row._mapping) for row in connection.execute(statement)]


def _watch_where(engine: Engine, rule: WatchRule, since: datetime | None) -> list[Any]:
    """The conditions of ``articles`` rows ``rule`` matches (its query and filters)."""
    conditions = [search_clause(engine.dialect, rule.query)]
    if rule.providers:
        conditions.append(articles.c.provider.in_(sorted(rule.providers)))
    if rule.sources:
        conditions.append(articles.c.source.in_(sorted(rule.sources)))
    if rule.languages:
        conditions.append(articles.c.language.in_(sorted(rule.languages)))
    if since is not None:
        conditions.append(articles.c.published_at >= since)
    return conditions


def stored_matches(
    engine: Engine, rule: WatchRule, since: datetime | None = None, limit: int | None = None
) -> list[ArticleRow]:
    """The stored stories ``rule`` matches now, newest first (``watches test``)."""
    statement = (
        select(*ARTICLE_COLUMNS)
        .where(*_watch_where(engine, rule, since))
        .order_by(articles.c.published_at.desc().nulls_last(), articles.c.id.desc())
    )
    if limit is not None:
        statement = statement.limit(limit)
    with engine.connect() as connection:
        return [ArticleRow(**row._mapping) for row in connection.execute(statement)]


def backfill(engine: Engine, rule: WatchRule, since: datetime | None) -> int:
    """Record a match, at its current revision, for each stored story ``rule`` matches that
    it has never matched; return how many. Running it again adds nothing."""
    already = exists().where(
        and_(watch_matches.c.watch == rule.name, watch_matches.c.article_id == articles.c.id)
    )
    statement = (
        select(articles.c.id, articles.c.revision)
        .where(*_watch_where(engine, rule, since), ~already)
        .order_by(articles.c.id)
    )
    when = _now()
    with engine.begin() as connection:
        rows = [
            match_row(rule.name, row.id, row.revision, MatchEvent.NEW, rule.delivers, when)
            for row in connection.execute(statement)
        ]
        return insert_matches(connection, rows, count=True)
