"""A story's clean copy and a copy nested 100,000 ``<div>``s deep, crawled end to end.

The deep copy's wire-ID line lies past libxml2's depth limit. Read without it,
the copy would be stored as a second story (keyed by its text, no wire ID); it
must be rejected with its reason instead, leaving one story with one address.
"""

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.cli import run_wirewatch
from tests.factories import PAGE_WIRE_ID as WIRE_ID
from tests.factories import wire_page

pytestmark = pytest.mark.slow

DEPTH = 100_000


class _Handler(BaseHTTPRequestHandler):
    server: "StaticSite"

    def do_GET(self) -> None:
        found = self.server.pages.get(self.path)
        if found is None:
            self.send_error(404)
            return
        content_type, body = found
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class StaticSite(ThreadingHTTPServer):
    """Fixed pages by path on 127.0.0.6."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.6", 0), _Handler)
        self.base = f"http://127.0.0.6:{self.server_address[1]}"
        self.pages: dict[str, tuple[str, bytes]] = {}


@pytest.fixture
def site() -> Iterator[StaticSite]:
    served = StaticSite()
    thread = Thread(target=served.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        served.shutdown()
        served.server_close()


def feed(base: str, paths: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Jordan Exports Rise 6 Percent</title><link>{base}{path}</link></item>"
        for path in paths
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Partner</title>"
        f"<link>{base}/</link><description>news</description>{items}</channel></rss>"
    ).encode()


def rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def test_a_copy_whose_wire_id_lies_past_100000_nested_divs_never_becomes_a_second_story(
    site: StaticSite, tmp_path: Path, sqlite_url: str
) -> None:
    html = "text/html; charset=utf-8"
    deep = wire_page(wire_id="<div>" * DEPTH + "x" + "</div>" * DEPTH + WIRE_ID)
    site.pages = {
        "/feed.xml": ("application/rss+xml", feed(site.base, ["/story/clean", "/story/deep"])),
        "/story/clean": (html, wire_page().encode()),
        "/story/deep": (html, deep.encode()),
    }
    config = tmp_path / "wirewatch.toml"
    config.write_text(
        f'[database]\nurl = "{sqlite_url}"\n\n[crawl]\nobey_robots = false\nretries = 0\n\n'
        f'[[sources]]\nname = "partner"\nstart_urls = ["{site.base}/feed.xml"]\n',
        encoding="utf-8",
    )

    result = run_wirewatch("crawl", config=config)

    assert result.returncode == 0, result.stdout + result.stderr
    stories = rows(
        sqlite_url,
        "SELECT a.wire_id, u.url FROM articles a JOIN article_urls u ON u.article_id = a.id",
    )
    assert stories == [(WIRE_ID, f"{site.base}/story/clean")]
    rejected = rows(sqlite_url, "SELECT url, reason, detail FROM rejected_pages")
    assert [(url, reason) for url, reason, _ in rejected] == [
        (f"{site.base}/story/deep", "parse_error")
    ]
    assert str(rejected[0][2]).startswith("tree truncated: elements nested deeper than 2048")
