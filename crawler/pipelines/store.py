"""Write extracted records, rejections and 304s to storage in batches, off the reactor.

A batch is flushed when it holds ``WIREWATCH_BATCH_SIZE`` records, every
``WIREWATCH_BATCH_SECONDS`` while anything is pending, and at close. Each write
runs in a worker thread (``crawler.retry.call_storage``); the run's counters are
added with each flush, so ``crawl_runs`` shows progress while the crawl goes on.

- A database that is busy or gone (transient errors) is waited for, with
  backoff, for up to ``WIREWATCH_STORAGE_RETRY_SECONDS``. Meanwhile at most
  ``WIREWATCH_BATCH_SIZE`` further items are held: the items after them wait in
  ``process_item``, which keeps their responses in Scrapy's scraper, so Scrapy
  stops fetching once that buffer is full (``SCRAPER_SLOT_MAX_ACTIVE_SIZE``).
- A batch the database refuses for its data (``storage.errors.is_row_error``) is
  split in halves until the page that carries the bad data is found: that page
  becomes a ``storage_error`` rejection, the rest is stored.
- Any other failure, or an outage longer than the limit, fails the run: the
  error (one line) goes to the stats (``wirewatch/storage_error``), the spider is
  closed with reason ``storage_failed``, and what earlier batches committed stays.

Settings read: ``WIREWATCH_DATABASE_URL``, ``WIREWATCH_RUN_ID``,
``WIREWATCH_SOURCE``, ``WIREWATCH_BATCH_SIZE``, ``WIREWATCH_BATCH_SECONDS``,
``WIREWATCH_STORAGE_RETRY_SECONDS``, ``WIREWATCH_WATCHES`` (the configured
watches, matched by ``store_batch`` in each batch's transaction).

The addresses that redirected to a stored page (within the site), and those the
page names for itself (``rel=canonical``, ``rel=amphtml``: ``FetchedPage.also_at``),
are recorded as addresses of its story too (``redirect_sightings``), after the
batch and uncounted, so the next run knows them and does not fetch them again.
Stats: ``wirewatch/storage/flushes``, ``wirewatch/storage/outcome/<outcome>``,
``wirewatch/storage/retries``, ``wirewatch/storage/dropped``,
``wirewatch/storage_error``, ``wirewatch/rejections/<reason>``.
"""

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Self, TypeVar

from scrapy.crawler import Crawler

from wirewatch.core.record import ArticleRecord, Rejection, RejectReason
from wirewatch.core.urls import canonicalise_url
from wirewatch.crawler.database import shared_engine
from wirewatch.crawler.items import Extracted, NotModified
from wirewatch.crawler.progress import run_progress
from wirewatch.crawler.retry import StorageUnavailable, call_storage
from wirewatch.storage.addresses import touch_addresses
from wirewatch.storage.engine import Engine
from wirewatch.storage.errors import describe, is_row_error
from wirewatch.storage.ledger import RunCounts, account_batch
from wirewatch.storage.matching import WatchRule, watch_rules
from wirewatch.storage.upsert import Outcome, Sighting, StoreResult, store_batch

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class Batch:
    sightings: list[Sighting] = field(default_factory=list)
    redirects: list[Sighting] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    not_modified: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.sightings) + len(self.rejections) + len(self.not_modified)


def redirect_sightings(sighting: Sighting, redirected_from: Sequence[str]) -> list[Sighting]:
    """The story of ``sighting`` seen at each address that redirected to it (canonicalised)."""
    addresses = dict.fromkeys(canonicalise_url(url) for url in redirected_from)
    addresses.pop(sighting.url, None)
    return [
        replace(sighting, record=replace(sighting.record, canonical_url=url)) for url in addresses
    ]


class StorageFailed(Exception):
    """A write failed for good: the run fails with this (one-line) message."""


class RowsRefused(StorageFailed):
    """The database refused the data of a batch (see ``storage.errors.is_row_error``)."""

    def __init__(self, what: str, error: BaseException) -> None:
        self.detail = describe(error)
        super().__init__(f"storage failed ({what}): {self.detail}")


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
        retry_seconds: float = 0.0,
        watches: Sequence[WatchRule] = (),
    ) -> None:
        self.crawler = crawler
        self.watches = tuple(watches)
        self.engine = engine
        self.run_id = run_id
        self.source = source
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self.retry_seconds = retry_seconds
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
            retry_seconds=settings.getfloat("WIREWATCH_STORAGE_RETRY_SECONDS"),
            watches=watch_rules(settings.get("WIREWATCH_WATCHES") or ()),
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
        if self._lock.locked() and len(self._batch) >= self.batch_size:
            # A write is under way (perhaps waiting for the database) and a batch is
            # pending already: hold this item until the write is done, so that what
            # is pending stays bounded.
            await self.flush()
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
            sighting = Sighting(
                item.result, page.source, page.fetched_at, page.etag, page.last_modified
            )
            self._batch.sightings.append(sighting)
            also = (*page.redirected_from, *page.also_at)
            self._batch.redirects.extend(redirect_sightings(sighting, also))
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
        results, refused = await self._store(batch.sightings)
        rejections = [*batch.rejections, *refused]
        await self._store(batch.redirects)  # a refused page is rejected above, not again here
        outcomes = dict.fromkeys(Outcome, 0)
        for result in results:
            outcomes[result.outcome] += 1
            self._inc(f"wirewatch/storage/outcome/{result.outcome}")
        if batch.not_modified:
            now = datetime.now(UTC)
            await self._call("touch", touch_addresses, self.engine, batch.not_modified, now)
            self._inc("wirewatch/storage/outcome/not_modified", len(batch.not_modified))
        for rejection in rejections:
            self._inc(f"wirewatch/rejections/{rejection.reason}")
        counts = RunCounts(
            pages_fetched=fetched,
            articles_new=outcomes[Outcome.NEW],
            articles_updated=outcomes[Outcome.UPDATED],
            articles_unchanged=outcomes[Outcome.UNCHANGED] + len(batch.not_modified),
            duplicates=outcomes[Outcome.DUPLICATE],
            pages_rejected=len(rejections),
        )
        if counts:
            await self._call(
                "count",
                account_batch,
                self.engine,
                self.run_id,
                counts,
                rejections,
                counted_before=self.totals,
            )
        return counts

    async def _store(
        self, sightings: Sequence[Sighting]
    ) -> tuple[list[StoreResult], list[Rejection]]:
        """Store what the database accepts; each page whose data it refuses becomes a rejection.

        A refused batch is split in halves, each stored (or split) on its own, so
        one bad page costs a few more transactions and no other page.
        """
        if not sightings:
            return [], []
        try:
            stored = await self._call("store", store_batch, self.engine, sightings, self.watches)
            return stored, []
        except RowsRefused as refused:
            if len(sightings) == 1:
                return [], [self._refused(sightings[0], refused)]
        middle = len(sightings) // 2
        first, first_refused = await self._store(sightings[:middle])
        second, second_refused = await self._store(sightings[middle:])
        return first + second, first_refused + second_refused

    def _refused(self, sighting: Sighting, refused: RowsRefused) -> Rejection:
        log.warning("%s: the database refused %s: %s", self.source, sighting.url, refused.detail)
        return Rejection(
            sighting.url, RejectReason.STORAGE_ERROR, f"the database refused it: {refused.detail}"
        )

    async def _call(self, what: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A blocking storage call in a thread, waited out while the database is unavailable."""
        try:
            return await call_storage(
                what,
                function,
                *args,
                retry_seconds=self.retry_seconds,
                on_retry=lambda: self._inc("wirewatch/storage/retries"),
                **kwargs,
            )
        except StorageUnavailable as exc:
            raise StorageFailed(str(exc)) from exc
        except Exception as exc:
            if is_row_error(exc):
                raise RowsRefused(what, exc) from exc
            raise StorageFailed(f"storage failed ({what}): {describe(exc)}") from exc

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
