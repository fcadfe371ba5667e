"""How a run's process is told from a dead or recycled pid (the process table, no database)."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from wirewatch.core.processes import RUN_ID_FLAG, is_crawl_child, process_owns_run

LATER = timedelta(hours=1)
SLEEP = "import time; time.sleep(30)"


@contextmanager
def sleeper(*argv: str) -> Iterator[int]:
    """A process sleeping under the given command line (``sys.argv[1:]``); its pid."""
    child = subprocess.Popen([sys.executable, "-c", SLEEP, *argv])
    try:
        wait_for_cmdline(child.pid, " ".join(argv))
        yield child.pid
    finally:
        child.kill()
        child.wait()


def wait_for_cmdline(pid: int, ending: str) -> None:
    """Until exec, /proc shows the forking parent's command line."""
    deadline = time.monotonic() + 10
    while not _cmdline(pid).endswith(ending) and time.monotonic() < deadline:
        time.sleep(0.05)


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()


def test_the_process_that_recorded_a_run_owns_it_and_a_newer_one_does_not() -> None:
    recorded_later = datetime.now(UTC) + LATER
    recorded_long_ago = datetime.now(UTC) - timedelta(days=3650)
    assert process_owns_run(os.getpid(), 7, recorded_later)  # started before the run: its creator
    with sleeper("--some-tool") as pid:
        assert not process_owns_run(pid, 7, recorded_long_ago)  # started after: a recycled pid


def test_a_pid_no_process_has_owns_nothing() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(30)
    assert not process_owns_run(gone.pid, 7, datetime.now(UTC) + LATER)


def test_a_zombie_owns_nothing() -> None:
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while "Z" not in _state(zombie.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert not process_owns_run(zombie.pid, 7, datetime.now(UTC) + LATER)
    finally:
        zombie.wait(10)


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_a_crawl_child_is_known_by_the_run_id_on_its_command_line() -> None:
    long_ago = datetime.now(UTC) - timedelta(days=3650)
    with sleeper("-m", "wirewatch.crawler.child", RUN_ID_FLAG, "7", RUN_ID_FLAG, "8") as pid:
        assert is_crawl_child(pid, 7) and is_crawl_child(pid, 8)
        assert not is_crawl_child(pid, 9)
        assert process_owns_run(pid, 8, long_ago)  # started after its run, as a child is
        assert not process_owns_run(pid, 9, long_ago)  # another run's child
    assert not is_crawl_child(os.getpid(), 7)


def test_a_wirewatch_command_started_after_its_run_still_owns_it(tmp_path: Path) -> None:
    """A clock stepped forward can put a live crawl's start after its run's: never close it."""
    long_ago = datetime.now(UTC) - timedelta(days=3650)
    script = tmp_path / "bin" / "wirewatch"  # as pip installs it: [python, .../bin/wirewatch, ...]
    script.parent.mkdir()
    script.write_text(f"#!{sys.executable}\n{SLEEP}\n", encoding="utf-8")
    script.chmod(0o755)
    installed = subprocess.Popen([str(script), "crawl"])
    try:
        wait_for_cmdline(installed.pid, "wirewatch crawl")
        assert process_owns_run(installed.pid, 7, long_ago)
    finally:
        installed.kill()
        installed.wait()
    with sleeper("-m", "wirewatch", "crawl") as pid:
        assert process_owns_run(pid, 7, long_ago)
