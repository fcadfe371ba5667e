"""Run crawls of configured sources in this process, and report how each went.

One ``CrawlerProcess`` (asyncio reactor), one ``Crawler`` per source, all
running at once. Each run has its ``crawl_runs`` row in the ledger before its
crawler starts: ``run_crawl`` records one per source (``wirewatch crawl``),
``crawl_recorded_runs`` takes runs a launcher recorded (``crawler.child``). The
row is closed by ``crawler.extensions.run_record`` and read back here for the
summary. A Twisted reactor cannot be restarted, so crawl once per process: the
daemon, the demo and the tests run crawls in a child process.

The first SIGINT/SIGTERM stops every crawl gracefully (pipelines flush, rows end
``interrupted``); a second one kills the process. A crawl killed outright
(``kill -9``) cannot close its rows: every crawl, before it starts, closes
``interrupted`` the rows of this host whose process is gone.
"""

import logging
import os
import signal
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from types import FrameType
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from wirewatch.core.config import Config, SourceConfig
from wirewatch.core.errors import UsageError, WirewatchError
from wirewatch.core.processes import process_owns_run, this_host
from wirewatch.crawler.database import dispose_engines, shared_engine
from wirewatch.crawler.incremental import Visit
from wirewatch.crawler.outcome import crawl_outcome
from wirewatch.crawler.progress import RunSummary, run_progress
from wirewatch.crawler.settings import process_settings, quiet_scrapy_logging, source_settings
from wirewatch.crawler.spiders.source import SourceSpider
from wirewatch.storage.engine import Engine
from wirewatch.storage.ledger import (
    RunCounts,
    close_abandoned_runs,
    close_run,
    get_run,
    rejection_counts,
    start_run,
)
from wirewatch.storage.migrate import ensure_schema
from wirewatch.storage.models import RunStatus, RunTrigger

ProgressCallback = Callable[[RunSummary], None]

log = logging.getLogger(__name__)


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

    Scrapy keeps weak references to receivers, so the crawl holds this object
    (and its bound method) for the whole crawl.
    """

    def __init__(self, callback: ProgressCallback | None) -> None:
        self.callback = callback

    def relay(self, source: str, run_id: int, totals: RunCounts) -> None:
        if self.callback is not None:
            self.callback(RunSummary(source, run_id, RunStatus.RUNNING, totals))


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
    trigger: RunTrigger = RunTrigger.MANUAL,
    on_progress: ProgressCallback | None = None,
    verbosity: int = 0,
    targets: Mapping[str, Sequence[Visit]] | None = None,
) -> list[RunSummary]:
    """Record a run of each named source (all when None/empty) and crawl them once.

    One summary per source, in order. Raises ``UsageError`` for unknown sources.
    ``targets``: article addresses to fetch instead of discovering, by source name.
    """
    sources = select_sources(config, source_names)
    engine = shared_engine(config.database.url)
    ensure_schema(engine)
    close_abandoned(engine)  # a run left behind by a killed crawl would refuse this one
    pid, host = os.getpid(), this_host()
    runs = [(s, start_run(engine, s.name, trigger, pid=pid, hostname=host)) for s in sources]
    return crawl_recorded_runs(
        config, runs, on_progress=on_progress, verbosity=verbosity, targets=targets
    )


def crawl_recorded_runs(
    config: Config,
    runs: Sequence[tuple[SourceConfig, int]],
    *,
    on_progress: ProgressCallback | None = None,
    verbosity: int = 0,
    targets: Mapping[str, Sequence[Visit]] | None = None,
) -> list[RunSummary]:
    """Crawl runs already in the ledger: (source, run id) pairs; one summary per run, in order."""
    engine = shared_engine(config.database.url)
    close_abandoned(engine)
    quiet_scrapy_logging(verbosity)
    relay = _ProgressRelay(on_progress)
    process = CrawlerProcess(Settings(process_settings(config, verbosity=verbosity)))
    quiet_scrapy_logging(verbosity)  # after CrawlerProcess, which resets Scrapy's loggers
    try:
        for index, (source, run_id) in enumerate(runs):
            settings = Settings(source_settings(config, source, run_id, verbosity=verbosity))
            # The first crawler installs the (asyncio) reactor, as CrawlerProcess's own would.
            crawler = Crawler(SourceSpider, settings, init_reactor=index == 0)
            crawler.signals.connect(relay.relay, signal=run_progress)
            process.crawl(crawler, source=source, targets=(targets or {}).get(source.name))
        # Imported only now: importing it any earlier installs Twisted's default reactor
        # instead of the asyncio one the first crawler has just installed.
        from twisted.internet import reactor

        stops = _StopSignals()
        reactor.callLater(0, stops.watch)  # type: ignore[arg-type]  # IReactorTime stub lacks self
        process.start()
        signalled = stops.received is not None
        summaries = [
            _summary(engine, source.name, run_id, signalled=signalled) for source, run_id in runs
        ]
        for summary in summaries:
            log_summary(summary, rejection_counts(engine, summary.run_id))
        return summaries
    finally:
        dispose_engines()


def close_abandoned(engine: Engine) -> None:
    """Close ``interrupted`` this host's runs whose process is gone (``kill -9``, a crash).

    Its own runs, and those of every crawl still running, have a live process
    that owns them (``process_owns_run``) and are left alone.
    """
    for row, outcome in close_abandoned_runs(engine, this_host(), process_owns_run):
        log.warning(
            "source=%s run=%d: left running since %s; marked %s: %s",
            row.source,
            row.id,
            f"{row.started_at:%Y-%m-%d %H:%M:%S}",
            outcome.status,
            outcome.error,
        )


def log_summary(summary: RunSummary, rejected: dict[str, int]) -> None:
    """The one line a finished run logs: its status and counts, rejections by reason."""
    counts = summary.counts
    by_reason = ", ".join(f"{reason} {n}" for reason, n in rejected.items())
    level = logging.INFO if summary.succeeded else logging.WARNING
    log.log(
        level,
        "source=%s run=%d: %s: fetched %d, new %d, updated %d, unchanged %d, duplicates %d, "
        "rejected %d%s",
        summary.source,
        summary.run_id,
        summary.status,
        counts.pages_fetched,
        counts.articles_new,
        counts.articles_updated,
        counts.articles_unchanged,
        counts.duplicates,
        counts.pages_rejected,
        f" ({by_reason})" if by_reason else "",
        extra={
            "source": summary.source,
            "run_id": summary.run_id,
            "status": str(summary.status),
            "counts": counts.as_dict(),
            "rejected_by_reason": rejected,
            "error": summary.error,
        },
    )


def _summary(engine: Engine, source: str, run_id: int, *, signalled: bool) -> RunSummary:
    """Read the run back, closing it first in case its crawler never did.

    Such a run was stopped by a signal before its spider opened, or its crawler
    broke down; a run its spider closed keeps that close (the first one wins).
    """
    close_run(engine, run_id, crawl_outcome(None, signalled=signalled))
    row = get_run(engine, run_id)
    if row is None:
        return RunSummary(
            source, run_id, RunStatus.FAILED, RunCounts(), f"crawl run {run_id} not found"
        )
    return RunSummary.of(row)
