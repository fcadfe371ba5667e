"""Publication time: structured data first, else the visible dateline; the wire date arbitrates.

Visible formats seen on wire pages: ``Tuesday, 02 January 2024 12:17 GMT``,
``17 Nov 2025, 09:42 AM`` (in the page's stated offset), ``November 17, 2025``,
``11/17/2025`` (month first) and ISO 8601. Everything is converted to UTC.

A template can print a stale or default date; the wire date cannot be wrong. A
dateline within a day of the wire date is kept (``datetime`` precision, or
``date`` when only a date was shown); otherwise the wire date replaces it with
``date`` precision and the ``dateline_mismatch`` flag.
"""

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import NamedTuple

from wirewatch.core.record import Precision, QualityFlag

MAX_DAYS_APART = 1

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3,
    "apr": 4, "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7,
    "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10,
    "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
_ZONE_ABBREVIATIONS = {
    "GMT": 0, "UTC": 0, "Z": 0, "BST": 60, "CET": 60, "CEST": 120, "EET": 120, "EEST": 180,
    "AST": 180, "MSK": 180, "GST": 240, "PKT": 300, "IST": 330, "EST": -300, "EDT": -240,
    "CST": -360, "CDT": -300, "PST": -480, "PDT": -420,
}  # fmt: skip

_TIME = (
    r"(?:,?\s*(?:at\s+|-\s+)?(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"(?:\.\d+)?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
)
_ZONE = (
    r"(?:\s*\(?(?P<zone>(?:GMT|UTC)\s*[+-]\s*\d{1,2}(?::?\d{2})?|[+-]\d{2}:?\d{2}|"
    + "|".join(sorted(_ZONE_ABBREVIATIONS, key=len, reverse=True))
    + r")\b\)?)?"
)
_WEEKDAY = r"(?:(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)[a-z]*\.?,?\s+)?"
_DAY_FIRST = re.compile(
    r"\b" + _WEEKDAY + r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?P<month>[A-Za-z]{3,9})\.?,?\s+"
    r"(?P<year>\d{4})\b" + _TIME + _ZONE
)
_MONTH_FIRST = re.compile(
    r"\b" + _WEEKDAY + r"(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+"
    r"(?P<year>\d{4})\b" + _TIME + _ZONE
)
_NUMERIC_US = re.compile(
    r"(?<![\d/])(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})\b" + _TIME + _ZONE
)
_ISO = re.compile(
    r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?)?"
    r"\s*(?P<zone>Z|[+-]\d{2}:?\d{2})?(?!\d)"
)
_VISIBLE_PATTERNS = (_DAY_FIRST, _MONTH_FIRST, _NUMERIC_US, _ISO)
_OFFSET = re.compile(r"([+-])\s*(\d{1,2})(?::?(\d{2}))?$")
# "All times are GMT+4", as it reads lower-cased.
STATED_OFFSET_NOTE = (
    r"all\s+times\s+(?:are\s+)?(?:shown\s+)?(?:in\s+)?(?:gmt|utc)\s*([+-]\s*\d{1,2}(?::?\d{2})?)"
)
# The note's letters in either case, so the whole page text need not be lower-cased
# (slow for non-ASCII text). Only U+0130 and U+212A lower-case to ASCII letters, and
# neither can complete a match, so this finds what the note would find lower-cased.
_STATED_OFFSET = re.compile(
    re.sub(r"(?<!\\)[a-z]", lambda letter: f"[{letter[0]}{letter[0].upper()}]", STATED_OFFSET_NOTE)
)
_MAX_SCAN_CHARS = 20_000
# A year not inside a longer number. The look-behind follows the century, so the search
# skips along to a "19" or "20" instead of trying the look-behind at every position.
_YEAR = re.compile(r"(?:19|20)(?<!\d..)\d\d(?!\d)")
_WINDOW_BEFORE = 40
_WINDOW_AFTER = 40
_MAX_YEARS = 50


class Dateline(NamedTuple):
    """A point in time read from the page: UTC, and whether a time of day was shown."""

    value: datetime
    has_time: bool
    zone_shown: bool = False

    def read_in(self, zone: tzinfo) -> "Dateline":
        """The same clock time read in ``zone``: for a dateline that showed none, read as UTC."""
        return Dateline(self.value.replace(tzinfo=zone).astimezone(UTC), self.has_time, False)


class Published(NamedTuple):
    """What the record stores: ``published_at``, its precision, and any flag raised."""

    at: datetime | None
    precision: Precision
    flags: tuple[QualityFlag, ...] = ()


def parse_dateline(text: str, default_zone: tzinfo | None = None) -> Dateline | None:
    """The first dateline in ``text`` in any known format, or None.

    Every format holds a four-digit year, so the patterns only run on a short
    window around each year found: long texts cost a scan for years, no more.
    """
    for count, year in enumerate(_YEAR.finditer(text)):
        if count == _MAX_YEARS:
            break
        offset = max(0, year.start() - _WINDOW_BEFORE)
        window = text[offset : year.end() + _WINDOW_AFTER]
        for pattern in _VISIBLE_PATTERNS:  # a window holds one date: the first format that fits
            found = _first_valid(pattern, window, default_zone)
            if found is not None:
                return found[1]
    return None


def may_hold_dateline(text: str) -> bool:
    """Whether ``text`` can hold a dateline at all: every format has a year 19xx or 20xx."""
    return "19" in text or "20" in text


def parse_structured(value: str) -> Dateline | None:
    """An ISO 8601 value from JSON-LD or ``<meta>``, or a visible-style date as a fallback."""
    match = _ISO.match(value.strip())
    if match is not None:
        return _build(match, None)
    return parse_dateline(value)


def first_dated_text(texts: Iterable[str]) -> Dateline | None:
    """The first dateline in the first text that holds one, times without a zone read as UTC.

    Whether a text holds a dateline does not depend on the zone, so a caller that
    learns the page's zone afterwards re-reads the time (``Dateline.read_in``).
    """
    for text in texts:
        if not text or text.isspace():
            continue
        found = parse_dateline(text[:_MAX_SCAN_CHARS])
        if found is not None:
            return found
    return None


def stated_offset(text: str) -> tzinfo | None:
    """A page-wide note such as ``All times are GMT+4``, as a time zone."""
    match = find_stated_offset(text)
    return _zone(match.group(1)) if match else None


def find_stated_offset(text: str) -> re.Match[str] | None:
    """``_STATED_OFFSET.search(text)``, found without running the pattern over the whole page.

    The pattern opens with a character class, so a search tries it at nearly every
    position. Every note holds the ASCII word "times" in some case: lower-casing the
    text's UTF-8 bytes changes ASCII letters only, so the word is found there exactly
    where the pattern's letters could match it. The pattern is then tried only where
    a note ending in that word would start, at the "all" before the white space
    before it. Each word has one such start and starts follow the words' order, so
    the first match is the search's match.
    """
    encoded = text.encode("utf-8", "surrogatepass")
    lowered = encoded.lower()
    found = lowered.find(b"times")
    decoded_bytes = characters = 0
    while found != -1:
        characters += len(encoded[decoded_bytes:found].decode("utf-8", "surrogatepass"))
        decoded_bytes = found
        start = characters
        while start > 0 and text[start - 1].isspace():  # str.isspace is the pattern's \s
            start -= 1
        if start < characters and start >= 3:
            match = _STATED_OFFSET.match(text, start - 3)
            if match is not None:
                return match
        found = lowered.find(b"times", found + 1)
    return None


def arbitrate(dateline: Dateline | None, wire_date: date | None) -> Published:
    """Keep a dateline within a day of the wire date; otherwise the wire date, flagged."""
    if wire_date is None:
        if dateline is None:
            return Published(None, Precision.DATE)
        return Published(dateline.value, _precision(dateline))
    if dateline is not None and abs((dateline.value.date() - wire_date).days) <= MAX_DAYS_APART:
        return Published(dateline.value, _precision(dateline))
    wire_midnight = datetime.combine(wire_date, time(0, 0), UTC)
    flags = (QualityFlag.DATELINE_MISMATCH,) if dateline is not None else ()
    return Published(wire_midnight, Precision.DATE, flags)


def _precision(dateline: Dateline) -> Precision:
    return Precision.DATETIME if dateline.has_time else Precision.DATE


def _first_valid(
    pattern: re.Pattern[str], text: str, default_zone: tzinfo | None
) -> tuple[int, Dateline] | None:
    for match in pattern.finditer(text):
        dateline = _build(match, default_zone)
        if dateline is not None:
            return match.start(), dateline
    return None


def _build(match: re.Match[str], default_zone: tzinfo | None) -> Dateline | None:
    month = _month(match["month"])
    if month is None:
        return None
    year, day, hour_text = int(match["year"]), int(match["day"]), match["hour"]
    try:
        if hour_text is None:
            return Dateline(datetime(year, month, day, tzinfo=UTC), False)
        hour = _hour(hour_text, match["ampm"] if "ampm" in match.re.groupindex else None)
        if hour is None:
            return None
        shown = _zone(match["zone"])
        minute, second = int(match["minute"]), int(match["second"] or 0)
        local = datetime(year, month, day, hour, minute, second, 0, shown or default_zone or UTC)
    except ValueError:  # no such day, or no such time of day
        return None
    return Dateline(local.astimezone(UTC), True, shown is not None)


def _month(text: str) -> int | None:
    if text.isdigit():
        month = int(text)
        return month if 1 <= month <= 12 else None
    return _MONTHS.get(text.lower())


def _hour(text: str, ampm: str | None) -> int | None:
    """The hour on a 24-hour clock; None for a 12-hour clock's impossible hours."""
    hour = int(text)
    if not ampm:
        return hour
    if not 1 <= hour <= 12:
        return None
    return hour % 12 + (12 if ampm[0] in "Pp" else 0)


def _zone(text: str | None) -> tzinfo | None:
    return _zone_cached(text) if text else None


@lru_cache(maxsize=256)
def _zone_cached(text: str) -> tzinfo | None:
    compact = text.replace(" ", "").upper()
    if compact in _ZONE_ABBREVIATIONS:
        return timezone(timedelta(minutes=_ZONE_ABBREVIATIONS[compact]))
    match = _OFFSET.search(compact)
    if match is None:
        return None
    minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
    if minutes > 14 * 60:
        return None
    sign = -1 if match.group(1) == "-" else 1
    return timezone(timedelta(minutes=sign * minutes))
