"""The article's paragraphs, in order, whatever markup the template uses.

A walk over the container turns ``<p>``, block elements, table cells and runs of
``<br><br>`` into paragraph boundaries. Headings and a paragraph made only of bold
text stay paragraphs of their own (a bold run followed by a single ``<br>`` ends
there). Boilerplate elements (navigation, share buttons, related stories,
comments, ads) are skipped by tag and by class/id words; the elements that hold
the markers are never skipped, whatever their classes say.
"""

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from lxml import etree

from wirewatch.core.wire_id import WIRE_ID_PATTERN, WIRE_ID_PREFIX
from wirewatch.crawler.extract.attribution import strip_attribution

_BLOCK_TAGS = frozenset(
    {"p", "div", "section", "article", "main", "header", "footer", "blockquote", "h1", "h2", "h3",
     "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot",
     "tr", "td", "th", "caption", "pre", "address", "hr", "center", "details", "summary", "body",
     "html", "fieldset", "amp-story", "amp-fit-text"}
)  # fmt: skip
_SKIP_TAGS = frozenset(
    {"nav", "aside", "form", "button", "input", "select", "textarea", "label", "figure",
     "figcaption", "img", "picture", "video", "audio", "canvas", "embed", "head", "title", "meta",
     "link", "menu", "dialog"}
)  # fmt: skip
_BOLD_TAGS = frozenset({"b", "strong"})
_NAMING_ATTRIBUTES = frozenset({"class", "id", "role"})
_BOILERPLATE_WORDS = frozenset(
    {"ad", "ads", "adv", "advert", "adverts", "advertisement", "adsbygoogle", "banner", "share",
     "sharing", "sharer", "social", "related", "comment", "comments", "disqus", "sidebar",
     "breadcrumb", "breadcrumbs", "tags", "tagcloud", "newsletter", "subscribe", "subscription",
     "promo", "sponsored", "widget", "nav", "navbar", "navigation", "menu", "popular", "trending",
     "mostread", "outbrain", "taboola", "cookie", "consent", "sidebar1", "sidebar2", "lightbox"}
)  # fmt: skip
_BOILERPLATE_NAMES = re.compile(
    r"(?:^|[\s_-])(?:"
    + "|".join(sorted(_BOILERPLATE_WORDS, key=len, reverse=True))
    + r")(?=$|[\s_-])"
)  # matched against lower-cased names, which is quicker than IGNORECASE
INVISIBLE_CHARACTERS = "\u200b\u200c\u200d\ufeff"  # zero-width spaces and joiners, BOM
_INVISIBLE = re.compile(f"[{INVISIBLE_CHARACTERS}]")


def is_boilerplate_element(element: etree._Element) -> bool:
    """An element that by its tag or its class/id words is page furniture, not story text."""
    tag = element.tag
    if not isinstance(tag, str):
        return True
    if tag in _SKIP_TAGS or ("-" in tag and is_boilerplate_name(tag)):
        return True
    names = element.keys()
    return bool(names) and any(
        name in _NAMING_ATTRIBUTES and is_boilerplate_name(str(element.get(name))) for name in names
    )


@lru_cache(maxsize=4096)
def is_boilerplate_name(name: str) -> bool:
    """A tag, class, id or role naming page furniture. Cached: templates repeat their names."""
    return _BOILERPLATE_NAMES.search(name.lower()) is not None


class _ParagraphBuilder:
    """Collects text into paragraphs as the walk reports text, line breaks and block edges."""

    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self._parts: list[str] = []
        self._all_bold = True
        self._breaks = 0

    def text(self, text: str, bold: bool) -> None:
        if not text:
            return
        if text.isspace():
            if self._parts:
                self._parts.append(" ")
            return
        if self._breaks >= 2 or (self._breaks == 1 and self._all_bold and self._parts):
            self.flush()
        elif self._breaks:
            self._parts.append(" ")
        self._breaks = 0
        self._parts.append(text)
        self._all_bold = self._all_bold and bold

    def line_break(self) -> None:
        if self._parts:
            self._breaks += 1

    def flush(self) -> None:
        if not self._parts:
            return  # nothing collected: the bold flag and break count are still at rest
        paragraph = normalise_paragraph("".join(self._parts))
        if paragraph:
            self.paragraphs.append(paragraph)
        self._parts = []
        self._all_bold = True
        self._breaks = 0


def normalise_paragraph(text: str) -> str:
    """NFC, invisible characters dropped, white space collapsed."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        if _INVISIBLE.search(text):
            text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


def raw_paragraphs(container: etree._Element, markers: Sequence[etree._Element] = ()) -> list[str]:
    """Every paragraph of ``container`` in order, boilerplate elements skipped.

    ``markers`` (the elements holding the attribution and the wire ID) and their
    ancestors are never skipped, whatever their classes say. The walk is lxml's
    ``iterwalk``, iterative: deeply nested markup cannot exhaust the stack.
    """
    keep = _with_ancestors(markers)
    builder = _ParagraphBuilder()
    bold = 0
    skipped: etree._Element | None = None
    walker = etree.iterwalk(container, events=("start", "end"))
    for event, element in walker:
        tag = element.tag
        if event == "start":
            if tag == "br":
                builder.line_break()
                continue
            if element is not container and element not in keep and is_boilerplate_element(element):
                walker.skip_subtree()
                skipped = element
                continue
            if tag in _BLOCK_TAGS:
                builder.flush()
            elif tag in _BOLD_TAGS:
                bold += 1
            text = element.text
            if text:
                builder.text(text, bold > 0)
            continue
        if element is skipped:
            skipped = None
        elif tag in _BOLD_TAGS:
            bold -= 1
        if tag in _BLOCK_TAGS:
            builder.flush()
        if element is not container:
            tail = element.tail
            if tail:
                builder.text(tail, bold > 0)
    builder.flush()
    return builder.paragraphs


def _with_ancestors(elements: Sequence[etree._Element]) -> set[etree._Element]:
    keep: set[etree._Element] = set()
    for element in elements:
        keep.add(element)
        keep.update(element.iterancestors())
    return keep


_WIRE_ID_LINE = re.compile(
    r"^(?:wire\s*id\s*:?\s*)?" + WIRE_ID_PATTERN.pattern + r"\.?$", re.IGNORECASE
)
_SHORT = 40
_DISCLAIMER = re.compile(r"(?i)^legal\s+disclaimer\b")
_STANDALONE_LINES = frozenset(
    {"menafn", "search", "share", "share this", "share this article", "share on", "tweet", "print",
     "email", "e-mail", "facebook", "twitter", "x", "linkedin", "whatsapp", "telegram",
     "advertisement", "sponsored", "read more", "related", "related articles", "related news",
     "related stories", "most read", "comments", "leave a comment", "tags", "back to top",
     "top of page", "next article", "previous article"}
)  # fmt: skip


def clean_paragraphs(paragraphs: list[str], title: str = "") -> tuple[str | None, list[str]]:
    """The story's paragraphs and the provider named by its attribution.

    With an attribution, the story starts at the paragraph it opens (everything
    before is headline, byline, dateline or furniture) and a standalone wire-ID
    line after it closes the story. A ``Legal Disclaimer`` block always closes it.
    The attribution is looked for in whole paragraphs, so one split over several
    elements (``(MENAFN- <a>Jordan Times</a>)``) is still found and removed.
    """
    provider: str | None = None
    start = 0
    for index, paragraph in enumerate(paragraphs):
        if "(" not in paragraph[:8]:
            continue
        found, rest = strip_attribution(paragraph)
        if found is not None:
            provider, start = found, index
            paragraphs = [*paragraphs[:index], rest, *paragraphs[index + 1 :]]
            break
    story: list[str] = []
    for paragraph in paragraphs[start:]:
        if (len(paragraph) < _SHORT or paragraph == title) and _is_furniture(
            paragraph, title if not story else ""
        ):
            continue
        initial = paragraph[:1]
        if initial in "Ll" and _DISCLAIMER.match(paragraph):
            break
        if initial in "MmWw" and _WIRE_ID_LINE.match(paragraph):
            if provider is not None:
                break
            continue
        if WIRE_ID_PREFIX in paragraph:
            paragraph = normalise_paragraph(WIRE_ID_PATTERN.sub(" ", paragraph))
        if paragraph:
            story.append(paragraph)
    return provider, story


def _is_furniture(paragraph: str, title: str) -> bool:
    """A line that is page furniture: ``MENAFN`` alone, ``Share``, the headline repeated."""
    if title and paragraph == title:
        return True
    return len(paragraph) < _SHORT and paragraph.lower().rstrip(":") in _STANDALONE_LINES
