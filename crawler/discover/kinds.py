"""Telling discovery pages apart by content, not by address.

A feed is XML rooted at ``<rss>``, ``<rdf:RDF>`` or Atom's ``<feed>``; a sitemap
is rooted at ``<urlset>``, an index at ``<sitemapindex>``. Anything else is HTML,
which is an article when it says so (``og:type=article``, schema.org
``NewsArticle``/``Article``, or a wire ID in a page with few article links), a
listing when it links to stories or to a next page, and otherwise an article
again: extraction then decides, and rejects it with a reason if it is none.
"""

import gzip
import re
import zlib
from collections.abc import Sequence
from enum import StrEnum

from scrapy.http import Response, TextResponse

from wirewatch.crawler.discover.listings import article_links, next_pages

_ROOT = re.compile(rb"<(?!\?|!)([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_WIRE_ID = re.compile(r"MENAFN\d{8}\d{12}ID\d{9,11}")
_ARTICLE_TYPES = re.compile(r'"@type"\s*:\s*"(NewsArticle|Article|ReportageNewsArticle)"')
_SNIFF_BYTES = 4096
_MAX_ARTICLE_LINKS = 5
"""An article page links to a few related stories; a listing to many."""


class PageKind(StrEnum):
    FEED = "feed"
    SITEMAP = "sitemap"
    SITEMAP_INDEX = "sitemap_index"
    LISTING = "listing"
    ARTICLE = "article"


_XML_ROOTS = {
    b"rss": PageKind.FEED,
    b"RDF": PageKind.FEED,
    b"feed": PageKind.FEED,
    b"urlset": PageKind.SITEMAP,
    b"sitemapindex": PageKind.SITEMAP_INDEX,
}


def maybe_gunzip(body: bytes, max_size: int) -> bytes:
    """Sitemaps are often served as ``.xml.gz`` files; inflate them, at most ``max_size`` bytes."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    try:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        return inflater.decompress(body, max_size)
    except (zlib.error, gzip.BadGzipFile):
        return body


def xml_kind(body: bytes) -> PageKind | None:
    """The kind of an XML discovery document, from its root element; None for anything else."""
    head = body[:_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")
    head = re.sub(rb"<!--.*?-->", b"", head, flags=re.S)
    head = re.sub(rb"<!DOCTYPE[^>]*>", b"", head, flags=re.I)
    match = _ROOT.search(head)
    if not match:
        return None
    return _XML_ROOTS.get(match.group(2))


def classify(response: Response, allowed_domains: Sequence[str] = ()) -> PageKind:
    """Feed, sitemap, sitemap index, listing or article, judged from the page itself.

    A page that is neither XML nor text (an image, a PDF) is passed on as an
    article, for extraction to reject with its reason.
    """
    kind = xml_kind(response.body)
    if kind is not None:
        return kind
    if not isinstance(response, TextResponse):
        return PageKind.ARTICLE
    if looks_like_article(response, allowed_domains):
        return PageKind.ARTICLE
    if article_links(response, allowed_domains) or next_pages(response):
        return PageKind.LISTING
    return PageKind.ARTICLE


def looks_like_article(response: TextResponse, allowed_domains: Sequence[str] = ()) -> bool:
    """Whether an HTML page is one story rather than a list of them."""
    selector = response.selector
    og_type = selector.xpath("//meta[@property='og:type']/@content").get("").strip().lower()
    if og_type == "article":
        return True
    if any(
        _ARTICLE_TYPES.search(s)
        for s in selector.xpath("//script[@type='application/ld+json']/text()").getall()
    ):
        return True
    text = " ".join(selector.xpath("//body//text()").getall())
    if not _WIRE_ID.search(text):
        return False
    return len(article_links(response, allowed_domains)) <= _MAX_ARTICLE_LINKS
