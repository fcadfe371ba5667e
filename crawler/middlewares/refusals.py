"""Requests wirewatch refuses on purpose, each with the rejection reason it ends as.

Scrapy drops such requests with a bare ``IgnoreRequest`` (or, for a redirect
filtered off site, with nothing at all), which is also what it raises for an
address robots.txt forbids: a request never sent, so never a rejection. The
middlewares here raise a ``Refused`` subclass instead; it reaches the request's
errback like any ``IgnoreRequest`` and becomes a ``rejected_pages`` row with its
reason (``crawler.spiders.failures``).
"""

from typing import ClassVar

from scrapy.exceptions import IgnoreRequest

from wirewatch.core.record import RejectReason


class Refused(IgnoreRequest):
    """A request refused for a reason that belongs in ``rejected_pages``."""

    reason: ClassVar[RejectReason]

    def __init__(self, detail: str, status: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status


class OffsiteRedirect(Refused):
    """A redirect (a 3xx or a meta refresh) to an address outside the allowed domains."""

    reason = RejectReason.OFFSITE_REDIRECT

    def __init__(self, url: str, target: str, how: str, status: int | None) -> None:
        super().__init__(f"{url} redirects ({how}) off the allowed domains to {target}", status)
        self.url = url
        self.target = target


class RedirectLoop(Refused):
    """A redirect back to an address of its own chain, or a chain over the redirect limit."""

    reason = RejectReason.REDIRECT_LOOP


class TooLarge(Refused):
    """A body over its size limit: one that inflates past it, or a discovery document."""

    reason = RejectReason.TOO_LARGE


class BadUrl(Refused):
    """An address that cannot be requested as it is: over the length limit, or unparsable."""

    reason = RejectReason.BAD_URL
