"""``wirewatch daemon``: the schedules, run unattended.

Lifecycle: wait as a standby until this daemon holds the database's leader lock
(``scheduler.lock``); then, as leader, close the rows a dead daemon left
``running`` (crash recovery), start an ``AsyncIOScheduler`` on the database's
``apscheduler_jobs`` table, reconcile its jobs with the configured sources and
run until told to stop or until the lock is lost. A lost lock stops every crawl
at once (another daemon may already be taking over) and goes back to standby.
The leader also delivers the matches of watches (``scheduler.delivery``): one
pass every ``[delivery].interval`` seconds, in a thread, beside the crawls.

With ``[dispatch] engine = "celery"`` the leader crawls nothing itself: each due
run becomes a Celery job (``scheduler.enqueue``), and the leader closes the runs
whose worker stopped beating. Crash recovery then leaves workers' runs alone.

Signals: SIGTERM/SIGINT stop gracefully (no new runs, ``grace_period`` seconds
for running crawls, then SIGTERM to them, SIGKILL ``kill_after`` seconds later;
a second signal skips the rest of the grace period); SIGHUP reloads the config.
"""

import asyncio
import contextlib
import logging
import os
import signal
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from kombu.utils.url import maybe_sanitize_url

from wirewatch.core.errors import ConfigError
from wirewatch.core.logs import LogOptions
from wirewatch.core.processes import is_crawl_child, process_owns_run
from wirewatch.scheduler.delivery import deliver_pass
from wirewatch.scheduler.enqueue import Enqueuer
from wirewatch.scheduler.jobs import desired_jobs, reconcile_jobs, set_job_runner
from wirewatch.scheduler.launcher import Launcher
from wirewatch.scheduler.lock import DaemonLockedError, LeaderLock, leader_lock_for, this_host
from wirewatch.scheduler.metrics import (
    CachedGauges,
    Collector,
    FlagCollector,
    LedgerCollector,
    MetricsServer,
    WatchCollector,
)
from wirewatch.scheduler.orphans import orphan_ended, triage_running
from wirewatch.scheduler.snapshot import LoadedConfig, SnapshotDir, read_config
from wirewatch.storage.engine import Engine, make_engine
from wirewatch.storage.jobs_table import JOBS_TABLE
from wirewatch.storage.ledger import RunRow, close_run, running_runs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DaemonOptions:
    """Knobs of the process itself (the schedule's own settings live in ``[daemon]``)."""

    no_wait: bool = False
    standby_poll: float = 1.0
    """Seconds between a standby's attempts to take the lock."""
    heartbeat: float = 2.0
    """Seconds between checks that the leader still holds its lock."""
    kill_after: float = 10.0
    """Seconds between SIGTERM and SIGKILL for a crawl that is being stopped."""
    log: LogOptions = field(default_factory=LogOptions)
    """How the daemon logs; its crawl children log at the same verbosity (``Launcher``)."""


class Daemon:
    """One ``wirewatch daemon`` process."""

    def __init__(
        self,
        loaded: LoadedConfig,
        config_path: Path | None,
        engine: Engine,
        options: DaemonOptions | None = None,
    ) -> None:
        self.loaded = loaded
        self.config_path = config_path
        self.engine = engine
        self.options = options or DaemonOptions()
        self.host = this_host()
        self._snapshots = SnapshotDir()
        self._snapshot = self._snapshots.write(loaded)
        self._launcher = Launcher(
            engine, self.host, self._current, self.options.kill_after, self.options.log
        )
        self._scheduler: AsyncIOScheduler | None = None
        self._stop = asyncio.Event()
        self._hurry = asyncio.Event()
        self._lost = asyncio.Event()
        self._background: set[asyncio.Task[None]] = set()

    @property
    def database(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def _current(self) -> tuple[LoadedConfig, Path | None]:
        return self.loaded, self._snapshot

    async def run(self) -> None:
        """Run until SIGTERM/SIGINT; raise ``DaemonLockedError`` for ``--no-wait`` standbys."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._request_stop, signum)
        loop.add_signal_handler(signal.SIGHUP, self._spawn, self._reload)
        lock = leader_lock_for(self.loaded.config.database.url)
        metrics = self._serve_metrics()
        try:
            while not self._stop.is_set():
                if not await self._acquire(lock):
                    break
                try:
                    lost = await self._lead(lock)
                finally:
                    await self._release(lock)
                if not lost:
                    break
                self._lost.clear()
                self._launcher.reopen()
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(signum)
            self._snapshots.remove()
            if metrics is not None:
                metrics.stop()
        log.info("daemon stopped")

    def metric_collectors(self) -> list[Collector]:
        """What ``/metrics`` reports: the run ledger's totals and whether this daemon leads."""
        collectors: list[Collector] = [
            LedgerCollector(self.engine),
            FlagCollector(
                "wirewatch_daemon_leader",
                "1 while this daemon holds the schedule.",
                lambda: self._scheduler is not None,
            ),
            WatchCollector(self.engine),
        ]
        if self.loaded.config.dispatch.engine == "celery":
            collectors.append(CachedGauges(self._cluster_gauges))
        return collectors

    def _cluster_gauges(self) -> dict[str, tuple[str, float]]:
        """Celery mode: the queue and the workers, as ``status`` shows them."""
        from wirewatch.scheduler.cluster import cluster_load  # Celery loads in Celery mode only

        load = cluster_load(self.engine, self.loaded.config)
        gauges = {
            "wirewatch_runs_queued": (
                "Runs queued in the database, waiting for a worker.",
                float(load.queued_runs),
            ),
            "wirewatch_busy_workers": (
                "Workers crawling at least one run.",
                float(sum(1 for w in load.workers if w.runs)),
            ),
            "wirewatch_busy_slots": (
                "Runs being crawled by workers.",
                float(sum(len(w.runs) for w in load.workers)),
            ),
        }
        if load.queue_depth is not None:
            gauges["wirewatch_queue_depth"] = (
                "Jobs waiting in the broker's queue.",
                float(load.queue_depth),
            )
        return gauges

    def _serve_metrics(self) -> MetricsServer | None:
        """Serve ``/metrics`` on ``[daemon] metrics_address``; a taken address is logged, not fatal."""
        address = self.loaded.config.daemon.metrics_address
        if not address:
            return None
        server = MetricsServer(address, self.metric_collectors())
        try:
            url = server.start()
        except OSError as exc:
            log.error("metrics: cannot listen on %s ([daemon] metrics_address): %s", address, exc)
            return None
        log.info("metrics: serving %s", url)
        return server

    def _request_stop(self, signum: int) -> None:
        name = signal.Signals(signum).name
        if self._stop.is_set():
            log.info("%s again: terminating running crawls now", name)
            self._hurry.set()
            return
        log.info("%s received: stopping (no new runs)", name)
        self._stop.set()

    def _spawn(self, factory: Callable[[], Coroutine[Any, Any, None]]) -> None:
        task = asyncio.get_running_loop().create_task(factory())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _acquire(self, lock: LeaderLock) -> bool:
        """Take the leader lock, waiting as a standby while another daemon holds it."""
        announced: object = None
        while not self._stop.is_set():
            try:
                if await asyncio.to_thread(lock.try_acquire):
                    return True
                holder = await asyncio.to_thread(lock.holder)
            except Exception as exc:
                log.warning("cannot check the schedule lock on %s: %s", self.database, exc)
                holder = None
            else:
                if self.options.no_wait:
                    who = holder.describe() if holder else "another daemon"
                    raise DaemonLockedError(f"{who} holds the schedule of {self.database}")
                if holder != announced:
                    who = holder.describe() if holder else "another daemon"
                    log.warning(
                        "standby: %s holds the schedule of %s; taking over when it exits",
                        who,
                        self.database,
                    )
                    announced = holder
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.options.standby_poll)
        return False

    async def _release(self, lock: LeaderLock) -> None:
        try:
            await asyncio.wait_for(asyncio.to_thread(lock.release), 10)
        except Exception as exc:
            log.warning("releasing the schedule lock: %s", exc)

    async def _lead(self, lock: LeaderLock) -> bool:
        """Schedule until stopped or the lock is lost; return whether it was lost."""
        log.info(
            "leader: holding the schedule of %s (pid %d on %s)",
            self.database,
            os.getpid(),
            self.host,
        )
        await self._recover()
        enqueuer = self._enqueuer()
        jobstore_engine = make_engine(self.loaded.config.database.url)
        scheduler = AsyncIOScheduler(
            timezone=UTC,
            jobstores={"default": SQLAlchemyJobStore(engine=jobstore_engine, tablename=JOBS_TABLE)},
        )
        set_job_runner(enqueuer.run if enqueuer else self._launcher.run)
        heartbeat = asyncio.create_task(self._heartbeat(lock))
        watcher = asyncio.create_task(enqueuer.watch()) if enqueuer else None
        delivery_stop = threading.Event()
        delivery = asyncio.create_task(self._deliver(delivery_stop))
        try:
            scheduler.start(paused=True)
            self._scheduler = scheduler
            self._reconcile()
            scheduler.resume()
            await _first_of(self._stop, self._lost)
            scheduler.pause()
            if enqueuer is not None:
                await enqueuer.drain()
            grace = 0.0 if self._lost.is_set() else self.loaded.config.daemon.grace_period
            await self._launcher.drain(grace, self._hurry)
        finally:
            heartbeat.cancel()
            if watcher is not None:
                watcher.cancel()
            if enqueuer is not None:
                enqueuer.close()
            await self._stop_delivery(delivery, delivery_stop)
            self._scheduler = None
            await self._launcher.drain(0.0, self._hurry)  # after an error: stop what still runs
            with contextlib.suppress(Exception):
                scheduler.shutdown(wait=False)
            await asyncio.sleep(0)
            set_job_runner(None)
            jobstore_engine.dispose()
        return self._lost.is_set()

    def _enqueuer(self) -> Enqueuer | None:
        """Celery mode's enqueuer, or None when the daemon crawls itself."""
        if self.loaded.config.dispatch.engine != "celery":
            return None
        log.info(
            "celery mode: due runs are queued on %s (queue %s)",
            maybe_sanitize_url(self.loaded.config.dispatch.broker_url),
            self.loaded.config.dispatch.queue,
        )
        return Enqueuer(self.engine, self._current)

    async def _deliver(self, stop: threading.Event) -> None:
        """Delivery passes until ``stop``; a pass that fails is logged and the next one retries."""
        while not stop.is_set():
            config = self.loaded.config
            if any(watch.webhook for watch in config.watches):
                try:
                    await asyncio.to_thread(
                        deliver_pass, self.engine, config.watches, config.delivery, stop=stop
                    )
                except Exception as exc:
                    log.warning("watch delivery pass failed: %s", " ".join(str(exc).split()))
            deadline = asyncio.get_running_loop().time() + config.delivery.interval
            while not stop.is_set() and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(min(0.2, config.delivery.interval))

    async def _stop_delivery(self, task: "asyncio.Task[None]", stop: threading.Event) -> None:
        """Stop delivering: the POST under way (if any) ends and is recorded first."""
        stop.set()
        done, _pending = await asyncio.wait([task], timeout=self.loaded.config.delivery.timeout + 5)
        if not done:
            task.cancel()

    def _reconcile(self) -> None:
        if self._scheduler is None:
            return
        result = reconcile_jobs(self._scheduler, desired_jobs(self.loaded.config))
        log.info("jobs: %s", result.describe())
        for job in self._scheduler.get_jobs():
            log.info("source=%s: next run %s", job.id, _when(job.next_run_time))

    async def _heartbeat(self, lock: LeaderLock) -> None:
        """Stop leading the moment the lock cannot be trusted."""
        interval = self.options.heartbeat
        while True:
            await asyncio.sleep(interval)
            try:
                held = await asyncio.wait_for(asyncio.to_thread(lock.still_held), interval * 3)
            except Exception:
                held = False
            if not held:
                log.error(
                    "lost the schedule lock of %s: stopping all crawls, then standby", self.database
                )
                self._lost.set()
                return

    async def _recover(self) -> None:
        """Crash recovery: close rows whose process is gone, and let orphans end first.

        A crawl orphaned by a daemon killed with SIGKILL got SIGTERM from the kernel
        (``PR_SET_PDEATHSIG``) and is flushing; the new leader waits for it (killing
        it after ``grace_period`` + ``kill_after``) before scheduling anything, so a
        source never has two crawls in flight.
        """
        rows = await asyncio.to_thread(running_runs, self.engine)
        if self.loaded.config.dispatch.engine == "celery":  # workers' runs: their heartbeat tells
            rows = [row for row in rows if row.queued_at is None]
        triage = triage_running(rows, self.host, process_owns_run)
        for row, outcome in triage.stale:
            log.warning(
                "source=%s run=%d: left running: marking %s (%s)",
                row.source,
                row.id,
                outcome.status,
                outcome.error,
            )
            await asyncio.to_thread(close_run, self.engine, row.id, outcome)
        for row in triage.alive:
            await self._await_orphan(row)

    async def _await_orphan(self, row: RunRow) -> None:
        assert row.pid is not None
        log.warning(
            "source=%s run=%d: crawl process %d of a previous daemon is still running: waiting for it",
            row.source,
            row.id,
            row.pid,
        )
        loop = asyncio.get_running_loop()
        grace = self.loaded.config.daemon.grace_period
        terminate_at = loop.time() + grace
        kill_at = terminate_at + self.options.kill_after
        while process_owns_run(row.pid, row.id, row.started_at) and not self._stop.is_set():
            now = loop.time()
            if now >= kill_at:
                _signal_crawl(row, signal.SIGKILL)
            elif now >= terminate_at:
                _signal_crawl(row, signal.SIGTERM)
            await asyncio.sleep(0.2)
        await asyncio.to_thread(close_run, self.engine, row.id, orphan_ended(row))
        log.info("source=%s run=%d: orphaned crawl ended", row.source, row.id)

    async def _reload(self) -> None:
        """SIGHUP: apply a new config, or report why it cannot be used and keep the old one."""
        try:
            loaded = await asyncio.to_thread(read_config, self.config_path)
        except ConfigError as exc:
            log.error("config reload failed, keeping the previous config: %s", exc)
            return
        if loaded.config.database.url != self.loaded.config.database.url:
            log.error(
                "config reload: [database].url changed, which needs a restart; keeping the previous config"
            )
            return
        if loaded.config.dispatch != self.loaded.config.dispatch:
            log.error(
                "config reload: [dispatch] changed, which needs a restart; keeping the previous config"
            )
            return
        self.loaded = loaded
        self._snapshot = self._snapshots.write(loaded)
        log.info("config reloaded: %d source(s)", len(loaded.config.sources))
        if self._stop.is_set():
            return
        try:
            self._reconcile()
        except Exception as exc:
            log.error("config reload: updating the jobs failed (%s); the next reload retries", exc)


def _signal_crawl(row: RunRow, signum: int) -> None:
    """Signal a run's crawl child, only if the pid is still that child (never a recycled pid)."""
    assert row.pid is not None
    if is_crawl_child(row.pid, row.id):
        with contextlib.suppress(ProcessLookupError):
            os.kill(row.pid, signum)


async def _first_of(*events: asyncio.Event) -> None:
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment else "paused"
