"""``SampleWeb``: the sample site behind two local HTTP servers, with a request log.

The wire site answers on 127.0.0.1 and the partner on 127.0.0.2, each on a free
port, from daemon threads. Article pages carry ``ETag`` and ``Last-Modified`` and
answer conditional requests with 304. ``advance()`` changes the site for the next
crawl round; the ``expected_*`` methods say what a correct crawl stores.
"""

import logging
import sys
import threading
from dataclasses import dataclass
from datetime import date
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Self

from wirewatch.app.sampleweb.site import (
    PARTNER_LISTING,
    PARTNER_SITEMAP,
    WIRE_FEED,
    WIRE_LISTING,
    WIRE_SITEMAP,
    BadPage,
    Kind,
    Page,
    SampleSite,
    Site,
    SiteOptions,
    pages_needed,
    partner_path,
    wire_path,
)
from wirewatch.app.sampleweb.stories import DEFAULT_END_DATE, Story
from wirewatch.core.urls import canonicalise_url

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoggedRequest:
    """One request a server answered. ``kind`` says what the path is (``article``, ``feed``...)."""

    host: str
    path: str
    method: str
    status: int
    if_none_match: str | None
    if_modified_since: str | None
    user_agent: str | None
    kind: str = Kind.OTHER


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, web: "SampleWeb", site: Site, host: str) -> None:
        self.web = web
        self.site = site
        self.host = host
        super().__init__((host, 0), _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up (a crawler cancelling an oversized download) are normal here."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError | TimeoutError):
            logger.exception("sample web: error answering %s", client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def log_message(self, format: str, *args: object) -> None:
        """Silence the default stderr access log: ``SampleWeb.requests`` holds it."""

    def _serve(self, *, send_body: bool) -> None:
        web = self.server.web
        page = web.site.resolve(self.server.site, self.path, web.bases)
        status = 304 if _not_modified(page, self.headers) else page.status
        # Logged before answering, so a client that has its response finds it in the log.
        web.log(
            LoggedRequest(
                host=self.server.host,
                path=self.path,
                method=self.command,
                status=status,
                if_none_match=self.headers.get("If-None-Match"),
                if_modified_since=self.headers.get("If-Modified-Since"),
                user_agent=self.headers.get("User-Agent"),
                kind=page.kind,
            )
        )
        self.send_response(status)
        if page.etag:
            self.send_header("ETag", page.etag)
        if page.last_modified:
            self.send_header("Last-Modified", format_datetime(page.last_modified, usegmt=True))
        if status == 304:
            self.send_header("Content-Length", "0")
        else:
            self.send_header("Content-Type", page.content_type)
            self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        if send_body and status != 304:
            self.wfile.write(page.body)


def _not_modified(page: Page, headers: Message) -> bool:
    """RFC 9110: If-None-Match decides when present, else If-Modified-Since."""
    if page.status != 200:
        return False
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or (page.etag is not None and page.etag in tags)
    if_modified_since = headers.get("If-Modified-Since")
    if if_modified_since and page.last_modified:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        return since.tzinfo is not None and page.last_modified <= since
    return False


class SampleWeb:
    """A MENAFN-style wire site and a syndicating partner, served locally.

    >>> with SampleWeb(stories=30) as web:
    ...     config = web.config_toml("sqlite:///crawl.db")
    ...     # crawl, then: web.advance(); crawl again; compare with web.expected_*()

    Knobs: ``stories`` (wire stories in round 1), ``seed``, ``wire_host`` and
    ``partner_host``, ``oversize_bytes`` (size of the oversized page; the config
    written by ``config_toml`` rejects pages over half of it), ``bad_pages`` (link
    the 404/500/empty/oversized/robots-disallowed pages from the wire listing),
    ``page_size`` and ``feed_size``, and ``end_date`` (the newest story's date).
    """

    def __init__(
        self,
        stories: int = 30,
        seed: int = 0,
        *,
        wire_host: str = "127.0.0.1",
        partner_host: str = "127.0.0.2",
        oversize_bytes: int = 2_000_000,
        bad_pages: bool = True,
        page_size: int = 20,
        feed_size: int = 20,
        end_date: date = DEFAULT_END_DATE,
    ) -> None:
        self.site = SampleSite(
            SiteOptions(
                stories=stories,
                seed=seed,
                end_date=end_date,
                oversize_bytes=oversize_bytes,
                bad_pages=bad_pages,
                page_size=page_size,
                feed_size=feed_size,
            )
        )
        self._log_lock = threading.Lock()
        self._requests: list[LoggedRequest] = []
        self._servers = {
            Site.WIRE: _Server(self, Site.WIRE, wire_host),
            Site.PARTNER: _Server(self, Site.PARTNER, partner_host),
        }
        self.bases = {site: _base(server) for site, server in self._servers.items()}
        self._threads: list[threading.Thread] = []

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> Self:
        for site, server in self._servers.items():
            thread = threading.Thread(
                target=server.serve_forever, args=(0.05,), name=f"sampleweb-{site}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self._servers.values():
            if self._threads:
                server.shutdown()
            server.server_close()
        self._threads.clear()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def advance(self) -> None:
        """Next round: publish a few new stories and edit some existing ones."""
        self.site.advance()

    @property
    def round(self) -> int:
        return self.site.round

    # -- addresses -------------------------------------------------------------------------------

    @property
    def wire_base(self) -> str:
        return self.bases[Site.WIRE]

    @property
    def partner_base(self) -> str:
        return self.bases[Site.PARTNER]

    @property
    def feed_url(self) -> str:
        return self.wire_base + WIRE_FEED

    @property
    def sitemap_url(self) -> str:
        """The wire site's sitemap index."""
        return self.wire_base + WIRE_SITEMAP

    @property
    def listing_url(self) -> str:
        return self.wire_base + WIRE_LISTING

    @property
    def partner_listing_url(self) -> str:
        return self.partner_base + PARTNER_LISTING

    @property
    def partner_sitemap_url(self) -> str:
        return self.partner_base + PARTNER_SITEMAP

    @property
    def max_page_bytes(self) -> int:
        """The ``max_page_bytes`` that ``config_toml`` writes: half the oversized page."""
        return self.site.options.oversize_bytes // 2

    # -- request log -----------------------------------------------------------------------------

    def log(self, request: LoggedRequest) -> None:
        with self._log_lock:
            self._requests.append(request)

    @property
    def requests(self) -> list[LoggedRequest]:
        with self._log_lock:
            return list(self._requests)

    def clear_log(self) -> None:
        with self._log_lock:
            self._requests.clear()

    def article_requests(self, *, status: int | None = None) -> list[LoggedRequest]:
        """Requests for story pages (bad pages excluded), optionally only with one status."""
        return [
            r
            for r in self.requests
            if r.kind == Kind.ARTICLE and (status is None or r.status == status)
        ]

    def unchanged_downloads(self) -> list[LoggedRequest]:
        """Logged full downloads (200) of story pages that did not change in this round.

        After ``advance()`` and ``clear_log()``, an incremental crawl leaves this empty.
        """
        changed = {s.number for s in self.site.added_in(self.round)}
        changed |= {n for n, e in self.site.edited_in_round(self.round)}
        return [
            r
            for r in self.article_requests(status=200)
            if self.site.story_number(r.host == self._servers[Site.PARTNER].host, r.path)
            not in changed
        ]

    # -- what a correct crawl stores ---------------------------------------------------------

    def expected_wire_ids(self) -> set[str]:
        """Wire IDs of every story published so far (bad pages excluded)."""
        ids = {s.wire_id for s in self.site.wire_stories()}
        return {i for i in ids if i}

    def expected_syndicated_wire_ids(self) -> set[str]:
        """Wire IDs carried by the partner too: one article row, two addresses each."""
        return {s.wire_id for s in self.site.partner_copies().values() if s.wire_id}

    def expected_count_without_wire_id(self) -> int:
        """Stories without a wire ID (keyed by content hash); one of them has two addresses."""
        return len({s.number for s in self.site.partner_copies().values() if not s.has_wire_id})

    def expected_article_count(self) -> int:
        return len(self.expected_wire_ids()) + self.expected_count_without_wire_id()

    def expected_urls(self) -> dict[str, set[str]]:
        """Story key (wire ID, or ``no-wire-id:<title>``) -> its canonical addresses."""
        urls: dict[str, set[str]] = {}
        for story in self.site.wire_stories():
            urls.setdefault(_key(story), set()).add(
                canonicalise_url(self.wire_base + wire_path(story))
            )
        for path, story in self.site.partner_copies().items():
            urls.setdefault(_key(story), set()).add(canonicalise_url(self.partner_base + path))
        return urls

    def expected_url_count(self) -> int:
        return sum(len(addresses) for addresses in self.expected_urls().values())

    def expected_duplicate_urls_without_wire_id(self) -> set[str]:
        """The two partner addresses of the one story without a wire ID published twice."""
        duplicate = self.site.partner_copies()[self.site.duplicate_path_without_wire_id()]
        return {
            canonicalise_url(self.partner_base + path)
            for path, story in self.site.partner_copies().items()
            if story.number == duplicate.number
        }

    def expected_revisions(self) -> dict[str, int]:
        """Wire ID -> the revision a correct crawl stores, for stories edited by ``advance()``."""
        edited = self.site.edited_numbers()
        return {
            s.wire_id: s.revision
            for s in self.site.wire_stories()
            if s.number in edited and s.wire_id
        }

    def expected_edited_wire_ids(self) -> set[str]:
        return set(self.expected_revisions())

    def expected_new_wire_ids(self, round_number: int | None = None) -> set[str]:
        """Wire IDs first published in ``round_number`` (default: the current round)."""
        stories = self.site.added_in(round_number or self.round)
        return {s.wire_id for s in stories if s.wire_id}

    def expected_dateline_mismatch_wire_ids(self) -> set[str]:
        """Stories whose only page shows a stale dateline: stored date-only and flagged.

        Syndicated ones are not listed: the partner's JSON-LD time agrees with the
        wire date and improves the stored story.
        """
        syndicated = self.expected_syndicated_wire_ids()
        return {
            s.wire_id
            for s in self.site.wire_stories()
            if s.wrong_dateline and s.wire_id and s.wire_id not in syndicated
        }

    def expected_rejections(self) -> dict[str, frozenset[str]]:
        """Canonical URL of each bad page -> the reason codes a correct crawl may store for it.

        The robots-disallowed page is not here: it must never be requested at all.
        """
        if not self.site.options.bad_pages:
            return {}
        reasons = {
            BadPage.NOT_FOUND: frozenset({"http_error"}),
            BadPage.SERVER_ERROR: frozenset({"http_error"}),
            BadPage.EMPTY_SHELL: frozenset({"no_body", "not_an_article", "no_title"}),
            BadPage.OVERSIZED: frozenset({"too_large"}),
        }
        return {canonicalise_url(self.wire_base + page): codes for page, codes in reasons.items()}

    def expected_http_status(self) -> dict[str, int]:
        """Canonical URL -> ``http_status`` for the bad pages that end as HTTP errors."""
        if not self.site.options.bad_pages:
            return {}
        return {
            canonicalise_url(self.wire_base + BadPage.NOT_FOUND): 404,
            canonicalise_url(self.wire_base + BadPage.SERVER_ERROR): 500,
        }

    def disallowed_urls(self) -> set[str]:
        """Addresses linked from the listing that robots.txt forbids: never to be requested."""
        if not self.site.options.bad_pages:
            return set()
        return {self.wire_base + BadPage.DISALLOWED}

    # -- config ----------------------------------------------------------------------------------

    def config_toml(self, db_url: str, **crawl: object) -> str:
        """A ``wirewatch.toml`` crawling both sites into ``db_url``; ``crawl`` overrides settings."""
        pages = pages_needed(self.expected_article_count() + 10, self.site.options.page_size)
        settings: dict[str, object] = {
            "user_agent": "wirewatch-sampleweb/0.1 (+http://127.0.0.1/)",
            "obey_robots": True,
            "concurrency": 16,
            "per_host_concurrency": 8,
            "download_delay": 0.0,
            "timeout": 10,
            "retries": 1,
            "max_page_bytes": self.max_page_bytes,
            "max_depth": pages + 2,
        }
        settings.update(crawl)
        lines = ["[database]", f"url = {_toml(db_url)}", "", "[crawl]"]
        lines += [f"{key} = {_toml(value)}" for key, value in settings.items()]
        wire = [self.feed_url, self.sitemap_url, self.listing_url]
        partner = [self.partner_listing_url, self.partner_sitemap_url]
        for name, urls, host in (
            ("wire", wire, _host(self.wire_base)),
            ("partner", partner, _host(self.partner_base)),
        ):
            lines += [
                "",
                "[[sources]]",
                f"name = {_toml(name)}",
                f"start_urls = [{', '.join(_toml(u) for u in urls)}]",
                'schedule = "every 10m"',
                f"allowed_domains = [{_toml(host)}]",
            ]
        return "\n".join(lines) + "\n"

    def write_config(self, path: Path, db_url: str, **crawl: object) -> Path:
        path.write_text(self.config_toml(db_url, **crawl), encoding="utf-8")
        return path


def _base(server: _Server) -> str:
    return f"http://{server.host}:{server.server_address[1]}"


def _host(base: str) -> str:
    return base.split("://", 1)[1].rsplit(":", 1)[0]


def _key(story: Story) -> str:
    return story.wire_id or f"no-wire-id:{story.title}"


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


__all__ = ["LoggedRequest", "SampleWeb", "partner_path", "wire_path"]
