"""MENAFN wire IDs: ``MENAFN`` + DDMMYYYY + 12-digit provider code + ``ID`` + article number.

``MENAFN17112025000045017169ID1110354612`` is wire date 2025-11-17, provider code
``000045017169`` and article number ``1110354612``. A candidate whose date cannot
exist (month 13, 31 February) is not a wire ID.
"""

import re
from collections.abc import Iterator
from datetime import date
from typing import NamedTuple

WIRE_ID_PATTERN = re.compile(
    r"MENAFN(?P<day>\d{2})(?P<month>\d{2})(?P<year>\d{4})(?P<code>\d{12})ID(?P<number>\d{9,11})(?!\d)"
)


class WireId(NamedTuple):
    """A parsed wire ID."""

    wire_id: str
    wire_date: date
    provider_code: str
    article_number: int


def _from_match(match: re.Match[str]) -> WireId | None:
    day, month, year, code, number = match.groups()
    try:
        wire_date = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return WireId(match.group(0), wire_date, code, int(number))


def iter_wire_ids(text: str) -> Iterator[WireId]:
    """Every valid wire ID in ``text``, in order of appearance."""
    for match in WIRE_ID_PATTERN.finditer(text):
        wire_id = _from_match(match)
        if wire_id is not None:
            yield wire_id


def find_wire_id(text: str) -> WireId | None:
    """The first valid wire ID anywhere in ``text``, or None."""
    return next(iter_wire_ids(text), None)


def parse_wire_id(candidate: str) -> WireId | None:
    """Parse a string that should be exactly one wire ID (surrounding white space allowed)."""
    match = WIRE_ID_PATTERN.fullmatch(candidate.strip())
    return _from_match(match) if match else None
