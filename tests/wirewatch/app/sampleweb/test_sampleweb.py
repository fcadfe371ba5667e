"""The sample web: its servers, conditional requests, round 2, and its pages through extraction."""

import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.etree import ElementTree

import pytest

from tests.crawler.extract.checked import extract_checked
from wirewatch.app.sampleweb import SampleWeb
from wirewatch.app.sampleweb.site import BadPage, wire_path
from wirewatch.app.sampleweb.stories import generate_stories
from wirewatch.core.config import config_from_mapping
from wirewatch.core.record import ArticleRecord, Rejection
from wirewatch.core.urls import canonicalise_url

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def web() -> Iterator[SampleWeb]:
    with SampleWeb(stories=30, seed=1, page_size=10) as served:
        yield served


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def sitemap_lastmods(web: SampleWeb) -> dict[str, str]:
    _, index, _ = fetch(web.sitemap_url)
    lastmods: dict[str, str] = {}
    for loc in ElementTree.fromstring(index).iter(f"{SITEMAP_NS}loc"):
        _, body, _ = fetch(loc.text or "")
        for url in ElementTree.fromstring(body).iter(f"{SITEMAP_NS}url"):
            lastmods[url.findtext(f"{SITEMAP_NS}loc") or ""] = (
                url.findtext(f"{SITEMAP_NS}lastmod") or ""
            )
    return lastmods


def test_generator_is_deterministic_and_makes_valid_unique_wire_ids() -> None:
    first, _ = generate_stories(2000, seed=7)
    second, _ = generate_stories(2000, seed=7)
    assert first == second
    assert len({s.wire_id for s in first}) == 2000
    assert len({s.title for s in first}) == 2000
    for story in first[:50]:
        assert story.wire_id is not None
        assert story.wire_id.startswith(f"MENAFN{story.wire_date:%d%m%Y}")
        assert len(story.wire_id) == len("MENAFN") + 8 + 12 + 2 + 10
        assert story.wire_id.endswith(f"ID{story.number}")


def test_both_servers_answer_with_feed_sitemap_listing_and_robots(web: SampleWeb) -> None:
    assert web.wire_base.startswith("http://127.0.0.1:")
    assert web.partner_base.startswith("http://127.0.0.2:")
    status, feed, headers = fetch(web.feed_url)
    assert status == 200 and "rss" in headers["Content-Type"]
    links = [link.text or "" for link in ElementTree.fromstring(feed).iter("link")][1:]
    assert links and all(link.endswith("?src=RSS") for link in links)
    assert set(sitemap_lastmods(web)) == {
        web.wire_base + wire_path(s) for s in web.site.wire_stories()
    }
    status, robots, _ = fetch(web.wire_base + "/robots.txt")
    assert status == 200 and b"Disallow: /private/" in robots
    status, page_one, _ = fetch(web.listing_url)
    assert status == 200 and b'rel="next" href="/news/world?page=2"' in page_one
    for bad in BadPage:
        assert bad.value.encode() in page_one
    status, partner, _ = fetch(web.partner_listing_url)
    assert status == 200 and b'rel="next"' in partner
    assert fetch(web.listing_url + "?page=99")[0] == 404


def test_conditional_requests_get_304_and_are_logged(web: SampleWeb) -> None:
    url = web.wire_base + wire_path(web.site.wire_stories()[0])
    status, _, headers = fetch(url)
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    assert fetch(url, {"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    older = format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)
    assert fetch(url, {"If-Modified-Since": older})[0] == 200
    assert (
        fetch(url, {"If-None-Match": '"stale"', "If-Modified-Since": headers["Last-Modified"]})[0]
        == 200
    )
    logged = web.article_requests()
    assert [r.status for r in logged] == [200, 304, 304, 200, 200]
    assert logged[1].if_none_match == headers["ETag"]
    assert logged[2].if_modified_since == headers["Last-Modified"]
    assert logged[0].host == "127.0.0.1" and logged[0].user_agent.startswith("Python-urllib")
    web.clear_log()
    assert web.requests == []


def test_advance_publishes_new_stories_and_edits_some(web: SampleWeb) -> None:
    before = sitemap_lastmods(web)
    edited_before = {}
    for story in web.site.wire_stories():
        edited_before[story.wire_id] = fetch(web.wire_base + wire_path(story))
    web.advance()
    assert web.round == 2
    new_ids = web.expected_new_wire_ids()
    assert len(new_ids) == 3 and new_ids <= web.expected_wire_ids()
    _, feed, _ = fetch(web.feed_url)
    assert all(wire_id[-10:].encode() in feed for wire_id in new_ids)
    after = sitemap_lastmods(web)
    assert len(after) == len(before) + 3
    revisions = web.expected_revisions()
    assert len(revisions) == 2 and set(revisions.values()) == {2}
    assert web.expected_edited_wire_ids() & web.expected_syndicated_wire_ids()
    assert web.expected_edited_wire_ids() - web.expected_syndicated_wire_ids()
    for story in web.site.wire_stories():
        url = web.wire_base + wire_path(story)
        if story.wire_id not in edited_before:
            continue
        _, old_body, old_headers = edited_before[story.wire_id]
        status, body, headers = fetch(url, {"If-None-Match": old_headers["ETag"]})
        if story.wire_id in revisions:
            assert status == 200 and body != old_body
            assert headers["ETag"] != old_headers["ETag"]
            lastmod = datetime.fromisoformat(after[url])
            assert lastmod > datetime.fromisoformat(before[url])
            assert lastmod > datetime.now(UTC) - timedelta(minutes=1)
        else:
            assert status == 304
            assert after[url] == before[url]


@pytest.mark.parametrize("seed", [0, 5])
def test_every_story_page_extracts_to_its_story(seed: int) -> None:
    with SampleWeb(stories=25, seed=seed) as web:
        web.advance()
        pages = [(web.wire_base + wire_path(s), s) for s in web.site.wire_stories()]
        pages += [(web.partner_base + p, s) for p, s in web.site.partner_copies().items()]
        for url, story in pages:
            _, body, headers = fetch(url)
            record = extract_checked(url, body, headers)
            assert isinstance(record, ArticleRecord), (url, record)
            assert (record.wire.text if record.wire else None) == story.wire_id
            assert record.title == story.title
            assert record.paragraphs == story.paragraphs
            assert record.canonical_url == canonicalise_url(url)
        mismatched = {s.wire_id for s in web.site.wire_stories() if s.wrong_dateline}
        assert web.expected_dateline_mismatch_wire_ids() <= mismatched


def test_bad_pages_are_rejected_or_too_large(web: SampleWeb) -> None:
    expected = web.expected_rejections()
    assert set(expected) == {
        canonicalise_url(web.wire_base + bad.value) for bad in BadPage if bad != BadPage.DISALLOWED
    }
    for bad in (BadPage.NOT_FOUND, BadPage.SERVER_ERROR, BadPage.EMPTY_SHELL):
        url = web.wire_base + bad.value
        status, body, headers = fetch(url)
        assert status == {BadPage.NOT_FOUND: 404, BadPage.SERVER_ERROR: 500}.get(bad, 200)
        assert isinstance(extract_checked(url, body, headers), Rejection)
    status, body, _ = fetch(web.wire_base + BadPage.OVERSIZED.value)
    assert status == 200 and len(body) > web.max_page_bytes
    assert web.expected_http_status() == {
        canonicalise_url(web.wire_base + BadPage.NOT_FOUND.value): 404,
        canonicalise_url(web.wire_base + BadPage.SERVER_ERROR.value): 500,
    }
    assert web.disallowed_urls() == {web.wire_base + BadPage.DISALLOWED.value}


def test_expected_counts_describe_syndication_and_stories_without_wire_id(web: SampleWeb) -> None:
    urls = web.expected_urls()
    assert len(urls) == web.expected_article_count() == 30 + 3
    assert web.expected_count_without_wire_id() == 3
    assert len(web.expected_duplicate_urls_without_wire_id()) == 2
    for wire_id in web.expected_syndicated_wire_ids():
        assert len(urls[wire_id]) == 2
    assert web.expected_url_count() == 30 + len(web.expected_syndicated_wire_ids()) + 4


def test_config_toml_is_a_valid_config_for_both_sources(web: SampleWeb) -> None:
    config = config_from_mapping(tomllib.loads(web.config_toml("sqlite:///x.db")), "test")
    assert [s.name for s in config.sources] == ["wire", "partner"]
    assert config.source("wire").start_urls == [web.feed_url, web.sitemap_url, web.listing_url]
    assert config.source("partner").allowed_domains == ["127.0.0.2"]
    assert config.crawl.max_page_bytes == web.max_page_bytes
    overridden = tomllib.loads(web.config_toml("sqlite:///x.db", retries=0))
    assert overridden["crawl"]["retries"] == 0


def test_without_bad_pages_nothing_broken_is_linked_or_served() -> None:
    with SampleWeb(stories=5, bad_pages=False) as web:
        _, listing, _ = fetch(web.listing_url)
        assert not any(bad.value.encode() in listing for bad in BadPage)
        assert fetch(web.wire_base + BadPage.OVERSIZED.value)[0] == 404
        assert web.expected_rejections() == {} and web.disallowed_urls() == set()
