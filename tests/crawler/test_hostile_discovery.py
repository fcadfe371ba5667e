"""Hostile feeds and sitemaps: size limits, memory, endless indexes, entities (issue 14).

A gzipped sitemap used to be cut at ``max_page_bytes`` and the rest parsed in
recover mode, silently; a 50 MB sitemap was built whole in memory; an index
fanning out without end was followed for as long as the run lasted; an entity
in a ``<link>`` cut the address short. Each test crawls ``HostileSite`` with
``wirewatch crawl`` in a child process.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from tests.crawler.hostile import (
    Answer,
    HostileSite,
    article,
    article_path,
    crawl,
    gzipped,
    last_run,
    rejections,
    rss,
    sitemap_bytes,
    sitemap_index_bytes,
    stored_urls,
    stories,
    write_config,
)
from tests.factories import make_record, migrated, sighting
from wirewatch.core.urls import canonicalise_url
from wirewatch.storage.models import article_urls
from wirewatch.storage.upsert import store_batch

pytestmark = pytest.mark.slow

STORIES = stories(24)
XML = "application/xml"


@pytest.fixture
def site() -> Iterator[HostileSite]:
    with HostileSite("127.0.0.22") as served:
        yield served


def missing_story_urls(site: HostileSite, count: int) -> list[str]:
    """``count`` story-like addresses the site answers with 404 (cheap to request)."""
    return [site.url(f"/1110{n:06d}/story-{n}") for n in range(count)]


def test_a_gzipped_sitemap_over_max_page_bytes_is_read_whole(
    site: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    listed = missing_story_urls(site, 3000)
    body = sitemap_bytes(listed)
    assert len(body) > 150_000
    site.routes["/sitemap.xml.gz"] = Answer(body=gzipped(body), content_type="application/x-gzip")
    config = write_config(
        tmp_path / "w.toml", sqlite_url, [site.url("/sitemap.xml.gz")], max_page_bytes=100_000
    )

    result = crawl(config)

    assert result.returncode == 0, result.output
    requested = {site.url(path) for path in site.requests}
    assert requested >= set(listed), f"{len(set(listed) - requested)} listed addresses not fetched"
    assert set(rejections(sqlite_url).values()) == {"http_error"}


@pytest.mark.parametrize("packed", [True, False], ids=["xml.gz", "xml"])
def test_a_sitemap_over_max_sitemap_bytes_is_rejected_too_large_and_nothing_in_it_used(
    packed: bool, site: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    body = sitemap_bytes(missing_story_urls(site, 3000))
    site.routes["/sitemap.xml"] = Answer(body=gzipped(body) if packed else body, content_type=XML)
    config = write_config(
        tmp_path / "w.toml", sqlite_url, [site.url("/sitemap.xml")], max_sitemap_bytes=100_000
    )

    result = crawl(config)

    assert result.returncode == 1, result.output
    assert rejections(sqlite_url) == {canonicalise_url(site.url("/sitemap.xml")): "too_large"}
    assert last_run(sqlite_url)[0] == "failed"
    assert [p for p in site.requests if p != "/robots.txt"] == ["/sitemap.xml"]


def test_a_50_mb_sitemap_is_read_in_bounded_memory_and_its_new_stories_fetched(
    site: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    """850,000 addresses: all but the last few already stored, so the whole document is read."""
    new = STORIES[:4]
    lines: list[str] = []
    size = 0
    while size < 50_000_000 - 4_000:
        line = f"<url><loc>{site.base}/1110{len(lines):06d}/s</loc></url>\n"
        lines.append(line)
        size += len(line)
    known = [line[10:-13] for line in lines]
    lines += [f"<url><loc>{site.url(article_path(s))}</loc></url>\n" for s in new]
    for story in new:
        site.routes[article_path(story)] = article(story)
    site.routes["/sitemap.xml"] = Answer(
        body=sitemap_bytes([]).replace(b"</urlset>", "".join(lines).encode() + b"</urlset>"),
        content_type=XML,
    )
    store_known(sqlite_url, known)
    config = write_config(tmp_path / "w.toml", sqlite_url, [site.url("/sitemap.xml")])

    result = crawl(config)

    assert result.returncode == 0, result.output
    assert result.peak_rss_mb < 300, f"peak RSS {result.peak_rss_mb:.0f} MB"
    fetched = [p for p in site.requests if p not in ("/robots.txt", "/sitemap.xml")]
    assert sorted(fetched) == sorted(article_path(s) for s in new)
    assert stored_urls(sqlite_url) >= {canonicalise_url(site.url(article_path(s))) for s in new}


def store_known(db_url: str, urls: list[str]) -> None:
    """Store one story, then ``urls`` as more of its addresses, fetched today."""
    engine = migrated(db_url)
    try:
        now = datetime.now(UTC)
        [stored] = store_batch(engine, [sighting(make_record(), at=now, source="hostile")])
        rows = [
            {
                "article_id": stored.article_id,
                "url": url,
                "source": "hostile",
                "first_seen_at": now,
                "last_seen_at": now,
                "last_fetched_at": now,
            }
            for url in urls
        ]
        with engine.begin() as connection:
            connection.execute(insert(article_urls), rows)
    finally:
        engine.dispose()


def test_a_sitemap_index_fanning_out_without_end_stops_at_max_discovery_pages(
    site: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    site.routes["/idx*"] = lambda path: Answer(
        body=sitemap_index_bytes([site.url(f"{path}-{i}") for i in range(200)]), content_type=XML
    )
    config = write_config(
        tmp_path / "w.toml", sqlite_url, [site.url("/idx")], max_discovery_pages=50
    )

    result = crawl(config)

    assert result.returncode == 0, result.output
    assert len([p for p in site.requests if p.startswith("/idx")]) == 50
    status, error, _ = last_run(sqlite_url)
    assert status == "succeeded"
    assert error is not None and "max_discovery_pages (50) reached" in error
    assert "max_discovery_pages (50) reached" in result.stdout


def test_sitemap_indexes_nested_deeper_than_two_are_not_followed_and_the_run_says_so(
    site: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    site.routes["/idx*"] = lambda path: Answer(
        body=sitemap_index_bytes([site.url(f"{path}-0")]), content_type=XML
    )
    config = write_config(tmp_path / "w.toml", sqlite_url, [site.url("/idx")])

    result = crawl(config)

    assert result.returncode == 0, result.output
    assert [p for p in site.requests if p.startswith("/idx")] == ["/idx", "/idx-0", "/idx-0-0"]
    error = last_run(sqlite_url)[1]
    assert error is not None and "sitemap indexes nested more than 2 deep" in error


def xxe_links(
    site: HostileSite, secret: Path, spy: HostileSite
) -> tuple[list[str], bytes, dict[str, str]]:
    """Links using entities and character references, the DOCTYPE declaring the entities
    (external: a local file and an address on ``spy``), and the addresses the links
    that can be used mean (-> their story's path on ``site``)."""
    good = {
        f"{site.url(article_path(STORIES[0]))}": article_path(STORIES[0]),
        f"{site.url(article_path(STORIES[1]))}?a=1&b=2": article_path(STORIES[1]) + "?a=1&b=2",
        f"{site.url(article_path(STORIES[2]))}?x=1&y=2": article_path(STORIES[2]) + "?x=1&y=2",
        f"{site.url(article_path(STORIES[3]))}": article_path(STORIES[3]),
    }
    for story, path in zip(STORIES[:4], good.values(), strict=True):
        site.routes[path] = article(story)
    links = [
        f"{site.url('/1110000020/xxe-')}&xxe;-tail",
        f"{site.url('/1110000021/net-')}&net;",
        site.url(article_path(STORIES[0])).replace("-", "&#45;", 1),
        f"{site.url(article_path(STORIES[1]))}?a=1&amp;b=2",
        f"{site.url(article_path(STORIES[2]))}?x=1&y=2",
        site.url(article_path(STORIES[3])).replace("/", "&#x2F;", 3),
    ]
    doctype = (
        f'<!DOCTYPE root [<!ENTITY xxe SYSTEM "file://{secret}">'
        f'<!ENTITY net SYSTEM "{spy.url("/exfiltrate")}">]>\n'
    )
    return links, doctype.encode(), good


def expected_addresses(site: HostileSite, good: dict[str, str]) -> set[str]:
    """The usable links, and the address each page names as its canonical one (its path
    without the query: ``rel=canonical`` addresses are stored for the story too)."""
    return {canonicalise_url(url) for url in good} | {
        canonicalise_url(site.url(article_path(story))) for story in STORIES[: len(good)]
    }


def with_doctype(body: bytes, root: bytes, doctype: bytes) -> bytes:
    return body.replace(b"<" + root, doctype + b"<" + root, 1)


def test_entities_in_feed_links_are_never_resolved_and_character_references_are_decoded(
    site: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    with HostileSite("127.0.0.23") as spy:
        links, doctype, good = xxe_links(site, secret, spy)
        body = with_doctype(rss(links).body, b"rss", doctype)
        site.routes["/feed.xml"] = Answer(body=body, content_type="application/rss+xml")
        config = write_config(tmp_path / "w.toml", sqlite_url, [site.url("/feed.xml")])

        result = crawl(config)

        assert not spy.requests, "an external entity was fetched"
    assert result.returncode == 0, result.output
    assert stored_urls(sqlite_url) == expected_addresses(site, good)
    rejected = rejections(sqlite_url)
    assert rejected == {
        f"{site.url('/1110000020/xxe-')}&xxe;-tail": "bad_url",
        f"{site.url('/1110000021/net-')}&net;": "bad_url",
    }
    assert not any(path.endswith(("xxe-", "net-")) for path in site.requests)
    assert "TOPSECRET" not in str(rejected) + result.output


def test_entities_in_sitemap_locs_are_never_resolved_and_character_references_are_decoded(
    site: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    with HostileSite("127.0.0.23") as spy:
        links, doctype, good = xxe_links(site, secret, spy)
        body = with_doctype(sitemap_bytes(links), b"urlset", doctype)
        site.routes["/sitemap.xml"] = Answer(body=body, content_type=XML)
        config = write_config(tmp_path / "w.toml", sqlite_url, [site.url("/sitemap.xml")])

        result = crawl(config)

        assert not spy.requests, "an external entity was fetched"
    assert result.returncode == 0, result.output
    assert stored_urls(sqlite_url) == expected_addresses(site, good)
    assert set(rejections(sqlite_url).values()) == {"bad_url"}
    assert len(rejections(sqlite_url)) == 2
