import pytest

from wirewatch.crawler.extract.attribution import match_attribution, strip_attribution


@pytest.mark.parametrize(
    ("text", "provider"),
    [
        ("(MENAFN) The Kremlin on Monday", "MENAFN"),
        ("(MENAFN- Jordan Times) Amman", "Jordan Times"),
        ("(MENAFN - Jordan Times) Amman", "Jordan Times"),
        ("(MENAFN– Jordan Times) Amman", "Jordan Times"),
        ("(MENAFN—Jordan Times) Amman", "Jordan Times"),
        ("(MENAFN-Jordan Times) Amman", "Jordan Times"),
        ("(MENAFN- PR Newswire) NEW YORK", "PR Newswire"),
        ("(MENAFN- EIN Presswire) Riyadh", "EIN Presswire"),
        ("(MENAFN- Kuwait News Agency (KUNA)) Kuwait", "Kuwait News Agency (KUNA)"),
        ("(MENAFN - Emirates News Agency (WAM) ) Abu Dhabi", "Emirates News Agency (WAM)"),
        ("  \u00a0(MENAFN- Trend News Agency) Baku", "Trend News Agency"),
        ("(MENAFN- Gulf  Times ) Doha", "Gulf Times"),
    ],
)
def test_attribution_variants_name_their_provider(text: str, provider: str) -> None:
    found = match_attribution(text)
    assert found is not None
    assert found.provider == provider


@pytest.mark.parametrize(
    "text",
    [
        "The Kremlin (MENAFN) said",
        "MENAFN - Jordan Times",
        "(Reuters) The Kremlin",
        "(MENAFNX) text",
        "",
    ],
)
def test_text_not_opening_with_an_attribution_has_none(text: str) -> None:
    assert match_attribution(text) is None


def test_attribution_is_removed_from_the_paragraph() -> None:
    provider, rest = strip_attribution("(MENAFN- Kuwait News Agency (KUNA)) Kuwait's GDP grew.")
    assert provider == "Kuwait News Agency (KUNA)"
    assert rest == "Kuwait's GDP grew."


def test_paragraph_without_attribution_is_unchanged() -> None:
    assert strip_attribution("Plain text.") == (None, "Plain text.")
