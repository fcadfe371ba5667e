"""Discovery functions on in-memory bytes: feeds, sitemaps, listings and articles told apart."""

import gzip
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy.http import HtmlResponse, Response, TextResponse

from wirewatch.crawler.discover import (
    Entry,
    PageKind,
    article_links,
    chunks,
    classify,
    feed_entries,
    head,
    host_allowed,
    is_article_address,
    next_pages,
    page_links,
    sitemap_entries,
)
from wirewatch.crawler.discover.alternates import alternate_addresses

TEMPLATES = Path(__file__).resolve().parent / "extract" / "templates"
FEED = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "menafn-feed.xml"

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>t</title>
<item><title>A</title><link>https://menafn.com/1110354612/Kremlin-Says?src=RSS</link>
<pubDate>Mon, 17 Nov 2025 09:42:00 GMT</pubDate></item>
<item><title>B</title><guid isPermaLink="true">https://menafn.com/1110354601/Gold-Steadies</guid></item>
<item><title>no link</title></item>
<item><title>A again</title><link>https://menafn.com/1110354612/Kremlin-Says?src=RSS</link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<!-- a comment before the root -->
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title>A</title><link rel="alternate" href="/2025/11/oil-prices-climb-again.html"/>
<link rel="enclosure" href="/img.jpg"/><updated>2025-11-17T08:50:00+02:00</updated></entry>
</feed>"""

SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://wire.example/1110354612/Kremlin-Says</loc><lastmod>2025-11-17T09:42:00Z</lastmod></url>
<url><loc>https://wire.example/1110354601/Gold-Steadies</loc><lastmod>2025-11-16</lastmod></url>
<url><loc>https://wire.example/1110354588/Oil-Prices</loc></url>
</urlset>"""

SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://wire.example/sitemaps/news-1.xml</loc><lastmod>2025-11-17</lastmod></sitemap>
</sitemapindex>"""

LISTING = b"""<html><head><title>World</title>
<link rel="next" href="/news/world?page=2"></head><body>
<nav><a href="/news/world">World</a> <a href="/about-us">About</a></nav>
<ul>
<li><a href="/1110354612/Kremlin-Says-Russia-Eager">Kremlin says</a></li>
<li><a href="/2025/11/gold-steadies-ahead-of-fed-minutes.html">Gold</a></li>
<li><a href="https://elsewhere.example/2025/11/off-site-story-here.html">Off site</a></li>
<li><a href="/2025/11/gold-steadies-ahead-of-fed-minutes.html">Gold again</a></li>
</ul></body></html>"""


def html(url: str, body: bytes) -> HtmlResponse:
    return HtmlResponse(url=url, body=body, encoding="utf-8")


def test_rss_entries_have_links_and_dates_once_each_in_feed_order() -> None:
    entries = feed_entries(RSS, "https://menafn.com/rss/world.xml")
    assert entries == [
        Entry(
            "https://menafn.com/1110354612/Kremlin-Says?src=RSS",
            datetime(2025, 11, 17, 9, 42, tzinfo=UTC),
            "A",
        ),
        Entry("https://menafn.com/1110354601/Gold-Steadies", None, "B"),
    ]


def test_atom_entries_use_the_alternate_link_resolved_against_the_feed_and_updated_in_utc() -> None:
    entries = feed_entries(ATOM, "https://partner.example/feed.atom")
    assert entries == [
        Entry(
            "https://partner.example/2025/11/oil-prices-climb-again.html",
            datetime(2025, 11, 17, 6, 50, tzinfo=UTC),
            "A",
        )
    ]


@pytest.mark.skipif(not FEED.exists(), reason="the shared samples folder is not beside the repo")
def test_the_shared_sample_feed_lists_its_three_stories() -> None:
    body = FEED.read_bytes()
    assert classify(TextResponse(FEED.as_uri(), body=body, encoding="utf-8")) is PageKind.FEED
    assert len(feed_entries(body, "https://menafn.com/rss/menafn_world.xml")) == 3


def test_sitemap_entries_carry_lastmod_with_date_only_values_at_midnight_utc() -> None:
    entries = sitemap_entries(SITEMAP, "https://wire.example/sitemap.xml")
    assert [e.updated for e in entries] == [
        datetime(2025, 11, 17, 9, 42, tzinfo=UTC),
        datetime(2025, 11, 16, tzinfo=UTC),
        None,
    ]


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (RSS, PageKind.FEED),
        (ATOM, PageKind.FEED),
        (SITEMAP, PageKind.SITEMAP),
        (SITEMAP_INDEX, PageKind.SITEMAP_INDEX),
        (b"\xef\xbb\xbf  " + SITEMAP, PageKind.SITEMAP),
        (LISTING, PageKind.LISTING),
    ],
)
def test_xml_documents_are_told_apart_by_their_root_element(body: bytes, kind: PageKind) -> None:
    response = TextResponse("https://wire.example/page", body=body, encoding="utf-8")
    assert classify(response, ["wire.example"]) is kind


def test_a_gzipped_sitemap_is_inflated_and_plain_bytes_are_left_alone() -> None:
    assert b"".join(chunks(gzip.compress(SITEMAP))) == SITEMAP
    assert b"".join(chunks(SITEMAP)) == SITEMAP


def test_a_listing_gives_on_site_story_links_once_each_and_its_next_page() -> None:
    response = html("https://wire.example/news/world", LISTING)
    assert classify(response, ["wire.example"]) is PageKind.LISTING
    assert article_links(response, ["wire.example"]) == [
        "https://wire.example/1110354612/Kremlin-Says-Russia-Eager",
        "https://wire.example/2025/11/gold-steadies-ahead-of-fed-minutes.html",
    ]
    assert next_pages(response) == ["https://wire.example/news/world?page=2"]


def test_a_next_link_is_found_by_its_text_when_there_is_no_rel_next() -> None:
    body = b'<html><body><a href="/list?p=1">Previous</a> <a href="/list?p=3">Older &raquo;</a></body></html>'
    assert next_pages(html("https://wire.example/list?p=2", body)) == [
        "https://wire.example/list?p=3"
    ]


def test_the_sample_article_pages_are_articles_not_listings() -> None:
    wire = html(
        "https://menafn.com/1110354612/Kremlin-Says-Russia-Eager-for-Putin-Trump-Summit",
        (TEMPLATES / "menafn-article.html").read_bytes(),
    )
    partner = html(
        "https://gulfbusinesswire.example/2025/11/kremlin-says-russia-eager-for-putin-trump-summit.html",
        (TEMPLATES / "partner-article.html").read_bytes(),
    )
    assert classify(wire, ["menafn.com"]) is PageKind.ARTICLE
    assert classify(partner, ["gulfbusinesswire.example"]) is PageKind.ARTICLE


def test_an_html_page_with_no_story_links_and_no_next_page_goes_to_extraction_as_an_article() -> (
    None
):
    response = html("https://wire.example/about", b"<html><body><p>About us</p></body></html>")
    assert classify(response, ["wire.example"]) is PageKind.ARTICLE


def test_a_non_text_response_is_passed_on_as_an_article_for_extraction_to_reject() -> None:
    assert classify(Response("https://wire.example/x.pdf", body=b"%PDF-1.7")) is PageKind.ARTICLE


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://menafn.com/1110354612/Kremlin-Says", True),
        ("https://p.example/2025/11/gold-steadies-ahead-of-fed-minutes.html", True),
        ("https://p.example/category/world", False),
        ("https://p.example/news/world?page=2", False),
        ("https://p.example/", False),
        ("https://p.example/tag/economy", False),
        ("https://p.example/2025-11-17", False),
    ],
)
def test_story_addresses_are_told_from_section_addresses(url: str, expected: bool) -> None:
    assert is_article_address(url) is expected


def test_allowed_hosts_match_by_name_on_any_port_unless_a_port_is_named() -> None:
    assert host_allowed("http://127.0.0.1:8080/a", ["127.0.0.1"])
    assert host_allowed("https://www.menafn.com/a", ["menafn.com"])
    assert not host_allowed("https://notmenafn.com/a", ["menafn.com"])
    assert host_allowed("https://anything.example/", [])
    assert host_allowed("http://127.0.0.1:18100/a", ["127.0.0.1:18100"])
    assert not host_allowed("http://127.0.0.1:18102/a", ["127.0.0.1:18100"])


def test_a_gzipped_sitemap_is_classified_by_its_inflated_body() -> None:
    packed = gzip.compress(SITEMAP)
    response = Response("https://wire.example/sitemap.xml.gz", body=packed)
    assert classify(response, body=head(packed)) is PageKind.SITEMAP


def test_a_text_response_with_a_feed_body_is_classified_as_a_feed_whatever_its_address() -> None:
    response = TextResponse("https://wire.example/news.html", body=RSS, encoding="utf-8")
    assert classify(response) is PageKind.FEED


LISTINGS = Path(__file__).resolve().parent / "listings"


def listing_links(name: str, url: str) -> list[str]:
    response = html(url, (LISTINGS / name).read_bytes())
    assert classify(response, [urlsplit(url).netloc]) is PageKind.LISTING
    return article_links(response, [urlsplit(url).netloc])


@pytest.mark.parametrize(
    ("name", "url", "stories"),
    [
        (
            "query-string.html",
            "http://gulfpartner.example/index.php",
            [
                "/story.php?id=48213",
                "/story.php?id=48207&utm_source=home",
                "/story.php?id=48199",
                "/article.aspx?ArticleID=48190",
            ],
        ),
        (
            "numeric-path.html",
            "http://ledger.example/news/",
            ["/news/12345", "/news/12344", "/story/en/29989", "/story/en/29990.html"],
        ),
        (
            "wordpress.html",
            "http://desertwire.example/",
            ["/?p=1204", "/?p=1203", "/2025/11/17/budget/", "/markets/gold-steady/"],
        ),
        (
            "date-path.html",
            "http://chronicle.example/business/",
            [
                "/2025/11/17/oil-output/",
                "/2025/11/17/budget",
                "/2025-11-16/dubai-property-prices-climb-for-tenth-month.html",
            ],
        ),
        (
            "table-layout.html",
            "http://arabtrade.example/default.asp",
            [
                "/show.asp?nid=88121",
                "/show.asp?nid=88120",
                "/show.asp?nid=88117",
                "/show.asp?nid=88115",
            ],
        ),
    ],
)
def test_a_listing_gives_its_story_links_whatever_their_addresses_and_nothing_else(
    name: str, url: str, stories: list[str]
) -> None:
    base = f"http://{urlsplit(url).netloc}"
    assert listing_links(name, url) == [base + path for path in stories]


def test_a_page_of_section_links_only_has_no_story_links_but_has_links() -> None:
    response = html("http://gulfpartner.example/news/", (LISTINGS / "no-stories.html").read_bytes())
    assert article_links(response, ["gulfpartner.example"]) == []
    assert page_links(response, ["gulfpartner.example"]) == 8


@pytest.mark.parametrize(
    "url",
    [
        "https://p.example/story.php?id=123",
        "https://p.example/article.aspx?ArticleID=123",
        "https://p.example/?p=123",
        "https://p.example/news/12345",
        "https://p.example/story/en/29989",
        "https://p.example/2025/11/17/budget",
        "https://p.example/12345.html",
    ],
)
def test_story_addresses_that_are_not_slugs_are_story_shaped(url: str) -> None:
    assert is_article_address(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://p.example/tag/oil-prices-this-week",
        "https://p.example/author/rania-haddad-al-sayed",
        "https://p.example/category/world-news-and-analysis/",
        "https://p.example/page/2/",
        "https://p.example/index.php?page=12",
        "https://p.example/search.php?q=oil&id=55",
        "https://p.example/2025/",
        "https://p.example/2025/11/17/",
        "https://p.example/section.php?catid=12",
    ],
)
def test_navigation_tag_author_and_section_addresses_are_never_stories(url: str) -> None:
    assert not is_article_address(url)


NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
<url><loc>https://p.example/story.php?id=501</loc>
  <news:news><news:publication><news:name>Gulf Partner</news:name><news:language>en</news:language>
  </news:publication><news:publication_date>2025-11-17T09:42:00+04:00</news:publication_date>
  <news:title>Kuwait Approves  New Budget</news:title></news:news>
  <image:image><image:loc>https://p.example/i.jpg</image:loc><image:title>A photo</image:title></image:image></url>
<url><loc>https://p.example/story.php?id=502</loc><lastmod>2025-11-18</lastmod>
  <news:news><news:publication_date>2025-11-17</news:publication_date></news:news></url>
</urlset>"""

JSON_FEED = b"""{"version": "https:\\/\\/jsonfeed.org\\/version\\/1.1", "title": "Desert Wire",
 "items": [
  {"id": "1204", "url": "/?p=1204", "title": "Saudi Non-Oil Growth Beats Forecasts",
   "date_published": "2025-11-17T08:00:00+03:00", "date_modified": "2025-11-17T10:00:00+03:00"},
  {"id": "https://desertwire.example/news/12345", "title": "No url, an id that is one"},
  {"id": "1202", "title": "Neither: left out"},
  {"url": "https://desertwire.example/2025/11/17/budget/", "date_published": "2025-11-17"}
 ]}"""


def test_a_google_news_sitemap_dates_and_titles_its_entries_and_lastmod_wins() -> None:
    assert sitemap_entries(NEWS_SITEMAP, "https://p.example/news-sitemap.xml") == [
        Entry(
            "https://p.example/story.php?id=501",
            datetime(2025, 11, 17, 5, 42, tzinfo=UTC),
            "Kuwait Approves New Budget",
        ),
        Entry("https://p.example/story.php?id=502", datetime(2025, 11, 18, tzinfo=UTC)),
    ]


def test_a_json_feed_is_a_feed_whose_items_give_url_else_a_web_id_dates_and_titles() -> None:
    response = TextResponse(
        "https://desertwire.example/feed.json", body=JSON_FEED, encoding="utf-8"
    )
    assert classify(response) is PageKind.FEED
    assert feed_entries(JSON_FEED, "https://desertwire.example/feed.json") == [
        Entry(
            "https://desertwire.example/?p=1204",
            datetime(2025, 11, 17, 7, 0, tzinfo=UTC),
            "Saudi Non-Oil Growth Beats Forecasts",
        ),
        Entry("https://desertwire.example/news/12345", None, "No url, an id that is one"),
        Entry("https://desertwire.example/2025/11/17/budget/", datetime(2025, 11, 17, tzinfo=UTC)),
    ]


def test_an_rss_permalink_guid_is_a_second_address_of_its_item_and_a_plain_guid_none() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel>
<item><title>T</title><link>https://p.example/news/77/slug?utm_source=rss</link>
<guid>https://p.example/?p=77</guid></item>
<item><title>U</title><link>https://p.example/news/78</link><guid isPermaLink="false">78</guid></item>
<item><title>V</title><guid isPermaLink="true">https://p.example/news/79</guid></item>
</channel></rss>"""
    assert [e.url for e in feed_entries(rss, "https://p.example/rss")] == [
        "https://p.example/news/77/slug?utm_source=rss",
        "https://p.example/?p=77",
        "https://p.example/news/78",
        "https://p.example/news/79",
    ]


def test_a_page_s_canonical_and_amp_addresses_on_the_site_are_more_addresses_of_its_story() -> None:
    head = b"""<html><head><title>x</title>
<link rel="canonical" href="/news/48213/kuwait-approves-new-budget?utm_source=x">
<link rel='amphtml' href='https://p.example/amp/news/48213'>
<link rel="canonical" href="https://p.example/">
<link rel="alternate" href="https://p.example/feed.xml">
<link rel="amphtml" href="https://elsewhere.example/amp/48213">
</head><body><link rel="canonical" href="/late/12345"></body></html>"""
    assert alternate_addresses(head, "https://p.example/story.php?id=48213", ["p.example"]) == [
        "https://p.example/news/48213/kuwait-approves-new-budget",
        "https://p.example/amp/news/48213",
    ]
    assert alternate_addresses(head, "https://p.example/amp/news/48213", ["p.example"]) == [
        "https://p.example/news/48213/kuwait-approves-new-budget"
    ]
