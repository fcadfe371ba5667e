"""Discovery: pure functions that tell feeds, sitemaps, listings and articles apart by
content and list the article addresses they carry, with dates where given.

Nothing here fetches or stores: the spider calls these on downloaded responses.
"""

from wirewatch.crawler.discover.entry import Entry, parse_rfc822_date, parse_w3c_date
from wirewatch.crawler.discover.feeds import FeedError, feed_entries
from wirewatch.crawler.discover.kinds import classify, looks_like_article, maybe_gunzip
from wirewatch.crawler.discover.listings import (
    article_links,
    host_allowed,
    is_article_address,
    next_pages,
)
from wirewatch.crawler.discover.sitemaps import sitemap_entries
from wirewatch.crawler.extract.sniff import PageKind

__all__ = [
    "Entry",
    "FeedError",
    "PageKind",
    "article_links",
    "classify",
    "feed_entries",
    "host_allowed",
    "is_article_address",
    "looks_like_article",
    "maybe_gunzip",
    "next_pages",
    "parse_rfc822_date",
    "parse_w3c_date",
    "sitemap_entries",
]
