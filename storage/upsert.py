"""Store batches of extracted records, following the data contract's rules.

A story is one ``articles`` row keyed by ``wire_id`` (``content_hash`` for pages
without one); every address lands in ``article_urls``. Later sightings improve a
story but never degrade it; a changed title/body becomes a new revision unless it
matches the current or an archived one, so stale copies never flip it back.

Everything is set-based, one transaction per batch: new stories go in with one
``INSERT ... ON CONFLICT DO NOTHING RETURNING`` (the rows it returns are the new
ones), the others are locked and read in one ``SELECT``, and the changes are
written with a few ``executemany`` statements. Two processes writing the same
stories therefore never create duplicates: the database's unique indexes decide,
and a PostgreSQL writer waits for the other's transaction before reading the
row it must merge into. A batch that names one story (or one address) twice is
split into rounds, each touching a key once, processed in input order.

Watches (``storage.matching``) are matched against the stories each round
creates or revises, and their matches written, in the same transaction: a crash
never keeps a story and loses its match, or the reverse.

Text is cleaned of control characters (``clean_text``) before anything else, so
that a story's ``content_hash`` and ``word_count`` describe the text stored (the
engine cleans every statement's text too: see ``storage.engine``).
"""

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, case, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from wirewatch.core.record import ArticleRecord, Precision, QualityFlag
from wirewatch.core.text import (
    clean_text,
    fold_for_hash,
    is_affix_stripped,
    only_affixes_differ,
    suspect_characters,
)
from wirewatch.core.wire_id import WireId
from wirewatch.storage.errors import is_conflict
from wirewatch.storage.matching import Candidate, WatchRule, record_matches
from wirewatch.storage.models import MatchEvent, article_revisions, article_urls, articles, to_utc

log = logging.getLogger(__name__)


MAX_ATTEMPTS = 5
"""A batch that hits a deadlock or a busy SQLite file is retried whole, this many times.

Longer outages are the caller's to wait out (the crawl's storage pipeline does).
"""
DATE_TOLERANCE = timedelta(days=1)
"""How far a full timestamp may lie from a date-only one and still replace it."""

Key = tuple[str, str]


class Outcome(StrEnum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"
    """A new address of an already stored story, with no content change."""


@dataclass(frozen=True)
class Sighting:
    """One page's record, as fetched from ``source`` at ``fetched_at``."""

    record: ArticleRecord
    source: str
    fetched_at: datetime
    etag: str | None = None
    last_modified: str | None = None

    @property
    def key(self) -> Key:
        """What identifies the story: its wire ID, or its content hash when it has none."""
        if self.record.wire is not None:
            return ("wire_id", self.record.wire.text)
        return ("content_hash", self.record.content_hash)

    @property
    def url(self) -> str:
        return self.record.canonical_url


@dataclass(frozen=True)
class StoreResult:
    url: str
    article_id: int
    outcome: Outcome
    revision: int


def store_batch(
    engine: Engine, sightings: Sequence[Sighting], watches: Sequence[WatchRule] = ()
) -> list[StoreResult]:
    """Store ``sightings`` in one transaction; results come back in input order.

    Their text is cleaned first (see the module docstring); the stories stored new
    or revised are matched against ``watches`` in the same transaction. A conflict with
    another writer is retried here; any other error is raised, the transaction
    rolled back (``storage.errors`` says which errors a caller may retry).
    """
    if not sightings:
        return []
    cleaned = [clean_sighting(s) for s in sightings]
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with engine.begin() as connection:
                return _store(connection, cleaned, watches)
        except DBAPIError as exc:
            if attempt == MAX_ATTEMPTS or not is_conflict(exc):
                raise
            log.warning("batch of %d hit %s; retrying (%d)", len(sightings), exc.orig, attempt)
            time.sleep(0.05 * 2**attempt)
    raise AssertionError("unreachable")


def clean_sighting(sighting: Sighting) -> Sighting:
    """The sighting with every text of it and of its record cleaned of control characters.

    A clean sighting is returned as it is, keeping its record's computed hash.
    """
    record = sighting.record
    texts = (
        record.canonical_url,
        record.title,
        *record.paragraphs,
        record.provider,
        record.language or "",
        sighting.source,
        sighting.etag or "",
        sighting.last_modified or "",
    )
    if all(clean_text(text) == text for text in texts):
        return sighting
    clean_record = replace(
        record,
        canonical_url=clean_text(record.canonical_url),
        title=clean_text(record.title),
        paragraphs=tuple(clean_text(p) for p in record.paragraphs),
        provider=clean_text(record.provider),
        language=_clean_optional(record.language),
    )
    return replace(
        sighting,
        record=clean_record,
        source=clean_text(sighting.source),
        etag=_clean_optional(sighting.etag),
        last_modified=_clean_optional(sighting.last_modified),
    )


def _clean_optional(text: str | None) -> str | None:
    return None if text is None else clean_text(text)


def _store(
    connection: Connection, sightings: Sequence[Sighting], watches: Sequence[WatchRule]
) -> list[StoreResult]:
    results: dict[int, StoreResult] = {}
    for indexes in split_rounds(sightings):
        batch = [sightings[i] for i in indexes]
        stored = _store_round(connection, batch)
        if watches:
            record_matches(connection, watches, match_candidates(stored))
        results.update(zip(indexes, stored, strict=True))
    return [results[i] for i in range(len(sightings))]


def match_candidates(results: Sequence[StoreResult]) -> list[Candidate]:
    """What a round's results offer to watches: new stories, and new revisions of stored ones.

    Unchanged copies and new addresses of a stored story offer nothing.
    """
    events = {Outcome.NEW: MatchEvent.NEW, Outcome.UPDATED: MatchEvent.REVISED}
    candidates = {
        (r.article_id, r.revision): Candidate(r.article_id, r.revision, events[r.outcome])
        for r in results
        if r.outcome in events
    }
    return list(candidates.values())


def split_rounds(sightings: Sequence[Sighting]) -> list[list[int]]:
    """Group indexes so that no round names a story or an address twice, keeping input order.

    The n-th sighting of a story goes to round n (or later, if its address was
    already used in that round), so later sightings are merged after earlier ones.
    """
    rounds: list[list[int]] = []
    next_for_key: dict[Key, int] = {}
    next_for_url: dict[str, int] = {}
    for index, sighting in enumerate(sightings):
        position = max(next_for_key.get(sighting.key, 0), next_for_url.get(sighting.url, 0))
        next_for_key[sighting.key] = next_for_url[sighting.url] = position + 1
        if position == len(rounds):
            rounds.append([])
        rounds[position].append(index)
    return rounds


@dataclass
class _Plan:
    """What one sighting of an already stored story does to it."""

    article_id: int
    revision: int
    outcome: Outcome
    changes: dict[str, Any] = field(default_factory=dict)


def _store_round(connection: Connection, batch: Sequence[Sighting]) -> list[StoreResult]:
    new_ids = _insert_new(connection, batch)
    existing = [s for s in batch if s.key not in new_ids]
    plans = _plan_existing(connection, existing)
    _apply(connection, plans)
    article_ids = {**new_ids, **{key: plan.article_id for key, plan in plans.items()}}
    new_urls = _record_addresses(connection, batch, article_ids)
    return [_result(s, new_ids, plans, new_urls) for s in batch]


def _result(
    sighting: Sighting, new_ids: Mapping[Key, int], plans: Mapping[Key, _Plan], new_urls: set[str]
) -> StoreResult:
    if sighting.key in new_ids:
        return StoreResult(sighting.url, new_ids[sighting.key], Outcome.NEW, 1)
    plan = plans[sighting.key]
    outcome = plan.outcome
    if outcome is Outcome.UNCHANGED and sighting.url in new_urls:
        outcome = Outcome.DUPLICATE
    return StoreResult(sighting.url, plan.article_id, outcome, plan.revision)


def _insert(connection: Connection) -> Callable[..., Any]:
    """The dialect's ``insert`` construct, which knows ``ON CONFLICT``."""
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert


def _insert_new(connection: Connection, batch: Sequence[Sighting]) -> dict[Key, int]:
    """Insert the stories not stored yet; return their ids by key.

    Each key kind has its own conflict target, so any other constraint violation
    still raises. Rows are sorted by key so that concurrent writers take index
    locks in the same order (no deadlocks between two PostgreSQL batches).
    """
    rows = sorted((article_row(s) for s in batch), key=_row_key)
    new_ids: dict[Key, int] = {}
    for kind, target, where in _CONFLICT_TARGETS:
        group = [row for row in rows if _row_key(row)[0] == kind]
        if not group:
            continue
        statement = (
            _insert(connection)(articles)
            .on_conflict_do_nothing(index_elements=[target], index_where=where)
            .returning(articles.c.id, articles.c.wire_id, articles.c.content_hash)
        )
        for row in connection.execute(statement, group):
            new_ids[_row_key(row._mapping)] = row.id
    return new_ids


_CONFLICT_TARGETS = (
    ("wire_id", articles.c.wire_id, None),
    ("content_hash", articles.c.content_hash, articles.c.wire_id.is_(None)),
)


def _row_key(row: Mapping[Any, Any]) -> Key:
    if row["wire_id"]:
        return ("wire_id", row["wire_id"])
    return ("content_hash", row["content_hash"])


def article_row(sighting: Sighting) -> dict[str, Any]:
    """The ``articles`` row a first sighting creates (also used by the benchmark baseline)."""
    record, seen = sighting.record, sighting.fetched_at
    return {
        **wire_columns(record.wire),
        "provider": record.provider,
        "title": record.title,
        "body": record.body,
        "published_at": record.published_at,
        "published_precision": str(record.published_precision),
        "quality_flags": record.quality_flags_text,
        "language": record.language,
        "word_count": record.word_count,
        "content_hash": record.content_hash,
        "canonical_url": record.canonical_url,
        "source": sighting.source,
        "revision": 1,
        "first_seen_at": seen,
        "last_seen_at": seen,
        "updated_at": seen,
        "revised_at": seen,
    }


def wire_columns(wire: WireId | None) -> dict[str, Any]:
    """The ``articles`` columns a wire ID fills: ``wire_id`` and its three parts (None without)."""
    return {
        "wire_id": wire.text if wire else None,
        "article_number": wire.article_number if wire else None,
        "wire_date": wire.date if wire else None,
        "provider_code": wire.provider_code if wire else None,
    }


_CURRENT_COLUMNS = [
    articles.c[name]
    for name in (
        "id",
        "wire_id",
        "content_hash",
        "revision",
        "article_number",
        "wire_date",
        "provider_code",
        "provider",
        "language",
        "published_at",
        "published_precision",
        "quality_flags",
        "last_seen_at",
    )
]


def _plan_existing(connection: Connection, existing: Sequence[Sighting]) -> dict[Key, _Plan]:
    if not existing:
        return {}
    current = _lock_current(connection, [s.key for s in existing])
    archived = _archived_hashes(connection, [row["id"] for row in current.values()])
    changed = [
        current[s.key]["id"]
        for s in existing
        if s.record.content_hash != current[s.key]["content_hash"]
        and s.record.content_hash not in archived.get(current[s.key]["id"], set())
    ]
    texts = _stored_texts(connection, changed)
    plans = {}
    for sighting in existing:
        row = current[sighting.key]
        plans[sighting.key] = plan_sighting(
            row, archived.get(row["id"], set()), sighting, texts.get(row["id"])
        )
    return plans


def _stored_texts(connection: Connection, article_ids: Sequence[int]) -> dict[int, "StoredText"]:
    """The stored title and body of stories a sighting may revise (read only for those)."""
    if not article_ids:
        return {}
    statement = select(articles.c.id, articles.c.title, articles.c.body).where(
        articles.c.id.in_(article_ids)
    )
    return {row.id: StoredText(row.title, row.body) for row in connection.execute(statement)}


def _lock_current(connection: Connection, keys: Sequence[Key]) -> dict[Key, Mapping[Any, Any]]:
    """Read (and on PostgreSQL lock, in id order) the stored state of these stories."""
    wire_ids = [value for kind, value in keys if kind == "wire_id"]
    hashes = [value for kind, value in keys if kind == "content_hash"]
    statement = (
        select(*_CURRENT_COLUMNS)
        .where(
            or_(
                articles.c.wire_id.in_(wire_ids),
                and_(articles.c.wire_id.is_(None), articles.c.content_hash.in_(hashes)),
            )
        )
        .order_by(articles.c.id)
        .with_for_update()
    )
    rows: dict[Key, Mapping[Any, Any]] = {
        _row_key(row._mapping): row._mapping for row in connection.execute(statement)
    }
    missing = [key for key in keys if key not in rows]
    if missing:
        raise LookupError(f"stories neither inserted nor found: {missing[:3]}")
    return rows


def _archived_hashes(connection: Connection, article_ids: Sequence[int]) -> dict[int, set[str]]:
    statement = select(article_revisions.c.article_id, article_revisions.c.content_hash).where(
        article_revisions.c.article_id.in_(article_ids)
    )
    archived: dict[int, set[str]] = defaultdict(set)
    for row in connection.execute(statement):
        archived[row.article_id].add(row.content_hash)
    return archived


@dataclass(frozen=True)
class StoredText:
    """The stored title and body of a story, to compare a differing sighting with."""

    title: str
    body: str


class Difference(StrEnum):
    """How a sighting whose text hashes differently relates to the stored story."""

    REVISION = "revision"
    """A changed story: a new revision."""
    CLEANER_TITLE = "cleaner_title"
    """The same text, the stored title less a site-name affix: the title is cleaned in place."""
    SAME = "same"
    """The same text but for site-name affixes in the title (or typography): nothing changes."""
    GARBLED = "garbled"
    """More replacement or mojibake characters than the stored text: a badly decoded copy."""


def compare_text(
    stored: StoredText | None, record: ArticleRecord, keyed_by_wire_id: bool
) -> Difference:
    """What a sighting whose hash differs from the stored one's is (pure).

    A copy must never degrade a stored story: one whose text holds more U+FFFD or
    mojibake (``CafÃ©``) than the stored text is a badly decoded copy, never a
    revision over it; one whose title only adds, drops or changes a site-name
    affix (``Headline :: Levant Ledger``) over the same body is the same revision.
    A title that drops an affix the stored one has replaces it, without a new
    revision, where the story is keyed by wire ID (a content-hash key never changes).
    Without the stored text (``None``) a differing hash is a revision.
    """
    if stored is None:
        return Difference.REVISION
    new_text = record.title + "\n" + record.body
    if suspect_characters(new_text) > suspect_characters(stored.title + "\n" + stored.body):
        return Difference.GARBLED
    if fold_for_hash(record.body) != fold_for_hash(stored.body):
        return Difference.REVISION
    if not only_affixes_differ(record.title, stored.title):
        return Difference.REVISION
    if keyed_by_wire_id and is_affix_stripped(record.title, of=stored.title):
        return Difference.CLEANER_TITLE
    return Difference.SAME


def plan_sighting(
    current: Mapping[Any, Any],
    archived: set[str],
    sighting: Sighting,
    stored: StoredText | None = None,
) -> _Plan:
    """Decide what a sighting of a stored story changes (pure: no database access).

    ``stored``: the story's stored title and body, needed only when the
    sighting's hash is neither the current nor an archived one (``compare_text``).
    """
    record, seen = sighting.record, sighting.fetched_at
    article_id, revision = current["id"], current["revision"]
    if record.content_hash != current["content_hash"] and record.content_hash in archived:
        return _Plan(article_id, revision, Outcome.UNCHANGED)
    changes = improvements(current, record)
    outcome = Outcome.UNCHANGED
    difference = Difference.SAME
    if record.content_hash != current["content_hash"]:
        difference = compare_text(stored, record, current["wire_id"] is not None)
    if difference is Difference.GARBLED:
        log.info("story %d kept over a copy with more undecodable characters", article_id)
    elif difference is Difference.CLEANER_TITLE:
        changes |= {"title": record.title, "content_hash": record.content_hash}
    elif difference is Difference.REVISION:
        outcome, revision = Outcome.UPDATED, revision + 1
        changes |= {
            "title": record.title,
            "body": record.body,
            "content_hash": record.content_hash,
            "word_count": record.word_count,
            "revision": revision,
            "revised_at": seen,
        }
    if changes:
        changes["updated_at"] = seen
    if to_utc(seen) > current["last_seen_at"]:
        changes["last_seen_at"] = seen
    return _Plan(article_id, revision, outcome, changes)


def improvements(current: Mapping[Any, Any], record: ArticleRecord) -> dict[str, Any]:
    """Fields a record may fill or sharpen in the stored story; never blanks one."""
    changes: dict[str, Any] = {}
    fillable = wire_columns(record.wire) | {"language": record.language}
    del fillable["wire_id"]  # the story's key: never changes
    for name, value in fillable.items():
        if current[name] is None and value is not None:
            changes[name] = value
    if not current["provider"] and record.provider:
        changes["provider"] = record.provider
    return changes | _better_date(current, record)


def _better_date(current: Mapping[Any, Any], record: ArticleRecord) -> dict[str, Any]:
    """A missing date is filled; a date-only one gives way to a full timestamp on that day.

    A date stored ``date_ambiguous`` (a numeric dateline nothing settled) gives
    way to any date read without doubt, and loses the flag.
    """
    if record.published_at is None:
        return {}
    if current["published_at"] is None:
        return {
            "published_at": record.published_at,
            "published_precision": str(record.published_precision),
            "quality_flags": _flags(current["quality_flags"], record.quality_flags, drop=None),
        }
    stored_flags = current["quality_flags"].split(",")
    if (
        QualityFlag.DATE_AMBIGUOUS in stored_flags
        and QualityFlag.DATE_AMBIGUOUS not in record.quality_flags
    ):
        return {
            "published_at": record.published_at,
            "published_precision": str(record.published_precision),
            "quality_flags": _flags(
                current["quality_flags"], record.quality_flags, drop=QualityFlag.DATE_AMBIGUOUS
            ),
        }
    is_upgrade = (
        current["published_precision"] == Precision.DATE
        and record.published_precision == Precision.DATETIME
    )
    reference = current["wire_date"] or current["published_at"].date()
    if not is_upgrade or abs(record.published_at.date() - reference) > DATE_TOLERANCE:
        return {}
    return {
        "published_at": record.published_at,
        "published_precision": str(Precision.DATETIME),
        "quality_flags": _flags(
            current["quality_flags"], record.quality_flags, drop=QualityFlag.DATELINE_MISMATCH
        ),
    }


def _flags(stored: str, added: Sequence[str], *, drop: str | None) -> str:
    flags = [flag for flag in stored.split(",") if flag]
    flags += [flag for flag in added if flag not in flags]
    return ",".join(flag for flag in flags if flag != drop)


def _apply(connection: Connection, plans: Mapping[Key, _Plan]) -> None:
    """Archive superseded contents, then write each group of identical column sets at once."""
    revised = sorted(p.article_id for p in plans.values() if p.outcome is Outcome.UPDATED)
    if revised:
        _archive(connection, revised)
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for plan in sorted(plans.values(), key=lambda p: p.article_id):
        if plan.changes:
            columns = tuple(sorted(plan.changes))
            params = {f"v_{name}": value for name, value in plan.changes.items()}
            groups[columns].append({"b_id": plan.article_id, **params})
    for columns, group in groups.items():
        statement = (
            update(articles)
            .where(articles.c.id == bindparam("b_id"))
            .values({name: bindparam(f"v_{name}", type_=articles.c[name].type) for name in columns})
        )
        connection.execute(statement, group)


def _archive(connection: Connection, article_ids: Sequence[int]) -> None:
    """Copy the current contents of these stories into ``article_revisions``."""
    source = select(
        articles.c.id,
        articles.c.revision,
        articles.c.title,
        articles.c.body,
        articles.c.content_hash,
        articles.c.revised_at,
    ).where(articles.c.id.in_(article_ids))
    statement = (
        _insert(connection)(article_revisions)
        .from_select(
            ["article_id", "revision", "title", "body", "content_hash", "captured_at"], source
        )
        .on_conflict_do_nothing(
            index_elements=[article_revisions.c.article_id, article_revisions.c.revision]
        )
    )
    connection.execute(statement)


def _record_addresses(
    connection: Connection, batch: Sequence[Sighting], article_ids: Mapping[Key, int]
) -> set[str]:
    """Insert new addresses, refresh known ones; return the addresses that were new."""
    rows = sorted((address_row(s, article_ids[s.key]) for s in batch), key=lambda r: r["url"])
    statement = (
        _insert(connection)(article_urls)
        .on_conflict_do_nothing(index_elements=[article_urls.c.url])
        .returning(article_urls.c.url)
    )
    new_urls = set(connection.execute(statement, rows).scalars())
    known = [_refresh_params(row) for row in rows if row["url"] not in new_urls]
    if known:
        connection.execute(_REFRESH_ADDRESS, known)
    return new_urls


def address_row(sighting: Sighting, article_id: int) -> dict[str, Any]:
    """The ``article_urls`` row a first sighting of an address creates."""
    seen = sighting.fetched_at
    return {
        "article_id": article_id,
        "url": sighting.url,
        "source": sighting.source,
        "first_seen_at": seen,
        "last_seen_at": seen,
        "last_fetched_at": seen,
        "etag": sighting.etag,
        "last_modified": sighting.last_modified,
    }


def _later(column: Any, parameter: Any) -> Any:
    """The later of a stored timestamp (possibly NULL) and a parameter."""
    return case((or_(column.is_(None), column < parameter), parameter), else_=column)


_SEEN = bindparam("v_seen", type_=article_urls.c.last_seen_at.type)
_REFRESH_ADDRESS = (
    update(article_urls)
    .where(article_urls.c.url == bindparam("b_url"))
    .values(
        article_id=bindparam("v_article_id"),
        last_seen_at=_later(article_urls.c.last_seen_at, _SEEN),
        last_fetched_at=_later(article_urls.c.last_fetched_at, _SEEN),
        etag=bindparam("v_etag"),
        last_modified=bindparam("v_last_modified"),
    )
)


def _refresh_params(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "b_url": row["url"],
        "v_article_id": row["article_id"],
        "v_seen": row["last_seen_at"],
        "v_etag": row["etag"],
        "v_last_modified": row["last_modified"],
    }
