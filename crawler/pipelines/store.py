"""Write extracted records, rejections and 304s to storage in batches, off the reactor.

A batch is flushed when it holds ``WIREWATCH_BATCH_SIZE`` records, every
``WIREWATCH_BATCH_SECONDS`` while anything is pending, and at close. Each write
runs in a worker thread (``asyncio.to_thread``); the run's counters are added
with each flush, so ``crawl_runs`` shows progress while the crawl goes on. A
write that keeps failing (``STORE_ATTEMPTS`` tries, with backoff) fails the run:
the error goes to the stats (``wirewatch/storage_error``), the spider is closed
with reason ``storage_failed``, and what earlier batches committed stays.

Settings read: ``WIREWATCH_DATABASE_URL``, ``WIREWATCH_RUN_ID``,
``WIREWATCH_SOURCE``, ``WIREWATCH_BATCH_SIZE``, ``WIREWATCH_BATCH_SECONDS``.
Stats: ``wirewatch/storage/flushes``, ``wirewatch/storage/outcome/<outcome>``,
``wirewatch/storage/retries``, ``wirewatch/storage/dropped``,
``wirewatch/storage_error``, ``wirewatch/rejections/<reason>``.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self, TypeVar

from scrapy.crawler import Crawler

from wirewatch.core.record import ArticleRecord, Rejection
from wirewatch.crawler.database import shared_engine
from wirewatch.crawler.items import Extracted, NotModified
from wirewatch.crawler.progress import run_progress
from wirewatch.storage.addresses import touch_addresses
from wirewatch.storage.engine import Engine
from wirewatch.storage.ledger import RunCounts, add_counts, record_rejections
from wirewatch.storage.upsert import Outcome, Sighting, store_batch

log = logging.getLogger(__name__)

STORE_ATTEMPTS = 3
RETRY_BACKOFF = 0.5
"""Seconds before the second attempt; doubled before each further one."""

T = TypeVar("T")


@dataclass
class Batch:
    sightings: list[Sighting] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    not_modified: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.sightings) + len(self.rejections) + len(self.not_modified)


class StorageFailed(Exception):
    """A batch could not be written after every attempt."""


class StoragePipeline:
    def __init__(
        self,
        crawler: Crawler,
        engine: Engine,
        *,
        run_id: int,
        source: str,
        batch_size: int,
        batch_seconds: float,
    ) -> None:
        self.crawler = crawler
        self.engine = engine
        self.run_id = run_id
        self.source = source
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self.totals = RunCounts()
        self.error: str | None = None
        self._batch = Batch()
        self._fetched_reported = 0
        self._lock = asyncio.Lock()
        self._ticker: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            crawler,
            shared_engine(settings["WIREWATCH_DATABASE_URL"]),
            run_id=settings.getint("WIREWATCH_RUN_ID"),
            source=settings["WIREWATCH_SOURCE"],
            batch_size=settings.getint("WIREWATCH_BATCH_SIZE"),
            batch_seconds=settings.getfloat("WIREWATCH_BATCH_SECONDS"),
        )

    async def open_spider(self) -> None:
        self._ticker = asyncio.create_task(self._tick())

    async def close_spider(self) -> None:
        if self._ticker is not None:
            # Under the lock: cancelling a timed flush while it writes would drop its batch
            # (stories stored uncounted, rejections never recorded).
            async with self._lock:
                self._ticker.cancel()
        await self.flush()

    async def process_item(self, item: Any) -> Any:
        if self.error is not None:
            self._inc("wirewatch/storage/dropped")
            return item
        if isinstance(item, Extracted):
            self._add_extracted(item)
        elif isinstance(item, Rejection):
            self._batch.rejections.append(item)
        elif isinstance(item, NotModified):
            self._batch.not_modified.append(item.url)
        if len(self._batch.sightings) >= self.batch_size:
            await self.flush()
        return item

    def _add_extracted(self, item: Extracted) -> None:
        if isinstance(item.result, ArticleRecord):
            page = item.page
            self._batch.sightings.append(
                Sighting(item.result, page.source, page.fetched_at, page.etag, page.last_modified)
            )
        else:
            self._batch.rejections.append(item.result)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.batch_seconds)
            if not self._lock.locked():
                await self.flush()

    async def flush(self) -> None:
        """Write what is pending; a persistent failure fails the run (see the module docstring)."""
        async with self._lock:
            if self.error is not None:
                return
            batch, self._batch = self._batch, Batch()
            fetched = self._stat("wirewatch/pages_fetched") - self._fetched_reported
            if not batch and not fetched:
                return
            try:
                counts = await self._write(batch, fetched)
            except StorageFailed as exc:
                self._fail(str(exc), batch)
                return
            self._fetched_reported += fetched
            self.totals += counts
            self._inc("wirewatch/storage/flushes")
        self.crawler.signals.send_catch_log(
            signal=run_progress, source=self.source, run_id=self.run_id, totals=self.totals
        )

    async def _write(self, batch: Batch, fetched: int) -> RunCounts:
        results = await self._attempt("store", store_batch, self.engine, batch.sightings)
        outcomes = dict.fromkeys(Outcome, 0)
        for result in results:
            outcomes[result.outcome] += 1
            self._inc(f"wirewatch/storage/outcome/{result.outcome}")
        if batch.not_modified:
            now = datetime.now(UTC)
            await self._attempt("touch", touch_addresses, self.engine, batch.not_modified, now)
            self._inc("wirewatch/storage/outcome/not_modified", len(batch.not_modified))
        if batch.rejections:
            await self._attempt(
                "reject", record_rejections, self.engine, self.run_id, batch.rejections
            )
            for rejection in batch.rejections:
                self._inc(f"wirewatch/rejections/{rejection.reason}")
        counts = RunCounts(
            pages_fetched=fetched,
            articles_new=outcomes[Outcome.NEW],
            articles_updated=outcomes[Outcome.UPDATED],
            articles_unchanged=outcomes[Outcome.UNCHANGED] + len(batch.not_modified),
            duplicates=outcomes[Outcome.DUPLICATE],
            pages_rejected=len(batch.rejections),
        )
        if counts:
            await self._attempt("count", add_counts, self.engine, self.run_id, counts)
        return counts

    async def _attempt(self, what: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking storage call in a thread, retrying with backoff before giving up."""
        delay = RETRY_BACKOFF
        for attempt in range(1, STORE_ATTEMPTS + 1):
            try:
                return await asyncio.to_thread(function, *args, **kwargs)
            except Exception as exc:
                if attempt == STORE_ATTEMPTS:
                    raise StorageFailed(
                        f"storage failed ({what}) after {STORE_ATTEMPTS} attempts: "
                        f"{type(exc).__name__}: {exc}"
                    ) from exc
                log.warning("storage %s failed (%s); retrying in %.1fs", what, exc, delay)
                self._inc("wirewatch/storage/retries")
                await asyncio.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def _fail(self, error: str, batch: Batch) -> None:
        log.error("%s: %s (%d pending items not stored)", self.source, error, len(batch))
        self.error = error
        self._inc("wirewatch/storage/dropped", len(batch))
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("wirewatch/storage_error", error)
        try:
            engine = self.crawler.engine
        except RuntimeError:  # no crawl running (the pipeline used on its own)
            return
        if engine is not None and engine.spider is not None and self._closer is None:
            self._closer = asyncio.create_task(engine.close_spider_async(reason="storage_failed"))

    def _stat(self, key: str) -> int:
        assert self.crawler.stats is not None
        return int(self.crawler.stats.get_value(key, 0))

    def _inc(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key, count)
