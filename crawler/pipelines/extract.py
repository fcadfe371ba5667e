"""Turn each ``FetchedPage`` into an ``Extracted``: the record, or why there is none.

``crawler.extract.extract`` is pure, CPU-bound and quick on an article page, so
it runs inline, in the reactor's thread. Worker threads buy nothing for
CPU-bound Python under the GIL and cost a great deal here: downloads keep
arriving while extractions queue for the GIL, so a crawl that hands every page
to ``asyncio.to_thread`` slows down and holds more pages in memory the longer it
runs. Only pages larger than ``INLINE_MAX_BYTES`` go to a thread, so that one
huge page cannot stall the downloads for long.

Site names are learnt per host across the crawl (``extract.site_names``): once
several titles of a host share a prefix or suffix, later pages of that host
have it stripped from their titles.

Settings read: none. Stats: ``wirewatch/extract/records``,
``wirewatch/extract/rejections/<reason>``, ``wirewatch/extract/in_thread``.
"""

import asyncio
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from wirewatch.core.record import ArticleRecord, Rejection
from wirewatch.crawler.extract import extract
from wirewatch.crawler.extract.site_names import SiteNames
from wirewatch.crawler.items import Extracted, FetchedPage

INLINE_MAX_BYTES = 1_000_000
"""Pages up to this size are extracted in the reactor's thread."""


class ExtractPipeline:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.site_names = SiteNames()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedPage):
            return item
        result = await self._extract(item)
        if isinstance(result, Rejection):
            self.stats.inc_value(f"wirewatch/extract/rejections/{result.reason}")
        else:
            self.stats.inc_value("wirewatch/extract/records")
        return Extracted(item, result)

    async def _extract(self, page: FetchedPage) -> ArticleRecord | Rejection:
        host = urlsplit(page.url).hostname or ""
        names = self.site_names.names(host)
        if len(page.body) <= INLINE_MAX_BYTES:
            result = extract(page.url, page.body, page.headers, names)
        else:
            self.stats.inc_value("wirewatch/extract/in_thread")
            result = await asyncio.to_thread(extract, page.url, page.body, page.headers, names)
        if isinstance(result, ArticleRecord):
            self.site_names.observe(host, result.title)
        return result
