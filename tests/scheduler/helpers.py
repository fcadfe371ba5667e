"""Helpers of the daemon tests: test sites, config files, daemon subprocesses, run checks.

- ``SlowSite``: a proxy of the wire site on 127.0.0.3 that sleeps before every
  answer, so one crawl outlasts a 2 s schedule.
- ``HangingSite``: 127.0.0.4, accepts connections and never answers.
- ``Daemon``: ``python -m wirewatch daemon`` as a subprocess, stderr to a file.
"""

import contextlib
import itertools
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from tests.cli import start_wirewatch
from wirewatch.app.sampleweb import SampleWeb
from wirewatch.storage.ledger import RUN_COLUMNS, RunRow, running_runs

STARTUP_TIMEOUT = 30.0
STOPPED = (
    "stopped by a signal before the crawl finished",
    "stopped by a signal before the crawl started",
    "worker stopping: crawl terminated after the grace period",
    "worker stopping before the crawl started",
)
"""The errors of a run a worker's SIGTERM stopped: the crawl's own close, or the worker's
(a job whose run the worker claimed as the signal came is closed without crawling)."""
_FORWARDED = {"user-agent", "if-none-match", "if-modified-since", "accept"}


class _ProxyHandler(BaseHTTPRequestHandler):
    server: "SlowSite"

    def do_GET(self) -> None:
        # OSError: the crawler gave up on this request, or the upstream stopped.
        with contextlib.suppress(OSError):
            self._proxy()

    def _proxy(self) -> None:
        site = self.server
        time.sleep(site.delay)
        forwarded = {k: v for k, v in self.headers.items() if k.lower() in _FORWARDED}
        request = urllib.request.Request(site.upstream + self.path, headers=forwarded)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:  # 304 and friends
            status, headers, body = error.code, error.headers, error.read()
        body = body.replace(site.upstream.encode(), site.base.encode())
        self.send_response(status)
        for name in ("Content-Type", "ETag", "Last-Modified"):
            if headers.get(name):
                self.send_header(name, headers[name])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class SlowSite(ThreadingHTTPServer):
    """Every answer of the upstream site, ``delay`` seconds late, with its links rewritten."""

    daemon_threads = True

    def __init__(self, upstream: str, delay: float, host: str = "127.0.0.3") -> None:
        super().__init__((host, 0), _ProxyHandler)
        self.upstream = upstream
        self.delay = delay
        self.base = f"http://{host}:{self.server_address[1]}"


class _HangHandler(BaseHTTPRequestHandler):
    server: "HangingSite"

    def do_GET(self) -> None:
        self.server.released.wait(120)

    def log_message(self, format: str, *args: object) -> None:
        pass


class HangingSite(ThreadingHTTPServer):
    """Accepts every request and never answers (until the test ends)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.4", 0), _HangHandler)
        self.released = threading.Event()
        self.base = f"http://127.0.0.4:{self.server_address[1]}"


@dataclass
class Source:
    name: str
    start_urls: list[str]
    schedule: str = "every 2s"


@dataclass
class DaemonSettings:
    run_timeout: float = 60
    grace_period: float = 5
    misfire_grace_time: float = 30
    jitter: float = 0
    metrics_address: str = ""
    """Off by default: daemons of parallel tests would contend for one port."""
    crawl: dict[str, Any] = field(default_factory=dict)
    dispatch: dict[str, Any] = field(default_factory=dict)
    """The ``[dispatch]`` section (Celery mode), left out when empty."""


def write_config(path: Path, db_url: str, sources: list[Source], settings: DaemonSettings) -> Path:
    """A ``wirewatch.toml`` for the daemon tests."""
    crawl = {"obey_robots": False, "timeout": 10, "retries": 0, "concurrency": 8}
    crawl.update(settings.crawl)
    lines = ["[database]", f"url = {_toml(db_url)}", "", "[crawl]"]
    lines += [f"{key} = {_toml(value)}" for key, value in crawl.items()]
    lines += ["", "[daemon]"]
    for key in ("run_timeout", "grace_period", "misfire_grace_time", "jitter", "metrics_address"):
        lines.append(f"{key} = {_toml(getattr(settings, key))}")
    if settings.dispatch:
        lines += ["", "[dispatch]"]
        lines += [f"{key} = {_toml(value)}" for key, value in settings.dispatch.items()]
    for source in sources:
        urls = ", ".join(_toml(url) for url in source.start_urls)
        lines += ["", "[[sources]]", f"name = {_toml(source.name)}", f"start_urls = [{urls}]"]
        lines.append(f"schedule = {_toml(source.schedule)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def wire_sources(web: SampleWeb) -> list[Source]:
    return [
        Source("wire", [web.feed_url, web.listing_url]),
        Source("partner", [web.partner_listing_url]),
    ]


class Daemon:
    """``python -m wirewatch daemon`` (or another long-running ``command``, such as
    ``worker``) in a subprocess; its stderr goes to a file."""

    def __init__(self, config: Path, log: Path, *extra: str, command: str = "daemon") -> None:
        self.log_path = log
        self._log = log.open("wb")
        self.process = start_wirewatch(
            command,
            *extra,
            config=config,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            cwd=config.parent,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, text: str, timeout: float = STARTUP_TIMEOUT, after: int = 0) -> int:
        """Wait until ``text`` appears in the log (past offset ``after``); return where it ends."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.log.find(text, after)
            if found >= 0:
                return found + len(text)
            if self.process.poll() is not None:
                raise AssertionError(f"process exited ({self.process.returncode}):\n{self.log}")
            time.sleep(0.1)
        raise AssertionError(f"no {text!r} in the daemon's log after {timeout} s:\n{self.log}")

    def send(self, signum: int) -> None:
        self.process.send_signal(signum)

    def wait(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout)
        finally:
            self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self._log.close()


def wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def running_row(engine: Engine, source: str, started_within: float = 1.5) -> RunRow | None:
    """The source's run that is running now, has its child's pid, and started only just now
    (so the crawl, seconds long, is surely still in flight when the test acts on it)."""
    now = datetime.now(UTC)
    for row in running_runs(engine):
        fresh = (now - row.started_at).total_seconds() < started_within
        if row.source == source and fresh and row.pid is not None and _is_child(row.pid):
            return row
    return None


def _is_child(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"--run-id" in cmdline


def all_runs(engine: Engine) -> list[RunRow]:
    with engine.connect() as connection:
        rows = connection.execute(select(*RUN_COLUMNS).order_by(RUN_COLUMNS[0]))
        return [RunRow.from_mapping(row._mapping) for row in rows]


def assert_no_overlap(rows: list[RunRow]) -> None:
    """No source ever had two runs in flight at once."""
    by_source: dict[str, list[RunRow]] = {}
    for row in rows:
        by_source.setdefault(row.source, []).append(row)
    for source, runs in by_source.items():
        runs.sort(key=lambda run: run.started_at)
        for earlier, later in itertools.pairwise(runs):
            assert earlier.finished_at is not None, f"{source}: run {earlier.id} never finished"
            assert earlier.finished_at <= later.started_at, (
                f"{source}: run {later.id} started before run {earlier.id} finished"
            )
