"""Failures become rejections with the right reason (a run's final status: ``test_outcome``)."""

import gzip

from scrapy import Request, Spider
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotSupported,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from wirewatch.core.record import Rejection, RejectReason
from wirewatch.crawler.middlewares.limits import BoundedHttpCompressionMiddleware
from wirewatch.crawler.middlewares.redirects import SiteRedirectMiddleware
from wirewatch.crawler.middlewares.refusals import Refused, TooLarge
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


def redirects(allowed: list[str], **settings: object) -> SiteRedirectMiddleware:
    crawler = get_crawler(Spider, {"URLLENGTH_LIMIT": 2083, **settings})
    crawler.spider = Spider("s", allowed_domains=allowed)
    return SiteRedirectMiddleware.from_crawler(crawler)


def refusal(middleware: SiteRedirectMiddleware, request: Request, response: Response) -> Rejection:
    try:
        middleware.process_response(request, response)
    except Refused as exc:
        rejection = rejection_for(failure(exc), request.url, 1000)
        assert rejection is not None
        return rejection
    raise AssertionError(f"{response.status} to {response.headers.get('Location')} was followed")


def test_a_redirect_off_the_allowed_domains_is_refused_and_becomes_an_offsite_rejection() -> None:
    middleware = redirects(["127.0.0.1"])
    request = Request(URL)
    on_site = Response(URL, status=301, headers={"Location": "/other/place"})
    followed = middleware.process_response(request, on_site)
    assert isinstance(followed, Request) and followed.url == "http://127.0.0.1/other/place"
    off_site = Response(URL, status=302, headers={"Location": "https://elsewhere.example/x"})
    rejection = refusal(middleware, request, off_site)
    assert (rejection.reason, rejection.http_status) == (RejectReason.OFFSITE_REDIRECT, 302)
    assert "elsewhere.example" in rejection.detail


def test_a_redirect_to_another_port_is_off_site_when_the_domain_names_a_port() -> None:
    request = Request("http://127.0.0.1:18100/1110354612/Story")
    moved = Response(request.url, status=301, headers={"Location": "http://127.0.0.1:18102/x"})
    assert isinstance(redirects(["127.0.0.1"]).process_response(request, moved), Request)
    rejection = refusal(redirects(["127.0.0.1:18100"]), request, moved)
    assert rejection.reason is RejectReason.OFFSITE_REDIRECT


def test_a_redirect_back_into_its_own_chain_is_a_loop() -> None:
    middleware = redirects(["127.0.0.1"])
    first = Request("http://127.0.0.1/a")
    second = middleware.process_response(
        first, Response(first.url, status=301, headers={"Location": "/b"})
    )
    assert isinstance(second, Request)
    back = Response(second.url, status=302, headers={"Location": "/a#top"})
    rejection = refusal(middleware, second, back)
    assert (rejection.reason, rejection.http_status) == (RejectReason.REDIRECT_LOOP, 302)
    assert "http://127.0.0.1/a -> http://127.0.0.1/b -> http://127.0.0.1/a" in rejection.detail


def test_a_chain_longer_than_redirect_max_times_is_a_loop_too() -> None:
    middleware = redirects(["127.0.0.1"], REDIRECT_MAX_TIMES=3)
    request = Request("http://127.0.0.1/0")
    for step in range(1, 4):
        moved = Response(request.url, status=302, headers={"Location": f"/{step}"})
        followed = middleware.process_response(request, moved)
        assert isinstance(followed, Request)
        request = followed
    rejection = refusal(
        middleware, request, Response(request.url, status=302, headers={"Location": "/4"})
    )
    assert rejection.reason is RejectReason.REDIRECT_LOOP
    assert "more than 3 redirects" in rejection.detail


def test_a_redirect_to_an_address_over_the_length_limit_is_a_bad_url() -> None:
    middleware = redirects(["127.0.0.1"], URLLENGTH_LIMIT=100)
    moved = Response(URL, status=301, headers={"Location": "/" + "x" * 200})
    assert refusal(middleware, Request(URL), moved).reason is RejectReason.BAD_URL


def test_a_body_that_inflates_past_the_limit_is_too_large_not_silently_ignored() -> None:
    crawler = get_crawler(Spider, {"DOWNLOAD_MAXSIZE": 10_000})
    middleware = BoundedHttpCompressionMiddleware.from_crawler(crawler)
    bomb = Response(
        URL, body=gzip.compress(b"\0" * 1_000_000), headers={"Content-Encoding": "gzip"}
    )
    try:
        middleware.process_response(Request(URL), bomb)
    except TooLarge as exc:
        rejection = rejection_for(failure(exc), URL, 10_000)
    else:
        raise AssertionError("the bomb was inflated")
    assert rejection is not None and rejection.reason is RejectReason.TOO_LARGE
    assert "10000" in rejection.detail
    small = Response(URL, body=gzip.compress(b"<p>x</p>"), headers={"Content-Encoding": "gzip"})
    assert middleware.process_response(Request(URL), small).body == b"<p>x</p>"


def test_an_unsupported_scheme_is_a_bad_url() -> None:
    rejection = rejection_for(failure(NotSupported("Unsupported URL scheme 'ftp'")), URL, 1000)
    assert rejection is not None and rejection.reason is RejectReason.BAD_URL
