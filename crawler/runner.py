"""Run a crawl of some configured sources, in this process, and report how each went.

One ``CrawlerProcess`` (asyncio reactor), one ``Crawler`` per source, all
running at once. Each source gets a ``crawl_runs`` row before its crawler starts
(or uses the row the caller made: ``run_id``, how the daemon runs a child); the
row is closed by ``crawler.extensions.run_record`` and read back here for the
summary. A Twisted reactor cannot be restarted, so call ``run_crawl`` once per
process: the daemon and the tests run it in a child process.

The first SIGINT/SIGTERM stops every crawl gracefully (pipelines flush, rows end
``interrupted``); a second one kills the process.
"""

import logging
import os
import signal
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from types import FrameType
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from sqlalchemy import Engine

from wirewatch.core.config import Config, SourceConfig
from wirewatch.core.errors import UsageError, WirewatchError
from wirewatch.crawler.counts import RunCounts, run_progress
from wirewatch.crawler.database import dispose_engines, shared_engine
from wirewatch.crawler.settings import process_settings, quiet_scrapy_logging, source_settings
from wirewatch.crawler.spiders.source import SourceSpider

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunSummary:
    """How one source's run went (``status`` is ``running`` in progress reports)."""

    source: str
    run_id: int
    status: str
    counts: RunCounts
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


ProgressCallback = Callable[[RunSummary], None]


class NoSources(WirewatchError):
    """The config has no ``[[sources]]``."""


def select_sources(config: Config, names: Sequence[str] | None) -> list[SourceConfig]:
    """The named sources in the order given (all of them when none are named)."""
    if not config.sources:
        where = config.path or "wirewatch.toml"
        raise NoSources(
            f"no sources are configured: add a [[sources]] table (name, start_urls) to {where}"
        )
    if not names:
        return list(config.sources)
    known = [source.name for source in config.sources]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise UsageError(
            f"unknown source{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}: "
            f"the configured sources are {', '.join(known)}"
        )
    return [config.source(name) for name in dict.fromkeys(names)]


class _ProgressRelay:
    """Forwards ``run_progress`` signals to the caller's callback.

    Scrapy keeps weak references to receivers, so the runner holds this object
    (and its bound method) for the whole crawl.
    """

    def __init__(self, callback: ProgressCallback | None) -> None:
        self.callback = callback

    def relay(self, source: str, run_id: int, totals: RunCounts) -> None:
        if self.callback is not None:
            self.callback(RunSummary(source, run_id, "running", totals))


class _StopSignals:
    """Remembers whether SIGINT/SIGTERM reached this process while it crawled.

    A signal that arrives while a crawler is still starting stops the process
    before its spider opens, so ``spider_closed`` never closes the run: the
    summary then knows to call it ``interrupted`` rather than ``failed``.
    Scrapy installs its own handlers once the reactor has started; ``watch``
    (scheduled with ``callLater(0)``, so it runs just after them) chains them.
    """

    def __init__(self) -> None:
        self.received: int | None = None

    def watch(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, partial(self._note, signal.getsignal(signum)))

    def _note(self, previous: Any, signum: int, frame: FrameType | None) -> None:
        self.received = signum
        if callable(previous):
            previous(signum, frame)


def run_crawl(
    config: Config,
    source_names: Sequence[str] | None,
    *,
    trigger: str = "manual",
    run_id: int | None = None,
    on_progress: ProgressCallback | None = None,
    verbosity: int = 0,
) -> list[RunSummary]:
    """Crawl the named sources (all when None/empty) once; one summary per source, in order.

    ``run_id`` makes the crawl use an existing ``crawl_runs`` row; it needs exactly
    one source. Raises ``UsageError`` for unknown sources or a misused ``run_id``.
    """
    from wirewatch.storage.migrate import ensure_schema

    sources = select_sources(config, source_names)
    if run_id is not None and len(sources) != 1:
        raise UsageError("--run-id needs exactly one source")
    engine = shared_engine(config.database.url)
    ensure_schema(engine)
    quiet_scrapy_logging(verbosity)
    run_ids = [run_id] if run_id is not None else _start_runs(engine, sources, trigger)
    relay = _ProgressRelay(on_progress)
    process = CrawlerProcess(Settings(process_settings(config, verbosity=verbosity)))
    quiet_scrapy_logging(verbosity)  # after CrawlerProcess, which resets Scrapy's loggers
    try:
        for index, (source, rid) in enumerate(zip(sources, run_ids, strict=True)):
            settings = Settings(source_settings(config, source, rid, verbosity=verbosity))
            # The first crawler installs the (asyncio) reactor, as CrawlerProcess's own would.
            crawler = Crawler(SourceSpider, settings, init_reactor=index == 0)
            crawler.signals.connect(relay.relay, signal=run_progress)
            process.crawl(crawler, source=source)
        from twisted.internet import reactor

        stops = _StopSignals()
        reactor.callLater(0, stops.watch)  # type: ignore[arg-type]  # IReactorTime stub lacks self
        process.start()
        signalled = stops.received is not None
        return [
            _summary(engine, source.name, rid, signalled=signalled)
            for source, rid in zip(sources, run_ids, strict=True)
        ]
    finally:
        dispose_engines()


def _start_runs(engine: Engine, sources: Sequence[SourceConfig], trigger: str) -> list[int]:
    from wirewatch.storage.runs import start_run

    pid, host = os.getpid(), socket.gethostname()
    return [start_run(engine, s.name, trigger, pid=pid, hostname=host) for s in sources]


def _summary(engine: Engine, source: str, run_id: int, *, signalled: bool) -> RunSummary:
    """Read the run back, closing a row its crawler never closed.

    Such a row was stopped by a signal before its spider opened (``interrupted``),
    or its crawler broke down (``failed``).
    """
    from wirewatch.storage.runs import finish_run, get_run

    row = get_run(engine, run_id)
    if row is not None and row.status == "running":
        if signalled:
            status, error = "interrupted", "stopped by a signal before the crawl started"
        else:
            status, error = "failed", "the crawler stopped without closing its run (see the log)"
        finish_run(engine, run_id, status, error)
        row = get_run(engine, run_id)
    if row is None:
        return RunSummary(source, run_id, "failed", RunCounts(), f"crawl run {run_id} not found")
    counts = RunCounts(
        pages_fetched=row.pages_fetched,
        articles_new=row.articles_new,
        articles_updated=row.articles_updated,
        articles_unchanged=row.articles_unchanged,
        duplicates=row.duplicates,
        pages_rejected=row.pages_rejected,
    )
    return RunSummary(source, run_id, row.status, counts, row.error)
