"""Listings against articles with many links, on small invented pages.

An article page with big related-story, most-read and tag blocks is kept (its
story, not its links); section fronts, archives, search results and teaser
grids are rejected as listings, with the reason in the detail.
"""

import pytest

from tests.crawler.extract.checked import extract_checked
from tests.factories import GENERIC_STORY, generic_page
from wirewatch.core.record import ArticleRecord, Rejection, RejectReason
from wirewatch.crawler.extract.document import parse_document
from wirewatch.crawler.extract.listing import (
    MIN_LISTING_LINKS,
    MIN_MAIN_TEXT_WORDS,
    LinkProfile,
    link_profile,
)

URL = "https://herald.example/news/2025/11/18/cycling-lanes"
HTML = {"Content-Type": "text/html; charset=utf-8"}

_TOPICS = (
    "Harbour authority", "Regional rail operator", "Central bank", "Water utility",
    "Teachers' union", "Port of the capital", "Airline group", "National museum",
    "Football club", "Housing ministry", "Wind farm developer", "City hospital",
)  # fmt: skip
_ACTIONS = (
    "announces record profits after a difficult year",
    "delays the opening of its new terminal until spring",
    "faces questions over a contract awarded last month",
    "hires a new chief executive from a rival company",
)
_BLURB = (
    "Officials said on Monday that the decision followed months of talks with "
    "residents, business owners and the regional government, and that further "
    "details would be published before the end of the week."
)


def _headlines(count: int) -> list[str]:
    return [
        f"{_TOPICS[n % len(_TOPICS)]} {_ACTIONS[n % len(_ACTIONS)]} ({n})" for n in range(count)
    ]


def _page(main: str, title: str = "Cycling Lanes Approved", extra: str = "") -> str:
    return (
        f"<!DOCTYPE html><html lang='en'><head><title>{title} - Herald</title></head><body>"
        "<header><nav><a href='/'>Home</a> <a href='/news'>News</a></nav></header>"
        f"<main>{main}</main>{extra}<footer>&copy; Herald</footer></body></html>"
    )


def _profile(html: str) -> LinkProfile:
    document = parse_document(html.encode("utf-8"))
    assert document is not None
    return link_profile(document.root)


def _record(html: str) -> ArticleRecord:
    result = extract_checked(URL, html.encode("utf-8"), HTML)
    assert isinstance(result, ArticleRecord), result
    return result


def _listing_rejection(html: str) -> Rejection:
    result = extract_checked(URL, html.encode("utf-8"), HTML)
    assert isinstance(result, Rejection), result
    assert result.reason is RejectReason.NOT_AN_ARTICLE
    assert result.detail.startswith("mostly links: a listing page (")
    return result


def _related_links(count: int, heading: str = "More stories") -> str:
    items = "".join(
        f"<li><a href='/news/{n}'>{text}</a></li>" for n, text in enumerate(_headlines(count))
    )
    return f"<section><h2>{heading}</h2><ul>{items}</ul></section>"


def _teasers(count: int) -> str:
    """Headline links, each followed by a blurb (the shape of most section fronts)."""
    return "".join(
        f"<div class='teaser'><h2><a href='/news/{n}'>{text}</a></h2><p>{_BLURB}</p></div>"
        for n, text in enumerate(_headlines(count))
    )


# Articles with big link blocks are articles.


def test_an_article_with_big_link_blocks_inside_its_main_area_is_kept() -> None:
    story = "".join(f"<p>{text}</p>" for text in GENERIC_STORY)
    main = (
        f"<article><h1>Cycling Lanes Approved</h1>{story}</article>"
        f"{_related_links(60)}{_teasers(12)}{_related_links(40, 'Most read')}"
    )
    record = _record(_page(main))
    assert record.paragraphs[0] == GENERIC_STORY[0]
    assert record.paragraphs[-1] == GENERIC_STORY[-1]
    assert not any("announces record profits" in p for p in record.paragraphs)


def test_a_story_cut_by_inline_related_links_every_two_paragraphs_is_kept() -> None:
    related = _headlines(6)
    parts = []
    for n, text in enumerate(GENERIC_STORY):
        parts.append(f"<div class='txt-par'>{text}</div>")
        if n % 2:
            link = f"<a href='/r/{n}'>{related[n]}</a>"
            parts.append(f"<p><strong>READ MORE: {link}</strong></p>")
    main = f"<h1>Cycling Lanes Approved</h1>{''.join(parts)}{_related_links(30)}"
    record = _record(_page(main))
    assert record.paragraphs[0] == GENERIC_STORY[0]


def test_a_short_story_among_many_links_is_kept() -> None:
    brief = " ".join(GENERIC_STORY[:2])  # 56 words: a brief, but one block of prose
    main = f"<h1>Cycling Lanes Approved</h1><p>{brief}</p>{_teasers(10)}{_related_links(40)}"
    assert _profile(_page(main)).main_text_words >= MIN_MAIN_TEXT_WORDS
    record = _record(_page(main))
    assert record.paragraphs[0].startswith("The city council on Tuesday approved")


def test_the_factory_article_page_is_not_a_listing_even_with_a_sidebar_of_links() -> None:
    html = generic_page(extra=f"<div class='rail'>{_related_links(80)}</div>")
    profile = _profile(html)
    assert profile.links >= MIN_LISTING_LINKS
    assert not profile.is_listing


# Listings are rejected, with the reason.


def test_a_section_front_of_teasers_is_a_listing() -> None:
    rejection = _listing_rejection(_page(f"<h1>Business</h1>{_teasers(15)}", title="Business"))
    assert "15 links" in rejection.detail


def test_a_grid_of_card_links_is_a_listing() -> None:
    cards = "".join(
        f"<a class='card' href='/news/{n}'><h3>{text}</h3><p>{_BLURB}</p></a>"
        for n, text in enumerate(_headlines(12))
    )
    _listing_rejection(_page(cards, title="Latest"))


def test_cards_with_read_more_links_are_a_listing() -> None:
    cards = "".join(
        f"<div class='card'><h3>{text}</h3><p>{_BLURB}</p><a href='/news/{n}'>Read more</a></div>"
        for n, text in enumerate(_headlines(12))
    )
    _listing_rejection(_page(cards, title="Latest"))


def test_teasers_led_by_their_headline_link_in_one_paragraph_are_a_listing() -> None:
    items = "".join(
        f"<p><a href='/news/{n}'>{text}</a> {_BLURB}</p>" for n, text in enumerate(_headlines(12))
    )
    _listing_rejection(_page(items, title="Archive"))


def test_an_archive_of_dated_links_is_a_listing() -> None:
    items = "".join(
        f"<li><span>18 Nov 2025</span> <a href='/news/{n}'>{text}</a></li>"
        for n, text in enumerate(_headlines(30))
    )
    _listing_rejection(_page(f"<h1>Archive: November 2025</h1><ul>{items}</ul>", "Archive"))


def test_search_results_with_snippets_are_a_listing() -> None:
    results = "".join(
        f"<div class='result'><a href='/news/{n}'>{text}</a>"
        f"<cite>herald.example/news/{n}</cite><p>{_BLURB}</p></div>"
        for n, text in enumerate(_headlines(10))
    )
    _listing_rejection(_page(f"<h1>Results for cycling</h1>{results}", "Search"))


def test_a_section_front_with_a_short_introduction_is_a_listing() -> None:
    intro = f"<p>{GENERIC_STORY[0]}</p>"  # 30 words about the section
    _listing_rejection(_page(f"<h1>Transport</h1>{intro}{_teasers(12)}", title="Transport"))


def test_a_cloud_of_tag_links_is_a_listing() -> None:
    tags = " ".join(f"<a href='/tag/{n}'>tag{n}</a>" for n in range(40))
    _listing_rejection(_page(f"<h1>Tags</h1><div class='cloud'>{tags}</div>", title="Tags"))


def test_links_in_menus_count_neither_way() -> None:
    menu = "".join(f"<li><a href='/s/{n}'>{text}</a></li>" for n, text in enumerate(_headlines(60)))
    html = _page(f"<h1>Brief</h1><p>{_BLURB}</p>", extra=f"<aside><ul>{menu}</ul></aside>")
    profile = _profile(html)
    assert profile.links < MIN_LISTING_LINKS
    assert profile.main_text_words < MIN_MAIN_TEXT_WORDS


@pytest.mark.parametrize("count", [MIN_LISTING_LINKS - 1, MIN_LISTING_LINKS])
def test_a_listing_needs_enough_links(count: int) -> None:
    html = _page(f"<h1>Business</h1>{_teasers(count)}", title="Business")
    assert _profile(html).is_listing is (count >= MIN_LISTING_LINKS)
