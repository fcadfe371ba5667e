"""What ``crawl --url`` and ``recrawl`` (``crawl --refresh``) fetch, and what ``--url`` reports.

Both crawl article addresses given up front instead of discovering them
(``SourceSpider``'s targets), through the same crawler, so robots.txt, the
source's allowed domains and politeness settings apply as in any run.
"""

from datetime import datetime
from urllib.parse import urlsplit

from wirewatch.core.config import Config, SourceConfig
from wirewatch.core.errors import UsageError
from wirewatch.core.terminal import visible
from wirewatch.core.urls import canonicalise_url, on_site
from wirewatch.crawler.incremental import Visit, conditional_headers
from wirewatch.crawler.progress import RunSummary
from wirewatch.storage.addresses import lookup_addresses, source_addresses
from wirewatch.storage.engine import Engine
from wirewatch.storage.ledger import rejection_counts
from wirewatch.storage.rejections import RejectionFilter, list_rejections


def page_source(config: Config, url: str, name: str | None) -> SourceConfig:
    """The source ``url`` is crawled for: ``name``, else the first whose domains cover it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--url {url!r}: not an http(s) address")
    if name is not None:
        try:
            return config.source(name)
        except KeyError:
            known = ", ".join(s.name for s in config.sources) or "none"
            raise UsageError(f"--source {name!r}: no such source (configured: {known})") from None
    for source in config.sources:
        if on_site(url, source.allowed_domains):
            return source
    raise UsageError(
        f"--url {url!r}: no configured source's allowed_domains cover {parts.hostname}:"
        " name one with --source"
    )


def refresh_targets(
    engine: Engine, source: str, since: datetime | None, limit: int | None
) -> list[Visit]:
    """A source's stored addresses, each to re-fetch conditionally (a 304 when unchanged)."""
    return [
        Visit(address.url, None, conditional_headers(address.etag, address.last_modified))
        for address in source_addresses(engine, source, since=since, limit=limit)
    ]


def page_fate(engine: Engine, summary: RunSummary, url: str) -> tuple[str, bool]:
    """One line on what became of the page ``crawl --url`` fetched, and whether it is stored."""
    counts = summary.counts
    rejected = rejection_counts(engine, summary.run_id)
    if rejected:
        [row] = list_rejections(engine, RejectionFilter(run_id=summary.run_id, limit=1))
        status = f" (HTTP {row.http_status})" if row.http_status else ""
        return visible(f"rejected: {row.reason}{status}: {row.detail}"), False
    found = lookup_addresses(engine, [canonicalise_url(url)]).get(canonicalise_url(url))
    story = f": story {found.article_id} (wirewatch show {found.article_id})" if found else ""
    if counts.articles_new:
        return f"stored as a new story{story}", True
    if counts.articles_updated:
        return f"stored: the story changed, a new revision was kept{story}", True
    if counts.articles_unchanged or counts.duplicates:
        return f"unchanged: already stored as it is{story}", True
    if not counts.pages_fetched:
        return "not fetched: robots.txt forbids it, or the run stopped first (see the log)", False
    return f"fetched, nothing stored ({summary.status}){story}", found is not None
