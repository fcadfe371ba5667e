"""``wirewatch status --check`` as a probe would run it, against a real daemon."""

import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.cli import run_wirewatch
from tests.scheduler.helpers import (
    Daemon,
    DaemonSettings,
    Source,
    all_runs,
    wait_until,
    write_config,
)
from wirewatch.app.sampleweb import SampleWeb
from wirewatch.storage.models import RunStatus


@pytest.fixture
def start_daemon(tmp_path: Path) -> Iterator[Callable[[Path], Daemon]]:
    started: list[Daemon] = []

    def start(config: Path) -> Daemon:
        started.append(Daemon(config, tmp_path / f"daemon-{len(started) + 1}.log"))
        return started[-1]

    yield start
    for daemon in started:
        daemon.stop()


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_check_is_healthy_with_a_daemon_and_names_each_problem_without_one(
    tmp_path: Path,
    web: SampleWeb,
    start_daemon: Callable[..., Daemon],
    sqlite_url: str,
    sqlite_engine: Engine,
) -> None:
    wire = Source("wire", [web.feed_url, web.listing_url], schedule="every 3s")
    gone = Source("gone", ["http://127.0.0.1:9/feed.xml"], schedule="every 3s")
    config = write_config(tmp_path / "wirewatch.toml", sqlite_url, [wire], DaemonSettings())
    daemon = start_daemon(config)
    wait_until(
        lambda: any(r.status is RunStatus.SUCCEEDED for r in all_runs(sqlite_engine)),
        60,
        "a successful run",
    )
    healthy = run_wirewatch("status", "--check", config=config, timeout=60)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert healthy.stdout.startswith(f"healthy: daemon pid {daemon.pid} on ")

    write_config(config, sqlite_url, [wire, gone], DaemonSettings())
    daemon.send(signal.SIGHUP)
    wait_until(
        lambda: any(
            r.source == "gone" and r.status is RunStatus.FAILED for r in all_runs(sqlite_engine)
        ),
        60,
        "a failed run of the unreachable source",
    )
    daemon.send(signal.SIGTERM)
    assert daemon.wait(60) == 0

    sick = run_wirewatch("status", "--check", config=config, timeout=60)
    assert sick.returncode == 1, sick.stderr
    lines = sick.stdout.splitlines()
    assert lines[0] == "daemon: not running (no daemon holds the schedule)"
    assert any(line.startswith("source gone: last run ") and " failed (" in line for line in lines)
    assert not any(line.startswith("source wire") for line in lines)


def test_check_exits_2_on_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "wirewatch.toml"
    config.write_text("[daemon]\nstale_after = -1\n", encoding="utf-8")
    result = run_wirewatch("status", "--check", config=config, timeout=60)
    assert result.returncode == 2
    assert "daemon.stale_after" in result.stderr
