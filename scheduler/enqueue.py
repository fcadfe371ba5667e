"""The leader's side of Celery mode: due runs become jobs, and runs whose worker vanished end.

With ``[dispatch] engine = "celery"`` the daemon that holds the schedule (the
leader) crawls nothing itself. For each due source it records a ``queued`` run
in the ledger and publishes its job (``Enqueuer.run``). The sources that come due
together (within ``BATCH_WINDOW``) get their runs in one statement: a thousand
sources on one schedule cost the leader one round trip, not a thousand.

- a source that still has a run queued or running is *coalesced*: the database
  refuses the second row (``ledger.queue_runs``), the leader logs it and counts it;
- a job the broker does not take (broker down) leaves its run ``failed`` with the
  reason; the next due time enqueues the source again. After a failed publish the
  broker is not tried again for ``BROKER_RETRY_AFTER`` seconds: the runs due
  meanwhile are failed at once, so a leader with a thousand sources never stacks
  up connection attempts.

``Enqueuer.watch`` runs beside the schedule: every ``heartbeat_interval`` it
fails the runs still ``queued`` when the broker does not answer (their jobs may
be lost with it, and would keep their sources coalesced), closes ``interrupted`` the running runs whose heartbeat is older than
``heartbeat_timeout`` (the worker died or lost its machine), and publishes again
the job of a run still ``queued`` after the broker's visibility timeout (a
broker that lost it). After a failed publish it publishes again the jobs of every
queued run, once the broker takes them: a broker that went down may have lost
them (Redis without persistence), and a source whose queued run lost its job
would otherwise be coalesced until the visibility timeout. A job delivered
twice does nothing the second time.
"""

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kombu.utils.url import maybe_sanitize_url

from wirewatch.scheduler.broker import (
    celery_app,
    probe_broker,
    publish_crawl,
    visibility_timeout,
)
from wirewatch.scheduler.snapshot import LoadedConfig
from wirewatch.storage.engine import Engine
from wirewatch.storage.ledger import (
    RunOutcome,
    close_run,
    interrupt_silent_runs,
    queue_runs,
    queued_runs,
)
from wirewatch.storage.models import RunStatus

log = logging.getLogger(__name__)

BROKER_RETRY_AFTER = 5.0
"""Seconds after a failed publish during which due runs are failed without trying the broker."""


BATCH_WINDOW = 0.1
"""Seconds the leader gathers due sources before queueing their runs in one statement."""


class BrokerDown(Exception):
    """The broker did not take a job (or was known down a moment ago)."""


@dataclass
class EnqueueCounts:
    """What the leader did with due runs since it started leading."""

    enqueued: int = 0
    coalesced: int = 0
    not_enqueued: int = 0
    interrupted: int = 0
    republished: int = 0


@dataclass
class _Batch:
    """Sources due together, and the future their scheduled jobs wait on."""

    done: "asyncio.Future[None]"
    sources: list[str] = field(default_factory=list)


class Enqueuer:
    """Turns the schedule's due runs into Celery jobs; closes the runs of vanished workers."""

    def __init__(
        self, engine: Engine, current: Callable[[], tuple[LoadedConfig, Path | None]]
    ) -> None:
        self.engine = engine
        self._current = current
        config = current()[0].config
        self.queue = config.dispatch.queue
        self.broker = maybe_sanitize_url(config.dispatch.broker_url)
        self.app = celery_app(config)
        self.counts = EnqueueCounts()
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._down_reason = ""
        self._suspect = False
        """A publish failed since the queued runs' jobs were last published again."""
        self._tasks: set[asyncio.Task[None]] = set()
        self._gathering: _Batch | None = None

    async def run(self, source: str) -> None:
        """The scheduled job of ``source``: queue a run and publish its job.

        Sources that come due within ``BATCH_WINDOW`` of each other are enqueued
        together (``_enqueue_batch``: one statement for their runs). The batch is a
        task of its own, and this job waits for it shielded: stopping the scheduler
        cancels job coroutines, which must not leave a run recorded ``queued`` whose
        job was never published (``drain`` waits for the batches).
        """
        batch = self._gathering
        if batch is None:
            batch = self._gathering = _Batch(asyncio.get_running_loop().create_future())
            task = asyncio.create_task(self._flush(batch), name="enqueue due sources")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        batch.sources.append(source)
        await asyncio.shield(batch.done)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait for the enqueues in progress (at shutdown)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    async def _flush(self, batch: "_Batch") -> None:
        """Enqueue a batch once its window has passed. A database that cannot record the
        runs is logged once for the batch (no run was recorded; the next due time tries
        again), not raised into each of its scheduled jobs."""
        await asyncio.sleep(BATCH_WINDOW)
        self._gathering = None
        try:
            await asyncio.to_thread(self._enqueue_batch, batch.sources)
        except Exception as exc:
            log.error(
                "could not queue the runs of %d due sources (%s): %s",
                len(batch.sources),
                ", ".join(batch.sources[:5]) + (", ..." if len(batch.sources) > 5 else ""),
                " ".join(str(exc).split()) or type(exc).__name__,
            )
        finally:
            batch.done.set_result(None)

    def _enqueue_batch(self, sources: list[str]) -> None:
        """Queue a run for each source still configured and publish the jobs of the new
        ones; a source with a run in flight is coalesced, a job the broker refuses fails
        its run with the reason."""
        configured = {source.name for source in self._current()[0].config.sources}
        for source in sources:
            if source not in configured:
                log.info("source=%s: no longer configured, skipping", source)
        due = [source for source in sources if source in configured]
        queued = queue_runs(self.engine, due)
        for source in due:
            run_id = queued.get(source)
            if run_id is None:
                self.counts.coalesced += 1
                log.info("source=%s: coalesced: a run of it is still queued or running", source)
                continue
            try:
                self._dispatch(source, run_id)
            except Exception as exc:
                # Its run stays queued: the sweep fails it if the broker is down, or
                # publishes its job again after the visibility timeout.
                log.error("source=%s run=%d: enqueueing failed: %s", source, run_id, exc)

    def _dispatch(self, source: str, run_id: int) -> None:
        """Publish the job of a new run; a job the broker refuses fails its run."""
        try:
            self._publish(run_id)
        except BrokerDown as exc:
            self.counts.not_enqueued += 1
            reason = f"could not enqueue the crawl: {exc}"
            close_run(self.engine, run_id, RunOutcome(RunStatus.FAILED, reason))
            log.error("source=%s run=%d: %s", source, run_id, reason)
            return
        self.counts.enqueued += 1
        log.info("source=%s run=%d: queued", source, run_id)

    def _publish(self, run_id: int) -> None:
        with self._lock:
            if time.monotonic() < self._down_until:
                raise BrokerDown(self._down_reason)
        try:
            publish_crawl(self.app, self.queue, run_id)
        except Exception as exc:
            raise BrokerDown(self._note_down(exc)) from exc

    async def watch(self) -> None:
        """Every ``heartbeat_interval``: end silent runs, republish lost jobs (until cancelled)."""
        while True:
            dispatch = self._current()[0].config.dispatch
            try:
                await asyncio.to_thread(self.sweep)
            except Exception as exc:
                log.warning("checking the runs of the workers failed: %s", exc)
            await asyncio.sleep(dispatch.heartbeat_interval)

    def sweep(self) -> None:
        """One check of the cluster's runs (see the module docstring)."""
        config = self._current()[0].config
        self._fail_queued_if_broker_down()
        for row in interrupt_silent_runs(self.engine, config.dispatch.heartbeat_timeout):
            self.counts.interrupted += 1
            log.warning(
                "source=%s run=%d: no heartbeat from worker %s since %s: marked interrupted",
                row.source,
                row.id,
                row.hostname,
                row.heartbeat_at,
            )
        cutoff = datetime.now(UTC) - timedelta(seconds=visibility_timeout(config))
        for row in queued_runs(self.engine, queued_before=cutoff):
            with contextlib.suppress(BrokerDown):
                self._publish(row.id)
                self.counts.republished += 1
                log.warning(
                    "source=%s run=%d: still queued: job published again", row.source, row.id
                )

    def _fail_queued_if_broker_down(self) -> None:
        """With the broker unreachable, queued runs' jobs may be lost (and would hold their
        sources coalesced): fail them with the reason, as the runs due meanwhile are."""
        if not queued_runs(self.engine, limit=1):
            return
        try:
            with self._lock:
                if time.monotonic() < self._down_until:
                    raise BrokerDown(self._down_reason)
            probe_broker(self.app)
        except Exception as exc:
            reason = str(exc) if isinstance(exc, BrokerDown) else self._note_down(exc)
            for row in queued_runs(self.engine):
                error = f"queued while the broker went down, its job may be lost: {reason}"
                if close_run(self.engine, row.id, RunOutcome(RunStatus.FAILED, error)):
                    self.counts.not_enqueued += 1
                    log.error("source=%s run=%d: %s", row.source, row.id, error)

    def _note_down(self, exc: Exception) -> str:
        reason = (
            f"broker {self.broker} unreachable: {' '.join(str(exc).split()) or type(exc).__name__}"
        )
        with self._lock:
            self._down_until = time.monotonic() + BROKER_RETRY_AFTER
            self._down_reason = reason
            self._suspect = True
        return reason

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.app.close()
