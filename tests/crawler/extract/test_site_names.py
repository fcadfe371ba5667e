"""Site names learnt from the titles one host shares (issue 13)."""

import pytest

from wirewatch.crawler.extract.site_names import MIN_TITLES, SiteNames, title_affixes


@pytest.mark.parametrize(
    ("title", "affixes"),
    [
        ("Port Volumes Rise Again :: Levant Ledger", ("levant ledger",)),
        ("Levant Ledger | Port Volumes Rise Again", ("levant ledger",)),
        ("Oil: Prices Rise Again Today", ()),
        ("Port Volumes Rise - Levant Ledger", ("levant ledger",)),
        ("Port Volumes Rise Again", ()),
        ("Rise :: Levant Ledger", ()),
    ],
)
def test_title_affixes_are_short_parts_beside_a_headline(
    title: str, affixes: tuple[str, ...]
) -> None:
    assert title_affixes(title) == affixes


def test_an_affix_shared_by_enough_titles_of_a_host_is_learnt_for_that_host_only() -> None:
    names = SiteNames()
    for n in range(MIN_TITLES - 1):
        names.observe("ledger.example", f"Port Volumes Rise in Week {n} :: Levant Ledger")
    names.observe("ledger.example", "Port Volumes Rise in Week 0 :: Levant Ledger")  # seen
    assert names.names("ledger.example") == frozenset()

    names.observe("ledger.example", "Cranes Arrive at the Port :: Levant Ledger")

    assert names.names("ledger.example") == frozenset({"levant ledger"})
    assert names.names("other.example") == frozenset()


def test_an_affix_on_few_of_a_host_titles_is_not_learnt() -> None:
    names = SiteNames()
    for n in range(10):
        names.observe("ledger.example", f"Story number {n} about the port - Ledger {n}")
    for n in range(MIN_TITLES):
        names.observe("ledger.example", f"Markets | Story number {n} about cranes")

    assert names.names("ledger.example") == frozenset()
