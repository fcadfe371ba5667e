"""Celery-mode benchmark: crawl throughput with 1, 2 and 4 workers, and the leader's overhead.

Needs PostgreSQL (``$WIREWATCH_TEST_POSTGRES_URL``, default the local server's
``test`` database: a scratch database is created and dropped) and Redis at
127.0.0.1:6379 (database 14, a queue of the run's own).

1. Throughput. N sources (100; 20 with ``--quick``), each on a host of its own
   (127.0.1.x), all proxies of one sample web whose every answer is ``--delay``
   seconds late (50 ms): a network-bound crawl. For each worker count, N runs
   are queued at once and their jobs published, then that many ``wirewatch
   worker`` processes (``--concurrency 1`` each) crawl them. Prints crawls per
   minute, pages and stories stored per second, and the ratio of 2 workers to 1
   (target >= 1.8x).
2. Leader overhead. ``wirewatch daemon`` with 1,000 sources on one-minute
   schedules and no worker (jobs enqueued, nothing crawled), for ``--leader-seconds``
   (150; 70 with ``--quick``): its CPU (share of one core, after the first
   minute's start-up) and peak RSS (targets < 5 % and < 150 MB). Twice: with the
   runs left queued (after the first minute every due run is coalesced), and with
   the runs closed and the queue emptied as soon as they are queued (every due
   run is queued and its job published, as with workers that keep up).

Not a timed test: ``python benchmarks/bench_celery.py [--quick]``.
"""

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from wirewatch.app.sampleweb import SampleWeb
from wirewatch.core.config import load_config
from wirewatch.scheduler.broker import celery_app, publish_crawl
from wirewatch.storage.engine import make_engine
from wirewatch.storage.ledger import queue_run
from wirewatch.storage.migrate import upgrade

POSTGRES = os.environ.get(
    "WIREWATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS = "redis://127.0.0.1:6379/14"


class _Proxy(BaseHTTPRequestHandler):
    server: "SlowHost"

    def do_GET(self) -> None:
        with contextlib.suppress(OSError):
            time.sleep(self.server.delay)
            request = urllib.request.Request(self.server.upstream + self.path)
            for name in ("If-None-Match", "If-Modified-Since"):
                if self.headers.get(name):
                    request.add_header(name, self.headers[name])
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    status, headers, body = response.status, response.headers, response.read()
            except urllib.error.HTTPError as error:
                status, headers, body = error.code, error.headers, error.read()
            body = body.replace(self.server.upstream.encode(), self.server.base.encode())
            self.send_response(status)
            for name in ("Content-Type", "ETag", "Last-Modified"):
                if headers.get(name):
                    self.send_header(name, headers[name])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class SlowHost(ThreadingHTTPServer):
    """The sample web's wire site on a host of its own, every answer ``delay`` s late."""

    daemon_threads = True

    def __init__(self, host: str, upstream: str, delay: float) -> None:
        super().__init__((host, 0), _Proxy)
        self.upstream, self.delay = upstream, delay
        self.base = f"http://{host}:{self.server_address[1]}"


@contextlib.contextmanager
def scratch_database() -> Iterator[str]:
    server = make_url(POSTGRES)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"wirewatch_bench_celery_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def write_config(path: Path, db: str, queue: str, sources: list[tuple[str, str, str]]) -> Path:
    lines = [
        "[database]",
        f'url = "{db}"',
        "[crawl]",
        "obey_robots = false",
        "retries = 0",
        "per_host_concurrency = 2",
        "[daemon]",
        "jitter = 0",
        "run_timeout = 300",
        "[dispatch]",
        'engine = "celery"',
        f'broker_url = "{REDIS}"',
        f'queue = "{queue}"',
    ]
    for name, url, schedule in sources:
        lines += ["[[sources]]", f'name = "{name}"', f'start_urls = ["{url}"]']
        lines.append(f'schedule = "{schedule}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def wirewatch(*args: str, log: Path) -> "subprocess.Popen[bytes]":
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    with log.open("ab") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "wirewatch", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=handle,
            env=env,
        )


def stop(processes: list["subprocess.Popen[bytes]"]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def purge(config: Path) -> None:
    loaded = load_config(config)
    app = celery_app(loaded)
    with app.connection_for_write() as connection:
        app.amqp.queues[loaded.dispatch.queue].bind(connection.default_channel).purge()
    app.close()


def throughput(
    folder: Path, db: str, web: SampleWeb, count: int, delay: float
) -> dict[int, dict[str, float]]:
    """Crawls of ``count`` sources with 1, 2 and 4 workers: figures per worker count."""
    hosts = [SlowHost(f"127.0.1.{n}", web.wire_base, delay) for n in range(1, count + 1)]
    for host in hosts:
        threading.Thread(target=host.serve_forever, args=(0.05,), daemon=True).start()
    feed = web.feed_url.removeprefix(web.wire_base)
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    sources = [(f"s{n:03d}", host.base + feed, "every 24h") for n, host in enumerate(hosts)]
    config = write_config(folder / "throughput.toml", db, queue, sources)
    engine = make_engine(db)
    app = celery_app(load_config(config))
    results: dict[int, dict[str, float]] = {}
    try:
        for workers in (1, 2, 4):
            with engine.begin() as connection:  # each round crawls an empty database
                for table in ("rejected_pages", "crawl_runs", "article_revisions"):
                    connection.execute(text(f"DELETE FROM {table}"))
                connection.execute(text("DELETE FROM article_urls"))
                connection.execute(text("DELETE FROM articles"))
            run_ids = [queue_run(engine, name) for name, _, _ in sources]
            for run_id in run_ids:
                assert run_id is not None
                publish_crawl(app, queue, run_id)
            started = time.perf_counter()
            processes = [
                wirewatch(
                    "worker",
                    "--config",
                    str(config),
                    "--hostname",
                    f"b{n}",
                    "--concurrency",
                    "1",
                    log=folder / f"worker-{workers}-{n}.log",
                )
                for n in range(workers)
            ]
            while True:
                with engine.connect() as connection:
                    left = connection.execute(
                        text(
                            "SELECT count(*) FROM crawl_runs WHERE status IN ('queued', 'running')"
                        )
                    ).scalar_one()
                if not left:
                    break
                time.sleep(0.2)
            elapsed = time.perf_counter() - started
            stop(processes)
            with engine.connect() as connection:
                row = connection.execute(
                    text(
                        "SELECT count(*) FILTER (WHERE status = 'succeeded'), sum(pages_fetched),"
                        " sum(articles_new + articles_updated + articles_unchanged + duplicates)"
                        " FROM crawl_runs"
                    )
                ).one()
            results[workers] = {
                "seconds": elapsed,
                "succeeded": float(row[0]),
                "crawls_per_minute": count / elapsed * 60,
                "pages_per_second": float(row[1] or 0) / elapsed,
                "stories_per_second": float(row[2] or 0) / elapsed,
            }
            print(
                f"{workers} worker(s): {count} crawls in {elapsed:.1f} s"
                f" ({int(row[0])} succeeded): {results[workers]['crawls_per_minute']:.1f} crawls/min,"
                f" {results[workers]['pages_per_second']:.1f} pages/s,"
                f" {results[workers]['stories_per_second']:.1f} stories stored/s",
                flush=True,
            )
    finally:
        app.close()
        engine.dispose()
        for host in hosts:
            host.shutdown()
            host.server_close()
    return results


class InstantWorkers:
    """Stands in for workers that finish every job at once: closes the queued runs and empties
    the broker's queue every half second, so each due run is queued and published anew."""

    def __init__(self, db: str, config: Path) -> None:
        self.engine = make_engine(db)
        self.config = config
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> "InstantWorkers":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join()
        self.engine.dispose()

    def _loop(self) -> None:
        while not self.stopped.wait(0.5):
            with self.engine.begin() as connection:
                connection.execute(
                    text(
                        "UPDATE crawl_runs SET status = 'succeeded', finished_at = now() "
                        "WHERE status = 'queued'"
                    )
                )
            with contextlib.suppress(Exception):
                purge(self.config)


def leader_overhead(
    folder: Path, db: str, seconds: float, sources: int, *, drained: bool
) -> tuple[float, float]:
    """The leader's CPU share of one core (after its first minute) and peak RSS in MB.

    ``drained``: runs are closed as soon as they are queued (``InstantWorkers``), so every
    due run is queued and its job published; else runs stay queued and, after the first
    minute, every due run is coalesced.
    """
    queue = f"bench-leader-{uuid.uuid4().hex[:8]}"
    listed = [(f"l{n:04d}", f"http://127.0.2.1:9/{n}", "every 1m") for n in range(sources)]
    config = write_config(folder / "leader.toml", db, queue, listed)
    with contextlib.ExitStack() as stack:
        if drained:
            stack.enter_context(InstantWorkers(db, config))
        leader = wirewatch("daemon", "--config", str(config), log=folder / "leader.log")
        process = psutil.Process(leader.pid)
        peak = 0.0
        samples: list[tuple[float, float]] = []
        started = time.monotonic()
        try:
            while time.monotonic() - started < seconds:
                time.sleep(1)
                times = process.cpu_times()
                samples.append((time.monotonic(), times.user + times.system))
                peak = max(peak, process.memory_info().rss / 2**20)
        finally:
            stop([leader])
    purge(config)
    with make_engine(db).begin() as connection:
        connection.execute(text("DELETE FROM crawl_runs"))
        connection.execute(text("DELETE FROM apscheduler_jobs"))
    steady = [s for s in samples if s[0] - started >= 60] or samples
    first, last = steady[0], steady[-1]
    share = (last[1] - first[1]) / max(last[0] - first[0], 1e-9)
    return share, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 sources, a 70 s leader run")
    parser.add_argument("--sources", type=int, help="sources crawled (default 100, 20 quick)")
    parser.add_argument("--delay", type=float, default=0.05, help="seconds per answer")
    parser.add_argument("--leader-seconds", type=float, help="default 150, 70 quick")
    parser.add_argument("--skip-leader", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()
    count = args.sources or (20 if args.quick else 100)
    leader_seconds = args.leader_seconds or (70 if args.quick else 150)
    folder = Path(tempfile.mkdtemp(prefix="bench-celery-"))
    try:
        with scratch_database() as db, SampleWeb(stories=20, bad_pages=False) as web:
            upgrade(make_engine(db))
            if not args.skip_throughput:
                results = throughput(folder, db, web, count, args.delay)
                one = results[1]["crawls_per_minute"]
                ratio = results[2]["crawls_per_minute"] / one
                ratio4 = results[4]["crawls_per_minute"] / one
                print(f"2 workers vs 1: {ratio:.2f}x (target >= 1.8x); 4 vs 1: {ratio4:.2f}x")
            if not args.skip_leader:
                for drained, what in (
                    (False, "runs left queued, then coalesced"),
                    (True, "every due run queued and published"),
                ):
                    share, peak = leader_overhead(folder, db, leader_seconds, 1000, drained=drained)
                    print(
                        f"leader, 1,000 sources every 1m, {leader_seconds:.0f} s, {what}: "
                        f"{share * 100:.1f} % of one core (target < 5 %), peak RSS {peak:.0f} MB"
                        " (target < 150 MB)"
                    )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
