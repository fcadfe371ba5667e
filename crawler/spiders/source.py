"""The one spider: discovers and fetches the article pages of one configured source.

It only navigates. Start URLs, feeds, sitemaps and listing pages are fetched on
every run (unconditionally: a stale ETag on a changed feed must not hide new
entries) and told apart by content (``crawler.discover``); the article addresses
they list are checked against storage (``crawler.incremental``) and requested
only when new or said to have changed, conditionally. A listing's pagination is
not followed past a page whose stories are all stored and unchanged. Each article response
becomes a ``FetchedPage`` (or ``NotModified`` for a 304); each failure a
``Rejection``. Extraction and storage happen in the item pipelines.

Settings read: ``WIREWATCH_DATABASE_URL``, ``WIREWATCH_MAX_DEPTH``,
``WIREWATCH_MAX_PAGES``, ``DOWNLOAD_MAXSIZE``.
Stats: ``wirewatch/pages_fetched``, ``wirewatch/discovery/<kind>``,
``wirewatch/articles_requested``, ``wirewatch/articles_revisited``,
``wirewatch/articles_skipped_known``, ``wirewatch/start_urls_failed``,
``wirewatch/robots_forbidden``, ``wirewatch/max_pages_reached``,
``wirewatch/listing_stopped_at_known``.
"""

from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Self

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from wirewatch.core.config import SourceConfig
from wirewatch.core.record import Rejection, RejectReason
from wirewatch.core.urls import canonicalise_url
from wirewatch.crawler.database import shared_engine
from wirewatch.crawler.discover import (
    Entry,
    FeedError,
    PageKind,
    article_links,
    classify,
    feed_entries,
    maybe_gunzip,
    next_pages,
    sitemap_entries,
)
from wirewatch.crawler.incremental import Plan, RevisitPlanner
from wirewatch.crawler.items import FetchedPage, NotModified
from wirewatch.crawler.spiders.failures import rejection_for

ROLE = "wirewatch_role"
DEPTH = "wirewatch_depth"
DATE_HINT = "wirewatch_date_hint"
START, DISCOVERY, ARTICLE = "start", "discovery", "article"


class SourceSpider(Spider):
    """Crawl one ``SourceConfig``: ``scrapy crawl`` is never used, ``crawler.process`` is."""

    name = "wirewatch"
    planner: RevisitPlanner
    max_depth: int
    max_pages: int
    max_page_bytes: int

    def __init__(self, source: SourceConfig, **kwargs: Any) -> None:
        super().__init__(name=source.name, **kwargs)
        self.source = source
        self.allowed_domains = list(source.allowed_domains)
        self.start_errors: list[str] = []
        self._requests_made = 0

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
        return spider

    async def start(self) -> AsyncIterator[Request]:
        for url in self.source.start_urls:
            request = self._request(url, self.parse_discovery, START, depth=0, dont_filter=True)
            if request is not None:
                yield request

    async def parse_discovery(self, response: Response) -> AsyncIterator[Any]:
        """A start URL, feed, sitemap or listing page: what it lists, and where to go next."""
        self._inc("wirewatch/pages_fetched")
        body = maybe_gunzip(response.body, self.max_page_bytes)
        kind = classify(response, self.allowed_domains, body)
        self._inc(f"wirewatch/discovery/{kind}")
        depth = int(response.meta.get(DEPTH, 0))
        if kind is PageKind.ARTICLE:
            yield self._page(response)
            return
        entries: list[Entry] = []
        if kind is PageKind.FEED:
            try:
                entries = feed_entries(body, response.url)
            except FeedError as exc:
                yield Rejection(response.url, RejectReason.PARSE_ERROR, str(exc), response.status)
                return
        elif kind in (PageKind.SITEMAP, PageKind.SITEMAP_INDEX):
            entries = sitemap_entries(body, response.url)
            if kind is PageKind.SITEMAP_INDEX:
                for request in self._discovery_requests([e.url for e in entries], depth + 1):
                    yield request
                return
        elif isinstance(response, TextResponse):
            entries = [Entry(url) for url in article_links(response, self.allowed_domains)]
            plan = await self.planner.plan(entries)
            for request in self._article_requests(plan):
                yield request
            if entries and not plan.visits:
                # Listings run newest first: a page of stories all stored and unchanged
                # means the older pages hold nothing new either (sitemaps cover the rest).
                self._inc("wirewatch/listing_stopped_at_known")
                return
            for request in self._discovery_requests(next_pages(response), depth + 1):
                yield request
            return
        for request in self._article_requests(await self.planner.plan(entries)):
            yield request

    def parse_article(self, response: Response) -> Iterable[FetchedPage | NotModified]:
        self._inc("wirewatch/pages_fetched")
        if response.status == 304:
            yield NotModified(canonicalise_url(response.url), self.source.name, _now())
            return
        yield self._page(response)

    def on_error(self, failure: Failure) -> Iterable[Rejection]:
        """Errback of every request: the failure becomes a rejection (robots.txt: nothing)."""
        request: Request = failure.request  # type: ignore[attr-defined]
        rejection = rejection_for(failure, request.url, self.max_page_bytes)
        if rejection is None:
            self._inc("wirewatch/robots_forbidden")
            return
        if rejection.http_status is not None:
            self._inc("wirewatch/pages_fetched")
        if request.meta.get(ROLE) == START:
            self._inc("wirewatch/start_urls_failed")
            self.start_errors.append(f"{request.url}: {rejection.detail}")
        self.logger.info("Rejected %s: %s (%s)", request.url, rejection.reason, rejection.detail)
        yield rejection

    def _article_requests(self, plan: Plan) -> Iterable[Request]:
        self._inc("wirewatch/articles_skipped_known", plan.skipped)
        for visit in plan.visits:
            request = self._request(visit.url, self.parse_article, ARTICLE, headers=visit.headers)
            if request is None:
                return
            request.meta[DATE_HINT] = visit.date_hint
            request.meta["handle_httpstatus_list"] = [304]
            self._inc(
                "wirewatch/articles_revisited"
                if visit.conditional
                else "wirewatch/articles_requested"
            )
            yield request

    def _discovery_requests(self, urls: Sequence[str], depth: int) -> Iterable[Request]:
        if depth > self.max_depth:
            return
        for url in urls:
            request = self._request(url, self.parse_discovery, DISCOVERY, depth=depth)
            if request is None:
                return
            yield request

    def _request(
        self,
        url: str,
        callback: Any,
        role: str,
        *,
        depth: int = 0,
        headers: dict[str, str] | None = None,
        dont_filter: bool = False,
    ) -> Request | None:
        """A request within the ``max_pages`` budget (None once it is spent)."""
        if self.max_pages and self._requests_made >= self.max_pages:
            self._set("wirewatch/max_pages_reached", True)
            return None
        self._requests_made += 1
        return Request(
            url,
            callback=callback,
            errback=self.on_error,
            headers=headers,
            dont_filter=dont_filter,
            meta={ROLE: role, DEPTH: depth},
        )

    def _page(self, response: Response) -> FetchedPage:
        headers = {
            _text(k).lower(): _text(v) for k, v in response.headers.to_unicode_dict().items()
        }
        return FetchedPage(
            url=response.url,
            status=response.status,
            headers=headers,
            body=response.body,
            source=self.source.name,
            fetched_at=_now(),
            date_hint=response.meta.get(DATE_HINT),
        )

    def _inc(self, key: str, count: int = 1) -> None:
        if count:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(key, count)

    def _set(self, key: str, value: object) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.set_value(key, value)


def _now() -> datetime:
    return datetime.now(UTC)


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value
