"""Discovery: pure functions that tell feeds, sitemaps, listings and articles apart by
content and list the article addresses they carry, with dates where given.

Nothing here fetches or stores: the spider calls these on downloaded responses.
Feeds and sitemaps are read incrementally (``xmlstream``), so their size costs
no memory beyond the downloaded bytes.
"""

from wirewatch.crawler.discover.entry import (
    BadLink,
    Entry,
    parse_rfc822_date,
    parse_w3c_date,
)
from wirewatch.crawler.discover.feeds import FeedError, feed_entries, read_feed
from wirewatch.crawler.discover.kinds import classify, looks_like_article, sniff_kind
from wirewatch.crawler.discover.listings import (
    article_links,
    host_allowed,
    is_article_address,
    next_pages,
    page_links,
    scored_links,
)
from wirewatch.crawler.discover.sitemaps import read_sitemap, sitemap_entries
from wirewatch.crawler.discover.xmlstream import (
    DiscoveryError,
    DocumentTooLarge,
    checked_size,
    chunks,
    head,
)
from wirewatch.crawler.extract.sniff import PageKind

__all__ = [
    "BadLink",
    "DiscoveryError",
    "DocumentTooLarge",
    "Entry",
    "FeedError",
    "PageKind",
    "article_links",
    "checked_size",
    "chunks",
    "classify",
    "feed_entries",
    "head",
    "host_allowed",
    "is_article_address",
    "looks_like_article",
    "next_pages",
    "page_links",
    "parse_rfc822_date",
    "parse_w3c_date",
    "read_feed",
    "read_sitemap",
    "scored_links",
    "sitemap_entries",
    "sniff_kind",
]
