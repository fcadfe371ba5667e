"""Telling a listing (section front, archive, search results) from an article with many links.

Counting a whole page's link text would take an article for a listing as soon as
its related-stories, most-read and "more from" blocks outweigh its body: the big
news sites do that on nearly every story. So the page is read as a sequence of
text blocks in document order, and the question is whether it holds a main
text: a run of prose (blocks that are not mostly link text) that no link block
interrupts. An article has one of at least ``MIN_MAIN_TEXT_WORDS`` words,
however many links surround it; on a listing, each blurb is cut off from the
next by the next item's headline link, so its longest run is one teaser. A page
with ``MIN_LISTING_LINKS`` links or more and no main text is a listing.

Menus in ``nav``/``header``/``footer``/``aside`` count neither way.
"""

import re
from dataclasses import dataclass

from lxml import etree

from wirewatch.crawler.extract.words import story_words

MIN_LISTING_LINKS = 10
MIN_MAIN_TEXT_WORDS = 50
"""The shortest prose run that is a story's main text rather than one teaser's blurb."""
HEADLINE_LINK_WORDS = 3
"""A block that opens with a link this long is a teaser (headline, then blurb)."""
_MIN_PROSE_BLOCK_WORDS = 5  # shorter blocks (bylines, dates, captions) neither add nor break
_LINK_BLOCK_SHARE = 0.5  # a block with at least this share of link words is a link block

_FURNITURE = frozenset(("nav", "header", "footer", "aside", "select", "button"))
_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_BLOCKS = _HEADINGS | frozenset(
    (
        "address", "article", "blockquote", "body", "center", "dd", "details", "dialog",
        "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "form", "hgroup",
        "hr", "li", "main", "menu", "ol", "p", "pre", "section", "summary", "table",
        "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    )
)  # fmt: skip
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Block:
    """One block of text: its words, how many of them are link text, its kind."""

    words: float
    link_words: float
    heading: bool = False
    starts_with_link: bool = False

    @property
    def is_link_block(self) -> bool:
        """Mostly link text, or a teaser led by its headline link."""
        if self.link_words <= 0:
            return False
        return self.link_words >= _LINK_BLOCK_SHARE * self.words or (
            self.starts_with_link and self.link_words >= HEADLINE_LINK_WORDS
        )


@dataclass(frozen=True, slots=True)
class LinkProfile:
    """What the listing decision rests on."""

    links: int
    main_text_words: float

    @property
    def is_listing(self) -> bool:
        """Many links and no main text."""
        return self.links >= MIN_LISTING_LINKS and self.main_text_words < MIN_MAIN_TEXT_WORDS

    def describe(self) -> str:
        """Why the page was taken for a listing, for the rejection's detail."""
        return (
            f"mostly links: a listing page ({self.links} links, longest text between "
            f"links {self.main_text_words:.0f} words)"
        )


def link_profile(root: etree._Element) -> LinkProfile:
    """The page's links and its longest prose run (see the module docstring)."""
    blocks, links = text_blocks(root)
    longest = run = 0.0
    for block in blocks:
        if block.is_link_block:
            run = 0.0
        elif not block.heading and block.words >= _MIN_PROSE_BLOCK_WORDS:
            run += block.words - block.link_words
            longest = max(longest, run)
    return LinkProfile(links=links, main_text_words=longest)


def looks_like_listing(root: etree._Element) -> LinkProfile | None:
    """The page's profile when it is a listing; None for an article (or anything else)."""
    profile = link_profile(root)
    return profile if profile.is_listing else None


class _Collector:
    """Builds the blocks during the walk: text outside block elements gathers into a
    loose block, which the next block element's start or end closes."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._text: list[str] = []
        self._link_texts: list[str] = []
        self._first_is_link: bool | None = None
        self.links = 0

    def add(self, text: str | None, link: bool) -> None:
        if not text or text.isspace():
            return
        self._text.append(text)
        if link:
            self._link_texts.append(text)
        if self._first_is_link is None:
            self._first_is_link = link

    def flush(self, heading: bool = False) -> None:
        if self._text:
            self.blocks.append(
                Block(
                    words=story_words(_SPACES.sub(" ", " ".join(self._text))),
                    link_words=story_words(_SPACES.sub(" ", " ".join(self._link_texts))),
                    heading=heading,
                    starts_with_link=bool(self._first_is_link),
                )
            )
        self._text, self._link_texts, self._first_is_link = [], [], None

    def leaf(self, element: etree._Element, in_link: bool) -> None:
        """A block element without block elements inside: one block of its own."""
        self.flush()
        walker = etree.iterwalk(element, events=("start", "end"))
        links_open = 1 if in_link else 0
        for event, inner in walker:
            if event == "start":
                if inner.tag == "a":
                    links_open += 1
                    self.links += 1
                self.add(inner.text, links_open > 0)
            else:
                if inner.tag == "a":
                    links_open -= 1
                if inner is not element:
                    self.add(inner.tail, links_open > 0)
        self.flush(heading=element.tag in _HEADINGS)


def text_blocks(root: etree._Element) -> tuple[list[Block], int]:
    """The page body's text blocks in document order and its number of links, menus and
    page furniture left out."""
    body = root.find("body")
    if body is None:
        return [], 0
    holds_blocks = _elements_holding_blocks(body)
    collector = _Collector()
    walker = etree.iterwalk(body, events=("start", "end"))
    links_open = 0
    for event, element in walker:
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _FURNITURE:
                walker.skip_subtree()
            elif tag in _BLOCKS and element not in holds_blocks:
                collector.leaf(element, links_open > 0)
                walker.skip_subtree()
            else:
                if tag in _BLOCKS:
                    collector.flush()
                if tag == "a":
                    links_open += 1
                    collector.links += 1
                collector.add(element.text, links_open > 0)
            continue
        if tag in _BLOCKS or tag in _FURNITURE:
            collector.flush()
        elif tag == "a":
            links_open -= 1
        if element is not body:
            collector.add(element.tail, links_open > 0)
    collector.flush()
    return collector.blocks, collector.links


def _elements_holding_blocks(body: etree._Element) -> set[etree._Element]:
    """The elements with a block element somewhere inside (bottom-up, in one pass)."""
    holding: set[etree._Element] = set()
    for element in reversed(list(body.iter())):
        parent = element.getparent()
        if parent is None or element is body:
            continue
        if element.tag in _BLOCKS or element in holding:
            holding.add(parent)
    return holding
