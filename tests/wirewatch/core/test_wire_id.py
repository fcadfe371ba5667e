"""Wire IDs: the one pattern, its parts, and which candidates are not wire IDs."""

from datetime import date

import pytest

from wirewatch.core.wire_id import WireId, iter_wire_ids


def first_wire_id(text: str) -> WireId | None:
    """The first valid wire ID in ``text``."""
    return next(iter_wire_ids(text), None)


def test_seed_wire_id_is_parsed_into_its_parts() -> None:
    wire = first_wire_id("MENAFN17112025000045017169ID1110354612")
    assert wire is not None
    assert wire.text == "MENAFN17112025000045017169ID1110354612"
    assert wire.date == date(2025, 11, 17)
    assert wire.provider_code == "000045017169"
    assert wire.article_number == 1110354612


def test_a_wire_id_made_from_its_parts_reads_back_as_itself() -> None:
    wire = WireId.from_parts(date(2025, 11, 17), "000045017169", 1110354612)
    assert str(wire) == wire.text == "MENAFN17112025000045017169ID1110354612"
    assert first_wire_id(wire.text) == wire


@pytest.mark.parametrize("number", ["111035461", "1110354612", "11103546123"])
def test_nine_to_eleven_digit_article_numbers_are_accepted(number: str) -> None:
    wire = first_wire_id(f"MENAFN17112025000045017169ID{number}")
    assert wire is not None
    assert wire.article_number == int(number)


@pytest.mark.parametrize("number", ["11103546", "111035461234"])
def test_shorter_or_longer_article_numbers_are_not_wire_ids(number: str) -> None:
    assert first_wire_id(f"MENAFN17112025000045017169ID{number}") is None
    assert first_wire_id(f"text MENAFN17112025000045017169ID{number} text") is None


@pytest.mark.parametrize(
    "stamp",
    ["17132025", "31022025", "29022025", "00112025", "32012025", "17002025"],
    ids=["month-13", "31-feb", "29-feb-non-leap", "day-0", "day-32", "month-0"],
)
def test_impossible_dates_are_not_wire_ids(stamp: str) -> None:
    assert first_wire_id(f"MENAFN{stamp}000045017169ID1110354612") is None


def test_leap_day_is_a_real_date() -> None:
    wire = first_wire_id("MENAFN29022024000045017169ID1110354612")
    assert wire is not None
    assert wire.date == date(2024, 2, 29)


def test_wire_id_is_found_anywhere_in_text() -> None:
    text = "Source: MENAFN. Ref MENAFN02012024000123456789ID1107701234, end."
    wire = first_wire_id(text)
    assert wire is not None
    assert wire.article_number == 1107701234
    assert wire.provider_code == "000123456789"


def test_an_impossible_candidate_does_not_hide_a_later_valid_one() -> None:
    text = "MENAFN31022025000045017169ID1110354612 MENAFN17112025000045017169ID1110354612"
    assert [w.date for w in iter_wire_ids(text)] == [date(2025, 11, 17)]


def test_wrong_shapes_are_not_wire_ids() -> None:
    for text in ("MENAFN1711202500004501716ID1110354612", "MENAFN17112025000045017169 1110354612"):
        assert first_wire_id(text) is None
