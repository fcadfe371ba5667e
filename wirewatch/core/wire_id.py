"""MENAFN wire IDs: ``MENAFN`` + DDMMYYYY + 12-digit provider code + ``ID`` + article number.

``MENAFN17112025000045017169ID1110354612`` is wire date 2025-11-17, provider code
``000045017169`` and article number ``1110354612``. A candidate whose date cannot
exist (month 13, 31 February) is not a wire ID.

``WIRE_ID_PATTERN`` is the one pattern of a wire ID: discovery and extraction
build whatever else they match (a line holding only a wire ID, a menafn.com
``/<article number>/<slug>`` address) from it and ``ARTICLE_NUMBER_DIGITS``.
"""

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass

WIRE_ID_PREFIX = "MENAFN"
ARTICLE_NUMBER_DIGITS = r"\d{9,11}"
"""A regular expression for the digits of an article number, in a wire ID or an address."""

WIRE_ID_PATTERN = re.compile(
    WIRE_ID_PREFIX
    + r"(?P<day>\d{2})(?P<month>\d{2})(?P<year>\d{4})(?P<provider_code>\d{12})"
    + rf"ID(?P<article_number>{ARTICLE_NUMBER_DIGITS})(?!\d)"
)


@dataclass(frozen=True, slots=True)
class WireId:
    """A wire ID: its text and the three parts it is made of."""

    text: str
    date: datetime.date
    provider_code: str
    article_number: int

    @classmethod
    def from_parts(cls, date: datetime.date, provider_code: str, article_number: int) -> "WireId":
        """The wire ID a wire gives a story of ``date`` from ``provider_code``, numbered so."""
        text = f"{WIRE_ID_PREFIX}{date:%d%m%Y}{provider_code}ID{article_number}"
        return cls(text, date, provider_code, article_number)

    def __str__(self) -> str:
        return self.text


def wire_id_from_match(match: re.Match[str]) -> WireId | None:
    """The wire ID a match of ``WIRE_ID_PATTERN`` spells, or None when its date cannot exist."""
    try:
        date = datetime.date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        return None
    return WireId(match[0], date, match["provider_code"], int(match["article_number"]))


def iter_wire_ids(text: str) -> Iterator[WireId]:
    """Every valid wire ID in ``text``, in order of appearance."""
    for match in WIRE_ID_PATTERN.finditer(text):
        wire_id = wire_id_from_match(match)
        if wire_id is not None:
            yield wire_id
