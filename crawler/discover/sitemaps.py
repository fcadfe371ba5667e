"""Sitemaps and sitemap indexes: ``<loc>`` and ``<lastmod>``, through Scrapy's ``Sitemap``."""

from urllib.parse import urljoin

from scrapy.utils.sitemap import Sitemap

from wirewatch.crawler.discover.entry import Entry, parse_w3c_date


def sitemap_entries(body: bytes, base_url: str) -> list[Entry]:
    """The ``<url>`` (or, in an index, ``<sitemap>``) entries, once each, in document order."""
    sitemap = Sitemap(body)
    entries: dict[str, Entry] = {}
    for item in sitemap:
        loc = item.get("loc")
        if not loc:
            continue
        url = urljoin(base_url, loc.strip())
        if url not in entries:
            entries[url] = Entry(url, parse_w3c_date(item.get("lastmod")))
    return list(entries.values())
