"""Failures become rejections with the right reason (a run's final status: ``test_outcome``)."""

from scrapy import Request
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from wirewatch.core.record import RejectReason
from wirewatch.crawler.middlewares.offsite_redirect import (
    OffsiteRedirect,
    OffsiteRedirectMiddleware,
)
from wirewatch.crawler.spiders.failures import rejection_for

URL = "http://127.0.0.1/1110354612/Story"


def failure(exc: Exception) -> Failure:
    try:
        raise exc
    except Exception:
        return Failure()


def test_an_http_error_after_retries_is_rejected_with_its_status() -> None:
    response = Response(URL, status=503)
    rejection = rejection_for(failure(HttpError(response, "bad")), URL, 1000)
    assert rejection is not None
    assert (rejection.reason, rejection.http_status) == (RejectReason.HTTP_ERROR, 503)


def test_a_cancelled_download_is_a_page_over_max_page_bytes() -> None:
    rejection = rejection_for(failure(DownloadCancelledError()), URL, 1000)
    assert rejection is not None
    assert rejection.reason is RejectReason.TOO_LARGE
    assert "1000" in rejection.detail


def test_timeouts_and_refused_connections_have_their_own_reasons() -> None:
    timeout = rejection_for(failure(DownloadTimeoutError("took too long")), URL, 1000)
    refused = rejection_for(failure(DownloadConnectionRefusedError("refused")), URL, 1000)
    assert timeout is not None and timeout.reason is RejectReason.TIMEOUT
    assert refused is not None and refused.reason is RejectReason.CONNECTION_ERROR
    assert "refused" in refused.detail


def test_a_request_robots_txt_forbade_is_not_a_rejection_since_it_was_never_sent() -> None:
    assert rejection_for(failure(IgnoreRequest("Forbidden by robots.txt")), URL, 1000) is None


def test_a_redirect_off_the_allowed_domains_is_refused_and_becomes_an_offsite_rejection() -> None:
    class FakeStats:
        def inc_value(self, key: str, count: int = 1) -> None:
            self.key = key

    class FakeCrawler:
        spider = type("S", (), {"allowed_domains": ["127.0.0.1"]})()
        stats = FakeStats()

    middleware = OffsiteRedirectMiddleware(FakeCrawler())  # type: ignore[arg-type]
    request = Request(URL)
    on_site = Response(URL, status=301, headers={"Location": "/other/place"})
    assert middleware.process_response(request, on_site) is on_site
    off_site = Response(URL, status=302, headers={"Location": "https://elsewhere.example/x"})
    try:
        middleware.process_response(request, off_site)
    except OffsiteRedirect as exc:
        rejection = rejection_for(failure(exc), URL, 1000)
    else:
        raise AssertionError("an off-site redirect was followed")
    assert rejection is not None
    assert (rejection.reason, rejection.http_status) == (RejectReason.OFFSITE_REDIRECT, 302)
    assert "elsewhere.example" in rejection.detail
