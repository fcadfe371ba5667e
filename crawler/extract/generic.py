"""Pages without MENAFN markers: trafilatura for the body, page metadata or htmldate for the date.

The headline comes from the page's metadata exactly as for wire pages (``title.py``).
These records have no wire ID and an empty provider; storage keys them by content
hash. Listings and error templates are told apart before trafilatura runs, as it
would happily return a list of teaser links as "text".
"""

import re
from dataclasses import dataclass

import trafilatura
from htmldate import find_date
from lxml import etree

from wirewatch.crawler.extract.dateline import Dateline, parse_structured
from wirewatch.crawler.extract.document import select_elements, select_strings
from wirewatch.crawler.extract.paragraphs import normalise_paragraph, raw_paragraphs

_ERROR_TITLE = re.compile(
    r"(?i)^\W*(?:[45]\d\d\W*(?:$|[-|:\u2013]|error|not found|forbidden|page)|"
    r"(?:error|not found|forbidden|access denied|server error)\W*(?:$|[-|:\u2013])|oops\b)|"
    r"\bpage (?:not found|cannot be found|can't be found|does ?n[o']t exist|unavailable)\b|"
    r"\bno longer available\b"
)
_OUTSIDE_FURNITURE = (
    "[not(ancestor::nav or ancestor::header or ancestor::footer or ancestor::aside)]"
)
_BODY_TEXT_NODES = etree.XPath("//body//text()" + _OUTSIDE_FURNITURE)
_LINK_TEXT_NODES = etree.XPath("//body//a//text()" + _OUTSIDE_FURNITURE)
_MAIN_CONTENT = etree.XPath("(//article | //main | //body)[1]")
TRAFILATURA_MAX_CHARS = 1_000_000
_MAX_LINK_DENSITY = 0.5
_MIN_LISTING_LINKS = 20


@dataclass(frozen=True, slots=True)
class GenericStory:
    """What trafilatura found: paragraphs and (when it found one) a date."""

    paragraphs: list[str]
    dateline: Dateline | None


def looks_like_error_page(title: str) -> bool:
    """A title such as ``404 - Page not found``."""
    return bool(_ERROR_TITLE.search(title))


def looks_like_listing(root: etree._Element) -> bool:
    """Mostly link text, with many links: a section front, search result or archive page.

    Menus in ``nav``/``header``/``footer``/``aside`` do not count: an article page
    with a large menu is still an article.
    """
    links = select_strings(_LINK_TEXT_NODES, root)
    if len(links) < _MIN_LISTING_LINKS:
        return False
    link_chars = sum(len(str(text).strip()) for text in links)
    all_chars = sum(len(str(text).strip()) for text in select_strings(_BODY_TEXT_NODES, root))
    return all_chars > 0 and link_chars / all_chars > _MAX_LINK_DENSITY


def extract_generic(html: str, url: str, root: etree._Element) -> GenericStory | None:
    """Run trafilatura on the page; None when it finds no main text.

    trafilatura needs minutes on a multi-megabyte page, so past
    ``TRAFILATURA_MAX_CHARS`` the paragraphs of the page's ``<article>``, ``<main>``
    or ``<body>`` are taken instead, with the usual boilerplate skipped.
    """
    if len(html) > TRAFILATURA_MAX_CHARS:
        return _large_page_story(root)
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        favor_precision=True,
    )
    if document is None:
        return None
    text = getattr(document, "text", None) or ""
    paragraphs = [p for p in (normalise_paragraph(line) for line in text.splitlines()) if p]
    return GenericStory(paragraphs=paragraphs, dateline=_date(html, document))


def _large_page_story(root: etree._Element) -> GenericStory | None:
    found = select_elements(_MAIN_CONTENT, root)
    if not found:
        return None
    return GenericStory(paragraphs=raw_paragraphs(found[0]), dateline=None)


def _date(html: str, document: object) -> Dateline | None:
    found = getattr(document, "date", None)
    if not found:
        try:
            found = find_date(html, extensive_search=False, original_date=True)
        except (ValueError, TypeError):
            found = None
    return parse_structured(found) if isinstance(found, str) and found else None
