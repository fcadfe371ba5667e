"""Builders for the storage tests: records, sightings and migrated engines."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from wirewatch.core.record import ArticleRecord, Precision, QualityFlag
from wirewatch.core.wire_id import WireId
from wirewatch.storage.engine import make_engine
from wirewatch.storage.migrate import upgrade
from wirewatch.storage.upsert import Sighting, store_batch

T0 = datetime(2025, 11, 17, 12, 0, tzinfo=UTC)
WIRE_DATE = date(2025, 11, 17)


def wire_id(number: int) -> WireId:
    return WireId.from_parts(WIRE_DATE, "000045017169", 1_110_000_000 + number)


def make_record(
    number: int = 1,
    *,
    url: str | None = None,
    title: str | None = None,
    paragraphs: tuple[str, ...] | None = None,
    wire: bool = True,
    published_at: datetime | None = T0 - timedelta(hours=2),
    precision: Precision = Precision.DATETIME,
    flags: tuple[QualityFlag, ...] = (),
    provider: str = "MENAFN",
    language: str | None = "en",
) -> ArticleRecord:
    """A plausible story ``number``; every field can be overridden."""
    return ArticleRecord(
        canonical_url=url or f"https://menafn.com/{1_110_000_000 + number}/story-{number}",
        title=title or f"Story number {number} about harbour cranes",
        paragraphs=paragraphs
        or (f"Paragraph one of story {number} mentions zeppelins.", "Paragraph two."),
        provider=provider,
        published_at=published_at,
        published_precision=precision,
        quality_flags=flags,
        language=language,
        wire=wire_id(number) if wire else None,
    )


def sighting(
    record: ArticleRecord,
    *,
    at: datetime = T0,
    source: str = "menafn",
    etag: str | None = None,
    last_modified: str | None = None,
) -> Sighting:
    return Sighting(record, source, at, etag=etag, last_modified=last_modified)


def at_url(record: ArticleRecord, url: str) -> ArticleRecord:
    return replace(record, canonical_url=url)


def migrated_engine(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    return engine


def write_stories(url: str, count: int, batch_size: int, reverse: bool) -> list[str]:
    """Child-process entry point of the concurrency test: store ``count`` stories.

    Returns the outcome of every sighting.
    """
    engine = make_engine(url)
    numbers = list(range(count))
    if reverse:
        numbers.reverse()
    outcomes: list[str] = []
    try:
        for start in range(0, count, batch_size):
            chunk = numbers[start : start + batch_size]
            results = store_batch(engine, [sighting(make_record(n)) for n in chunk])
            outcomes += [str(result.outcome) for result in results]
    finally:
        engine.dispose()
    return outcomes
