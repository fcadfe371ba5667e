"""One crawl in its own child process, as scrapyd does: the launcher's side of it.

A Twisted reactor cannot be restarted, and a crawl that leaks or hangs must not
take the daemon with it, so every run is ``python -m wirewatch.crawler.child
--run-id N --config SNAPSHOT``. This module starts that process, enforces the
wall-clock limit (SIGTERM, then SIGKILL after ``kill_after`` seconds), keeps the
last lines of its stderr for the run's ``error``, and makes sure the child does
not outlive a daemon killed with SIGKILL (``PR_SET_PDEATHSIG`` on Linux: the
kernel sends the child SIGTERM when the daemon dies, and the crawler flushes
and marks its run ``interrupted``).

Children run in their own session, so a Ctrl-C in the daemon's terminal reaches
only the daemon, which then gives them their grace period.
"""

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wirewatch.core.logs import LogOptions, record_from_json
from wirewatch.core.processes import RUN_ID_FLAG

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
STDERR_TAIL_LINES = 15
STDERR_LINE_LIMIT = 1 << 20


CHILD_MODULE = "wirewatch.crawler.child"


def crawl_command(
    run_ids: Sequence[int], config_path: Path | None, log: LogOptions | None = None
) -> list[str]:
    """The crawl child's command line for runs recorded in the ledger (``log``: its logging
    options; the child's defaults when None)."""
    argv = [sys.executable, "-m", CHILD_MODULE, *(log.child_args() if log else [])]
    for run_id in run_ids:
        argv += [RUN_ID_FLAG, str(run_id)]
    if config_path is not None:
        argv += ["--config", str(config_path)]
    return argv


@dataclass
class ChildExit:
    """How a child ended, and what the daemon did to it."""

    returncode: int
    duration: float
    timed_out: bool = False
    timeout: float = 0.0
    terminated: bool = False
    stderr_tail: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """A one-paragraph reason for the run's ``error`` column."""
        if self.timed_out:
            what = f"timed out after {self.timeout:g} s (run_timeout) and was killed"
        elif self.returncode < 0:
            what = f"crawl process killed by {_signal_name(-self.returncode)}"
        else:
            what = f"crawl process exited with code {self.returncode}"
        if self.stderr_tail:
            what += "; last stderr lines:\n" + "\n".join(self.stderr_tail)
        return what


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking the kernel to SIGTERM the child when the daemon dies."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded before fork: preexec must not import
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the daemon died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


class CrawlChild:
    """A running crawl process: start it, wait for it under a timeout, or stop it."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        kill_after: float,
        label: str,
    ) -> None:
        self.argv = list(argv)
        self.timeout = timeout
        self.kill_after = kill_after
        self.label = label
        self._process: asyncio.subprocess.Process | None = None
        self._tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        self._reader: asyncio.Task[None] | None = None
        self._terminated = False
        self._stopper: asyncio.Task[None] | None = None
        self._started = 0.0

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    async def start(self) -> int:
        """Spawn the process; OSError when it cannot be started."""
        self._started = time.monotonic()
        self._process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            preexec_fn=_die_with_parent(),
            limit=STDERR_LINE_LIMIT,
        )
        self._reader = asyncio.create_task(self._read_stderr())
        return self._process.pid

    async def wait(self) -> ChildExit:
        """Wait for the child, killing it once it runs past ``timeout`` seconds."""
        process = self._require_process()
        timed_out = False
        try:
            await asyncio.wait_for(asyncio.shield(process.wait()), self.timeout)
        except TimeoutError:
            timed_out = True
            log.warning(
                "%s: still running after %g s (run_timeout): stopping it", self.label, self.timeout
            )
            await self._stop(process)
        if self._reader is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._reader, 5)
        return ChildExit(
            returncode=process.returncode if process.returncode is not None else -signal.SIGKILL,
            duration=time.monotonic() - self._started,
            timed_out=timed_out,
            timeout=self.timeout,
            terminated=self._terminated,
            stderr_tail=list(self._tail),
        )

    def terminate(self) -> None:
        """Ask the child to stop (SIGTERM); it is killed if still there ``kill_after`` s later."""
        process = self._require_process()
        if process.returncode is not None or self._terminated:
            return
        self._terminated = True
        self._stopper = asyncio.get_running_loop().create_task(self._stop(process))

    async def _stop(self, process: asyncio.subprocess.Process) -> None:
        _signal(process, signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.shield(process.wait()), self.kill_after)
        except TimeoutError:
            log.warning(
                "%s: no exit %g s after SIGTERM: sending SIGKILL", self.label, self.kill_after
            )
            _signal(process, signal.SIGKILL)
            await process.wait()

    async def _read_stderr(self) -> None:
        stream = self._require_process().stderr
        if stream is None:
            return
        while True:
            try:
                line = await stream.readline()
            except ValueError:  # a line longer than STDERR_LINE_LIMIT: skip it
                continue
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip()
            if text:
                self._relay(text)

    def _relay(self, text: str) -> None:
        """Log a child's line here: its own record when it is one, else as a line of output."""
        record = record_from_json(text)  # the launcher has its children log JSON
        if record is None:
            self._tail.append(text)
            log.warning("%s: child: %s", self.label, text)
            return
        self._tail.append(f"{record.levelname} {record.name}: {record.getMessage()}")
        logging.getLogger(record.name).handle(record)

    def _require_process(self) -> asyncio.subprocess.Process:
        if self._process is None:
            raise RuntimeError("the crawl child was not started")
        return self._process


def _signal(process: asyncio.subprocess.Process, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signum)
