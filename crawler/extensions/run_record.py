"""Close the source's ``crawl_runs`` row when its spider closes, with the right status.

``spider_closed`` is sent after the item pipelines have flushed, so the row's
counters are final by then. The status:

- ``failed`` when storage gave up (``wirewatch/storage_error``), or when every
  start URL failed (the error lists each one and why), or when the spider closed
  for an unexpected reason;
- ``interrupted`` after SIGINT/SIGTERM (close reason ``shutdown``);
- ``succeeded`` otherwise (``finished``, or a ``closespider_*`` limit).

Settings read: ``WIREWATCH_DATABASE_URL``, ``WIREWATCH_RUN_ID``.
Stats: ``wirewatch/run_status``, ``wirewatch/run_error``.
"""

import asyncio
import logging
from typing import Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from sqlalchemy import Engine

from wirewatch.crawler.database import shared_engine

log = logging.getLogger(__name__)

SUCCESS_REASONS = frozenset({"finished", "closespider_pagecount", "closespider_itemcount"})


def run_outcome(
    reason: str, storage_error: str | None, start_errors: list[str], start_count: int
) -> tuple[str, str | None]:
    """The final (status, error) of a run, from why its spider closed."""
    if storage_error:
        return "failed", storage_error
    if reason == "shutdown":
        return "interrupted", "stopped by a signal before the crawl finished"
    if start_count and len(start_errors) >= start_count:
        listed = "; ".join(start_errors)
        plural = "s" if start_count > 1 else ""
        return (
            "failed",
            f"no start URL could be fetched ({start_count} start URL{plural}): {listed}",
        )
    if reason in SUCCESS_REASONS:
        return "succeeded", None
    return "failed", f"crawl stopped: {reason}"


class RunRecorder:
    def __init__(self, crawler: Crawler, engine: Engine, run_id: int) -> None:
        self.crawler = crawler
        self.engine = engine
        self.run_id = run_id

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        recorder = cls(
            crawler,
            shared_engine(settings["WIREWATCH_DATABASE_URL"]),
            settings.getint("WIREWATCH_RUN_ID"),
        )
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        from wirewatch.storage.runs import finish_run

        stats = self.crawler.stats
        assert stats is not None
        start_errors: list[str] = list(getattr(spider, "start_errors", []))
        start_count = len(getattr(getattr(spider, "source", None), "start_urls", []))
        status, error = run_outcome(
            reason, stats.get_value("wirewatch/storage_error"), start_errors, start_count
        )
        stats.set_value("wirewatch/run_status", status)
        stats.set_value("wirewatch/run_error", error)
        try:
            await asyncio.to_thread(finish_run, self.engine, self.run_id, status, error)
        except Exception:
            log.exception("could not close crawl run %d as %s", self.run_id, status)
            stats.set_value("wirewatch/run_close_failed", True)
