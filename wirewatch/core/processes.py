"""Whose process a crawl run is: the checks that tell a live crawl from one left behind.

Every ``crawl_runs`` row names the host and the pid of the process that will
close it: the ``wirewatch crawl`` process itself, the daemon (or the demo) that
recorded it, then the crawl child it started. A row whose process is gone (or
whose pid now belongs to another process) can never be closed by it: the crawl
was killed (``kill -9``), crashed or lost its machine. Both the crawler (at the
start of every crawl) and the daemon (at leader start) close such rows, so both
use these checks; they read the process table (psutil), never the database.
"""

import itertools
import socket
from datetime import datetime
from pathlib import PurePath

import psutil

RUN_ID_FLAG = "--run-id"
"""Names a run on the crawl child's command line: how a run's child is told from a recycled pid."""


def this_host() -> str:
    """The name a run's ``hostname`` is recorded under, and compared with."""
    return socket.gethostname()


def process_owns_run(pid: int, run_id: int, started_at: datetime) -> bool:
    """Whether ``pid`` is still the process of run ``run_id`` (not a dead or recycled pid).

    It is when it started before the run did (the process that recorded the row:
    ``wirewatch crawl``, the daemon, the demo), or when it is the run's crawl
    child (``--run-id N`` on its command line, started after the row). A live
    pid that some other process took over after the run started is not, unless
    it runs a wirewatch command: a clock stepped forward can place a live
    ``wirewatch crawl``'s start after its run's, and its run must never be
    closed under it (at worst a row is closed by a later check instead).

    Start times are precise to about a second (the boot time is whole seconds,
    rounded down), which errs the same safe way: a process started within a
    second after the run counts as its own.
    """
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        if process.create_time() < started_at.timestamp():
            return True
        argv = process.cmdline()
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # another user's process: it cannot be told, so it is left alone
        return True
    if RUN_ID_FLAG in argv:
        return _names_run(argv, run_id)
    return _runs_wirewatch(argv)


def is_crawl_child(pid: int, run_id: int) -> bool:
    """Whether ``pid`` is the crawl child of run ``run_id`` (its command line says so)."""
    try:
        argv = psutil.Process(pid).cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
    return _names_run(argv, run_id)


def _names_run(argv: list[str], run_id: int) -> bool:
    pairs = itertools.pairwise(argv)
    return any(flag == RUN_ID_FLAG and value == str(run_id) for flag, value in pairs)


def _runs_wirewatch(argv: list[str]) -> bool:
    """Whether a command line runs wirewatch: its script (``[python] .../wirewatch ...``)
    or its modules (``python -m wirewatch ...``, ``python -m wirewatch.crawler.child ...``)."""
    if any(PurePath(arg).name == "wirewatch" for arg in argv[:2]):
        return True
    return any(
        flag == "-m" and (module == "wirewatch" or module.startswith("wirewatch."))
        for flag, module in itertools.pairwise(argv)
    )
