"""Why a request failed, as a ``Rejection``: the errback half of the accounting.

A plain function of the Twisted ``Failure`` (as Scrapy's ``get_retry_request``
is of a request), so it can be tested without a crawl. A request wirewatch's
middlewares refused (``crawler.middlewares.refusals``) carries its reason;
requests that were never sent (robots.txt forbids them) are not rejections:
``None``.
"""

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotSupported,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectError, ConnectionLost, DNSLookupError, TimeoutError
from twisted.python.failure import Failure

from wirewatch.core.record import Rejection, RejectReason
from wirewatch.crawler.middlewares.refusals import Refused

_CONNECTION_ERRORS = (
    CannotResolveHostError,
    DNSLookupError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    ResponseDataLossError,
    ConnectError,
    ConnectionLost,
)


def rejection_for(failure: Failure, url: str, max_bytes: int) -> Rejection | None:
    """The rejected_pages row a failed request becomes (None: it was never requested).

    ``max_bytes`` is the size limit the request was downloaded under, for the detail
    of a download cancelled for its size.
    """
    value = failure.value
    if isinstance(value, HttpError):
        status = value.response.status
        return Rejection(url, RejectReason.HTTP_ERROR, f"HTTP {status}", status)
    if isinstance(value, Refused):
        return Rejection(url, value.reason, value.detail, value.status)
    if failure.check(IgnoreRequest):
        return None
    if failure.check(NotSupported):
        return Rejection(url, RejectReason.BAD_URL, _describe(failure, "cannot be requested"))
    if failure.check(DownloadTimeoutError, TimeoutError):
        return Rejection(url, RejectReason.TIMEOUT, _describe(failure, "timed out"))
    if failure.check(DownloadCancelledError):
        return Rejection(url, RejectReason.TOO_LARGE, f"larger than the limit of {max_bytes} bytes")
    if failure.check(*_CONNECTION_ERRORS):
        return Rejection(
            url, RejectReason.CONNECTION_ERROR, _describe(failure, "connection failed")
        )
    return Rejection(url, RejectReason.CONNECTION_ERROR, _describe(failure, "download failed"))


def _describe(failure: Failure, fallback: str) -> str:
    text = str(failure.value).strip()
    name = type(failure.value).__name__
    return f"{name}: {text}" if text else f"{name}: {fallback}"
