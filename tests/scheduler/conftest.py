"""Fixtures of the daemon tests: real sites on 127.0.0.x and daemon processes.

Migrated databases: ``sqlite_engine`` and ``postgres_engine`` of ``tests/conftest.py``.
"""

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.scheduler.helpers import Daemon, HangingSite


@pytest.fixture
def hanging_site() -> Iterator[HangingSite]:
    site = HangingSite()
    thread = threading.Thread(target=site.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield site
    site.released.set()
    site.shutdown()
    site.server_close()


@pytest.fixture
def start_daemon(tmp_path: Path) -> Iterator[Callable[..., Daemon]]:
    started: list[Daemon] = []

    def start(config: Path, *extra: str) -> Daemon:
        daemon = Daemon(config, tmp_path / f"daemon-{len(started) + 1}.log", *extra)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.stop()


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Daemon]]:
    """Start ``wirewatch daemon``/``worker`` processes; every one is killed after the test."""
    started: list[Daemon] = []

    def launch(config: Path, *extra: str, command: str = "daemon", name: str = "") -> Daemon:
        log = tmp_path / f"{command}-{name or len(started)}.log"
        process = Daemon(config, log, *extra, command=command)
        started.append(process)
        return process

    yield launch
    for process in started:
        process.stop()
