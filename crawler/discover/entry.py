"""An address found on a discovery page, with the date the page gave it."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True, slots=True)
class Entry:
    """An article address and, when the feed or sitemap said, when it last changed (UTC)."""

    url: str
    updated: datetime | None = None


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
