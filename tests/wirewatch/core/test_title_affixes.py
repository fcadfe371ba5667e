"""Titles that differ only by a site's name, and text that was decoded badly (issue 13)."""

import pytest

from wirewatch.core.text import (
    headline_variants,
    is_affix_stripped,
    only_affixes_differ,
    suspect_characters,
)

HEADLINE = "Oil Rises for a Third Day"


@pytest.mark.parametrize(
    "other",
    [
        f"{HEADLINE} | Levant Ledger",
        f"{HEADLINE} :: Levant Ledger",
        f"Levant Ledger \u00bb {HEADLINE}",
        f"Levant Ledger - {HEADLINE} \u2013 Markets",
        f"{HEADLINE.upper()} \u2014 LL",
        "Oil Rises for a Third Day\u00a0| Levant Ledger",
    ],
)
def test_titles_differing_only_by_affixes_share_a_headline(other: str) -> None:
    assert only_affixes_differ(HEADLINE, other)
    assert only_affixes_differ(other, HEADLINE)
    assert is_affix_stripped(HEADLINE, of=other)
    assert not is_affix_stripped(other, of=HEADLINE)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Oil: Prices Rise", "Oil: Prices Fall"),
        ("Oil Rises for a Third Day", "Oil Falls for a Third Day"),
        ("Markets | Oil Rises", "Markets | Gold Rises"),
        ("Gold Rises for a Third Day | " + "A long explanation of why " * 4, "Gold Rises"),
    ],
)
def test_different_headlines_are_not_affix_variants(first: str, second: str) -> None:
    assert not only_affixes_differ(first, second)


def test_a_typographic_variant_is_not_an_affix_cut() -> None:
    assert only_affixes_differ("Oil \u201crises\u201d", 'Oil "rises"')
    assert not is_affix_stripped("Oil \u201crises\u201d", of='Oil "rises"')
    assert "oil rises for a third day" in headline_variants(f"{HEADLINE} | LL")


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Café naïve – “quoted” Ã‰cole", 1),
        ("CafÃ© â€œquotedâ€\x9d", 3),
        ("Caf√© and Caf\ufffd", 2),
        ("Plain ASCII", 0),
        ("مقهى جديد في عمّان", 0),
    ],
)
def test_suspect_characters_count_mojibake_and_replacements(text: str, count: int) -> None:
    assert suspect_characters(text) == count
