"""Asking storage before fetching: new addresses are fetched, stored ones only when said to have changed."""

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from wirewatch.core.record import ArticleRecord, Precision
from wirewatch.core.wire_id import parse_wire_id
from wirewatch.crawler.discover import Entry
from wirewatch.crawler.incremental import Plan, RevisitPlanner, Visit, article_number
from wirewatch.storage.engine import make_engine
from wirewatch.storage.migrate import upgrade
from wirewatch.storage.upsert import Sighting, store_batch

FETCHED = datetime(2025, 11, 17, 12, 0, tzinfo=UTC)
STORED = "http://127.0.0.1:8000/1110354612/Kremlin-Says"


def kremlin_record(address: str) -> ArticleRecord:
    return ArticleRecord(
        canonical_url=address,
        title="Kremlin Says",
        paragraphs=("The Kremlin said something on Monday.",),
        provider="MENAFN",
        published_at=FETCHED,
        published_precision=Precision.DATETIME,
        wire=parse_wire_id("MENAFN17112025000045017169ID1110354612"),
    )


def stored_engine(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    record = kremlin_record(STORED)
    store_batch(
        engine, [Sighting(record, "wire", FETCHED, '"v1"', "Mon, 17 Nov 2025 12:00:00 GMT")]
    )
    return engine


def plan(url: str, entries: list[Entry]) -> Plan:
    engine = stored_engine(url)
    try:
        return asyncio.run(RevisitPlanner(engine).plan(entries))
    finally:
        engine.dispose()


def test_a_new_address_is_fetched_without_conditional_headers(sqlite_url: str) -> None:
    result = plan(sqlite_url, [Entry("http://127.0.0.1:8000/1110354700/Another-Story?src=RSS")])
    assert result.visits == [Visit("http://127.0.0.1:8000/1110354700/Another-Story")]
    assert result.skipped == 0


def test_a_stored_address_without_a_newer_date_is_not_fetched_again(sqlite_url: str) -> None:
    entries = [
        Entry(STORED + "?utm_source=rss"),
        Entry(STORED, FETCHED - timedelta(days=1)),
    ]
    result = plan(sqlite_url, entries)
    assert result.visits == []
    assert result.skipped == 1


def test_a_stored_address_with_a_newer_lastmod_is_revisited_conditionally(sqlite_url: str) -> None:
    newer = FETCHED + timedelta(hours=1)
    result = plan(sqlite_url, [Entry(STORED, newer)])
    assert result.visits == [
        Visit(
            STORED,
            newer,
            {"If-None-Match": '"v1"', "If-Modified-Since": "Mon, 17 Nov 2025 12:00:00 GMT"},
        )
    ]


def test_another_slug_of_a_stored_article_number_is_not_fetched(sqlite_url: str) -> None:
    result = plan(sqlite_url, [Entry("http://127.0.0.1:8000/1110354612/Kremlin-Says-Updated-Slug")])
    assert result.visits == []
    assert result.skipped == 1


def test_a_stored_article_number_on_another_site_does_not_hide_this_sites_address(
    sqlite_url: str,
) -> None:
    other_site = "http://127.0.0.2:9000/1110354612/Kremlin-Says"
    result = plan(sqlite_url, [Entry(other_site)])
    assert result.visits == [Visit(other_site)]


def test_a_partner_copy_stored_first_does_not_hide_the_wire_address(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    partner = kremlin_record("http://127.0.0.2:9000/2025/11/kremlin-says.html")
    store_batch(engine, [Sighting(partner, "partner", FETCHED)])
    try:
        result = asyncio.run(RevisitPlanner(engine).plan([Entry(STORED)]))
    finally:
        engine.dispose()
    assert result.visits == [Visit(STORED)]


def test_another_slug_of_a_stored_number_is_revisited_when_its_lastmod_is_newer(
    sqlite_url: str,
) -> None:
    newer = FETCHED + timedelta(hours=1)
    other_slug = "http://127.0.0.1:8000/1110354612/Kremlin-Says-Updated-Slug"
    result = plan(sqlite_url, [Entry(other_slug, newer)])
    assert result.visits == [
        Visit(
            other_slug,
            newer,
            {"If-None-Match": '"v1"', "If-Modified-Since": "Mon, 17 Nov 2025 12:00:00 GMT"},
        )
    ]


def test_article_numbers_come_only_from_number_slug_addresses() -> None:
    assert article_number("https://menafn.com/1110354612/Kremlin") == 1110354612
    assert article_number("https://p.example/2025/11/kremlin.html") is None
    assert article_number("https://menafn.com/1110354612") is None
