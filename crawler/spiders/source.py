"""The one spider: discovers and fetches the article pages of one configured source.

It only navigates. Start URLs, feeds, sitemaps and listing pages are fetched on
every run (unconditionally: a stale ETag on a changed feed must not hide new
entries) and told apart by content (``crawler.discover``); the article addresses
they list are checked against storage (``crawler.incremental``) and requested
only when new or said to have changed, conditionally. A listing's pagination is
not followed past a page whose stories are all stored and unchanged. Each article response
becomes a ``FetchedPage`` (or ``NotModified`` for a 304); each failure a
``Rejection``. Extraction and storage happen in the item pipelines.

Feeds and sitemaps are read incrementally and their addresses scheduled as they
are read, ``PLAN_CHUNK`` at a time; while more than ``SCHEDULE_AHEAD`` requests
wait in the scheduler, reading pauses, so a sitemap of a million addresses
never holds a million requests. A discovery document (start URL, or a sitemap
an index lists) may be ``max_sitemap_bytes`` long, uncompressed; a larger one
is rejected ``too_large`` before anything in it is used, never cut short. HTML
pages keep ``max_page_bytes``.

Given ``targets`` (``wirewatch crawl --url``, ``recrawl``), the spider fetches
those article addresses instead, with their conditional headers, and discovers
nothing; they count as its start URLs.

Caps, each recorded in the run (``warnings``, written to ``crawl_runs.error``
of a run that succeeded): at most ``max_discovery_pages`` discovery documents
per run, start URLs included (start URLs are always fetched), and sitemap
indexes nested at most ``INDEX_DEPTH`` deep below a start URL. A start page
in HTML that links to pages of the site but to no story (and is no story
itself) is a warning too: "no story links recognised on URL", so a template
discovery cannot read shows as such rather than as a silent zero.

A rejection of a start URL (an HTTP error, a refused redirect, a body too
large, an address too long) counts against the run: when every start URL fails,
the run fails (``crawler.outcome``).

Settings read: ``WIREWATCH_DATABASE_URL``, ``WIREWATCH_MAX_DEPTH``,
``WIREWATCH_MAX_PAGES``, ``WIREWATCH_MAX_SITEMAP_BYTES``,
``WIREWATCH_MAX_DISCOVERY_PAGES``, ``DOWNLOAD_MAXSIZE``.
Stats: ``wirewatch/pages_fetched``, ``wirewatch/discovery/<kind>``,
``wirewatch/articles_requested``, ``wirewatch/articles_revisited``,
``wirewatch/articles_skipped_known``, ``wirewatch/start_urls_failed``,
``wirewatch/robots_forbidden``, ``wirewatch/max_pages_reached``,
``wirewatch/listing_stopped_at_known``, ``wirewatch/offsite_links``,
``wirewatch/discovery_skipped``, ``wirewatch/schedule_waits``,
``wirewatch/start_pages_without_stories``.
"""

import asyncio
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Self, TypeVar

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from wirewatch.core.config import SourceConfig
from wirewatch.core.record import Rejection, RejectReason
from wirewatch.core.urls import canonicalise_url, on_site
from wirewatch.crawler.database import shared_engine
from wirewatch.crawler.discover import (
    BadLink,
    DiscoveryError,
    DocumentTooLarge,
    Entry,
    PageKind,
    article_links,
    checked_size,
    chunks,
    classify,
    head,
    looks_like_article,
    next_pages,
    page_links,
    read_feed,
    read_sitemap,
    sniff_kind,
)
from wirewatch.crawler.discover.alternates import alternate_addresses
from wirewatch.crawler.incremental import Plan, RevisitPlanner, Visit
from wirewatch.crawler.items import FetchedPage, NotModified
from wirewatch.crawler.retry import StorageUnavailable
from wirewatch.crawler.spiders.failures import rejection_for

ROLE = "wirewatch_role"
DEPTH = "wirewatch_depth"
DATE_HINT = "wirewatch_date_hint"
LISTED_TITLE = "wirewatch_listed_title"
START, DISCOVERY, ARTICLE = "start", "discovery", "article"
MAX_SIZE = "download_maxsize"
"""Scrapy's own meta key: the size limit of one request's download (and inflation)."""

PLAN_CHUNK = 500
"""Addresses of a feed or sitemap checked against storage, and scheduled, at a time."""
SCHEDULE_AHEAD = 1000
"""Reading a feed or sitemap pauses while more requests than this wait in the scheduler."""
SCHEDULE_POLL_SECONDS = 0.05
INDEX_DEPTH = 2
"""Sitemap indexes are followed this many levels below a start URL: the protocol allows
none nested, some sites nest one; deeper ones are a trap."""

T = TypeVar("T")


@dataclass
class _Skipped:
    """Discovery documents a cap kept from being fetched: how many, and who listed the first."""

    count: int = 0
    first_listed_by: str = ""

    def add(self, listed_by: str) -> None:
        if not self.count:
            self.first_listed_by = listed_by
        self.count += 1


class SourceSpider(Spider):
    """Crawl one ``SourceConfig``: ``scrapy crawl`` is never used, ``crawler.process`` is."""

    name = "wirewatch"
    planner: RevisitPlanner
    max_depth: int
    max_pages: int
    max_page_bytes: int
    max_sitemap_bytes: int
    max_discovery_pages: int

    def __init__(
        self, source: SourceConfig, targets: Sequence[Visit] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(name=source.name, **kwargs)
        self.targets = {visit.url: visit for visit in targets} if targets is not None else None
        if self.targets is not None:
            # The targets stand in for the start URLs: a run whose every target fails, fails.
            source = source.model_copy(update={"start_urls": list(self.targets)})
        self.source = source
        self.allowed_domains = list(source.allowed_domains)
        self.start_errors: list[str] = []
        self._requests_made = 0
        self._discovery_made = 0
        self._over_cap = _Skipped()
        self._too_deep = _Skipped()
        self._no_story_links: list[tuple[str, int, PageKind]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.planner = RevisitPlanner(
            shared_engine(settings["WIREWATCH_DATABASE_URL"]),
            settings.getfloat("WIREWATCH_STORAGE_RETRY_SECONDS"),
        )
        spider.max_depth = settings.getint("WIREWATCH_MAX_DEPTH")
        spider.max_pages = settings.getint("WIREWATCH_MAX_PAGES")
        spider.max_page_bytes = settings.getint("DOWNLOAD_MAXSIZE")
        spider.max_sitemap_bytes = settings.getint("WIREWATCH_MAX_SITEMAP_BYTES")
        spider.max_discovery_pages = settings.getint("WIREWATCH_MAX_DISCOVERY_PAGES")
        return spider

    @property
    def warnings(self) -> list[str]:
        """The discovery caps this run hit and its start pages without story links, one line each."""
        found = []
        if self._over_cap.count:
            found.append(
                f"max_discovery_pages ({self.max_discovery_pages}) reached:"
                f" {self._over_cap.count} listed feeds, sitemaps or listing pages not fetched"
                f" (the first listed by {self._over_cap.first_listed_by})"
            )
        if self._too_deep.count:
            found.append(
                f"sitemap indexes nested more than {INDEX_DEPTH} deep:"
                f" {self._too_deep.count} sitemaps not fetched"
                f" (the first listed by {self._too_deep.first_listed_by})"
            )
        found.extend(self._no_stories_warnings())
        return found

    def _no_stories_warnings(self) -> list[str]:
        """One line per start page that links to pages of the site but to no story.

        A start page taken for an article (no story links, no next page) is one
        only when the run stored no story: extraction may have found it is one.
        """
        stats = self.crawler.stats
        assert stats is not None
        stored = sum(
            int(value)
            for key, value in stats.get_stats().items()
            if key.startswith("wirewatch/storage/outcome/")
        )
        lines = [
            f"no story links recognised on {url} ({links} link{'s' if links > 1 else ''}"
            " to the site, none read as a story)"
            for url, links, kind in self._no_story_links
            if kind is PageKind.LISTING or not stored
        ]
        stories = sum(
            int(stats.get_value(key, 0))
            for key in (
                "wirewatch/articles_requested",
                "wirewatch/articles_revisited",
                "wirewatch/articles_skipped_known",
            )
        )
        if lines and not stories:
            pages = int(stats.get_value("wirewatch/pages_fetched", 0))
            lines[0] = f"{pages} page{'s' if pages != 1 else ''}, 0 stories: {lines[0]}"
        return lines

    async def start(self) -> AsyncIterator[Request | Rejection]:
        if self.targets is not None:
            for target in self._target_requests(self.targets.values()):
                yield target
            return
        for url in self.source.start_urls:
            self._discovery_made += 1
            request = self._request(
                url,
                self.parse_discovery,
                START,
                dont_filter=True,
                max_bytes=self._discovery_bytes,
            )
            if request is not None:
                yield request

    def _target_requests(self, visits: Iterable[Visit]) -> Iterator[Request | Rejection]:
        """Article pages asked for by address (``crawl --url``, ``recrawl``): no discovery;
        a stored one is asked for conditionally."""
        for visit in visits:
            request = self._request(
                visit.url, self.parse_article, START, headers=visit.headers, dont_filter=True
            )
            if request is None:
                return
            if isinstance(request, Request):
                request.meta["handle_httpstatus_list"] = [304]
                self._inc(
                    "wirewatch/articles_revisited"
                    if visit.conditional
                    else "wirewatch/articles_requested"
                )
            yield request

    async def parse_discovery(self, response: Response) -> AsyncIterator[Any]:
        """A start URL, feed, sitemap or listing page: what it lists, and where to go next."""
        self._inc("wirewatch/pages_fetched")
        kind = sniff_kind(head(response.body))
        if kind is None:
            if len(response.body) > self.max_page_bytes:
                detail = f"{len(response.body)} bytes, over max_page_bytes ({self.max_page_bytes})"
                yield self._rejected(response, RejectReason.TOO_LARGE, detail)
                return
            kind = classify(response, self.allowed_domains)
        self._inc(f"wirewatch/discovery/{kind}")
        depth = int(response.meta.get(DEPTH, 0))
        if response.meta.get(ROLE) == START:
            self._note_start_page(response, kind)
        if kind is PageKind.ARTICLE:
            yield self._page(response)
        elif kind is PageKind.LISTING:
            async for output in self._read_listing(response, depth):
                yield output
        else:
            async for output in self._read_document(response, kind, depth):
                yield output

    def _note_start_page(self, response: Response, kind: PageKind) -> None:
        """Remember a start page (HTML, not a story itself) whose links are none a story's."""
        if not isinstance(response, TextResponse) or kind not in (
            PageKind.LISTING,
            PageKind.ARTICLE,
        ):
            return
        if kind is PageKind.ARTICLE and looks_like_article(response, self.allowed_domains):
            return
        if article_links(response, self.allowed_domains):
            return
        links = page_links(response, self.allowed_domains)
        if links:
            self._inc("wirewatch/start_pages_without_stories")
            self._no_story_links.append((response.url, links, kind))

    def parse_article(self, response: Response) -> Iterable[FetchedPage | NotModified]:
        self._inc("wirewatch/pages_fetched")
        if response.status == 304:
            yield NotModified(canonicalise_url(response.url), self.source.name, _now())
            return
        yield self._page(response)

    def on_error(self, failure: Failure) -> Iterable[Rejection]:
        """Errback of every request: the failure becomes a rejection (robots.txt: nothing)."""
        request: Request = failure.request  # type: ignore[attr-defined]
        limit = int(request.meta.get(MAX_SIZE, self.max_page_bytes))
        rejection = rejection_for(failure, _listed_url(request), limit)
        if rejection is None:
            self._inc("wirewatch/robots_forbidden")
            return
        if rejection.http_status is not None:
            self._inc("wirewatch/pages_fetched")
        yield self._account(request, rejection)

    async def _read_listing(self, response: Response, depth: int) -> AsyncIterator[Any]:
        if not isinstance(response, TextResponse):
            return
        entries = [Entry(url) for url in article_links(response, self.allowed_domains)]
        plan = await self.planner.plan(entries)
        for request in self._article_requests(plan):
            yield request
        if entries and not plan.visits:
            # Listings run newest first: a page of stories all stored and unchanged
            # means the older pages hold nothing new either (sitemaps cover the rest).
            self._inc("wirewatch/listing_stopped_at_known")
            return
        if depth + 1 > self.max_depth:
            return
        for url in next_pages(response):
            page = self._discovery_request(url, depth + 1, response.url)
            if page is not None:
                yield page

    async def _read_document(
        self, response: Response, kind: PageKind, depth: int
    ) -> AsyncIterator[Any]:
        """A feed, sitemap or sitemap index, read and scheduled a piece at a time."""
        try:
            checked_size(response.body, self.max_sitemap_bytes)
        except DocumentTooLarge as exc:
            yield self._rejected(response, RejectReason.TOO_LARGE, str(exc))
            return
        except DiscoveryError as exc:
            yield self._rejected(response, RejectReason.PARSE_ERROR, str(exc))
            return
        read = read_feed if kind is PageKind.FEED else read_sitemap
        listed = read(chunks(response.body), response.url)
        try:
            if kind is PageKind.SITEMAP_INDEX:
                async for output in self._follow_index(listed, depth + 1, response.url):
                    yield output
                return
            async for output in self._schedule_articles(listed, response.url):
                yield output
        except DiscoveryError as exc:
            yield self._rejected(response, RejectReason.PARSE_ERROR, str(exc))

    async def _follow_index(
        self, listed: Iterator[Entry | BadLink], depth: int, index_url: str
    ) -> AsyncIterator[Request | Rejection]:
        async for item in _paced(listed):
            if isinstance(item, BadLink):
                yield self._bad_link(item, index_url)
            elif depth > INDEX_DEPTH:
                self._too_deep.add(index_url)
                self._inc("wirewatch/discovery_skipped")
            else:
                request = self._discovery_request(
                    item.url, depth, index_url, max_bytes=self._discovery_bytes
                )
                if request is not None:
                    yield request

    async def _schedule_articles(
        self, listed: Iterator[Entry | BadLink], document_url: str
    ) -> AsyncIterator[Request | Rejection]:
        batch: list[Entry] = []
        async for item in _paced(listed):
            if isinstance(item, BadLink):
                yield self._bad_link(item, document_url)
            elif not on_site(item.url, self.allowed_domains):
                self._inc("wirewatch/offsite_links")
            else:
                batch.append(item)
            if len(batch) < PLAN_CHUNK:
                continue
            async for request in self._schedule(batch):
                yield request
            batch = []
            if self._budget_spent():
                return
        async for request in self._schedule(batch):
            yield request

    async def _schedule(self, entries: Sequence[Entry]) -> AsyncIterator[Request | Rejection]:
        if not entries:
            return
        await self._room_in_scheduler()
        try:
            plan = await self.planner.plan(entries)
        except StorageUnavailable as exc:
            # Which of these addresses are known cannot be asked: the run fails
            # with the storage error (the pipeline's way), rather than fetch blind.
            self._set("wirewatch/storage_error", str(exc))
            raise CloseSpider("storage_unavailable") from exc
        for request in self._article_requests(plan):
            yield request

    async def _room_in_scheduler(self) -> None:
        """Wait while more than ``SCHEDULE_AHEAD`` requests are waiting to be downloaded.

        The engine takes nothing from the scheduler while it backs out for another
        reason than a busy downloader (responses piling up in the scraper, a
        closing spider): waiting then would never end, so it does not wait.
        """
        engine = self.crawler.engine
        while engine is not None:
            scheduler = engine.scheduler
            if not isinstance(scheduler, Sized) or len(scheduler) <= SCHEDULE_AHEAD:
                return
            if engine.needs_backout() and not engine.downloader.needs_backout():
                return
            self._inc("wirewatch/schedule_waits")
            await asyncio.sleep(SCHEDULE_POLL_SECONDS)

    def _article_requests(self, plan: Plan) -> Iterable[Request | Rejection]:
        self._inc("wirewatch/articles_skipped_known", plan.skipped)
        for visit in plan.visits:
            request = self._request(visit.url, self.parse_article, ARTICLE, headers=visit.headers)
            if request is None:
                return
            if isinstance(request, Rejection):
                yield request
                continue
            request.meta[DATE_HINT] = visit.date_hint
            request.meta[LISTED_TITLE] = visit.title
            request.meta["handle_httpstatus_list"] = [304]
            self._inc(
                "wirewatch/articles_revisited"
                if visit.conditional
                else "wirewatch/articles_requested"
            )
            yield request

    def _discovery_request(
        self, url: str, depth: int, listed_by: str, *, max_bytes: int | None = None
    ) -> Request | Rejection | None:
        """A request for a listed discovery document on the site, within ``max_discovery_pages``."""
        if not on_site(url, self.allowed_domains):
            self._inc("wirewatch/offsite_links")
            return None
        if self._discovery_made >= self.max_discovery_pages:
            self._over_cap.add(listed_by)
            self._inc("wirewatch/discovery_skipped")
            return None
        self._discovery_made += 1
        return self._request(url, self.parse_discovery, DISCOVERY, depth=depth, max_bytes=max_bytes)

    def _request(
        self,
        url: str,
        callback: Any,
        role: str,
        *,
        depth: int = 0,
        headers: dict[str, str] | None = None,
        dont_filter: bool = False,
        max_bytes: int | None = None,
    ) -> Request | Rejection | None:
        """A request within the ``max_pages`` budget (None once it is spent).

        An address Scrapy cannot make a request of becomes a ``bad_url`` rejection.
        """
        if self._budget_spent():
            self._set("wirewatch/max_pages_reached", True)
            return None
        self._requests_made += 1
        meta: dict[str, Any] = {ROLE: role, DEPTH: depth}
        if max_bytes is not None:
            meta[MAX_SIZE] = max_bytes
        try:
            return Request(
                url,
                callback=callback,
                errback=self.on_error,
                headers=headers,
                dont_filter=dont_filter,
                meta=meta,
            )
        except ValueError as exc:
            rejection = Rejection(url, RejectReason.BAD_URL, f"not a valid address: {exc}")
            return self._account_role(role, rejection)

    def _budget_spent(self) -> bool:
        return bool(self.max_pages) and self._requests_made >= self.max_pages

    @property
    def _discovery_bytes(self) -> int:
        return max(self.max_sitemap_bytes, self.max_page_bytes)

    def _bad_link(self, link: BadLink, listed_by: str) -> Rejection:
        return Rejection(link.text, RejectReason.BAD_URL, f"{link.problem} (listed by {listed_by})")

    def _rejected(self, response: Response, reason: RejectReason, detail: str) -> Rejection:
        """A fetched discovery page that cannot be used, accounted like a failed request."""
        rejection = Rejection(_listed_url(response.request), reason, detail, response.status)
        return self._account(response.request, rejection)

    def _account(self, request: Request | None, rejection: Rejection) -> Rejection:
        if request is not None and request.url not in (rejection.url, *rejection.detail.split()):
            rejection = Rejection(
                rejection.url,
                rejection.reason,
                f"{rejection.detail} (at {request.url}, after redirects)",
                rejection.http_status,
            )
        role = request.meta.get(ROLE) if request is not None else None
        return self._account_role(role, rejection)

    def _account_role(self, role: str | None, rejection: Rejection) -> Rejection:
        if role == START:
            self._inc("wirewatch/start_urls_failed")
            self.start_errors.append(f"{rejection.url}: {rejection.detail}")
        self.logger.info("Rejected %s: %s (%s)", rejection.url, rejection.reason, rejection.detail)
        return rejection

    def _page(self, response: Response) -> FetchedPage:
        headers = {
            _text(k).lower(): _text(v) for k, v in response.headers.to_unicode_dict().items()
        }
        also_at: tuple[str, ...] = ()
        if isinstance(response, TextResponse):
            also_at = tuple(
                alternate_addresses(
                    response.body, response.url, self.allowed_domains, response.encoding
                )
            )
        return FetchedPage(
            url=response.url,
            status=response.status,
            headers=headers,
            body=response.body,
            source=self.source.name,
            fetched_at=_now(),
            date_hint=response.meta.get(DATE_HINT),
            redirected_from=tuple(response.meta.get("redirect_urls", ())),
            also_at=also_at,
            listed_title=response.meta.get(LISTED_TITLE),
        )

    def _inc(self, key: str, count: int = 1) -> None:
        if count:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(key, count)

    def _set(self, key: str, value: object) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.set_value(key, value)


async def _paced(items: Iterable[T]) -> AsyncIterator[T]:
    """``items``, giving the reactor a turn every ``PLAN_CHUNK`` of them.

    Reading a large document is CPU work in the reactor's thread; without these
    turns, one listing only off-site or known addresses would stall every download.
    """
    for count, item in enumerate(items, start=1):
        if count % PLAN_CHUNK == 0:
            await asyncio.sleep(0)
        yield item


def _listed_url(request: Request | None) -> str:
    """The address a request was made for: the first of its redirect chain."""
    if request is None:
        return ""
    chain = request.meta.get("redirect_urls")
    return str(chain[0]) if chain else request.url


def _now() -> datetime:
    return datetime.now(UTC)


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value
