"""The crawl child wrapper with plain Python children: timeout kill, stderr tail, parent death.

(The daemon tests run the real crawl child, ``python -m wirewatch.crawler.child``;
these pin the process mechanics with children whose behaviour is exact.)
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from wirewatch.core.logs import LogOptions
from wirewatch.scheduler.child_process import ChildExit, CrawlChild, crawl_command


def python(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def run(child: CrawlChild) -> ChildExit:
    async def main() -> ChildExit:
        await child.start()
        return await child.wait()

    return asyncio.run(main())


def test_crawl_command_runs_the_crawl_child_entry_point_on_recorded_runs() -> None:
    assert crawl_command([12], None) == [
        sys.executable,
        "-m",
        "wirewatch.crawler.child",
        "--run-id",
        "12",
    ]
    argv = crawl_command([3, 4], Path("/run/snapshot.toml"), LogOptions(-1, "json"))
    assert argv[3:] == [
        "-q",
        "--log-format",
        "json",
        "--run-id",
        "3",
        "--run-id",
        "4",
        "--config",
        "/run/snapshot.toml",
    ]


def test_a_childs_json_log_lines_are_logged_again_here_and_kept_readable_in_the_tail(
    caplog: pytest.LogCaptureFixture,
) -> None:
    line = json.dumps(
        {
            "time": "2026-12-04T18:00:00.000+00:00",
            "level": "warning",
            "logger": "wirewatch.crawler.spiders.source",
            "source": "wire",
            "run_id": 7,
            "event": "source=wire run=7: feed gone",
        }
    )
    script = f"import sys; print({line!r}, file=sys.stderr); print('plain', file=sys.stderr)"
    with caplog.at_level("DEBUG"):
        outcome = run(
            CrawlChild([sys.executable, "-c", script], timeout=10, kill_after=1, label="t")
        )
    relayed = [r for r in caplog.records if r.name == "wirewatch.crawler.spiders.source"]
    assert [(r.levelname, r.getMessage(), getattr(r, "run_id", None)) for r in relayed] == [
        ("WARNING", "source=wire run=7: feed gone", 7)
    ]
    assert outcome.stderr_tail == [
        "WARNING wirewatch.crawler.spiders.source: source=wire run=7: feed gone",
        "plain",
    ]


def test_exit_code_and_stderr_tail_are_kept() -> None:
    code = """
        import sys
        for n in range(40):
            print(f"line {n}", file=sys.stderr)
        sys.exit(3)
    """
    outcome = run(CrawlChild(python(code), timeout=30, kill_after=5, label="t"))
    assert outcome.returncode == 3 and not outcome.timed_out
    assert outcome.stderr_tail[-1] == "line 39" and len(outcome.stderr_tail) == 15
    assert "exited with code 3" in outcome.describe()


def test_a_child_past_its_timeout_gets_sigterm_then_sigkill() -> None:
    code = """
        import signal, sys, time
        signal.signal(signal.SIGTERM, lambda *_: print("ignoring SIGTERM", file=sys.stderr, flush=True))
        print("hanging", file=sys.stderr, flush=True)
        time.sleep(60)
    """
    started = time.monotonic()
    outcome = run(CrawlChild(python(code), timeout=1, kill_after=1, label="t"))
    assert time.monotonic() - started < 10
    assert outcome.timed_out and outcome.returncode == -signal.SIGKILL
    assert outcome.stderr_tail == ["hanging", "ignoring SIGTERM"]
    assert "timed out after 1 s (run_timeout)" in outcome.describe()


def test_terminate_asks_first() -> None:
    async def main() -> ChildExit:
        child = CrawlChild(
            python("import time; time.sleep(60)"), timeout=30, kill_after=5, label="t"
        )
        await child.start()
        await asyncio.sleep(0.5)
        child.terminate()
        return await child.wait()

    outcome = asyncio.run(main())
    assert outcome.terminated and outcome.returncode == -signal.SIGTERM


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_children_do_not_outlive_a_killed_parent() -> None:
    parent_code = """
        import asyncio, sys
        from wirewatch.scheduler.child_process import CrawlChild

        async def main():
            child = CrawlChild([sys.executable, "-c", "import time; time.sleep(120)"],
                               timeout=300, kill_after=5, label="t")
            print(await child.start(), flush=True)
            await child.wait()

        asyncio.run(main())
    """
    parent = subprocess.Popen(python(parent_code), stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child_pid = int(parent.stdout.readline())
    assert psutil.pid_exists(child_pid)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(10)
    deadline = time.monotonic() + 10
    while not gone(child_pid):
        assert time.monotonic() < deadline, f"child {child_pid} outlived its killed parent"
        time.sleep(0.1)


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
