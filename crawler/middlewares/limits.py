"""Size and length limits that end as rejections, where Scrapy's own would drop silently.

- ``BoundedHttpCompressionMiddleware``: Scrapy's ``HttpCompressionMiddleware``,
  whose one refusal (a ``Content-Encoding`` body that inflates past
  ``DOWNLOAD_MAXSIZE``, or the request's ``download_maxsize``: a decompression
  bomb) becomes ``TooLarge`` rather than a bare ``IgnoreRequest``.
- ``UrlLengthRejectMiddleware``: Scrapy's ``UrlLengthMiddleware`` (a spider
  middleware), which drops a request whose address is longer than
  ``URLLENGTH_LIMIT``; here the request's errback is called with ``BadUrl``
  instead, and what it returns (the rejection) takes the request's place in the
  spider's output.

Settings read: ``DOWNLOAD_MAXSIZE``, ``URLLENGTH_LIMIT``.
Stats: ``wirewatch/refused/<reason>``.
"""

from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.urllength import UrlLengthMiddleware
from scrapy.statscollectors import StatsCollector
from twisted.python.failure import Failure

from wirewatch.crawler.middlewares.refusals import BadUrl, TooLarge


class BoundedHttpCompressionMiddleware(HttpCompressionMiddleware):
    def __init__(
        self, stats: StatsCollector | None = None, *, crawler: Crawler | None = None
    ) -> None:
        super().__init__(stats, crawler=crawler)
        self.default_max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE") if crawler else 0

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:  # its one refusal: the body inflates past the limit
            limit = request.meta.get("download_maxsize", self.default_max_size)
            if self.stats is not None:
                self.stats.inc_value(f"wirewatch/refused/{TooLarge.reason}")
            raise TooLarge(
                f"{len(response.body)} bytes that inflate to more than {limit} bytes"
                " (Content-Encoding)",
                response.status,
            ) from exc


class UrlLengthRejectMiddleware(UrlLengthMiddleware):
    def get_processed_request(self, request: Request, response: Response | None) -> Any:
        """The request, or for an address over the limit what its errback makes of ``BadUrl``."""
        if len(request.url) <= self.maxlength:
            return request
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"wirewatch/refused/{BadUrl.reason}")
        refusal = BadUrl(
            f"an address of {len(request.url)} characters, over the limit of {self.maxlength}"
        )
        if request.errback is None:
            return None
        failure = Failure(refusal)
        failure.request = request  # type: ignore[attr-defined]  # as Scrapy sets it for errbacks
        outcome = list(request.errback(failure) or [])
        return outcome[0] if outcome else None
