"""The brokers of the Celery-mode tests: the machine's Redis and RabbitMQ, or a Redis of their own.

Redis (127.0.0.1:6379) and RabbitMQ (127.0.0.1:5672, guest/guest) are CI's
services: a test that needs one skips, saying so, when it does not answer, and
fails when ``$CI`` is set. Each test gets a queue of its own (``unique_queue``)
and, on Redis, a database number of its own, so test runs in parallel never
take each other's jobs. ``OwnRedis`` is a ``redis-server`` a test starts (and
stops) itself, on a free port, for the broker-outage test.
"""

import os
import shutil
import socket
import subprocess
import time
import uuid
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.scheduler.helpers import Daemon, DaemonSettings

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
RABBIT_HOST, RABBIT_PORT = "127.0.0.1", 5672
RABBIT_URL = f"amqp://guest:guest@{RABBIT_HOST}:{RABBIT_PORT}//"

Start = Callable[..., Daemon]
"""The ``start`` fixture: ``start(config, *args, command="worker", name="wa")``."""


def settings(broker: str, queue: str, **dispatch: object) -> DaemonSettings:
    """Celery mode with quick heartbeats, host lock retries and grace period, for tests."""
    return DaemonSettings(
        run_timeout=60,
        grace_period=3,
        dispatch={
            "engine": "celery",
            "broker_url": broker,
            "queue": queue,
            "heartbeat_interval": 0.5,
            "heartbeat_timeout": 3,
            "host_lock_retry": 0.5,
            **dispatch,
        },
    )


def worker_args(name: str, concurrency: int = 2) -> tuple[str, ...]:
    return ("--hostname", name, "--concurrency", str(concurrency))


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    if answers(host, port):
        return
    reason = f"{name} not reachable at {host}:{port}"
    if os.environ.get("CI"):
        pytest.fail(f"CI is set, so this is an error, not a skip: {reason}")
    pytest.skip(reason)


def unique_queue() -> str:
    return f"wirewatch-test-{uuid.uuid4().hex[:12]}"


def redis_url_for(queue: str) -> str:
    """The shared Redis, on a database number (1-15) picked by the queue's name."""
    require_service("Redis", REDIS_HOST, REDIS_PORT)
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{1 + zlib.crc32(queue.encode()) % 15}"


def rabbit_url() -> str:
    require_service("RabbitMQ", RABBIT_HOST, RABBIT_PORT)
    return RABBIT_URL


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class OwnRedis:
    """A ``redis-server`` of the test's own, without persistence, that can stop and start again."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            if os.environ.get("CI"):
                pytest.fail("CI is set, and redis-server is not installed")
            pytest.skip("redis-server is not installed")
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while not answers("127.0.0.1", self.port):
            if time.monotonic() > deadline:
                raise AssertionError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None
