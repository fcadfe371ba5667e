"""Publication time: structured data first, else the visible dateline; the wire date arbitrates.

Visible formats seen on wire pages: ``Tuesday, 02 January 2024 12:17 GMT``,
``17 Nov 2025, 09:42 AM`` (in the page's stated offset), ``November 17, 2025``,
numeric ``17/11/2025``, ``11/17/2025`` or ``17.11.2025``, and ISO 8601.
Everything is converted to UTC.

A numeric date whose day and month could be swapped (``04/12/2026``) is read
day-first, with the month-first reading kept as ``Dateline.alternative``; the
page then settles it (``Dateline.resolved``) by the site's order
(``numeric_order``: other numeric dates on the page that only read one way, the
page's locale, its country domain). Most of the world, the Middle East included,
writes day-first, so month-first needs the site to say so (a US locale, a date
such as ``11/17/2025``). A wire date settles it too (``arbitrate``); what nothing
settles is stored day-first and flagged ``date_ambiguous``.

A template can print a stale or default date; the wire date cannot be wrong. A
dateline within a day of the wire date is kept (``datetime`` precision, or
``date`` when only a date was shown); otherwise the wire date replaces it with
``date`` precision and the ``dateline_mismatch`` flag.
"""

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from enum import Enum
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
_NUMERIC = re.compile(
    r"(?<![\d/.])(?P<lead>\d{1,2})(?P<separator>[/.])(?P<middle>\d{1,2})(?P=separator)"
    r"(?P<year>\d{4})\b" + _TIME + _ZONE
)
_ISO = re.compile(
    r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?)?"
    r"\s*(?P<zone>Z|[+-]\d{2}:?\d{2})?(?!\d)"
)
_VISIBLE_PATTERNS = (_DAY_FIRST, _MONTH_FIRST, _NUMERIC, _ISO)
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


class NumericOrder(Enum):
    """How a site writes numeric dates: ``dd/mm/yyyy``, ``mm/dd/yyyy``, or not known."""

    DAY_FIRST = "day_first"
    MONTH_FIRST = "month_first"
    UNKNOWN = "unknown"


class Dateline(NamedTuple):
    """A point in time read from the page: UTC, and whether a time of day was shown.

    ``alternative``: for a numeric date that reads both ways, the month-first
    reading (``value`` is the day-first one); None when the date reads one way.
    """

    value: datetime
    has_time: bool
    zone_shown: bool = False
    alternative: datetime | None = None

    def read_in(self, zone: tzinfo) -> "Dateline":
        """The same clock time read in ``zone``: for a dateline that showed none, read as UTC."""
        other = self.alternative
        return Dateline(
            _reread(self.value, zone),
            self.has_time,
            False,
            None if other is None else _reread(other, zone),
        )

    def resolved(self, order: NumericOrder) -> "Dateline":
        """The reading ``order`` picks; unchanged (still ambiguous) when the order is unknown."""
        if self.alternative is None or order is NumericOrder.UNKNOWN:
            return self
        value = self.value if order is NumericOrder.DAY_FIRST else self.alternative
        return Dateline(value, self.has_time, self.zone_shown)


def _reread(moment: datetime, zone: tzinfo) -> datetime:
    return moment.replace(tzinfo=zone).astimezone(UTC)


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
    """Keep a dateline within a day of the wire date; otherwise the wire date, flagged.

    A dateline still ambiguous (``alternative`` set) takes the reading that agrees
    with the wire date; without a wire date it is kept day-first, flagged
    ``date_ambiguous``.
    """
    if wire_date is None:
        if dateline is None:
            return Published(None, Precision.DATE)
        flags = (QualityFlag.DATE_AMBIGUOUS,) if dateline.alternative is not None else ()
        return Published(dateline.value, _precision(dateline), flags)
    readings = [] if dateline is None else [dateline.value]
    if dateline is not None and dateline.alternative is not None:
        readings.append(dateline.alternative)
    for reading in readings:
        if abs((reading.date() - wire_date).days) <= MAX_DAYS_APART:
            assert dateline is not None
            return Published(reading, _precision(dateline))
    wire_midnight = datetime.combine(wire_date, time(0, 0), UTC)
    flags = (QualityFlag.DATELINE_MISMATCH,) if dateline is not None else ()
    return Published(wire_midnight, Precision.DATE, flags)


_EVIDENCE = re.compile(r"(?<![\d/.])(\d{1,2})([/.])(\d{1,2})\2(?:19|20)\d\d(?!\d)")
_MAX_EVIDENCE = 200
_MONTH_FIRST_REGIONS = frozenset({"us", "ph"})
_GENERIC_COUNTRY_DOMAINS = frozenset({"io", "co", "tv", "me", "ai", "fm", "ly", "to", "cc", "ws"})


def numeric_order(page_text: str, locales: Iterable[str | None], host: str) -> NumericOrder:
    """How a site writes numeric dates, from what the page says, best evidence first.

    1. Other numeric dates on the page that read one way only (``25/11/2026``
       is day-first, ``11/25/2026`` month-first), when they agree.
    2. A country domain: ``.us`` month-first, any other day-first (but those
       sold as generic, ``.io``, ``.co``...). It comes before the locale, which
       publishing software often leaves at its ``en-US`` default.
    3. The page's locale (``lang``, ``og:locale``, ``Content-Language``): a US
       or Philippine region is month-first, any other region and any language
       but English day-first; plain ``en`` says nothing.
    """
    day_first = month_first = False
    for count, match in enumerate(_EVIDENCE.finditer(page_text)):
        if count == _MAX_EVIDENCE:
            break
        first, second = int(match[1]), int(match[3])
        day_first = day_first or (12 < first <= 31 and 1 <= second <= 12)
        month_first = month_first or (12 < second <= 31 and 1 <= first <= 12)
    if day_first != month_first:
        return NumericOrder.DAY_FIRST if day_first else NumericOrder.MONTH_FIRST
    top = host.rstrip(".").rsplit(".", 1)[-1].lower()
    if len(top) == 2 and top.isalpha() and top not in _GENERIC_COUNTRY_DOMAINS:
        return NumericOrder.MONTH_FIRST if top == "us" else NumericOrder.DAY_FIRST
    for locale in locales:
        order = _locale_order(locale)
        if order is not NumericOrder.UNKNOWN:
            return order
    return NumericOrder.UNKNOWN


def _locale_order(locale: str | None) -> NumericOrder:
    if not locale:
        return NumericOrder.UNKNOWN
    parts = locale.strip().lower().replace("_", "-").split("-")
    language, region = parts[0], parts[1] if len(parts) > 1 else ""
    if region:
        return (
            NumericOrder.MONTH_FIRST if region in _MONTH_FIRST_REGIONS else NumericOrder.DAY_FIRST
        )
    if not language.isalpha() or language == "en":
        return NumericOrder.UNKNOWN
    return NumericOrder.DAY_FIRST


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
    if match.re is _NUMERIC:
        return _build_numeric(match, default_zone)
    return _build_named(match, default_zone, match["day"], match["month"])


def _build_numeric(match: re.Match[str], default_zone: tzinfo | None) -> Dateline | None:
    """Day-first where the numbers allow it; the month-first reading kept when both do."""
    first, second = match["lead"], match["middle"]
    day_first = _build_named(match, default_zone, first, second)
    if int(first) == int(second):
        return day_first
    month_first = _build_named(match, default_zone, second, first)
    if day_first is None or month_first is None:
        return day_first or month_first
    return day_first._replace(alternative=month_first.value)


def _build_named(
    match: re.Match[str], default_zone: tzinfo | None, day_text: str, month_text: str
) -> Dateline | None:
    month = _month(month_text)
    if month is None:
        return None
    year, day, hour_text = int(match["year"]), int(day_text), match["hour"]
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
