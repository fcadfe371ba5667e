"""Telling discovery pages apart by content, not by address.

Feeds and sitemaps are told by their root element (``sniff_xml_kind``, shared with
extraction), JSON Feeds by their version (``sniff_kind``). Anything else is HTML, which is an article when it says so
(``og:type=article``, schema.org ``NewsArticle``/``Article``, or a wire ID in a
page with few article links), a listing when it links to stories or to a next
page, and otherwise an article again: extraction then decides, and rejects it
with a reason if it is none.
"""

import re
from collections.abc import Sequence

from scrapy.http import Response, TextResponse

from wirewatch.core.wire_id import iter_wire_ids
from wirewatch.crawler.discover.feeds import is_json_feed
from wirewatch.crawler.discover.listings import article_links, next_pages
from wirewatch.crawler.extract.sniff import PageKind, sniff_xml_kind

_ARTICLE_TYPES = re.compile(r'"@type"\s*:\s*"(NewsArticle|Article|ReportageNewsArticle)"')
_MAX_ARTICLE_LINKS = 5
"""An article page links to a few related stories; a listing to many."""


def classify(
    response: Response, allowed_domains: Sequence[str] = (), body: bytes | None = None
) -> PageKind:
    """Feed, sitemap, sitemap index, listing or article, judged from the page itself.

    ``body`` is the start of the response's body as read (a gzipped sitemap
    inflated: ``xmlstream.head``), by default ``response.body``. A page that is neither XML nor text (an image, a
    PDF) is passed on as an article, for extraction to reject with its reason.
    """
    kind = sniff_kind(response.body if body is None else body)
    if kind is not None:
        return kind
    if not isinstance(response, TextResponse):
        return PageKind.ARTICLE
    if looks_like_article(response, allowed_domains):
        return PageKind.ARTICLE
    if article_links(response, allowed_domains) or next_pages(response):
        return PageKind.LISTING
    return PageKind.ARTICLE


def sniff_kind(head: bytes) -> PageKind | None:
    """Feed (XML or JSON), sitemap or sitemap index from a document's first bytes; else None."""
    kind = sniff_xml_kind(head)
    if kind is None and is_json_feed(head):
        return PageKind.FEED
    return kind


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
    if next(iter_wire_ids(text), None) is None:
        return False
    return len(article_links(response, allowed_domains)) <= _MAX_ARTICLE_LINKS
