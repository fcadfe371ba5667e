"""Sites nobody wrote the crawler for, crawled end to end: every story stored once, at every address.

Each test serves one invented template (the listings in ``listings/``, a JSON
Feed, a Google News sitemap) on 127.0.0.x, with a wire story page behind each
story address, runs ``wirewatch crawl`` in a child process on a real SQLite
file, and reads the database back. The story pages name a second address of
their own (``rel=canonical``, ``rel=amphtml``) where a site would: that address
is stored for the story without being fetched. Every request the crawl made is
checked too: navigation, section, tag and author pages are never fetched.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.crawler.hostile import Answer, HostileSite, crawl, query, write_config
from wirewatch.app.sampleweb import templates
from wirewatch.app.sampleweb.stories import Story, generate_stories
from wirewatch.core.urls import canonicalise_url

pytestmark = pytest.mark.slow

LISTINGS = Path(__file__).resolve().parent / "listings"


@pytest.fixture
def site() -> Iterator[HostileSite]:
    with HostileSite("127.0.0.13") as served:
        yield served


def wire_stories(count: int, seed: int) -> list[Story]:
    made = generate_stories(count * 3, seed=seed)[0]
    return [s for s in made if s.has_wire_id and not s.wrong_dateline][:count]


def story_page(story: Story, canonical: str, amp: str | None = None) -> Answer:
    """The wire template's page of ``story``, naming ``canonical`` (and ``amp``) for itself."""
    page = templates.wire_article(story, canonical, [])
    if amp is not None:
        page = page.replace("</head>", f'<link rel="amphtml" href="{amp}">\n</head>', 1)
    return Answer(body=page.encode())


def listing(name: str) -> Answer:
    return Answer(body=(LISTINGS / name).read_bytes())


def serve_stories(
    site: HostileSite, addresses: dict[str, list[str]], seed: int
) -> dict[str, set[str]]:
    """Serve a story at the first path of each entry; the other paths are addresses it names.

    ``addresses`` maps each fetched path to the further paths its page names
    (canonical first, then AMP). Returns wire ID -> every address it must be stored with.
    """
    expected: dict[str, set[str]] = {}
    for story, (path, named) in zip(
        wire_stories(len(addresses), seed), addresses.items(), strict=True
    ):
        canonical = named[0] if named else path
        site.routes[path] = story_page(story, canonical, named[1] if len(named) > 1 else None)
        assert story.wire_id is not None
        expected[story.wire_id] = {canonicalise_url(site.url(p)) for p in [path, *named]}
    return expected


def stored(db_url: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for wire_id, url in query(
        db_url,
        "SELECT a.wire_id, u.url FROM articles a JOIN article_urls u ON u.article_id = a.id",
    ):
        found.setdefault(str(wire_id), set()).add(str(url))
    return found


def run_row(db_url: str) -> tuple[str, str | None]:
    [(status, error)] = query(db_url, "SELECT status, error FROM crawl_runs")
    return str(status), error


def crawl_site(site: HostileSite, tmp_path: Path, db_url: str, *start_paths: str) -> str:
    config = write_config(tmp_path / "wirewatch.toml", db_url, [site.url(p) for p in start_paths])
    result = crawl(config)
    assert result.returncode == 0, result.output
    return result.stdout


def assert_fetched_only(site: HostileSite) -> None:
    """Nothing but the pages the site serves (start pages, next pages, stories) was requested."""
    fetched = set(site.requests)
    assert fetched <= set(site.routes), (
        f"fetched what is no story: {sorted(fetched - set(site.routes))}"
    )


def test_a_php_and_aspx_site_with_query_string_story_addresses(
    site: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    site.routes["/index.php"] = listing("query-string.html")
    expected = serve_stories(
        site,
        {
            "/story.php?id=48213": ["/news/48213/kuwait-approves-new-budget-framework"],
            "/story.php?id=48207": [],
            "/story.php?id=48199": ["/story.php?id=48199", "/amp/story.php?id=48199"],
            "/article.aspx?ArticleID=48190": [],
        },
        seed=31,
    )

    crawl_site(site, tmp_path, sqlite_url, "/index.php")

    assert stored(sqlite_url) == expected
    assert run_row(sqlite_url) == ("succeeded", None)
    assert_fetched_only(site)


def test_a_site_whose_stories_live_at_numeric_paths(
    site: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    site.routes["/news/"] = listing("numeric-path.html")
    expected = serve_stories(
        site,
        {
            "/news/12345": [],
            "/news/12344": ["/news/12344"],
            "/story/en/29989": ["/story/en/29989/syrian-wheat-harvest-recovers"],
            "/story/en/29990.html": [],
        },
        seed=32,
    )

    crawl_site(site, tmp_path, sqlite_url, "/news/")

    assert stored(sqlite_url) == expected
    assert run_row(sqlite_url) == ("succeeded", None)
    assert_fetched_only(site)


def test_a_site_whose_stories_live_at_date_paths(
    site: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    site.routes["/business/"] = listing("date-path.html")
    expected = serve_stories(
        site,
        {
            "/2025/11/17/oil-output/": [],
            "/2025/11/17/budget": ["/2025/11/17/budget/"],
            "/2025-11-16/dubai-property-prices-climb-for-tenth-month.html": [],
        },
        seed=33,
    )

    crawl_site(site, tmp_path, sqlite_url, "/business/")

    assert stored(sqlite_url) == expected
    assert run_row(sqlite_url) == ("succeeded", None)
    assert_fetched_only(site)


def test_a_table_layout_listing_and_its_next_page(
    site: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    site.routes["/default.asp"] = listing("table-layout.html")
    site.routes["/list.asp?sec=2&pg=2"] = Answer(
        body=b"<html><body><table>"
        b'<tr><td><a href="show.asp?nid=88101">Oman Bourse Closes Week Higher on Bank Shares</a>'
        b"</td><td>15-11-2025</td></tr></table></body></html>"
    )
    expected = serve_stories(
        site,
        {
            "/show.asp?nid=88121": [],
            "/show.asp?nid=88120": [],
            "/show.asp?nid=88117": ["/en/news/88117"],
            "/show.asp?nid=88115": [],
            "/show.asp?nid=88101": [],
        },
        seed=34,
    )

    crawl_site(site, tmp_path, sqlite_url, "/default.asp")

    assert stored(sqlite_url) == expected
    assert run_row(sqlite_url) == ("succeeded", None)
    assert_fetched_only(site)


def test_a_site_with_a_json_feed_and_a_google_news_sitemap(
    site: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    expected = serve_stories(
        site,
        {
            "/?p=1204": ["/2025/11/17/saudi-non-oil-growth/"],
            "/?p=1203": [],
            "/news/12345": [],
            "/2025/11/17/budget/": [],
            "/story.php?id=501": [],
        },
        seed=35,
    )
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Desert Wire",
        "items": [
            {"id": "1204", "url": "/?p=1204", "date_published": "2025-11-17T08:00:00+03:00"},
            {"id": "1203", "url": site.url("/?p=1203&utm_source=feed")},
            {"id": site.url("/news/12345"), "title": "an id that is an address"},
        ],
    }
    site.routes["/feed.json"] = Answer(
        body=json.dumps(feed).encode(), content_type="application/feed+json"
    )
    entries = "".join(
        f"<url><loc>{site.url(path)}</loc><news:news><news:publication>"
        "<news:name>Desert Wire</news:name><news:language>en</news:language></news:publication>"
        "<news:publication_date>2025-11-17T09:00:00Z</news:publication_date>"
        f"<news:title>Story {index}</news:title></news:news></url>\n"
        for index, path in enumerate(["/2025/11/17/budget/", "/story.php?id=501", "/?p=1204"])
    )
    site.routes["/news-sitemap.xml"] = Answer(
        body=(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
            ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
            f"{entries}</urlset>\n"
        ).encode(),
        content_type="application/xml",
    )

    crawl_site(site, tmp_path, sqlite_url, "/feed.json", "/news-sitemap.xml")

    assert stored(sqlite_url) == expected
    assert run_row(sqlite_url) == ("succeeded", None)
    assert site.requested("/?p=1204") == 1, "a story listed twice is fetched once"


def test_a_listing_without_recognisable_story_links_is_a_warning_of_a_successful_run(
    site: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    site.routes["/news/"] = listing("no-stories.html")

    output = crawl_site(site, tmp_path, sqlite_url, "/news/")

    status, error = run_row(sqlite_url)
    warning = f"1 page, 0 stories: no story links recognised on {site.url('/news/')}"
    assert status == "succeeded"
    assert error is not None and error.startswith(warning), error
    assert warning in " ".join(output.split())
    assert query(sqlite_url, "SELECT count(*) FROM articles") == [(0,)]
    assert_fetched_only(site)


def test_a_wordpress_front_page_without_its_author_tag_and_category_pages(
    site: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    site.routes["/"] = listing("wordpress.html")
    site.routes["/page/2/"] = Answer(
        body=b'<html><body><article><h2><a href="/?p=1190">Jordan Phosphate Exports Hit'
        b' a Record High</a></h2><a href="/author/rania-haddad/">Rania Haddad</a>'
        b"</article></body></html>"
    )
    expected = serve_stories(
        site,
        {
            "/?p=1204": ["/2025/11/17/saudi-non-oil-growth-beats-forecasts/"],
            "/?p=1203": [],
            "/2025/11/17/budget/": [],
            "/markets/gold-steady/": ["/markets/gold-steady/", "/markets/gold-steady/amp/"],
            "/?p=1190": [],
        },
        seed=36,
    )

    crawl_site(site, tmp_path, sqlite_url, "/")

    assert stored(sqlite_url) == expected
    assert run_row(sqlite_url) == ("succeeded", None)
    assert_fetched_only(site)
