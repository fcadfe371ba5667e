"""Runs scheduled crawls for the daemon and stops them when it stops.

Each APScheduler job awaits ``Runner.run`` for the whole crawl, so
``max_instances=1`` really keeps a source from overlapping itself. The crawl
itself is a task the runner owns (the job only awaits it, shielded): stopping
the scheduler cancels job coroutines, which must not kill a crawl that still
has its grace period to run.
"""

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from wirewatch.scheduler.child import CrawlChild, crawl_command
from wirewatch.scheduler.runs import set_run_pid, settle_run
from wirewatch.scheduler.snapshot import LoadedConfig
from wirewatch.storage.models import RunStatus, RunTrigger
from wirewatch.storage.runs import finish_run, start_run

log = logging.getLogger(__name__)


class Runner:
    """Starts one child per scheduled run and settles its ``crawl_runs`` row."""

    def __init__(
        self,
        engine: Engine,
        host: str,
        current: Callable[[], tuple[LoadedConfig, Path | None]],
        kill_after: float,
    ) -> None:
        self.engine = engine
        self.host = host
        self._current = current
        self.kill_after = kill_after
        self._tasks: set[asyncio.Task[None]] = set()
        self._children: dict[int, CrawlChild] = {}
        self._closing = False

    async def run(self, source: str) -> None:
        """The scheduled job: run one crawl of ``source`` to the end."""
        if self._closing:
            return
        task = asyncio.create_task(self._run(source), name=f"crawl {source}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        await asyncio.shield(task)

    async def drain(self, grace: float, hurry: asyncio.Event) -> None:
        """Start nothing new; give running crawls ``grace`` seconds, then terminate them."""
        self._closing = True
        if not self._tasks:
            return
        if grace > 0:
            log.info(
                "stopping: waiting up to %g s for %d running crawl(s)", grace, len(self._tasks)
            )
            await self._wait_for_tasks(grace, hurry)
        for child in list(self._children.values()):
            log.info("%s: terminating (daemon stopping)", child.label)
            child.terminate()
        if self._tasks:
            await asyncio.wait(set(self._tasks))

    async def _wait_for_tasks(self, grace: float, hurry: asyncio.Event) -> None:
        """Wait until the crawls end, ``grace`` seconds pass, or ``hurry`` is set."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        hurried = asyncio.create_task(hurry.wait())
        try:
            while self._tasks and not hurried.done():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return
                await asyncio.wait(
                    {*self._tasks, hurried}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                )
        finally:
            hurried.cancel()

    def reopen(self) -> None:
        self._closing = False

    async def _run(self, source: str) -> None:
        label = f"source={source}"
        try:
            await self._crawl(source)
        except Exception as exc:
            log.error(
                "%s: scheduled run failed in the daemon: %s",
                label,
                exc,
                exc_info=log.isEnabledFor(logging.DEBUG),
            )

    async def _crawl(self, source: str) -> None:
        loaded, snapshot = self._current()
        names = {s.name for s in loaded.config.sources}
        if source not in names:
            log.info("source=%s: no longer configured, skipping", source)
            return
        run_id = await asyncio.to_thread(
            start_run, self.engine, source, RunTrigger.SCHEDULE, pid=os.getpid(), hostname=self.host
        )
        label = f"source={source} run={run_id}"
        if self._closing:
            reason = "daemon stopping before the crawl started"
            await asyncio.to_thread(finish_run, self.engine, run_id, RunStatus.INTERRUPTED, reason)
            return
        daemon = loaded.config.daemon
        argv = crawl_command(source, run_id, snapshot)
        child = CrawlChild(
            argv, timeout=daemon.run_timeout, kill_after=self.kill_after, label=label
        )
        try:
            pid = await child.start()
        except OSError as exc:
            reason = f"could not start the crawl process: {exc}"
            await asyncio.to_thread(finish_run, self.engine, run_id, RunStatus.FAILED, reason)
            log.error("%s: %s", label, reason)
            return
        log.info("%s: started, pid %d", label, pid)
        self._children[run_id] = child
        try:
            if self._closing:
                child.terminate()
            await asyncio.to_thread(set_run_pid, self.engine, run_id, pid)
            outcome = await child.wait()
        finally:
            self._children.pop(run_id, None)
        status = await asyncio.to_thread(settle_run, self.engine, run_id, outcome)
        if status == RunStatus.FAILED:
            first = outcome.describe().splitlines()[0]
            log.warning("%s: failed after %.1f s: %s", label, outcome.duration, first)
        else:
            log.info("%s: %s after %.1f s", label, status, outcome.duration)
