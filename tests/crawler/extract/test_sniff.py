"""The one feed/sitemap sniff: discovery reads what it finds, extraction rejects the same."""

import pytest
from scrapy.http import HtmlResponse

from wirewatch.core.record import Rejection, RejectReason
from wirewatch.crawler.discover import classify
from wirewatch.crawler.extract import extract
from wirewatch.crawler.extract.sniff import PageKind, sniff_xml_kind

HTML = {"Content-Type": "text/html; charset=utf-8"}
RSS = b'<rss version="2.0"><channel><title>t</title></channel></rss>'


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (RSS, PageKind.FEED),
        (b'<?xml version="1.0"?>\n' + RSS, PageKind.FEED),
        (b"\xef\xbb\xbf \r\n" + RSS, PageKind.FEED),
        (b'<?xml version="1.0"?><?xml-stylesheet href="s.xsl"?><!-- x -->' + RSS, PageKind.FEED),
        (b'<!DOCTYPE rss PUBLIC "-//Netscape//DTD RSS 0.91//EN">' + RSS, PageKind.FEED),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>', PageKind.FEED),
        (b'<atom:feed xmlns:atom="http://www.w3.org/2005/Atom"></atom:feed>', PageKind.FEED),
        (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', PageKind.FEED),
        (b"<urlset><url><loc>https://a.example/x</loc></url></urlset>", PageKind.SITEMAP),
        (b"<sitemapindex></sitemapindex>", PageKind.SITEMAP_INDEX),
        (b"<!DOCTYPE html><html><head><title>t</title></head></html>", None),
        (b"<!-- <rss> --><html><body><p>a story</p></body></html>", None),
        (b"<feed-widget>a custom element</feed-widget>", None),
        (b"<RSS></RSS>", None),
        (b"", None),
    ],
    ids=[
        "rss", "declaration", "bom-and-space", "instructions-and-comment", "doctype", "atom",
        "prefixed-atom", "rdf", "sitemap", "sitemap-index", "html", "rss-in-a-comment",
        "feed-prefixed-element", "upper-case", "empty",
    ],
)  # fmt: skip
def test_feeds_and_sitemaps_are_told_by_their_root_element(
    body: bytes, kind: PageKind | None
) -> None:
    assert sniff_xml_kind(body) is kind


@pytest.mark.parametrize(
    "body",
    [
        RSS,
        b'<?xml version="1.0"?>\n<!-- generated -->\n' + RSS,
        b"<urlset><url><loc>https://a.example/x</loc></url></urlset>",
        b'<!DOCTYPE rss PUBLIC "-//Netscape//DTD RSS 0.91//EN">' + RSS,
    ],
)
def test_what_discovery_reads_as_a_feed_or_sitemap_extraction_rejects_as_one(body: bytes) -> None:
    response = HtmlResponse("https://wire.example/news.html", body=body, encoding="utf-8")
    assert classify(response) in (PageKind.FEED, PageKind.SITEMAP, PageKind.SITEMAP_INDEX)
    rejection = extract("https://wire.example/news.html", body, HTML)
    assert isinstance(rejection, Rejection)
    assert rejection.reason is RejectReason.NOT_AN_ARTICLE
    assert rejection.detail == "a feed or sitemap, not an article page"
