import pytest

from wirewatch.crawler.extract.title import strip_site_suffix


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Kremlin Says Russia Eager for Putin-Trump Summit | MENAFN.COM",
            "Kremlin Says Russia Eager for Putin-Trump Summit",
        ),
        ("Kremlin Says Russia Eager - Gulf Business Wire", "Kremlin Says Russia Eager"),
        ("Oil Rises – Arab News", "Oil Rises"),
        ("Jordan News :: Amman Cafés Get Fund", "Amman Cafés Get Fund"),
        ("Oil Rises | Markets | MENAFN.COM", "Oil Rises | Markets"),
        ("Putin-Trump Summit - What Next?", "Putin-Trump Summit - What Next?"),
        ("UAE: Non-Oil Trade Hits Record", "UAE: Non-Oil Trade Hits Record"),
    ],
)
def test_site_suffixes_are_removed_and_headline_dashes_kept(title: str, expected: str) -> None:
    assert strip_site_suffix(title) == expected


def test_the_page_own_site_name_is_recognised() -> None:
    assert strip_site_suffix("Rates Hold - Qatar Tribune Online", frozenset()) == "Rates Hold"
    assert strip_site_suffix("Rates Hold - Doha Ledger", frozenset({"doha ledger"})) == "Rates Hold"
