"""An address found on a discovery page, with the date the page gave it (or why it has none)."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin


@dataclass(frozen=True, slots=True)
class Entry:
    """An article address and, when the feed or sitemap said, when it last changed (UTC).

    ``title`` is the story's title as the feed or the Google News sitemap
    (``news:title``) gave it: the page's title without the site's affixes, for
    extraction to compare with (``FetchedPage.listed_title``).
    """

    url: str
    updated: datetime | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class BadLink:
    """A listed address that cannot be requested as written: it becomes a ``bad_url`` rejection."""

    text: str
    """The address as the document gave it."""
    problem: str


def absolute(
    base_url: str, link: str, updated: datetime | None = None, title: str | None = None
) -> Entry | BadLink:
    """``link`` resolved against the document's address, or why it cannot be."""
    if _PLAIN_ABSOLUTE.match(link):
        return Entry(link, updated, title)  # what urljoin returns for it, at a tenth of the cost
    try:
        return Entry(urljoin(base_url, link), updated, title)
    except ValueError as exc:  # an unparsable address: "http://[broken/"
        return BadLink(link, f"not a valid address: {exc}")


_PLAIN_ABSOLUTE = re.compile(
    r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/(?!\.\.?(/|$))[^\s/?#]*)*$", re.ASCII
)
"""An absolute address with a plain host and a path without dot segments, query or fragment."""


def unique(items: Iterable[Entry | BadLink]) -> list[Entry]:
    """The entries among ``items``, the first of each address only, in order."""
    entries: dict[str, Entry] = {}
    for item in items:
        if isinstance(item, Entry):
            entries.setdefault(item.url, item)
    return list(entries.values())


def parse_w3c_date(text: str | None) -> datetime | None:
    """``<lastmod>``/Atom dates (ISO 8601, date only or with time); None when unreadable.

    A date without a time is taken as midnight UTC, so it never looks newer than
    a fetch made later that day.
    """
    if not text:
        return None
    text = text.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text[:10]), datetime.min.time())
        except ValueError:
            return None
    return _utc(parsed)


def parse_rfc822_date(text: str | None) -> datetime | None:
    """RSS ``<pubDate>`` (``Mon, 17 Nov 2025 09:42:00 GMT``); falls back to ISO 8601."""
    if not text:
        return None
    try:
        return _utc(parsedate_to_datetime(text.strip()))
    except (TypeError, ValueError, IndexError):
        return parse_w3c_date(text)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
