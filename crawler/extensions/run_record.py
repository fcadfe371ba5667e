"""Close the source's ``crawl_runs`` row when its spider closes.

``spider_closed`` is sent after the item pipelines have flushed, so the row's
counters are final by then. The status comes from ``crawler.outcome``; the
ledger keeps it unless the run was closed already. A database that is briefly
gone is waited for, as the storage pipeline waits (``crawler.retry``).

Settings read: ``WIREWATCH_DATABASE_URL``, ``WIREWATCH_RUN_ID``,
``WIREWATCH_STORAGE_RETRY_SECONDS``.
Stats: ``wirewatch/run_status``, ``wirewatch/run_error``, ``wirewatch/run_close_failed``.
"""

import logging
from typing import Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from wirewatch.crawler.database import shared_engine
from wirewatch.crawler.outcome import SpiderClose, crawl_outcome
from wirewatch.crawler.retry import call_storage
from wirewatch.storage.engine import Engine
from wirewatch.storage.errors import describe
from wirewatch.storage.ledger import close_run

log = logging.getLogger(__name__)


class RunRecorder:
    def __init__(
        self, crawler: Crawler, engine: Engine, run_id: int, retry_seconds: float = 0.0
    ) -> None:
        self.crawler = crawler
        self.engine = engine
        self.run_id = run_id
        self.retry_seconds = retry_seconds

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        recorder = cls(
            crawler,
            shared_engine(settings["WIREWATCH_DATABASE_URL"]),
            settings.getint("WIREWATCH_RUN_ID"),
            settings.getfloat("WIREWATCH_STORAGE_RETRY_SECONDS"),
        )
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats
        assert stats is not None
        close = SpiderClose(
            reason,
            stats.get_value("wirewatch/storage_error"),
            list(getattr(spider, "start_errors", [])),
            len(getattr(getattr(spider, "source", None), "start_urls", [])),
            list(getattr(spider, "warnings", [])),
        )
        outcome = crawl_outcome(close)
        stats.set_value("wirewatch/run_status", str(outcome.status))
        stats.set_value("wirewatch/run_error", outcome.error)
        try:
            closed = await call_storage(
                "close run",
                close_run,
                self.engine,
                self.run_id,
                outcome,
                retry_seconds=self.retry_seconds,
            )
        except Exception as exc:
            log.error(
                "could not close crawl run %d as %s: %s", self.run_id, outcome.status, describe(exc)
            )
            stats.set_value("wirewatch/run_close_failed", True)
            return
        if not closed:
            log.warning(
                "crawl run %d was closed already; its crawl ended %s", self.run_id, outcome.status
            )
