"""Which discovered article addresses to request, and how: asked of storage before fetching.

An address already stored is skipped, unless its feed entry or sitemap
``<lastmod>`` is newer than when it was last fetched; then it is revisited with
``If-None-Match``/``If-Modified-Since`` from the stored ``etag``/``last_modified``,
so an unchanged page costs a 304. A menafn.com-style ``/<number>/<slug>`` address
not yet stored is treated as stored when the same site already has an address
with that article number: the same story under another slug. Only the same
site counts: a partner's copy stored first must not hide the wire site's own
address, which the story's ``article_urls`` should list.

Storage is asked in a worker thread (``crawler.retry.call_storage``), one query
per discovery page, never in the reactor's thread; a database that is briefly
gone is waited for, for up to ``retry_seconds``.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from wirewatch.core.urls import canonicalise_url
from wirewatch.core.wire_id import ARTICLE_NUMBER_DIGITS
from wirewatch.crawler.discover import Entry
from wirewatch.crawler.retry import call_storage
from wirewatch.storage.addresses import lookup_addresses, lookup_numbered_addresses
from wirewatch.storage.engine import Engine

_NUMBERED_PATH = re.compile(rf"^/({ARTICLE_NUMBER_DIGITS})/[^/]+/?$")


@dataclass(frozen=True, slots=True)
class Visit:
    """An article address to request, with the conditional headers to send."""

    url: str
    date_hint: datetime | None = None
    headers: dict[str, str] = field(default_factory=dict)
    title: str | None = None
    """The story's title as its feed or news sitemap gave it."""

    @property
    def conditional(self) -> bool:
        return bool(self.headers)


@dataclass(frozen=True, slots=True)
class Plan:
    visits: list[Visit]
    skipped: int
    """Stored addresses (or article numbers) left alone because nothing says they changed."""


def article_number(url: str) -> int | None:
    """The article number of a ``/<number>/<slug>`` address, else None."""
    match = _NUMBERED_PATH.match(urlsplit(url).path)
    return int(match.group(1)) if match else None


def numbered_site(url: str) -> tuple[str, int] | None:
    """``(scheme://host[:port], article number)`` of a ``/<number>/<slug>`` address, else None."""
    number = article_number(url)
    if number is None:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}", number


class RevisitPlanner:
    def __init__(self, engine: Engine, retry_seconds: float = 0.0) -> None:
        self.engine = engine
        self.retry_seconds = retry_seconds

    async def plan(self, entries: Sequence[Entry]) -> Plan:
        """Decide for each entry (canonicalised, once each) whether and how to fetch it."""
        canonical: dict[str, Entry] = {}
        for entry in entries:
            canonical.setdefault(canonicalise_url(entry.url), entry)
        if not canonical:
            return Plan([], 0)
        return await call_storage(
            "plan", self._plan_blocking, canonical, retry_seconds=self.retry_seconds
        )

    def _plan_blocking(self, entries: dict[str, Entry]) -> Plan:
        known = lookup_addresses(self.engine, list(entries))
        numbered = {url: key for url in entries if url not in known and (key := numbered_site(url))}
        by_number = lookup_numbered_addresses(self.engine, set(numbered.values()))
        for url, key in numbered.items():
            if key in by_number:
                known[url] = by_number[key]
        visits: list[Visit] = []
        skipped = 0
        for url, entry in entries.items():
            address = known.get(url)
            if address is None:
                visits.append(Visit(url, entry.updated, title=entry.title))
                continue
            fetched = address.last_fetched_at
            if entry.updated is None or (fetched is not None and entry.updated <= fetched):
                skipped += 1
                continue
            headers = conditional_headers(address.etag, address.last_modified)
            visits.append(Visit(url, entry.updated, headers, entry.title))
        return Plan(visits, skipped)


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers
