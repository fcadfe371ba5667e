"""``wirewatch worker``: a Celery worker that crawls the runs the leader queued.

Each job carries one run id. The job, in one of the worker's ``--concurrency``
threads (Celery's ``threads`` pool: the crawl itself runs in a child process, so
a thread only waits for it):

1. reads the run; a run no longer ``queued`` (a job delivered twice: a worker
   lost, a broker redelivery) means nothing to do;
2. takes the PostgreSQL advisory locks of the run's hosts (``storage.host_locks``);
   when another run holds one, or an older queued run waits for one of them (so
   that a busy host serves its sources in turn, and none starves), the job is
   retried ``host_lock_retry`` seconds later (``Task.retry``: a new message, so it
   holds no worker slot meanwhile);
3. claims the run (``queued`` -> ``running``, with this worker's name and pid);
   only one claim of a run can win;
4. crawls it in a child process exactly as the local daemon does
   (``scheduler.launcher``: ``run_timeout``, SIGTERM then SIGKILL, the stderr
   tail kept for the error), and releases the host locks.

The children are started from one asyncio loop in a thread of its own
(``WorkerRuntime``), which also beats: every ``heartbeat_interval`` it refreshes
``heartbeat_at`` of the runs it crawls, so the leader can tell a live run from one
whose worker is gone.

SIGTERM (Celery's warm shutdown): no new job is taken; running crawls get
``grace_period`` seconds, then are terminated (their rows closed ``interrupted``)
and their jobs acknowledged. A job that reached the worker but had not claimed
its run is handed back to the broker.
"""

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from celery import Celery, signals
from celery.exceptions import Reject

from wirewatch.core.config import SourceConfig
from wirewatch.scheduler.broker import CRAWL_TASK, WORKER_PREFIX, celery_app
from wirewatch.scheduler.launcher import Launcher
from wirewatch.scheduler.snapshot import LoadedConfig, SnapshotDir
from wirewatch.storage.engine import Engine, OperationalError
from wirewatch.storage.host_locks import HostLocks
from wirewatch.storage.ledger import (
    RunOutcome,
    beat,
    claim_run,
    close_run,
    get_run,
    queued_runs,
)
from wirewatch.storage.models import RunStatus

log = logging.getLogger(__name__)


def source_hosts(source: SourceConfig) -> list[str]:
    """The hosts a source's crawl fetches from: its start URLs' and its allowed domains'."""
    hosts = {urlsplit(url).hostname for url in source.start_urls}
    hosts |= {domain.rsplit(":", 1)[0] for domain in source.allowed_domains}
    return sorted(host.lower() for host in hosts if host)


@dataclass(frozen=True)
class WorkerOptions:
    hostname: str
    """The name this worker records in ``crawl_runs.hostname`` (Celery's node is ``wirewatch@NAME``)."""
    concurrency: int
    kill_after: float = 10.0
    """Seconds between SIGTERM and SIGKILL for a crawl that is being stopped."""


class WorkerRuntime:
    """The crawls of one worker process, run from an asyncio loop in a thread of its own."""

    def __init__(self, loaded: LoadedConfig, engine: Engine, options: WorkerOptions) -> None:
        self.loaded = loaded
        self.engine = engine
        self.options = options
        self._snapshots = SnapshotDir()
        self._snapshot = self._snapshots.write(loaded)
        self.launcher = Launcher(
            engine, options.hostname, self._current, options.kill_after, role="worker"
        )
        self.loop = asyncio.new_event_loop()
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="wirewatch-crawls", daemon=True)
        self._hurry: asyncio.Event | None = None
        self._drain: concurrent.futures.Future[None] | None = None

    def _current(self) -> tuple[LoadedConfig, Path | None]:
        return self.loaded, self._snapshot

    def start(self) -> None:
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self._hurry = asyncio.Event()
        heartbeat = self.loop.create_task(self._heartbeat())
        self.loop.run_forever()
        heartbeat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            self.loop.run_until_complete(heartbeat)
        self.loop.close()

    async def _heartbeat(self) -> None:
        interval = self.loaded.config.dispatch.heartbeat_interval
        while True:
            running = sorted(self.launcher.running)
            if running:
                try:
                    await asyncio.to_thread(beat, self.engine, running)
                except Exception as exc:
                    log.warning("heartbeat of runs %s failed: %s", running, exc)
            await asyncio.sleep(interval)

    def handle(self, task: Any, run_id: int) -> str:
        """One job (in a pool thread): what became of it, for the log."""
        config = self.loaded.config
        try:
            row = get_run(self.engine, run_id)
        except OperationalError as exc:
            raise task.retry(exc=exc, countdown=self._retry_delay()) from exc
        if row is None:
            log.warning("run %d: no such run: nothing to do", run_id)
            return "missing"
        if row.status is not RunStatus.QUEUED:
            log.info("run %d (%s): %s already: nothing to do", run_id, row.source, row.status)
            return "done already"
        if self.stopping.is_set():
            raise Reject("worker stopping: the job goes back to the queue", requeue=True)
        try:
            source = config.source(row.source)
        except KeyError:
            where = config.path or "its config"
            reason = f"source {row.source!r} is not configured on worker {self.options.hostname} ({where})"
            close_run(self.engine, run_id, RunOutcome(RunStatus.FAILED, reason))
            log.error("run %d: %s", run_id, reason)
            return "failed"
        hosts = source_hosts(source)
        try:
            ahead = self._waiting_ahead(row.id, set(hosts))
        except OperationalError as exc:
            raise task.retry(exc=exc, countdown=self._retry_delay()) from exc
        if ahead is not None:
            delay = self._retry_delay()
            log.info(
                "source=%s run=%d: run %d, queued earlier, waits for its hosts: again in %.1f s",
                row.source,
                run_id,
                ahead,
                delay,
            )
            raise task.retry(countdown=delay)
        locks = HostLocks(config.database.url)
        try:
            got = locks.try_acquire(hosts)
        except OperationalError as exc:
            locks.release()
            raise task.retry(exc=exc, countdown=self._retry_delay()) from exc
        if not got:
            locks.release()
            delay = self._retry_delay()
            log.info(
                "source=%s run=%d: another run is crawling its hosts: again in %.1f s",
                row.source,
                run_id,
                delay,
            )
            raise task.retry(countdown=delay)
        try:
            if not claim_run(self.engine, run_id, hostname=self.options.hostname, pid=os.getpid()):
                log.info("run %d (%s): claimed by another job: nothing to do", run_id, row.source)
                return "claimed elsewhere"
            log.info("source=%s run=%d: claimed on %s", row.source, run_id, self.options.hostname)
            future = asyncio.run_coroutine_threadsafe(
                self.launcher.run_claimed(run_id, row.source), self.loop
            )
            status = future.result()
        finally:
            locks.release()
        return str(status)

    def _waiting_ahead(self, run_id: int, hosts: set[str]) -> int | None:
        """An older queued run sharing one of ``hosts``, which goes first (None: there is none)."""
        config = self.loaded.config
        for row in queued_runs(self.engine):
            if row.id >= run_id:
                return None
            try:
                other = config.source(row.source)
            except KeyError:
                continue
            if hosts.intersection(source_hosts(other)):
                return row.id
        return None

    def _retry_delay(self) -> float:
        base = self.loaded.config.dispatch.host_lock_retry
        return base * (0.5 + random.random())

    def begin_stop(self) -> None:
        """SIGTERM: no new crawls; ``grace_period`` for running ones, then terminate them.

        A second call (a second signal) terminates them at once.
        """
        if self.stopping.is_set():
            if self._hurry is not None:
                self.loop.call_soon_threadsafe(self._hurry.set)
            return
        self.stopping.set()
        grace = self.loaded.config.daemon.grace_period
        running = len(self.launcher.running)
        log.info("stopping: no new jobs; up to %g s for %d running crawl(s)", grace, running)
        assert self._hurry is not None
        self._drain = asyncio.run_coroutine_threadsafe(
            self.launcher.drain(grace, self._hurry), self.loop
        )

    def close(self) -> None:
        """Stop the loop (after the pool has finished its jobs) and remove the snapshots."""
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(30)
        self._snapshots.remove()


def build_worker_app(runtime: WorkerRuntime) -> Celery:
    """The Celery app of the runtime's config, with the crawl task bound to the runtime."""
    app = celery_app(runtime.loaded.config)

    @app.task(name=CRAWL_TASK, bind=True, max_retries=None)
    def crawl(task: Any, run_id: int) -> str:
        return runtime.handle(task, int(run_id))

    return app


RESTART_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
"""Seconds before Celery's worker is started again after the n-th failure in a row."""
STEADY_SECONDS = 60.0
"""A Celery worker that ran this long before failing starts the count of failures anew."""


def run_worker(loaded: LoadedConfig, engine: Engine, options: WorkerOptions, loglevel: str) -> int:
    """Run a Celery worker in the foreground until SIGTERM/SIGINT; its exit code.

    Celery's worker can stop on an "unrecoverable error" that is nothing of the kind:
    Celery 5.7 with a Redis broker does so whenever the broker goes away while a job
    is in flight and another has been acknowledged before (closing the lost
    connection, kombu restores unacknowledged messages through a transport it has
    just detached). Such a stop is not asked for, so a new Celery worker is started,
    after a pause that grows while the failures follow one another. The crawls in
    flight finish first (Celery's pool waits for them); their jobs, unacknowledged,
    come back after the visibility timeout and find their runs closed.
    """
    runtime = WorkerRuntime(loaded, engine, options)
    app = build_worker_app(runtime)

    def shutting_down(**_: Any) -> None:
        runtime.begin_stop()

    signals.worker_shutting_down.connect(shutting_down, weak=False)
    runtime.start()
    log.info(
        "worker %s: %d slot(s) on queue %s",
        options.hostname,
        options.concurrency,
        loaded.config.dispatch.queue,
    )
    failures = 0
    try:
        while True:
            started = time.monotonic()
            code = _run_celery_worker(app, loaded, options, loglevel)
            if code == 0 or runtime.stopping.is_set():
                return code
            failures = 1 if time.monotonic() - started >= STEADY_SECONDS else failures + 1
            delay = RESTART_DELAYS[min(failures, len(RESTART_DELAYS)) - 1]
            log.error(
                "worker %s: Celery's worker stopped on an error (exit %d): "
                "starting it again in %g s",
                options.hostname,
                code,
                delay,
            )
            if runtime.stopping.wait(delay):
                return 0  # SIGTERM/SIGINT while waiting: the stop asked for
    finally:
        signals.worker_shutting_down.disconnect(shutting_down)
        runtime.close()


def _run_celery_worker(
    app: Celery, loaded: LoadedConfig, options: WorkerOptions, loglevel: str
) -> int:
    """One Celery worker, in the foreground until it stops; its exit code."""
    worker = app.Worker(
        hostname=f"{WORKER_PREFIX}{options.hostname}",
        concurrency=options.concurrency,
        pool="threads",
        queues=[loaded.config.dispatch.queue],
        loglevel=loglevel,
        without_mingle=True,
        without_gossip=True,
        task_events=True,
        quiet=True,
        redirect_stdouts=False,
    )
    worker.start()
    return int(worker.exitcode or 0)
