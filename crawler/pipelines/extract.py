"""Turn each ``FetchedPage`` into an ``Extracted``: the record, or why there is none.

``crawler.extract.extract`` is pure and CPU-bound; it runs in a worker thread
(``asyncio.to_thread``) so downloads go on while pages are parsed.

Settings read: none. Stats: ``wirewatch/extract/records``,
``wirewatch/extract/rejections/<reason>``.
"""

import asyncio
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.extract import extract
from crawler.items import Extracted, FetchedPage
from wirewatch.record import Rejection


class ExtractPipeline:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedPage):
            return item
        result = await asyncio.to_thread(extract, item.url, item.body, item.headers)
        if isinstance(result, Rejection):
            self.stats.inc_value(f"wirewatch/extract/rejections/{result.reason}")
        else:
            self.stats.inc_value("wirewatch/extract/records")
        return Extracted(item, result)
