"""End-to-end: ``wirewatch daemon`` processes with real crawl children (``crawler.child``).

Each test is one scenario against a local site with ``every 2s`` schedules, and
asserts on ``crawl_runs`` (and on the daemons' logs for who ran what).
"""

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest
from sqlalchemy import Engine, text

from tests.cli import run_wirewatch
from tests.scheduler.helpers import (
    Daemon,
    DaemonSettings,
    HangingSite,
    SlowSite,
    Source,
    all_runs,
    assert_no_overlap,
    running_row,
    wait_until,
    wire_sources,
    write_config,
)
from wirewatch.app.sampleweb import SampleWeb
from wirewatch.storage.ledger import RunRow, get_run
from wirewatch.storage.models import RunStatus

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

StartDaemon = Callable[..., Daemon]


def succeeded(engine: Engine, source: str, after: int = 0) -> list[RunRow]:
    return [
        row
        for row in all_runs(engine)
        if row.source == source and row.status is RunStatus.SUCCEEDED and row.id > after
    ]


def duplicate_wire_ids(engine: Engine) -> list[str]:
    query = text(
        "SELECT wire_id FROM articles WHERE wire_id IS NOT NULL GROUP BY wire_id HAVING count(*) > 1"
    )
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())


def process_gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def started_lines(daemon: Daemon) -> list[str]:
    return [line for line in daemon.log.splitlines() if ": started, pid" in line]


def ran_only_as_leader(daemon: Daemon) -> bool:
    """Whether every crawl the daemon started came after it took the lock."""
    log = daemon.log
    first_run = log.find(": started, pid")
    return first_run == -1 or log.find("leader:") < first_run


def leader_and_standby(start_daemon: StartDaemon, config: Path) -> tuple[Daemon, Daemon]:
    """Two daemons on one database: the first leads, the second stands by, ``--no-wait`` exits 3."""
    leader = start_daemon(config)
    leader.wait_for_log("leader:")
    standby = start_daemon(config)
    standby.wait_for_log("standby:")
    assert f"pid {leader.pid} on " in standby.log
    refused = run_wirewatch("daemon", "--no-wait", config=config, timeout=60)
    assert refused.returncode == 3, refused.stderr
    assert f"pid {leader.pid}" in refused.stderr and "holds the schedule" in refused.stderr
    return leader, standby


def test_sqlite_schedule_standby_reload_and_takeover(
    tmp_path: Path,
    web: SampleWeb,
    start_daemon: StartDaemon,
    sqlite_url: str,
    sqlite_engine: Engine,
) -> None:
    wire, partner = wire_sources(web)
    config = write_config(tmp_path / "wirewatch.toml", sqlite_url, [wire], DaemonSettings())

    leader, standby = leader_and_standby(start_daemon, config)

    # Runs happen on schedule.
    wait_until(lambda: len(succeeded(sqlite_engine, "wire")) >= 2, 60, "two scheduled wire runs")
    status = run_wirewatch("status", config=config, timeout=60)
    assert status.returncode == 0, status.stderr
    assert f"pid {leader.pid}" in status.stdout and "wire" in status.stdout

    # SIGHUP with an added source: the new source gets runs.
    write_config(config, sqlite_url, [wire, partner], DaemonSettings())
    leader.send(signal.SIGHUP)
    leader.wait_for_log("config reloaded: 2 source(s)")
    wait_until(lambda: succeeded(sqlite_engine, "partner"), 60, "a run of the added source")

    # A broken config on SIGHUP is reported and the old one kept: both sources go on.
    config.write_text("[[sources]]\nname = 'broken'\n", encoding="utf-8")
    leader.send(signal.SIGHUP)
    leader.wait_for_log("config reload failed, keeping the previous config")
    last = max(row.id for row in all_runs(sqlite_engine))
    wait_until(
        lambda: succeeded(sqlite_engine, "wire", after=last), 60, "a wire run after the bad reload"
    )
    wait_until(lambda: succeeded(sqlite_engine, "partner", after=last), 60, "a partner run too")

    # The standby takes its config changes too, then the leader is killed mid-crawl.
    write_config(config, sqlite_url, [wire, partner], DaemonSettings())
    standby.send(signal.SIGHUP)
    standby.wait_for_log("config reloaded: 2 source(s)")
    row = wait_until(lambda: running_row(sqlite_engine, "wire"), 30, "a wire crawl in flight")
    assert row.pid is not None
    assert not started_lines(standby)
    leader.send(signal.SIGKILL)
    leader.wait(10)

    # Its crawl child does not outlive it; the standby takes over and the run ends interrupted.
    wait_until(lambda: process_gone(row.pid), 30, f"crawl child {row.pid} to exit")
    standby.wait_for_log("leader:")
    wait_until(
        lambda: (run := get_run(sqlite_engine, row.id)) and run.status is RunStatus.INTERRUPTED,
        30,
        "interrupted",
    )
    wait_until(
        lambda: succeeded(sqlite_engine, "wire", after=row.id), 60, "a wire run after takeover"
    )
    wait_until(
        lambda: succeeded(sqlite_engine, "partner", after=row.id),
        60,
        "a partner run after takeover",
    )

    standby.send(signal.SIGTERM)
    assert standby.wait(30) == 0
    rows = all_runs(sqlite_engine)
    assert {r.status for r in rows} <= {RunStatus.SUCCEEDED, RunStatus.INTERRUPTED}, rows
    assert_no_overlap(rows)
    assert duplicate_wire_ids(sqlite_engine) == []
    leader_runs = {int(line.split("run=")[1].split(":")[0]) for line in started_lines(leader)}
    standby_runs = {int(line.split("run=")[1].split(":")[0]) for line in started_lines(standby)}
    assert leader_runs and standby_runs and not leader_runs & standby_runs
    assert max(leader_runs) < min(standby_runs)
    assert ran_only_as_leader(standby)


def test_slow_crawl_never_overlaps_hang_times_out_and_sigterm_interrupts(
    tmp_path: Path,
    web: SampleWeb,
    slow_site: SlowSite,
    hanging_site: HangingSite,
    start_daemon: StartDaemon,
    sqlite_url: str,
    sqlite_engine: Engine,
) -> None:
    # Every 1 s: even a crawl of the unchanged site (the feed alone, 0.7 s late, after
    # the child's start-up) outlasts the interval, so runs must queue, never overlap.
    slow = Source(
        "slow", [slow_site.base + web.feed_url.removeprefix(web.wire_base)], schedule="every 1s"
    )
    hang = Source("hang", [hanging_site.base + "/rss/feed.xml"])
    # The crawler keeps its download timeout under half the grace period: a long
    # grace lets a request to the hanging site outlast run_timeout.
    patient = DaemonSettings(
        run_timeout=8, grace_period=60, crawl={"timeout": 30, "per_host_concurrency": 8}
    )
    config = write_config(tmp_path / "wirewatch.toml", sqlite_url, [slow, hang], patient)
    daemon = start_daemon(config)
    daemon.wait_for_log("leader:")

    # A child that hangs past run_timeout is killed and recorded failed, with why.
    hung = wait_until(
        lambda: [
            r
            for r in all_runs(sqlite_engine)
            if r.source == "hang" and r.status is RunStatus.FAILED
        ],
        60,
        "the hanging crawl to be failed",
    )[0]
    assert hung.error and "timed out after 8 s (run_timeout)" in hung.error

    # The slow source (each crawl over its 1 s interval) ran more than once.
    wait_until(lambda: len(succeeded(sqlite_engine, "slow")) >= 2, 60, "two slow runs")
    assert all(
        r.finished_at and (r.finished_at - r.started_at).total_seconds() > 1
        for r in succeeded(sqlite_engine, "slow")
    )

    # Reload with a short grace period and without the hanging source, then SIGTERM
    # mid-crawl: exit 0 within the grace period (+ the SIGKILL window), run interrupted.
    # The crawl now reads the feed, the sitemaps and a listing one page at a time, each
    # 0.9 s late (just under the 1 s download timeout a 2 s grace period allows): well
    # over the grace period, however fast the child starts.
    brief = DaemonSettings(run_timeout=8, grace_period=2, crawl={"per_host_concurrency": 1})
    discovery = [web.feed_url, web.sitemap_url, web.listing_url]
    slow_everywhere = Source(
        "slow",
        [slow_site.base + page.removeprefix(web.wire_base) for page in discovery],
        schedule="every 1s",
    )
    write_config(config, sqlite_url, [slow_everywhere], brief)
    daemon.send(signal.SIGHUP)
    daemon.wait_for_log("removed: hang")
    slow_site.delay = 0.9
    last = max(r.id for r in all_runs(sqlite_engine))
    row = wait_until(
        lambda: (run := running_row(sqlite_engine, "slow")) and run.id > last and run,
        30,
        "a slow crawl in flight",
    )
    stopped_at = time.monotonic()
    daemon.send(signal.SIGTERM)
    assert daemon.wait(30) == 0
    assert time.monotonic() - stopped_at < brief.grace_period + 10 + 5
    assert "stopping: waiting up to 2 s" in daemon.log
    final = get_run(sqlite_engine, row.id)
    assert final is not None and final.status is RunStatus.INTERRUPTED, final

    rows = all_runs(sqlite_engine)
    assert not [r for r in rows if r.status is RunStatus.RUNNING]
    assert_no_overlap(rows)
    assert duplicate_wire_ids(sqlite_engine) == []


@pytest.mark.postgres
def test_postgres_one_leader_crash_recovery_and_restart(
    tmp_path: Path,
    postgres_url: str,
    web: SampleWeb,
    start_daemon: StartDaemon,
    postgres_engine: Engine,
) -> None:
    wire, _ = wire_sources(web)
    config = write_config(tmp_path / "wirewatch.toml", postgres_url, [wire], DaemonSettings())

    first, second = leader_and_standby(start_daemon, config)
    status = run_wirewatch("status", config=config, timeout=60)
    assert f"pid {first.pid}" in status.stdout, status

    # kill -9 the leader and its crawl child: a stale row with a dead pid.
    row = wait_until(lambda: running_row(postgres_engine, "wire"), 60, "a wire crawl in flight")
    assert row.pid is not None
    first.send(signal.SIGKILL)
    os.kill(row.pid, signal.SIGKILL)
    first.wait(10)

    # The standby takes over: the stale run is interrupted, the next run succeeds.
    second.wait_for_log("leader:")
    stale = wait_until(
        lambda: (
            (run := get_run(postgres_engine, row.id))
            and run.status is RunStatus.INTERRUPTED
            and run
        ),
        30,
        "the stale run to be interrupted",
    )
    assert "is gone" in (stale.error or "")
    after_takeover = wait_until(
        lambda: succeeded(postgres_engine, "wire", after=row.id), 60, "next run"
    )
    assert ran_only_as_leader(second)

    # kill -9 once more, then a restart (no standby this time): recovery, then runs again.
    row = wait_until(
        lambda: running_row(postgres_engine, "wire"), 60, "another wire crawl in flight"
    )
    second.send(signal.SIGKILL)
    assert row.pid is not None
    os.kill(row.pid, signal.SIGKILL)
    second.wait(10)
    third = start_daemon(config)
    third.wait_for_log("leader:")
    wait_until(
        lambda: (run := get_run(postgres_engine, row.id)) and run.status is RunStatus.INTERRUPTED,
        30,
        "interrupted",
    )
    wait_until(
        lambda: succeeded(postgres_engine, "wire", after=row.id), 60, "a run after the restart"
    )
    third.send(signal.SIGTERM)
    assert third.wait(30) == 0

    rows = all_runs(postgres_engine)
    assert_no_overlap(rows)
    assert duplicate_wire_ids(postgres_engine) == []
    assert after_takeover


@pytest.mark.postgres
def test_postgres_leader_that_loses_its_lock_connection_stops_and_leads_again(
    tmp_path: Path,
    postgres_url: str,
    web: SampleWeb,
    start_daemon: StartDaemon,
    postgres_engine: Engine,
) -> None:
    wire, _ = wire_sources(web)
    config = write_config(tmp_path / "wirewatch.toml", postgres_url, [wire], DaemonSettings())
    daemon = start_daemon(config)
    end = daemon.wait_for_log("leader:")
    row = wait_until(lambda: running_row(postgres_engine, "wire"), 60, "a wire crawl in flight")

    kill_lock_connection = text(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE application_name LIKE 'wirewatch-daemon %' AND datname = current_database()"
    )
    with postgres_engine.begin() as connection:
        connection.execute(kill_lock_connection)
    daemon.wait_for_log("lost the schedule lock", timeout=15, after=end)
    again = daemon.wait_for_log("leader:", timeout=30, after=end)
    final = wait_until(
        lambda: (
            (run := get_run(postgres_engine, row.id))
            and run.status is not RunStatus.RUNNING
            and run
        ),
        30,
        "settled",
    )
    assert final.status in (RunStatus.INTERRUPTED, RunStatus.SUCCEEDED)
    wait_until(
        lambda: succeeded(postgres_engine, "wire", after=row.id), 60, "a run after leading again"
    )
    daemon.send(signal.SIGTERM)
    assert daemon.wait(30) == 0
    assert again > end
    assert_no_overlap(all_runs(postgres_engine))
