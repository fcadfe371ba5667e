import pytest

from wirewatch.crawler.extract.document import parse_document
from wirewatch.crawler.extract.title import find_title, strip_site_suffix


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


# Issue 13: a site's own name, before or after the headline, for any separator.
HEADLINE = "Levant Exports Rise for a Third Quarter"


def title_of(html_head: str, h1: str = "", url: str = "https://www.ledger.example/s/1") -> str:
    html = f"<html><head>{html_head}</head><body><h1>{h1}</h1><p>Text.</p></body></html>"
    result = parse_document(html.encode())
    assert result is not None
    return find_title(result.metadata, result.root, url)


@pytest.mark.parametrize("separator", ["|", "-", "\u2013", "\u2014", "::", "\u00bb", ":", "\u2022"])
@pytest.mark.parametrize("where", ["suffix", "prefix"])
@pytest.mark.parametrize(
    "declared",
    [
        "<meta property='og:site_name' content='Levant Ledger'>",
        "<meta name='application-name' content='Levant Ledger'>",
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "%s",'
        ' "publisher": {"@type": "Organization", "name": "Levant Ledger"}}</script>',
        '<script type="application/ld+json">[{"@type": "WebSite", "name": "Levant Ledger"},'
        ' {"@type": "NewsArticle", "headline": "%s", "publisher": ["Levant Ledger"]}]</script>',
    ],
    ids=["og", "application-name", "json-ld-publisher", "json-ld-website"],
)
def test_the_site_name_a_page_declares_is_stripped_for_every_separator(
    separator: str, where: str, declared: str
) -> None:
    titled = (
        f"{HEADLINE} {separator} Levant Ledger"
        if where == "suffix"
        else f"Levant Ledger {separator} {HEADLINE}"
    )
    head = declared.replace("%s", titled) + f"<meta property='og:title' content='{titled}'>"

    assert title_of(head) == HEADLINE


@pytest.mark.parametrize("separator", ["|", "-", "::", ":"])
def test_a_site_name_matching_the_host_is_stripped(separator: str) -> None:
    head = f"<title>{HEADLINE} {separator} Levant Ledger</title>"

    assert title_of(head, url="https://www.levantledger.com/news/1") == HEADLINE
    assert title_of(head, url="https://levant-ledger.example/1") == HEADLINE


def test_a_title_is_cut_to_the_headline_another_candidate_shows() -> None:
    head = f"<title>{HEADLINE} :: Beirut Morning Courier</title>"

    assert title_of(head, h1=HEADLINE) == HEADLINE
    logo = f"<meta property='og:title' content='{HEADLINE} :: Courier'>"
    assert title_of(logo, h1="Courier") == f"{HEADLINE} :: Courier"


def test_a_learnt_site_name_is_stripped() -> None:
    head = f"<title>Beirut Morning Courier \u00bb {HEADLINE}</title>"

    assert title_of(head) == f"Beirut Morning Courier \u00bb {HEADLINE}"
    result = parse_document(f"<html><head>{head}</head><body></body></html>".encode())
    assert result is not None
    learnt = frozenset({"beirut morning courier"})
    assert find_title(result.metadata, result.root, "https://x.example/", learnt) == HEADLINE


@pytest.mark.parametrize(
    "headline",
    ["Post-war Syria: Refugees Return Home", "Oil - Prices Fall Again", "Daily Life: Amman Cafés"],
)
def test_a_headline_opening_with_words_of_site_names_keeps_them(headline: str) -> None:
    assert title_of(f"<title>{headline}</title>") == headline
