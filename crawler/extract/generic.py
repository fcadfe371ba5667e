"""Pages without MENAFN markers: trafilatura for the body, htmldate for a date the page does not state.

The headline comes from the page's metadata exactly as for wire pages (``title.py``).
These records have no wire ID and an empty provider; storage keys them by content
hash. Listings and error templates are told apart before trafilatura runs
(``listing.py``), as it would happily return a list of teaser blurbs as "text".

trafilatura runs with ``favor_precision`` and its fallback candidates
(readability and jusText, compared with its own result): on the development half
of the Article Extraction Benchmark that scored F1 0.973 (precision 0.971,
recall 0.976), against 0.964 (0.949, 0.979) for its default balance, whose
extra recall is mostly related-story lists, newsletter prompts and standfirsts.
Without the fallback candidates, precision mode loses recall (0.968).

A second opinion comes from the page's own links: a paragraph that is exactly
the text of one link (related stories, "more from" lists trafilatura kept) is a
link, not story text, and is dropped; links inside headings are exempt (a
subhead may link to what it introduces). That took F1 from 0.977 to 0.979. The
figures and the command are in the README's Benchmarks section.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import trafilatura
from htmldate import find_date
from lxml import etree

from wirewatch.crawler.extract.dateline import Dateline, parse_structured
from wirewatch.crawler.extract.document import select_elements
from wirewatch.crawler.extract.paragraphs import normalise_paragraph, raw_paragraphs

_ERROR_TITLE = re.compile(
    r"(?i)^\W*(?:[45]\d\d\W*(?:$|[-|:\u2013]|error|not found|forbidden|page)|"
    r"(?:error|not found|forbidden|access denied|server error)\W*(?:$|[-|:\u2013])|oops\b)|"
    r"\bpage (?:not found|cannot be found|can't be found|does ?n[o']t exist|unavailable)\b|"
    r"\bno longer available\b"
)
_MAIN_CONTENT = etree.XPath("(//article | //main | //body)[1]")
_LINKS_OUTSIDE_HEADINGS = etree.XPath(
    "//body//a[not(ancestor::h1 or ancestor::h2 or ancestor::h3 or ancestor::h4 "
    "or ancestor::h5 or ancestor::h6)]"
)
_LIST_ITEM_PREFIX = "- "  # how trafilatura's text output marks a list item
TRAFILATURA_MAX_ELEMENTS = 20_000
"""Past this many elements the page's own paragraphs are taken instead of trafilatura's.

trafilatura's time grows with the element count (about 80 microseconds each): a
10 MB page of paragraphs would take it minutes. Real article pages hold a few
thousand elements at most, however heavy their scripts make them in bytes.
"""


@dataclass(frozen=True, slots=True)
class GenericStory:
    """What trafilatura found: the story's paragraphs."""

    paragraphs: list[str]


def looks_like_error_page(title: str) -> bool:
    """A title such as ``404 - Page not found``."""
    return bool(_ERROR_TITLE.search(title))


def extract_generic(html: str, url: str, root: etree._Element) -> GenericStory | None:
    """Run trafilatura on the page; None when it finds no main text.

    Past ``TRAFILATURA_MAX_ELEMENTS`` the paragraphs of the page's ``<article>``,
    ``<main>`` or ``<body>`` are taken instead, with the usual boilerplate skipped.
    """
    if _element_count(root) > TRAFILATURA_MAX_ELEMENTS:
        return _large_page_story(root)
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=False,
        include_comments=False,
        include_tables=True,
        favor_precision=True,
    )
    if document is None:
        return None
    text = getattr(document, "text", None) or ""
    paragraphs = [p for p in (normalise_paragraph(line) for line in text.splitlines()) if p]
    return GenericStory(paragraphs=without_link_lines(paragraphs, root))


def without_link_lines(paragraphs: list[str], root: etree._Element) -> list[str]:
    """The paragraphs without those that are the whole text of one of the page's links."""
    link_texts = {
        normalise_paragraph(
            etree.tostring(link, method="text", encoding="unicode", with_tail=False)
        )
        for link in select_elements(_LINKS_OUTSIDE_HEADINGS, root)
    }
    link_texts.discard("")

    def is_link(paragraph: str) -> bool:
        item = paragraph.removeprefix(_LIST_ITEM_PREFIX)
        return paragraph in link_texts or item in link_texts

    return [paragraph for paragraph in paragraphs if not is_link(paragraph)]


def page_date(html: str, url: str) -> Dateline | None:
    """The publication date htmldate reads in the page, for pages that state none in metadata.

    The parameters are those trafilatura passes to htmldate itself (the address,
    the original date, extensive search, no date after today).
    """
    try:
        found = find_date(
            html,
            url=url,
            extensive_search=True,
            original_date=True,
            max_date=datetime.now(UTC).strftime("%Y-%m-%d"),
        )
    except (ValueError, TypeError):
        found = None
    return parse_structured(found) if isinstance(found, str) and found else None


def _element_count(root: etree._Element) -> int:
    return sum(1 for _ in root.iter())


def _large_page_story(root: etree._Element) -> GenericStory | None:
    found = select_elements(_MAIN_CONTENT, root)
    if not found:
        return None
    return GenericStory(paragraphs=raw_paragraphs(found[0]))
