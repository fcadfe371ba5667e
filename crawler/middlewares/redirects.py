"""Follow redirects within the site only, and refuse the others as recordable failures.

Scrapy's ``RedirectMiddleware`` and ``MetaRefreshMiddleware`` follow a redirect
anywhere (a start URL's redirect even bypasses the offsite filter, since start
requests are never filtered), drop a chain over ``REDIRECT_MAX_TIMES`` with a
bare ``IgnoreRequest``, and a loop ends in the duplicate filter, silently.
These subclasses take their place and check the request each of them decides
to follow:

- off the source's ``allowed_domains`` (ports included, see
  ``wirewatch.core.urls.on_site``): ``OffsiteRedirect``;
- back to an address already in its own chain, or past ``REDIRECT_MAX_TIMES``:
  ``RedirectLoop``;
- to an address longer than ``URLLENGTH_LIMIT``: ``BadUrl``.

Each reaches the request's errback and becomes a rejection with its reason.
A redirect they follow skips the duplicate filter: when its target was listed
(and fetched) too, the filter would drop it without a trace, and the address
that redirected would be neither rejected nor recorded as the story's.

Settings read: ``REDIRECT_MAX_TIMES``, ``URLLENGTH_LIMIT`` (and Scrapy's own).
Stats: ``wirewatch/refused/<reason>``.
"""

from urllib.parse import urldefrag

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.redirect import (
    BaseRedirectMiddleware,
    MetaRefreshMiddleware,
    RedirectMiddleware,
)
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from wirewatch.core.urls import on_site
from wirewatch.crawler.middlewares.refusals import BadUrl, OffsiteRedirect, RedirectLoop, Refused

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


def check_redirect(
    middleware: BaseRedirectMiddleware, request: Request, response: Response, target: Request
) -> None:
    """Raise the ``Refused`` a redirect from ``request`` to ``target`` ends as, if any."""
    how = str(response.status) if response.status in REDIRECT_STATUSES else "meta refresh"
    chain = [*request.meta.get("redirect_urls", []), request.url]
    refusal: Refused | None = None
    allowed = list(getattr(middleware.crawler.spider, "allowed_domains", None) or [])
    limit = middleware.crawler.settings.getint("URLLENGTH_LIMIT")
    if not on_site(target.url, allowed):
        refusal = OffsiteRedirect(request.url, target.url, how, response.status)
    elif urldefrag(target.url).url in {urldefrag(url).url for url in chain}:
        refusal = RedirectLoop(
            f"redirect loop ({how}): {' -> '.join([*chain, target.url])}", response.status
        )
    elif limit and len(target.url) > limit:
        refusal = BadUrl(
            f"{request.url} redirects ({how}) to an address of {len(target.url)} characters,"
            f" over the limit of {limit}",
            response.status,
        )
    if refusal is not None:
        _count(middleware, refusal)
        raise refusal


def too_many(middleware: BaseRedirectMiddleware, request: Request, response: Response) -> Refused:
    chain = [*request.meta.get("redirect_urls", []), request.url]
    shown = chain if len(chain) <= 4 else [chain[0], "...", *chain[-2:]]
    refusal = RedirectLoop(
        f"more than {middleware.max_redirect_times} redirects: {' -> '.join(shown)}",
        response.status,
    )
    _count(middleware, refusal)
    return refusal


def _count(middleware: BaseRedirectMiddleware, refusal: Refused) -> None:
    stats = middleware.crawler.stats
    if stats is not None:
        stats.inc_value(f"wirewatch/refused/{refusal.reason}")


class _RefusesRedirects(BaseRedirectMiddleware):
    """What both redirect middlewares below add to Scrapy's: ``check_redirect``'s refusals.

    Listed first among a middleware's bases, so that its ``super()`` is the Scrapy
    middleware that follows the redirect.
    """

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        try:
            # The next class in the subclass's MRO is the Scrapy middleware: mypy
            # sees only the base, which leaves process_response to its subclasses.
            result = super().process_response(request, response)  # type: ignore[misc]
        except IgnoreRequest:  # its one refusal: the chain is over REDIRECT_MAX_TIMES
            raise too_many(self, request, response) from None
        return _checked(self, request, response, result)


class SiteRedirectMiddleware(_RefusesRedirects, RedirectMiddleware):
    """``RedirectMiddleware`` (3xx with ``Location``) that refuses what ``check_redirect`` does."""


class SiteMetaRefreshMiddleware(_RefusesRedirects, MetaRefreshMiddleware):
    """``MetaRefreshMiddleware`` that refuses what ``check_redirect`` does."""


def _checked(
    middleware: BaseRedirectMiddleware,
    request: Request,
    response: Response,
    result: Request | Response,
) -> Request | Response:
    if isinstance(result, Request):
        check_redirect(middleware, request, response, result)
        result.dont_filter = True
    return result
