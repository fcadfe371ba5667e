"""A hostile web server of our own, and ``wirewatch crawl`` run against it in a child process.

``HostileSite`` answers on 127.0.0.x from daemon threads with whatever its
``routes`` say: real wire-site article pages (the sample web's template, so they
extract), and the attacks of issue 14 (decompression bombs, redirect loops,
meta refreshes off the site, huge and gzipped sitemaps, entities in feed links,
redirects to another port). Every request is logged.

``crawl`` runs ``wirewatch crawl`` in a child process (in the environment of
``tests.cli``) that writes its own peak RSS (``VmHWM``) to a file on the way
out, so a test can bound the memory of the crawl alone.
"""

import contextlib
import gzip
import json
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy import create_engine, text

from tests.cli import child_env
from wirewatch.app.sampleweb import templates
from wirewatch.app.sampleweb.stories import Story, generate_stories

CRAWL_TIMEOUT = 240


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"


Route = Answer | Callable[[str], Answer]
"""A fixed answer, or a function of the request path (query included)."""


class _Handler(BaseHTTPRequestHandler):
    server: "HostileSite"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        site = self.server
        with site.lock:
            site.requests.append(self.path)
        answer = site.answer(self.path)
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        with contextlib.suppress(ConnectionError):  # a crawler giving up on an oversized body
            self.wfile.write(answer.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class HostileSite(ThreadingHTTPServer):
    """Routes by path (exact, then the longest matching prefix ending in ``*``)."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, host: str, port: int = 0) -> None:
        super().__init__((host, port), _Handler)
        self.host = host
        self.routes: dict[str, Route] = {"/robots.txt": Answer(404, b"no robots")}
        self.requests: list[str] = []
        self.lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.server_address[1]}"

    def handle_error(self, request: object, client_address: object) -> None:
        """A crawler hanging up mid-answer is part of these tests, not an error."""

    def url(self, path: str) -> str:
        return self.base + path

    def answer(self, path: str) -> Answer:
        route = self.routes.get(path)
        if route is None:
            prefixes = [p for p in self.routes if p.endswith("*") and path.startswith(p[:-1])]
            if not prefixes:
                return Answer(404, b"not here")
            route = self.routes[max(prefixes, key=len)]
        return route(path) if callable(route) else route

    def requested(self, path: str) -> int:
        with self.lock:
            return self.requests.count(path)

    def __enter__(self) -> Self:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()
        self.server_close()


def stories(count: int, seed: int = 14) -> list[Story]:
    return generate_stories(count, seed=seed)[0]


def article_path(story: Story) -> str:
    return f"/{story.number}/{story.slug}"


def article(story: Story) -> Answer:
    """The wire site's page of ``story``: extracts to a record with its wire ID."""
    return Answer(body=templates.wire_article(story, article_path(story), []).encode())


def rss(links: list[str]) -> Answer:
    """An RSS feed of ``links``, written as they are (callers escape what they mean to)."""
    items = "".join(f"<item><title>t</title><link>{link}</link></item>" for link in links)
    body = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
    return Answer(body=body.encode(), content_type="application/rss+xml")


def sitemap_bytes(locs: list[str]) -> bytes:
    entries = "".join(f"<url><loc>{loc}</loc></url>\n" for loc in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</urlset>\n'
    ).encode()


def sitemap_index_bytes(locs: list[str]) -> bytes:
    entries = "".join(f"<sitemap><loc>{loc}</loc></sitemap>\n" for loc in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}'
        "</sitemapindex>\n"
    ).encode()


def gzipped(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=6, mtime=0)


def write_config(
    path: Path, db_url: str, start_urls: list[str], *, sources: int = 1, **crawl: object
) -> Path:
    """A config crawling ``start_urls`` as source ``hostile`` (quick settings; ``crawl`` overrides)."""
    settings: dict[str, object] = {
        "user_agent": "wirewatch-hostile-test/0.1",
        "timeout": 10,
        "retries": 0,
        "max_page_bytes": 200_000,
        **crawl,
    }
    lines = ["[database]", f"url = {json.dumps(db_url)}", "", "[crawl]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    lines += [
        "",
        "[[sources]]",
        'name = "hostile"',
        f"start_urls = {json.dumps(start_urls)}",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def with_allowed_domains(config: Path, domains: list[str]) -> Path:
    config.write_text(
        config.read_text(encoding="utf-8") + f"allowed_domains = {json.dumps(domains)}\n",
        encoding="utf-8",
    )
    return config


_MEASURED_MAIN = """
import os, resource, sys
from wirewatch.app.cli.main import main

def peak_kb():
    # VmHWM: the peak of this process image alone. ru_maxrss would also count the
    # copy of the (large) test process this child was forked from before exec.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

try:
    main(sys.argv[1:])
finally:
    with open(os.environ["WIREWATCH_TEST_RSS_FILE"], "w") as out:
        out.write(str(peak_kb()))
"""


@dataclass(frozen=True)
class CrawlResult:
    returncode: int
    stdout: str
    stderr: str
    peak_rss_mb: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def crawl(config: Path) -> CrawlResult:
    """``wirewatch crawl --config config`` in a child process; its exit code, output, peak RSS."""
    rss_file = config.with_suffix(".rss")
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED_MAIN, "crawl", "--config", str(config)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=CRAWL_TIMEOUT,
        env=child_env({"WIREWATCH_TEST_RSS_FILE": str(rss_file)}),
        check=False,
    )
    peak_kb = int(rss_file.read_text()) if rss_file.exists() else 0
    return CrawlResult(done.returncode, done.stdout, done.stderr, peak_kb / 1024)


def query(db_url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def rejections(db_url: str) -> dict[str, str]:
    """Rejected address -> reason."""
    return {
        str(url): str(reason)
        for url, reason in query(db_url, "SELECT url, reason FROM rejected_pages")
    }


def stored_urls(db_url: str) -> set[str]:
    return {str(url) for (url,) in query(db_url, "SELECT url FROM article_urls")}


def last_run(db_url: str) -> tuple[str, str | None, int]:
    """(status, error, pages_rejected) of the latest run."""
    status, error, rejected = query(
        db_url, "SELECT status, error, pages_rejected FROM crawl_runs ORDER BY id DESC LIMIT 1"
    )[0]
    return str(status), error, int(rejected)
