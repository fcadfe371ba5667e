"""Refuse redirects that leave the source's allowed domains, as a recordable failure.

Scrapy's own offsite filtering drops such a redirect silently (the request is
"dropped", no errback runs), so the page would vanish from the accounting. This
middleware sits between the downloader and ``RedirectMiddleware`` and turns such
a 3xx into an ``OffsiteRedirect`` exception, which reaches the request's errback
and becomes an ``offsite_redirect`` rejection.

Settings read: none (the allowed domains are the spider's ``allowed_domains``).
Stats: ``wirewatch/offsite_redirects``.
"""

from typing import Self
from urllib.parse import urljoin

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from wirewatch.crawler.discover.listings import host_allowed

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class OffsiteRedirect(IgnoreRequest):
    """A redirect to a host outside the allowed domains."""

    def __init__(self, url: str, target: str, status: int) -> None:
        super().__init__(f"{url} redirects ({status}) off the allowed domains to {target}")
        self.url = url
        self.target = target
        self.status = status


class OffsiteRedirectMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get("Location")
        if response.status not in REDIRECT_STATUSES or not location:
            return response
        target = urljoin(request.url, location.decode("latin-1"))
        allowed = list(getattr(self.crawler.spider, "allowed_domains", None) or [])
        if host_allowed(target, allowed):
            return response
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("wirewatch/offsite_redirects")
        raise OffsiteRedirect(request.url, target, response.status)
