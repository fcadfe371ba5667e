"""Asking storage before fetching: new addresses are fetched, stored ones only when said to have changed."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from tests.factories import make_record, sighting
from wirewatch.core.record import ArticleRecord
from wirewatch.crawler.discover import Entry
from wirewatch.crawler.incremental import Plan, RevisitPlanner, Visit, article_number
from wirewatch.storage.upsert import store_batch

FETCHED = datetime(2025, 11, 17, 12, 0, tzinfo=UTC)
KREMLIN = 354_612
"""The story number (``tests.factories``) of article 1110354612."""
STORED = "http://127.0.0.1:8000/1110354612/Kremlin-Says"


def kremlin_record(address: str) -> ArticleRecord:
    return make_record(
        KREMLIN,
        url=address,
        title="Kremlin Says",
        paragraphs=("The Kremlin said something on Monday.",),
        published_at=FETCHED,
    )


@pytest.fixture
def stored(sqlite_engine: Engine) -> Engine:
    """A database holding the Kremlin story at ``STORED``, with its ETag and Last-Modified."""
    record = sighting(
        kremlin_record(STORED),
        source="wire",
        at=FETCHED,
        etag='"v1"',
        last_modified="Mon, 17 Nov 2025 12:00:00 GMT",
    )
    store_batch(sqlite_engine, [record])
    return sqlite_engine


def plan(engine: Engine, entries: list[Entry]) -> Plan:
    return asyncio.run(RevisitPlanner(engine).plan(entries))


def test_a_new_address_is_fetched_without_conditional_headers(stored: Engine) -> None:
    result = plan(stored, [Entry("http://127.0.0.1:8000/1110354700/Another-Story?src=RSS")])
    assert result.visits == [Visit("http://127.0.0.1:8000/1110354700/Another-Story")]
    assert result.skipped == 0


def test_a_stored_address_without_a_newer_date_is_not_fetched_again(stored: Engine) -> None:
    entries = [
        Entry(STORED + "?utm_source=rss"),
        Entry(STORED, FETCHED - timedelta(days=1)),
    ]
    result = plan(stored, entries)
    assert result.visits == []
    assert result.skipped == 1


def test_a_stored_address_with_a_newer_lastmod_is_revisited_conditionally(stored: Engine) -> None:
    newer = FETCHED + timedelta(hours=1)
    result = plan(stored, [Entry(STORED, newer)])
    assert result.visits == [
        Visit(
            STORED,
            newer,
            {"If-None-Match": '"v1"', "If-Modified-Since": "Mon, 17 Nov 2025 12:00:00 GMT"},
        )
    ]


def test_another_slug_of_a_stored_article_number_is_not_fetched(stored: Engine) -> None:
    result = plan(stored, [Entry("http://127.0.0.1:8000/1110354612/Kremlin-Says-Updated-Slug")])
    assert result.visits == []
    assert result.skipped == 1


def test_a_stored_article_number_on_another_site_does_not_hide_this_sites_address(
    stored: Engine,
) -> None:
    other_site = "http://127.0.0.2:9000/1110354612/Kremlin-Says"
    result = plan(stored, [Entry(other_site)])
    assert result.visits == [Visit(other_site)]


def test_a_partner_copy_stored_first_does_not_hide_the_wire_address(
    sqlite_engine: Engine,
) -> None:
    partner = kremlin_record("http://127.0.0.2:9000/2025/11/kremlin-says.html")
    store_batch(sqlite_engine, [sighting(partner, source="partner", at=FETCHED)])
    result = plan(sqlite_engine, [Entry(STORED)])
    assert result.visits == [Visit(STORED)]


def test_another_slug_of_a_stored_number_is_revisited_when_its_lastmod_is_newer(
    stored: Engine,
) -> None:
    newer = FETCHED + timedelta(hours=1)
    other_slug = "http://127.0.0.1:8000/1110354612/Kremlin-Says-Updated-Slug"
    result = plan(stored, [Entry(other_slug, newer)])
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
