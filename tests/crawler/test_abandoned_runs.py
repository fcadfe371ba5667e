"""Runs left ``running`` by a crawl killed outright are closed by the next crawl on the host.

A ``wirewatch crawl`` killed with ``kill -9`` cannot close its rows. The next
crawl (``wirewatch crawl`` or the crawl child) closes them ``interrupted``, with
the reason, when their process is gone: dead, or its pid taken by another
process. Rows of live crawls, of this process and of other hosts stay as they are.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.cli import run_crawl_child, run_wirewatch, start_wirewatch
from tests.scheduler.helpers import DaemonSettings, SlowSite, Source, wait_until, write_config
from wirewatch.app.sampleweb import SampleWeb
from wirewatch.core.processes import this_host
from wirewatch.storage.ledger import RunRow, attach_pid, get_run, running_runs, start_run
from wirewatch.storage.models import RunStatus, RunTrigger

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

CRAWL_TIMEOUT = 120.0


def running_of(engine: Engine, source: str) -> RunRow | None:
    return next((row for row in running_runs(engine) if row.source == source), None)


def test_a_crawl_closes_the_run_of_a_crawl_killed_with_sigkill_and_leaves_live_ones_alone(
    tmp_path: Path,
    sqlite_url: str,
    sqlite_engine: Engine,
    web: SampleWeb,
    slow_site: SlowSite,
) -> None:
    engine = sqlite_engine
    slow_site.delay = 2.0  # a crawl of it lasts long enough to be killed mid-way
    slow_feed = web.feed_url.replace(web.wire_base, slow_site.base)
    sources = [
        Source("killed", [slow_feed]),
        Source("live", [slow_feed]),
        Source("fresh", [web.feed_url]),
    ]
    config = write_config(tmp_path / "wirewatch.toml", sqlite_url, sources, DaemonSettings())

    # kill -9 a crawl in flight: nothing closes its row.
    killed = start_wirewatch("crawl", "killed", config=config)
    stuck = wait_until(lambda: running_of(engine, "killed"), 60, "the killed crawl's run")
    assert stuck.pid == killed.pid and stuck.hostname == this_host()
    time.sleep(1.0)  # its feed request is in flight at the slow site
    killed.send_signal(signal.SIGKILL)
    killed.wait(10)
    after_kill = get_run(engine, stuck.id)
    assert after_kill is not None and after_kill.status is RunStatus.RUNNING

    # The next crawl closes it as it starts, and crawls on (slowly).
    live = start_wirewatch("crawl", "live", config=config)
    try:
        closed = wait_until(
            lambda: (row := get_run(engine, stuck.id)) and row.status != RunStatus.RUNNING and row,
            60,
            "the killed crawl's run to be closed",
        )
        live_row = wait_until(lambda: running_of(engine, "live"), 30, "the live crawl's run")

        # A third crawl, while that one still runs, leaves its run alone.
        fresh = run_wirewatch("crawl", "fresh", config=config, timeout=CRAWL_TIMEOUT)
        assert fresh.returncode == 0, fresh.stdout + fresh.stderr
        still = get_run(engine, live_row.id)
        assert still is not None and still.status is RunStatus.RUNNING, still

        live_out, live_err = live.communicate(timeout=CRAWL_TIMEOUT)
    finally:
        if live.poll() is None:
            live.kill()
            live.wait(10)

    assert closed.status is RunStatus.INTERRUPTED
    assert closed.finished_at is not None
    assert closed.error == (
        f"process {killed.pid} on {this_host()} is gone: "
        "it died or was killed before it closed the run"
    )
    assert f"source=killed run={stuck.id}: left running since" in live_err
    assert live.returncode == 0, live_out + live_err
    final = get_run(engine, live_row.id)
    assert final is not None and final.status is RunStatus.SUCCEEDED and final.error is None
    assert final.articles_new + final.duplicates > 0
    assert not running_runs(engine)


def test_the_crawl_child_closes_runs_whose_pid_is_dead_or_recycled_and_no_others(
    tmp_path: Path, sqlite_url: str, sqlite_engine: Engine
) -> None:
    engine, host = sqlite_engine, this_host()
    # One run in flight per source (uq_crawl_runs_source_active): the leftovers are of others.
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(30)
    dead = start_run(engine, "dead", RunTrigger.MANUAL, pid=gone.pid, hostname=host)
    no_pid = start_run(engine, "no-pid", RunTrigger.MANUAL, hostname=host)
    recycled = start_run(engine, "recycled", RunTrigger.SCHEDULE, hostname=host)
    elsewhere = start_run(
        engine, "elsewhere", RunTrigger.MANUAL, pid=gone.pid, hostname="elsewhere"
    )
    this_process = start_run(
        engine, "this-process", RunTrigger.MANUAL, pid=os.getpid(), hostname=host
    )
    crawled = start_run(engine, "wire", RunTrigger.SCHEDULE, pid=os.getpid(), hostname=host)
    config = tmp_path / "wirewatch.toml"
    config.write_text(
        f'[database]\nurl = "{sqlite_url}"\n\n[crawl]\nretries = 0\n\n'
        '[[sources]]\nname = "wire"\nstart_urls = ["http://127.0.0.1:9/feed.xml"]\n',
        encoding="utf-8",
    )
    # A process started after the run took the run's pid: alive, but not the run's.
    time.sleep(1.5)  # start times are precise to a second: later ones are told apart
    newcomer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert attach_pid(engine, recycled, newcomer.pid)

        result = run_crawl_child("--run-id", str(crawled), config=config)
    finally:
        newcomer.kill()
        newcomer.wait(10)

    assert result.returncode == 1, result.stderr  # its start URL does not answer
    errors = {}
    for run_id in (dead, no_pid, recycled):
        row = get_run(engine, run_id)
        assert row is not None and row.status is RunStatus.INTERRUPTED, (run_id, row)
        errors[run_id] = row.error or ""
    assert errors[dead].startswith(f"process {gone.pid} on {host} is gone")
    assert errors[no_pid].startswith(f"its process (no pid recorded) on {host} is gone")
    assert errors[recycled].startswith(f"process {newcomer.pid} on {host} is gone")
    for run_id in (elsewhere, this_process):
        row = get_run(engine, run_id)
        assert row is not None and row.status is RunStatus.RUNNING, (run_id, row)
    own = get_run(engine, crawled)
    assert own is not None and own.status is RunStatus.FAILED and "is gone" not in (own.error or "")
