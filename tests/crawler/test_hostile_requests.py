"""Requests a hostile server ends badly: each becomes a rejection with its reason (issue 14).

Decompression bombs, redirect loops and chains, meta refreshes to another host,
addresses over the length limit and redirects to another port used to vanish
(counted as ``robots_forbidden``, written nowhere; a start URL ending so left a
run ``succeeded`` with nothing in it). Every crawl here runs ``wirewatch crawl``
in a child process against ``HostileSite`` on 127.0.0.x.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.crawler.hostile import (
    Answer,
    HostileSite,
    article,
    article_path,
    crawl,
    gzipped,
    last_run,
    query,
    rejections,
    rss,
    stored_urls,
    stories,
    with_allowed_domains,
    write_config,
)
from wirewatch.core.urls import canonicalise_url

pytestmark = pytest.mark.slow

STORIES = stories(4)
BOMB_BYTES = 60_000_000
"""Inflated size of the bomb: over every limit the tests configure."""


def serve_attacks(site: HostileSite, other: HostileSite) -> dict[str, str]:
    """Route one address per attack on ``site``; attack name -> its address."""
    site.routes["/bomb"] = Answer(
        body=gzipped(b"\0" * BOMB_BYTES), headers={"Content-Encoding": "gzip"}
    )
    site.routes["/loop/a"] = Answer(301, headers={"Location": "/loop/b"})
    site.routes["/loop/b"] = Answer(302, headers={"Location": "/loop/a"})
    site.routes["/chain/*"] = lambda path: Answer(
        302, headers={"Location": f"/chain/{int(path.rsplit('/', 1)[1]) + 1}"}
    )
    other.routes[article_path(STORIES[1])] = article(STORIES[1])
    refresh = f'<html><head><meta http-equiv="refresh" content="0; url={other.url(article_path(STORIES[1]))}"></head><body>moved</body></html>'
    site.routes["/refresh"] = Answer(body=refresh.encode())
    return {
        "bomb": site.url("/bomb"),
        "loop": site.url("/loop/a"),
        "chain": site.url("/chain/0"),
        "meta_refresh": site.url("/refresh"),
        "long": site.url("/1110000001/" + "long-" * 600),
    }


EXPECTED_REASONS = {
    "bomb": "too_large",
    "loop": "redirect_loop",
    "chain": "redirect_loop",
    "meta_refresh": "offsite_redirect",
    "long": "bad_url",
}


@pytest.fixture
def site() -> Iterator[HostileSite]:
    with HostileSite("127.0.0.20") as served:
        yield served


@pytest.fixture
def other() -> Iterator[HostileSite]:
    with HostileSite("127.0.0.21") as served:
        yield served


def test_each_attack_listed_in_a_feed_becomes_a_rejection_with_its_own_reason(
    site: HostileSite, other: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    attacks = serve_attacks(site, other)
    good = site.url(article_path(STORIES[0]))
    site.routes[article_path(STORIES[0])] = article(STORIES[0])
    site.routes["/feed.xml"] = rss([*attacks.values(), good])
    config = write_config(tmp_path / "w.toml", sqlite_url, [site.url("/feed.xml")])

    result = crawl(config)

    assert result.returncode == 0, result.output
    rejected = rejections(sqlite_url)
    for name, url in attacks.items():
        assert rejected.get(canonicalise_url(url)) == EXPECTED_REASONS[name], (name, rejected)
    assert stored_urls(sqlite_url) == {canonicalise_url(good)}
    assert last_run(sqlite_url) == ("succeeded", None, len(attacks))
    assert site.requested("/loop/a") == 1 and site.requested("/loop/b") == 1
    assert not other.requests, "the meta refresh off the site was followed"
    assert not any("long-long" in path for path in site.requests)


@pytest.mark.parametrize("attack", sorted(EXPECTED_REASONS))
def test_a_start_url_ending_in_an_attack_fails_its_run_with_the_reason_recorded(
    attack: str, site: HostileSite, other: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    attacks = serve_attacks(site, other)
    config = write_config(
        tmp_path / "w.toml", sqlite_url, [attacks[attack]], max_sitemap_bytes=1_000_000
    )

    result = crawl(config)

    assert result.returncode == 1, result.output
    status, error, rejected = last_run(sqlite_url)
    assert (status, rejected) == ("failed", 1)
    assert error is not None and "no start URL could be fetched" in error
    assert rejections(sqlite_url) == {canonicalise_url(attacks[attack]): EXPECTED_REASONS[attack]}
    assert not stored_urls(sqlite_url)


@pytest.fixture
def second_port(site: HostileSite) -> Iterator[HostileSite]:
    """A second server on ``site``'s host, on another port, serving a story."""
    with HostileSite(site.host) as served:
        served.routes[article_path(STORIES[2])] = article(STORIES[2])
        yield served


def redirect_to_port(site: HostileSite, second_port: HostileSite) -> str:
    """A feed on ``site`` listing an address that redirects to ``second_port``'s story."""
    target = second_port.url(article_path(STORIES[2]))
    site.routes["/moved"] = Answer(301, headers={"Location": target})
    site.routes["/feed.xml"] = rss([site.url("/moved")])
    return site.url("/moved")


def test_a_redirect_to_another_port_leaves_a_site_named_by_its_start_urls(
    site: HostileSite, second_port: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    moved = redirect_to_port(site, second_port)
    config = write_config(tmp_path / "w.toml", sqlite_url, [site.url("/feed.xml")])

    result = crawl(config)

    assert result.returncode == 0, result.output
    assert rejections(sqlite_url) == {canonicalise_url(moved): "offsite_redirect"}
    assert not stored_urls(sqlite_url)
    assert not second_port.requests


def test_allowed_domains_without_a_port_follow_it_and_record_the_redirecting_address(
    site: HostileSite, second_port: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    moved = redirect_to_port(site, second_port)
    config = write_config(tmp_path / "w.toml", sqlite_url, [site.url("/feed.xml")])
    with_allowed_domains(config, [site.host])

    first = crawl(config)
    again = crawl(config)

    assert first.returncode == again.returncode == 0, first.output + again.output
    final = canonicalise_url(second_port.url(article_path(STORIES[2])))
    assert stored_urls(sqlite_url) == {final, canonicalise_url(moved)}
    assert len(query(sqlite_url, "SELECT DISTINCT article_id FROM article_urls")) == 1
    assert query(sqlite_url, "SELECT canonical_url FROM articles") == [(final,)]
    assert site.requested("/moved") == 1, "the redirecting address was fetched again"
    counts = query(sqlite_url, "SELECT articles_new, duplicates FROM crawl_runs ORDER BY id")
    assert counts == [(1, 0), (0, 0)]


def test_a_redirect_within_the_site_is_an_address_of_the_story_and_not_fetched_again(
    site: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    """The feed lists the target too: the redirect must not vanish as a duplicate request."""
    site.routes["/old/1110300000/address"] = Answer(
        301, headers={"Location": article_path(STORIES[3])}
    )
    site.routes[article_path(STORIES[3])] = article(STORIES[3])
    site.routes["/feed.xml"] = rss(
        [site.url(article_path(STORIES[3])), site.url("/old/1110300000/address")]
    )
    config = write_config(tmp_path / "w.toml", sqlite_url, [site.url("/feed.xml")])

    assert crawl(config).returncode == 0
    assert crawl(config).returncode == 0

    assert stored_urls(sqlite_url) == {
        canonicalise_url(site.url(article_path(STORIES[3]))),
        canonicalise_url(site.url("/old/1110300000/address")),
    }
    assert site.requested("/old/1110300000/address") == 1
