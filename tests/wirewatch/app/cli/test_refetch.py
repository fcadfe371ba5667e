"""``crawl --url`` and ``recrawl``: pages fetched by address, against the sample site."""

from pathlib import Path

import pytest

from tests.cli import run_wirewatch
from wirewatch.app.sampleweb import SampleWeb
from wirewatch.app.sampleweb.site import BadPage, Kind

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def wire_story(web: SampleWeb) -> str:
    return sorted(
        url
        for urls in web.expected_urls().values()
        for url in urls
        if url.startswith(web.wire_base)
    )[0]


def test_crawl_url_fetches_one_page_and_says_what_became_of_it(
    tmp_path: Path, sqlite_url: str
) -> None:
    with SampleWeb(stories=6, bad_pages=True) as web:
        config = web.write_config(tmp_path / "wirewatch.toml", sqlite_url)
        story = wire_story(web)

        first = run_wirewatch("crawl", "--url", story, config=config)
        assert first.returncode == 0, first.stdout + first.stderr
        assert f"{story}: stored as a new story: story 1 (wirewatch show 1)" in first.stdout
        kinds = [r.kind for r in web.requests if r.path != "/robots.txt"]
        assert kinds == [Kind.ARTICLE]  # no feed, sitemap or listing: no discovery

        again = run_wirewatch("crawl", "--url", story, config=config)
        assert again.returncode == 0
        assert f"{story}: unchanged: already stored as it is: story 1" in again.stdout

        missing = web.wire_base + BadPage.NOT_FOUND
        gone = run_wirewatch("crawl", "--url", missing, config=config)
        assert gone.returncode == 1
        assert f"{missing}: rejected: http_error (HTTP 404)" in gone.stdout

        web.clear_log()
        forbidden = web.wire_base + BadPage.DISALLOWED
        refused = run_wirewatch("crawl", "--url", forbidden, config=config)
        assert refused.returncode == 1
        assert "not fetched: robots.txt forbids it" in refused.stdout
        assert [r.path for r in web.requests] == ["/robots.txt"]

        unknown = run_wirewatch("crawl", "--url", "http://elsewhere.example/x", config=config)
        assert unknown.returncode == 2
        assert "no configured source's allowed_domains cover elsewhere.example" in unknown.stderr


def test_recrawl_refetches_stored_addresses_conditionally(tmp_path: Path, sqlite_url: str) -> None:
    with SampleWeb(stories=6, bad_pages=False) as web:
        config = web.write_config(tmp_path / "wirewatch.toml", sqlite_url)
        assert run_wirewatch("crawl", config=config).returncode == 0
        stored = len(
            [
                u
                for urls in web.expected_urls().values()
                for u in urls
                if u.startswith(web.wire_base)
            ]
        )
        web.clear_log()

        result = run_wirewatch("recrawl", "wire", "--limit", "0", config=config)

        assert result.returncode == 0, result.stdout + result.stderr
        fetched = [r for r in web.requests if r.path != "/robots.txt"]
        assert {r.kind for r in fetched} == {Kind.ARTICLE}
        assert len(fetched) == stored
        assert all(r.if_none_match or r.if_modified_since for r in fetched)
        assert all(r.status == 304 for r in fetched)

        web.clear_log()
        bounded = run_wirewatch("crawl", "--refresh", "wire", "--limit", "2", config=config)
        assert bounded.returncode == 0, bounded.stderr
        assert len([r for r in web.requests if r.path != "/robots.txt"]) == 2
        assert run_wirewatch("crawl", "--limit", "2", config=config).returncode == 2
