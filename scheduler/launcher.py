"""The daemon's launcher, as scrapyd's: one crawl child per scheduled run, settled when it exits.

For each run the launcher records a ``running`` row in the ledger (with the
daemon's pid) before it spawns the child, then attaches the child's pid, so the
row always names the process that will close it. The child closes the row
itself; when it exits the launcher proposes its own outcome (``launcher_outcome``),
which the ledger keeps only if the child did not close the row: a child that died
or was killed without closing it leaves it ``failed`` (with why) or, when the
daemon itself stopped it at shutdown, ``interrupted``. A child killed past
``run_timeout`` is the exception: its run is failed even though the dying crawl
closed it ``interrupted`` (``ledger.close_timed_out_run``).

Each APScheduler job awaits ``Launcher.run`` for the whole crawl, so
``max_instances=1`` really keeps a source from overlapping itself. The crawl
itself is a task the launcher owns (the job only awaits it, shielded): stopping
the scheduler cancels job coroutines, which must not kill a crawl that still
has its grace period to run.
"""

import asyncio
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wirewatch.core.logs import LogOptions
from wirewatch.scheduler.child_process import ChildExit, CrawlChild, crawl_command
from wirewatch.scheduler.snapshot import LoadedConfig
from wirewatch.storage.engine import Engine
from wirewatch.storage.ledger import (
    RunInFlight,
    RunOutcome,
    attach_pid,
    close_run,
    close_timed_out_run,
    get_run,
    start_run,
)
from wirewatch.storage.models import RunStatus, RunTrigger

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotStarted:
    """The launcher started no child for a run: the daemon was stopping, or the spawn failed."""

    spawn_error: str | None = None


def launcher_outcome(ended: ChildExit | NotStarted, role: str = "daemon") -> RunOutcome:
    """The outcome the launcher proposes for a run, from how its child ended (or never began).

    ``role`` names the launcher's process in the reasons: the ``daemon``, or a ``worker``.
    """
    if isinstance(ended, NotStarted):
        if ended.spawn_error is not None:
            return RunOutcome(
                RunStatus.FAILED, f"could not start the crawl process: {ended.spawn_error}"
            )
        return RunOutcome(RunStatus.INTERRUPTED, f"{role} stopping before the crawl started")
    if ended.timed_out:
        return RunOutcome(RunStatus.FAILED, ended.describe())
    if ended.terminated:
        return RunOutcome(
            RunStatus.INTERRUPTED, f"{role} stopping: crawl terminated after the grace period"
        )
    if ended.returncode == 0:
        return RunOutcome(
            RunStatus.FAILED, "crawl process exited with code 0 without finishing its run"
        )
    return RunOutcome(RunStatus.FAILED, ended.describe())


def settle_run(
    engine: Engine, run_id: int, ended: ChildExit | NotStarted, role: str = "daemon"
) -> RunStatus | None:
    """Propose the launcher's outcome to the ledger; return the run's final status (None: no row)."""
    outcome = launcher_outcome(ended, role)
    if isinstance(ended, ChildExit) and ended.timed_out:
        close_timed_out_run(engine, run_id, outcome.error)
    else:
        close_run(engine, run_id, outcome)
    row = get_run(engine, run_id)
    return row.status if row else None


class Launcher:
    """Starts one child per run and settles its run.

    The daemon's launcher records each scheduled run itself (``run``); a Celery
    worker's (``role="worker"``) crawls runs its jobs have claimed (``run_claimed``).
    """

    def __init__(
        self,
        engine: Engine,
        host: str,
        current: Callable[[], tuple[LoadedConfig, Path | None]],
        kill_after: float,
        log: LogOptions | None = None,
        role: str = "daemon",
    ) -> None:
        self.log = log or LogOptions()
        self.engine = engine
        self.host = host
        self._current = current
        self.kill_after = kill_after
        self.role = role
        self._tasks: set[asyncio.Task[Any]] = set()
        self.running: set[int] = set()
        """Ids of the runs whose crawl this launcher is running now."""
        self._children: dict[int, CrawlChild] = {}
        self._closing = False
        self.coalesced = 0
        """Due runs not started because the source had a run in flight already."""

    async def run(self, source: str) -> None:
        """The scheduled job: run one crawl of ``source`` to the end."""
        if self._closing:
            return
        task = asyncio.create_task(self._run(source), name=f"crawl {source}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        await asyncio.shield(task)

    async def run_claimed(self, run_id: int, source: str) -> RunStatus | None:
        """A worker's job: crawl a run it claimed (``running``) to its end; its final status."""
        label = f"source={source} run={run_id}"
        if self._closing:
            return await asyncio.to_thread(settle_run, self.engine, run_id, NotStarted(), self.role)
        task = asyncio.create_task(self._crawl_recorded(run_id, label), name=f"crawl {label}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return await asyncio.shield(task)

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
        loaded, _ = self._current()
        names = {s.name for s in loaded.config.sources}
        if source not in names:
            log.info("source=%s: no longer configured, skipping", source)
            return
        try:
            run_id = await asyncio.to_thread(
                start_run,
                self.engine,
                source,
                RunTrigger.SCHEDULE,
                pid=os.getpid(),
                hostname=self.host,
            )
        except RunInFlight as exc:
            self.coalesced += 1
            log.info("source=%s: coalesced: %s", source, exc)
            return
        await self._crawl_recorded(run_id, f"source={source} run={run_id}")

    async def _crawl_recorded(self, run_id: int, label: str) -> RunStatus | None:
        """Crawl a recorded run in a child process; settle it; its final status."""
        self.running.add(run_id)
        try:
            return await self._crawl_in_child(run_id, label)
        finally:
            self.running.discard(run_id)

    async def _crawl_in_child(self, run_id: int, label: str) -> RunStatus | None:
        loaded, snapshot = self._current()
        if self._closing:
            return await asyncio.to_thread(settle_run, self.engine, run_id, NotStarted(), self.role)
        daemon = loaded.config.daemon
        # The child logs JSON lines, which CrawlChild logs again through the daemon's own
        # handler: they come out in the daemon's format and destination.
        piped = LogOptions(verbosity=self.log.verbosity, format="json")
        argv = crawl_command([run_id], snapshot, piped)
        child = CrawlChild(
            argv, timeout=daemon.run_timeout, kill_after=self.kill_after, label=label
        )
        try:
            pid = await child.start()
        except OSError as exc:
            log.error("%s: could not start the crawl process: %s", label, exc)
            return await asyncio.to_thread(
                settle_run, self.engine, run_id, NotStarted(str(exc)), self.role
            )
        log.info("%s: started, pid %d", label, pid)
        self._children[run_id] = child
        try:
            if self._closing:
                child.terminate()
            await asyncio.to_thread(attach_pid, self.engine, run_id, pid)
            ended = await child.wait()
        finally:
            self._children.pop(run_id, None)
        status = await asyncio.to_thread(settle_run, self.engine, run_id, ended, self.role)
        if status is None:
            log.warning("%s: the run's row is gone after %.1f s", label, ended.duration)
        elif status is RunStatus.FAILED:
            first = ended.describe().splitlines()[0]
            log.warning("%s: failed after %.1f s: %s", label, ended.duration, first)
        else:
            log.info("%s: %s after %.1f s", label, status, ended.duration)
        return status
