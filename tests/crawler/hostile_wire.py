"""A wire site that misbehaves on purpose: one RSS feed, menafn.com-style article pages.

``HostileWire`` serves ``stories`` generated stories on 127.0.0.5 (a free port).
Stories whose article number is in ``poisoned`` carry control characters where a
page chooses them: a NUL (and an ESC) in the ``ETag`` header and in the JSON-LD
``headline``. ``page_delay`` slows every article answer and ``feed_delay`` the feed, so that a crawl lasts
long enough for a test to break the database under it.
"""

import json
import threading
import time
from collections.abc import Iterable
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Self

from wirewatch.app.sampleweb.stories import Story, generate_stories
from wirewatch.app.sampleweb.templates import rss_feed, wire_article

HOST = "127.0.0.5"
FEED_PATH = "/rss/wire.xml"
POISON = "\x00\x1b"
"""What a poisoned page puts in its ETag and headline: a NUL and an ESC."""


def article_path(story: Story) -> str:
    return f"/{story.number}/{story.slug}"


def poisoned_headline(story: Story) -> str:
    return f"{story.title[:20]}{POISON}{story.title[20:]}"


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        site = self.server.site
        path = self.path.split("?", 1)[0]
        if path == FEED_PATH:
            site.feed_requested.set()
            time.sleep(site.feed_delay)
            body, headers = site.feed().encode(), {"Content-Type": "application/rss+xml"}
        elif path in site.by_path:
            time.sleep(site.page_delay)
            body, headers = site.article(site.by_path[path])
        else:
            body, headers = b"not found", {"Content-Type": "text/plain"}
            self._answer(404, body, headers)
            return
        with site.lock:
            site.requests.append(path)
        self._answer(200, body, headers)

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)  # written as given: control characters included
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, site: "HostileWire") -> None:
        self.site = site
        super().__init__((HOST, 0), _Handler)


class HostileWire:
    def __init__(
        self,
        stories: int = 12,
        *,
        poisoned: Iterable[int] = (),
        page_delay: float = 0.0,
        feed_delay: float = 0.0,
        seed: int = 14,
    ) -> None:
        self.stories, _ = generate_stories(stories, seed, date(2025, 11, 17))
        self.by_path = {article_path(story): story for story in self.stories}
        numbers = [story.number for story in self.stories]
        self.poisoned = {numbers[index] for index in poisoned}
        self.page_delay = page_delay
        self.feed_delay = feed_delay
        self.feed_requested = threading.Event()
        self.requests: list[str] = []
        self.lock = threading.Lock()
        self._server = _Server(self)
        self.base = f"http://{HOST}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def feed_url(self) -> str:
        return self.base + FEED_PATH

    def url_of(self, story: Story) -> str:
        return self.base + article_path(story)

    def feed(self) -> str:
        items = [(story, self.url_of(story)) for story in self.stories]
        return rss_feed("Hostile wire", self.base + "/", self.feed_url, items)

    def article(self, story: Story) -> tuple[bytes, dict[str, str]]:
        html = wire_article(story, article_path(story), [])
        etag = f'"{story.number}"'
        if story.number in self.poisoned:
            headline = json.dumps({"@type": "NewsArticle", "headline": poisoned_headline(story)})
            html = html.replace(
                "</head>", f'<script type="application/ld+json">{headline}</script>\n</head>'
            )
            etag = f'"{story.number}{POISON}"'
        return html.encode(), {"Content-Type": "text/html; charset=utf-8", "ETag": etag}

    def article_requests(self) -> list[str]:
        with self.lock:
            return [path for path in self.requests if path in self.by_path]

    def write_config(self, path: Path, database_url: str, **crawl: object) -> Path:
        """A ``wirewatch.toml`` with one source, ``hostile``, reading the feed into ``database_url``."""
        settings: dict[str, object] = {
            "obey_robots": False,
            "per_host_concurrency": 4,
            "timeout": 10,
            "retries": 0,
        }
        settings.update(crawl)
        lines = ["[database]", f"url = {json.dumps(database_url)}", "", "[crawl]"]
        lines += [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
        lines += [
            "",
            "[[sources]]",
            'name = "hostile"',
            f"start_urls = [{json.dumps(self.feed_url)}]",
            f"allowed_domains = [{json.dumps(HOST)}]",
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path
