"""Builders of test data: stories, sightings, run rows, pages and migrated databases.

Plain functions with plausible defaults; every field can be overridden by keyword.
Story ``n`` is MENAFN article number ``1_110_000_000 + n`` of wire date 2025-11-17,
served at ``https://menafn.com/<article number>/story-<n>``. ``wire_page`` and
``generic_page`` are HTML pages for extraction; ``fetched_page`` is a page as the
crawler downloaded it. The fixtures built on these (``migrated_engine`` and
friends) are in ``tests/conftest.py``.
"""

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Literal

from sqlalchemy import Engine, create_engine

from wirewatch.core.record import ArticleRecord, Precision, QualityFlag
from wirewatch.core.wire_id import WireId
from wirewatch.crawler.items import FetchedPage
from wirewatch.storage.engine import make_engine
from wirewatch.storage.ledger import RunCounts, RunRow
from wirewatch.storage.migrate import upgrade
from wirewatch.storage.models import RunStatus, RunTrigger
from wirewatch.storage.upsert import Sighting

T0 = datetime(2025, 11, 17, 12, 0, tzinfo=UTC)
"""When stories are seen, unless a test says otherwise."""
WIRE_DATE = date(2025, 11, 17)
PROVIDER_CODE = "000045017169"
FIRST_ARTICLE_NUMBER = 1_110_000_000


class _ByNumber(Enum):
    WIRE = "the wire ID of the story's number"


BY_NUMBER = _ByNumber.WIRE
"""``make_record``'s default ``wire``: ``wire_id(number)``."""
NO_COUNTS = RunCounts()


def article_number(number: int) -> int:
    """The MENAFN article number of story ``number``."""
    return FIRST_ARTICLE_NUMBER + number


def wire_id(
    number: int = 1, *, wire_date: date = WIRE_DATE, provider_code: str = PROVIDER_CODE
) -> WireId:
    """The wire ID of story ``number``."""
    return WireId.from_parts(wire_date, provider_code, article_number(number))


def make_record(
    number: int = 1,
    *,
    url: str | None = None,
    title: str | None = None,
    paragraphs: tuple[str, ...] | None = None,
    provider: str = "MENAFN",
    published_at: datetime | None = T0 - timedelta(hours=2),
    precision: Precision = Precision.DATETIME,
    flags: tuple[QualityFlag, ...] = (),
    language: str | None = "en",
    wire: WireId | Literal[_ByNumber.WIRE] | None = BY_NUMBER,
) -> ArticleRecord:
    """A plausible story ``number``; ``wire=None`` makes it a page without a wire ID."""
    if url is None:
        url = f"https://menafn.com/{article_number(number)}/story-{number}"
    if title is None:
        title = f"Story number {number} about harbour cranes"
    if paragraphs is None:
        paragraphs = (f"Paragraph one of story {number} mentions zeppelins.", "Paragraph two.")
    return ArticleRecord(
        canonical_url=url,
        title=title,
        paragraphs=paragraphs,
        provider=provider,
        published_at=published_at,
        published_precision=precision,
        quality_flags=flags,
        language=language,
        wire=wire_id(number) if wire is BY_NUMBER else wire,
    )


def at_url(record: ArticleRecord, url: str) -> ArticleRecord:
    """The same story found at another address."""
    return replace(record, canonical_url=url)


def sighting(
    record: ArticleRecord,
    *,
    at: datetime = T0,
    source: str = "menafn",
    etag: str | None = None,
    last_modified: str | None = None,
) -> Sighting:
    """``record`` as fetched from ``source`` at ``at``."""
    return Sighting(record, source, at, etag=etag, last_modified=last_modified)


def run_row(
    run_id: int = 1,
    *,
    source: str = "wire",
    trigger: RunTrigger = RunTrigger.SCHEDULE,
    status: RunStatus = RunStatus.RUNNING,
    started_at: datetime | None = None,
    finished_at: datetime | None = None,
    counts: RunCounts = NO_COUNTS,
    error: str | None = None,
    pid: int | None = None,
    hostname: str | None = None,
) -> RunRow:
    """A ``crawl_runs`` row as the ledger reads it (``started_at`` defaults to now)."""
    return RunRow(
        id=run_id,
        source=source,
        trigger=trigger,
        status=status,
        started_at=started_at or datetime.now(UTC),
        finished_at=finished_at,
        error=error,
        pid=pid,
        hostname=hostname,
        **counts.as_dict(),
    )


def fetched_page(
    url: str = "https://menafn.com/1110000001/story-1",
    body: bytes = b"",
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    source: str = "wire",
    at: datetime = T0,
    date_hint: datetime | None = None,
) -> FetchedPage:
    """A page as the crawler downloaded it (``headers`` default to an HTML content type)."""
    served = {"content-type": "text/html; charset=utf-8"} if headers is None else headers
    return FetchedPage(url, status, served, body, source, at, date_hint)


# HTML pages for extraction.

PAGE_STORY = (
    "The ministry said on Monday that exports rose 6 percent in the first nine months of the "
    "year, helped by stronger demand for fertilisers, phosphates and potash in Asian markets.",
    "Officials expect the trend to continue next year as new trade agreements with East Asian "
    "partners take effect and shipping costs through the Red Sea ease.",
    "Imports fell 2 percent over the same period, narrowing the trade deficit to its lowest "
    "level in five years, according to the figures.",
)
PAGE_WIRE_ID = "MENAFN19112025000029011111ID1110361234"
"""The wire ID on ``wire_page``."""


def wire_page(
    *,
    attribution: str = "(MENAFN- Jordan Times)",
    wire_id: str = PAGE_WIRE_ID,
    story: tuple[str, ...] = PAGE_STORY,
    title: str = "Jordan Exports Rise 6 Percent",
    dateline: str = "19 Nov 2025",
    head: str = "",
    around: str = "",
) -> str:
    """A plain wire page: headline, dateline, attributed paragraphs, wire ID, footer."""
    first, *rest = story
    paragraphs = "".join(f"<p>{text}</p>" for text in rest)
    return (
        f"<!DOCTYPE html><html lang='en'><head><title>{title} | MENAFN.COM</title>{head}</head>"
        f"<body><nav><a href='/'>Home</a></nav>{around}<div class='story'><h1>{title}</h1>"
        f"<div class='date'>{dateline}</div><div class='body'><p>{attribution} {first}</p>"
        f"{paragraphs}<p>{wire_id}</p></div><p>MENAFN</p></div></body></html>"
    )


GENERIC_STORY = (
    "The city council on Tuesday approved a plan to build 40 kilometres of protected "
    "cycling lanes over the next three years, the largest such project in the city's history.",
    "The plan, which passed by 31 votes to 9, will connect the university district with "
    "the central business district and the main railway station, officials said.",
    "Supporters said the lanes would cut traffic and improve air quality, while some "
    "shop owners worried about the loss of parking spaces along the busiest streets.",
    "Construction of the first section is expected to begin in the spring, with the "
    "whole network due to open before the end of 2028.",
)


def generic_page(
    *,
    title: str = "City Council Approves New Cycling Lanes",
    story: tuple[str, ...] = GENERIC_STORY,
    site_name: str = "City Herald",
    published: str = "2025-11-18T16:20:00+01:00",
    extra: str = "",
) -> str:
    """A news page without MENAFN markers; ``extra`` goes after its ``<main>``."""
    paragraphs = "".join(f"<p>{text}</p>" for text in story)
    return (
        f"<!DOCTYPE html><html lang='en-GB'><head><title>{title} - {site_name}</title>"
        f"<meta property='og:site_name' content='{site_name}'>"
        f"<meta property='article:published_time' content='{published}'>"
        f"</head><body><header><nav><a href='/'>Home</a> <a href='/local'>Local</a></nav></header>"
        f"<main><article><h1>{title}</h1>{paragraphs}</article></main>{extra}"
        f"<footer>&copy; {site_name}</footer></body></html>"
    )


# Databases.


def migrated(url: str) -> Engine:
    """An engine on ``url`` whose database is migrated to the head revision.

    The caller disposes of it; tests mostly want the fixtures of ``tests/conftest.py``.
    """
    engine = make_engine(url)
    upgrade(engine)
    return engine


def foreign_engine(url: str) -> Engine:
    """The database as another program, or an older wirewatch, writes it: a plain
    SQLAlchemy engine, without the control-character cleaning of ``make_engine``."""
    return create_engine(url)
