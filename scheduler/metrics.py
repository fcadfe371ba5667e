"""The daemon's Prometheus metrics (``prometheus_client``), served on ``[daemon] metrics_address``.

The run metrics are read from the run ledger at scrape time (``LedgerCollector``,
through ``storage.run_stats``): a run's counts join them when it closes, whichever
process closed it, so they survive crawl children and daemon restarts and agree
with ``crawl_runs``. Every daemon on a database reports the same ledger totals;
``wirewatch_daemon_leader`` tells the one that schedules (alert or sum on
``... and on(instance) wirewatch_daemon_leader == 1``).

Metrics (all labelled by ``source`` unless said otherwise):

- ``wirewatch_runs_total{source,status}``: closed runs by final status.
- ``wirewatch_runs_running``: runs in flight.
- ``wirewatch_pages_fetched_total``.
- ``wirewatch_stories_total{source,outcome}``: outcome ``new``, ``updated``,
  ``unchanged`` or ``duplicate_address``.
- ``wirewatch_pages_rejected_total{source,reason}``.
- ``wirewatch_run_duration_seconds``: histogram of closed runs.
- ``wirewatch_last_success_timestamp_seconds``: when the latest successful run finished.
- ``wirewatch_ledger_up`` (no labels): 0 when the ledger could not be read at this scrape.
- ``wirewatch_daemon_leader`` (no labels): 1 while this daemon holds the schedule.

Other parts of the daemon add theirs as a ``prometheus_client`` collector passed
to ``MetricsServer`` (``Daemon.metric_collectors``): queue depth and busy
workers in Celery mode, watch deliveries.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from wirewatch.core.config import listen_address
from wirewatch.storage.engine import Engine
from wirewatch.storage.outbox import watch_counts
from wirewatch.storage.run_stats import SourceTotals, run_totals

log = logging.getLogger(__name__)

DURATION_BUCKETS: tuple[float, ...] = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600)
"""Seconds: runs of a small feed take seconds, a sitemap crawl many minutes."""
STORY_OUTCOMES = {
    "new": "articles_new",
    "updated": "articles_updated",
    "unchanged": "articles_unchanged",
    "duplicate_address": "duplicates",
}
"""The ``outcome`` label -> the ``crawl_runs`` counter it reports."""
CACHE_SECONDS = 5.0
"""Scrapes closer together than this share one read of the ledger."""


class LedgerCollector(Collector):
    """Run metrics read from the ledger when scraped (cached ``CACHE_SECONDS``)."""

    def __init__(self, engine: Engine, cache_seconds: float = CACHE_SECONDS) -> None:
        self.engine = engine
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._read_at = -float("inf")
        self._totals: dict[str, SourceTotals] | None = None

    def describe(self) -> Iterable[Metric]:
        return []  # registering must not read the database

    def collect(self) -> Iterator[Metric]:
        totals = self._current()
        up = GaugeMetricFamily("wirewatch_ledger_up", "1 when the run ledger could be read.")
        up.add_metric([], 0 if totals is None else 1)
        yield up
        if totals is not None:
            yield from ledger_metrics(totals)

    def _current(self) -> dict[str, SourceTotals] | None:
        with self._lock:
            now = time.monotonic()
            if self._totals is None or now - self._read_at >= self.cache_seconds:
                try:
                    self._totals = run_totals(self.engine, DURATION_BUCKETS)
                except Exception as exc:  # a scrape must answer even when the database does not
                    log.warning("metrics: cannot read the run ledger: %s", exc)
                    self._totals = None
                    return None
                self._read_at = now
            return self._totals


def ledger_metrics(totals: dict[str, SourceTotals]) -> Iterator[Metric]:
    """The run metrics of ``run_totals``' answer."""
    runs = CounterMetricFamily(
        "wirewatch_runs", "Closed crawl runs by final status.", labels=["source", "status"]
    )
    running = GaugeMetricFamily("wirewatch_runs_running", "Runs in flight.", labels=["source"])
    fetched = CounterMetricFamily(
        "wirewatch_pages_fetched", "Pages fetched by closed runs.", labels=["source"]
    )
    stories = CounterMetricFamily(
        "wirewatch_stories",
        "Stories stored by closed runs, by outcome.",
        labels=["source", "outcome"],
    )
    rejected = CounterMetricFamily(
        "wirewatch_pages_rejected", "Pages rejected, by reason.", labels=["source", "reason"]
    )
    duration = HistogramMetricFamily(
        "wirewatch_run_duration_seconds", "How long closed runs took.", labels=["source"]
    )
    last_success = GaugeMetricFamily(
        "wirewatch_last_success_timestamp_seconds",
        "Unix time the latest successful run finished.",
        labels=["source"],
    )
    for source, total in sorted(totals.items()):
        for status, count in sorted(total.runs.items()):
            runs.add_metric([source, status], count)
        running.add_metric([source], total.running)
        fetched.add_metric([source], total.counts.pages_fetched)
        for outcome, counter in STORY_OUTCOMES.items():
            stories.add_metric([source, outcome], getattr(total.counts, counter))
        for reason, pages in sorted(total.rejected.items()):
            rejected.add_metric([source, reason], pages)
        buckets: list[tuple[str, float]] = [
            (_bound(bound), count)
            for bound, count in zip(DURATION_BUCKETS, total.duration_buckets, strict=True)
        ]
        buckets.append(("+Inf", total.duration_count))
        duration.add_metric([source], buckets, sum_value=total.duration_sum)
        if total.last_success is not None:
            last_success.add_metric([source], total.last_success.timestamp())
    yield from (runs, running, fetched, stories, rejected, duration, last_success)


def _bound(bound: float) -> str:
    return str(float(bound))


class FlagCollector(Collector):
    """One gauge, 1 or 0, read from a callable at scrape time (``wirewatch_daemon_leader``)."""

    def __init__(self, name: str, documentation: str, read: Callable[[], bool]) -> None:
        self.name = name
        self.documentation = documentation
        self.read = read

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily(self.name, self.documentation)
        gauge.add_metric([], 1 if self.read() else 0)
        yield gauge


WATCH_STATES = ("pending", "delivered", "failed", "unsent")


class WatchCollector(Collector):
    """Watch matches by delivery state, read from the ``watch_matches`` outbox when
    scraped, so they agree with ``wirewatch watches`` whichever process delivered them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        try:
            counts = watch_counts(self.engine)
        except Exception as exc:  # a scrape must answer even when the database does not
            log.warning("metrics: cannot read the watch outbox: %s", exc)
            return
        gauge = GaugeMetricFamily(
            "wirewatch_watch_matches",
            "Matches of each watch by delivery state (pending, delivered, failed, unsent).",
            labels=["watch", "state"],
        )
        for name, watch in sorted(counts.items()):
            for state in WATCH_STATES:
                gauge.add_metric([name, state], getattr(watch, state))
        yield gauge


class CachedGauges(Collector):
    """Gauges from one callable that is slow to ask (a broker round trip), read at most
    every ``cache_seconds``; a failed read reports nothing rather than stale figures."""

    def __init__(
        self,
        read: Callable[[], dict[str, tuple[str, float]]],
        cache_seconds: float = CACHE_SECONDS,
    ) -> None:
        self.read = read
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._read_at = -float("inf")
        self._values: dict[str, tuple[str, float]] = {}

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            now = time.monotonic()
            if now - self._read_at >= self.cache_seconds:
                try:
                    self._values = self.read()
                except Exception as exc:
                    log.warning("metrics: %s", exc)
                    self._values = {}
                self._read_at = now
            values = dict(self._values)
        for name, (documentation, value) in values.items():
            gauge = GaugeMetricFamily(name, documentation)
            gauge.add_metric([], value)
            yield gauge


class MetricsServer:
    """An HTTP server on ``host:port`` answering ``/metrics`` from its collectors (its own thread)."""

    def __init__(self, address: str, collectors: Sequence[Collector]) -> None:
        where = listen_address(address)
        if where is None:
            raise ValueError(f"{address!r} is not host:port")
        self.host, self.port = where
        self.registry = CollectorRegistry(auto_describe=False)
        for collector in collectors:
            self.registry.register(collector)
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Listen (OSError when the address is taken) and return the URL it serves."""
        self._server, self._thread = start_http_server(
            self.port, addr=self.host, registry=self.registry
        )
        port = self._server.server_address[1]
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{port}/metrics"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
