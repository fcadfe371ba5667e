import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirewatch.core.record import Precision, QualityFlag
from wirewatch.crawler.extract.dateline import (
    STATED_OFFSET_NOTE,
    Dateline,
    NumericOrder,
    Published,
    arbitrate,
    find_stated_offset,
    may_hold_dateline,
    numeric_order,
    parse_dateline,
    parse_structured,
    stated_offset,
)

WIRE_DATE = date(2025, 11, 17)


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected", "has_time"),
    [
        ("Tuesday, 02 January 2024 12:17 GMT", _utc(2024, 1, 2, 12, 17), True),
        ("17 Nov 2025, 09:42 AM GMT+4", _utc(2025, 11, 17, 5, 42), True),
        ("17 Nov 2025, 09:42 PM (GMT+04:00)", _utc(2025, 11, 17, 17, 42), True),
        ("17 Nov 2025, 12:05 AM UTC", _utc(2025, 11, 17, 0, 5), True),
        ("By MENAFN | 17 Nov 2025, 09:42 AM", _utc(2025, 11, 17, 9, 42), True),
        ("November 17, 2025 3:05 pm AST", _utc(2025, 11, 17, 12, 5), True),
        ("Posted: Nov. 17, 2025", _utc(2025, 11, 17), False),
        ("11/17/2025", _utc(2025, 11, 17), False),
        ("11/17/2025 08:30 EST", _utc(2025, 11, 17, 13, 30), True),
        ("2025-11-17T09:42:00+04:00", _utc(2025, 11, 17, 5, 42), True),
        ("2025-11-17T23:30:00-05:00", _utc(2025, 11, 18, 4, 30), True),
        ("2025-11-17 09:42Z", _utc(2025, 11, 17, 9, 42), True),
        ("2025-11-17", _utc(2025, 11, 17), False),
        ("Monday 17th November 2025", _utc(2025, 11, 17), False),
    ],
)
def test_visible_dateline_formats_convert_to_utc(
    text: str, expected: datetime, has_time: bool
) -> None:
    found = parse_dateline(text)
    assert found is not None
    assert found.value == expected
    assert found.value.tzinfo is UTC
    assert found.has_time is has_time


@pytest.mark.parametrize(
    "text",
    [
        "on May 16, June 2",
        "31 February 2025",
        "13/45/2025",
        "Search",
        "1,200 Ukrainians",
        "Invoice 72024 of order 20251",
        "17 Nov 2025, 13:05 PM",
    ],
)
def test_text_without_a_real_date_has_no_dateline(text: str) -> None:
    assert parse_dateline(text) is None


def test_the_page_stated_offset_applies_when_the_dateline_shows_none() -> None:
    zone = stated_offset("Footer. All times are GMT+3. Copyright")
    assert zone == timezone(timedelta(hours=3))
    found = parse_dateline("18 Nov 2025, 10:15 AM", zone)
    assert found is not None
    assert found.value == _utc(2025, 11, 18, 7, 15)


@pytest.mark.parametrize(
    "text",
    [
        "18 Nov 2025, 10:15 AM",
        "Tuesday, 02 January 2024 23:17",
        "11/17/2025 00:30",
        "2025-11-17 05:42",
    ],
)
@pytest.mark.parametrize("hours", [-5, 0, 3, 14])
def test_a_time_read_as_utc_then_in_the_page_zone_equals_reading_it_in_that_zone(
    text: str, hours: int
) -> None:
    zone = timezone(timedelta(hours=hours))
    read_as_utc = parse_dateline(text)
    assert read_as_utc is not None
    assert read_as_utc.read_in(zone) == parse_dateline(text, zone)


def test_a_shown_zone_beats_the_page_offset() -> None:
    found = parse_dateline("18 Nov 2025, 10:15 AM GMT", timezone(timedelta(hours=3)))
    assert found is not None
    assert found.value == _utc(2025, 11, 18, 10, 15)


def test_structured_value_is_read_as_iso_8601() -> None:
    found = parse_structured("2025-11-17T09:42:00+04:00")
    assert found == Dateline(_utc(2025, 11, 17, 5, 42), has_time=True, zone_shown=True)


@pytest.mark.parametrize(
    "moment",
    [_utc(2025, 11, 16, 0, 0), _utc(2025, 11, 17, 5, 42), _utc(2025, 11, 18, 23, 59)],
    ids=["day-before-start", "same-day", "day-after-end"],
)
def test_dateline_within_a_day_of_the_wire_date_is_kept_with_its_time(moment: datetime) -> None:
    published = arbitrate(Dateline(moment, has_time=True), WIRE_DATE)
    assert published.at == moment
    assert published.precision is Precision.DATETIME
    assert published.flags == ()


@pytest.mark.parametrize(
    "moment",
    [_utc(2025, 11, 15, 23, 59), _utc(2025, 11, 19, 0, 0), _utc(2024, 1, 2, 12, 17)],
    ids=["two-days-before", "two-days-after", "seed-stale"],
)
def test_dateline_further_than_a_day_is_replaced_and_flagged(moment: datetime) -> None:
    published = arbitrate(Dateline(moment, has_time=True), WIRE_DATE)
    assert published.at == _utc(2025, 11, 17)
    assert published.precision is Precision.DATE
    assert published.flags == (QualityFlag.DATELINE_MISMATCH,)


def test_date_only_dateline_within_a_day_keeps_date_precision() -> None:
    published = arbitrate(Dateline(_utc(2025, 11, 18), has_time=False), WIRE_DATE)
    assert published.at == _utc(2025, 11, 18)
    assert published.precision is Precision.DATE
    assert published.flags == ()


def test_no_dateline_gives_the_wire_date_unflagged() -> None:
    published = arbitrate(None, WIRE_DATE)
    assert published.at == _utc(2025, 11, 17)
    assert published.precision is Precision.DATE
    assert published.flags == ()


def test_without_wire_date_the_dateline_stands() -> None:
    published = arbitrate(Dateline(_utc(2020, 1, 1, 8, 0), has_time=True), None)
    assert published.at == _utc(2020, 1, 1, 8, 0)
    assert published.precision is Precision.DATETIME


def test_nothing_known_gives_no_date() -> None:
    assert arbitrate(None, None).at is None


NOTE_PIECES = ["All", "ALL", "all", "aLl", "times", "TIMES", "T\u0130MES", "ti\u0307mes", "are", "ARE",
               "shown", "in", "\u0130n", "GMT", "gmt", "UTC", "utc", "+4", "-03:30", "+ 5", " ", "\n",
               "\u00a0", "\u212a", "Caf\u00e9", "\u017f", "x"]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(NOTE_PIECES), max_size=12))
def test_the_stated_offset_is_found_as_in_the_lower_cased_text(pieces: list[str]) -> None:
    text = " ".join(pieces)
    lowered = re.search(STATED_OFFSET_NOTE, text.lower())
    expected = stated_offset(f"all times are gmt{lowered.group(1)}") if lowered else None
    assert stated_offset(text) == expected


GLUED_PIECES = [
    *NOTE_PIECES,
    "overall",
    "Kuwait Times Online",
    "alltimes",
    "\x1c",
    "\u3000",
    "\u0131",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(GLUED_PIECES), max_size=14))
def test_the_stated_offset_is_found_where_a_search_of_the_whole_text_finds_it(
    pieces: list[str],
) -> None:
    text = "".join(pieces)  # no separators: notes glued to words, or without white space
    searched = re.compile(STATED_OFFSET_NOTE, re.IGNORECASE).search(text)
    found = find_stated_offset(text)
    if searched is None or not searched.group(0).isascii():
        # IGNORECASE also folds a few non-ASCII letters (\u0131, \u017f, \u212a); the note's own
        # letters are ASCII, so a match that needs them is not a note.
        assert found is None or found.group(0).isascii()
    else:
        assert found is not None
        assert (found.span(), found.group(1)) == (searched.span(), searched.group(1))


DATE_PIECES = ["Tuesday, ", "02 ", "17 ", "January ", "Nov. ", "2024", "1999", "2105", "1", "9", "2",
               "0", "5", " 12:17", " 09:42 AM", " GMT", "11/", "17/", "-11-17", "T09:42", "x"]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(DATE_PIECES), max_size=10))
def test_only_texts_that_may_hold_a_dateline_hold_one(pieces: list[str]) -> None:
    text = "".join(pieces)
    if parse_dateline(text) is not None:
        assert may_hold_dateline(text)


# Issue 13: numeric datelines were always read month-first ("04/12/2026" as 12 April).


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25/11/2026", _utc(2026, 11, 25)),
        ("11/25/2026", _utc(2026, 11, 25)),
        ("25.11.2026", _utc(2026, 11, 25)),
        ("05/05/2026", _utc(2026, 5, 5)),
        ("25/11/2026 14:05 GMT", _utc(2026, 11, 25, 14, 5)),
    ],
)
def test_a_numeric_date_that_reads_one_way_only_is_not_ambiguous(
    text: str, expected: datetime
) -> None:
    found = parse_dateline(text)

    assert found is not None
    assert found.value == expected
    assert found.alternative is None


def test_a_numeric_date_that_reads_both_ways_keeps_both_readings_day_first() -> None:
    found = parse_dateline("Published 04/12/2026 09:30")

    assert found is not None
    assert found.value == _utc(2026, 12, 4, 9, 30)
    assert found.alternative == _utc(2026, 4, 12, 9, 30)
    assert found.resolved(NumericOrder.DAY_FIRST).value == _utc(2026, 12, 4, 9, 30)
    assert found.resolved(NumericOrder.MONTH_FIRST).value == _utc(2026, 4, 12, 9, 30)
    assert found.resolved(NumericOrder.UNKNOWN) == found
    assert found.read_in(timezone(timedelta(hours=4))).alternative == _utc(2026, 4, 12, 5, 30)


@pytest.mark.parametrize(
    ("page_text", "locales", "host", "order"),
    [
        ("Related: 25/11/2026, 30/11/2026", [], "news.example", NumericOrder.DAY_FIRST),
        ("Related: 11/25/2026", ["ar"], "news.example", NumericOrder.MONTH_FIRST),
        ("", ["ar-AE"], "news.example", NumericOrder.DAY_FIRST),
        ("", ["en-GB"], "news.example", NumericOrder.DAY_FIRST),
        ("", ["fr"], "news.example", NumericOrder.DAY_FIRST),
        ("", ["en_US"], "news.example", NumericOrder.MONTH_FIRST),
        ("", ["en-US"], "gulfnews.ae", NumericOrder.DAY_FIRST),
        ("", [None, "en"], "news.jo", NumericOrder.DAY_FIRST),
        ("", ["en"], "city.us", NumericOrder.MONTH_FIRST),
        ("", ["en", None], "news.example", NumericOrder.UNKNOWN),
        ("", [], "startup.io", NumericOrder.UNKNOWN),
        ("25/11/2026 and 11/25/2026", ["en"], "news.example", NumericOrder.UNKNOWN),
    ],
)
def test_the_site_says_how_it_writes_numeric_dates(
    page_text: str, locales: list[str | None], host: str, order: NumericOrder
) -> None:
    assert numeric_order(page_text, locales, host) is order


def test_an_ambiguous_dateline_takes_the_reading_the_wire_date_agrees_with() -> None:
    found = parse_dateline("04/12/2026")
    assert found is not None

    assert arbitrate(found, date(2026, 4, 12)) == Published(_utc(2026, 4, 12), Precision.DATE)
    assert arbitrate(found, date(2026, 12, 4)) == Published(_utc(2026, 12, 4), Precision.DATE)


def test_an_ambiguous_dateline_nothing_settles_is_read_day_first_and_flagged() -> None:
    found = parse_dateline("04/12/2026")
    assert found is not None

    published = arbitrate(found, None)

    assert published.at == _utc(2026, 12, 4)
    assert published.flags == (QualityFlag.DATE_AMBIGUOUS,)
    assert arbitrate(found.resolved(NumericOrder.DAY_FIRST), None).flags == ()
