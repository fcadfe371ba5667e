"""Soak the daemon: 3 sources on ``every 5s`` against a sample site that keeps publishing.

Runs ``wirewatch daemon`` as a subprocess for ``--minutes`` (default 10;
``--quick``: 1) while the sample web publishes a new round every
``--publish-every`` seconds, samples the daemon's resident memory, then stops
it with SIGTERM and prints: runs completed/failed/interrupted, the daemon's RSS
at start and end and its growth, the exit code, and duplicate stories (wire IDs
stored more than once: must be 0). Exit status 1 when a target is missed
(failed runs, duplicates, RSS growth of 10% or more, a non-zero exit).

    python benchmarks/soak_daemon.py --quick
    python benchmarks/soak_daemon.py --minutes 10 --database postgresql+psycopg://localhost/soak
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from sqlalchemy import Engine, text

from wirewatch.app.sampleweb import SampleWeb
from wirewatch.storage.engine import make_engine
from wirewatch.storage.migrate import upgrade

RSS_GROWTH_TARGET = 10.0
WARM_UP_SECONDS = 30.0
"""RSS "at start" is read once the first runs have completed (imports and pools are warm)."""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to soak (default 10)")
    parser.add_argument("--quick", action="store_true", help="1 minute")
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--publish-every", type=float, default=15.0, help="seconds between rounds")
    args = parser.parse_args()
    if args.quick:
        args.minutes = 1.0
    return args


def write_config(path: Path, web: SampleWeb, url: str) -> None:
    sources = {
        "wire-feed": [web.feed_url],
        "wire-listing": [web.listing_url, web.sitemap_url],
        "partner": [web.partner_listing_url, web.partner_sitemap_url],
    }
    lines = [
        "[database]",
        f'url = "{url}"',
        "",
        "[crawl]",
        "obey_robots = true",
        "timeout = 10",
        "retries = 1",
        f"max_page_bytes = {web.max_page_bytes}",
        "",
        "[daemon]",
        "run_timeout = 120",
        "grace_period = 20",
        "misfire_grace_time = 30",
        "jitter = 0.5",
    ]
    for name, urls in sources.items():
        quoted = ", ".join(f'"{u}"' for u in urls)
        lines += ["", "[[sources]]", f'name = "{name}"', f"start_urls = [{quoted}]"]
        lines.append('schedule = "every 5s"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def publish(web: SampleWeb, every: float, stop: threading.Event) -> None:
    while not stop.wait(every):
        web.advance()


def wait_for(log: Path, needle: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if needle in log.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise SystemExit(f"daemon never logged {needle!r}:\n{log.read_text(errors='replace')}")


def figures(engine: Engine) -> dict[str, int]:
    queries = {
        "succeeded": "SELECT count(*) FROM crawl_runs WHERE status = 'succeeded'",
        "failed": "SELECT count(*) FROM crawl_runs WHERE status = 'failed'",
        "interrupted": "SELECT count(*) FROM crawl_runs WHERE status = 'interrupted'",
        "running": "SELECT count(*) FROM crawl_runs WHERE status = 'running'",
        "articles": "SELECT count(*) FROM articles",
        "duplicates": "SELECT count(*) FROM (SELECT wire_id FROM articles WHERE wire_id IS NOT NULL"
        " GROUP BY wire_id HAVING count(*) > 1) AS d",
        "overlaps": "SELECT count(*) FROM crawl_runs a JOIN crawl_runs b ON a.source = b.source"
        " AND a.id < b.id AND b.started_at < a.finished_at",
    }
    with engine.connect() as connection:
        return {
            name: int(connection.execute(text(sql)).scalar_one()) for name, sql in queries.items()
        }


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="wirewatch-soak-"))
    url = args.database or f"sqlite:///{workdir / 'soak.db'}"
    engine = make_engine(url)
    upgrade(engine)
    config, log = workdir / "wirewatch.toml", workdir / "daemon.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    stop = threading.Event()
    with SampleWeb(stories=30) as web, log.open("wb") as log_file:
        write_config(config, web, url)
        publisher = threading.Thread(
            target=publish, args=(web, args.publish_every, stop), daemon=True
        )
        publisher.start()
        command = [sys.executable, "-m", "wirewatch", "daemon", "--config", str(config)]
        daemon = subprocess.Popen(command, stderr=log_file, stdout=subprocess.DEVNULL, env=env)
        process = psutil.Process(daemon.pid)
        started = time.monotonic()
        try:
            wait_for(log, "leader:", 60)
            warm_up = min(WARM_UP_SECONDS, args.minutes * 60 / 4)
            time.sleep(warm_up)
            rss_start = process.memory_info().rss
            samples = [rss_start]
            end = started + args.minutes * 60
            while time.monotonic() < end:
                time.sleep(min(10.0, max(0.0, end - time.monotonic())))
                samples.append(process.memory_info().rss)
            rss_end = process.memory_info().rss
            daemon.send_signal(signal.SIGTERM)
            code = daemon.wait(120)
        finally:
            stop.set()
            if daemon.poll() is None:
                daemon.kill()
        elapsed = time.monotonic() - started
        rounds = web.round
    counts = figures(engine)
    engine.dispose()
    growth = 100.0 * (rss_end - rss_start) / rss_start
    mib = 1024 * 1024
    print(f"soak: {elapsed / 60:.1f} min, 3 sources every 5s, {rounds} publishing rounds, {url}")
    print(f"runs completed:   {counts['succeeded']}")
    print(f"runs failed:      {counts['failed']}")
    print(f"runs interrupted: {counts['interrupted']} (at the final SIGTERM)")
    print(f"runs left running: {counts['running']}")
    print(f"overlapping runs of one source: {counts['overlaps']}")
    print(f"daemon RSS start: {rss_start / mib:.1f} MiB (after {warm_up:.0f} s warm-up)")
    print(f"daemon RSS end:   {rss_end / mib:.1f} MiB (peak {max(samples) / mib:.1f} MiB)")
    print(f"daemon RSS growth: {growth:+.1f}% (target < {RSS_GROWTH_TARGET:.0f}%)")
    print(f"daemon exit code: {code}")
    print(f"articles stored:  {counts['articles']}")
    print(f"duplicate stories: {counts['duplicates']} (target 0)")
    print(f"daemon log: {log}")
    missed = (
        counts["failed"]
        or counts["duplicates"]
        or counts["running"]
        or counts["overlaps"]
        or growth >= RSS_GROWTH_TARGET
        or code != 0
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
