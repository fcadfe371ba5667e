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
from collections.abc import Iterator

from lxml import etree

from crawler.extract.attribution import strip_attribution

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
_BOILERPLATE_WORDS = frozenset(
    {"ad", "ads", "adv", "advert", "adverts", "advertisement", "adsbygoogle", "banner", "share",
     "sharing", "sharer", "social", "related", "comment", "comments", "disqus", "sidebar",
     "breadcrumb", "breadcrumbs", "tags", "tagcloud", "newsletter", "subscribe", "subscription",
     "promo", "sponsored", "widget", "nav", "navbar", "navigation", "menu", "popular", "trending",
     "mostread", "outbrain", "taboola", "cookie", "consent", "sidebar1", "sidebar2", "lightbox"}
)  # fmt: skip
_WORD_SPLIT = re.compile(r"[\s_\-]+")
_SPACES = re.compile(r"\s+")
_INVISIBLE = str.maketrans({"\u200b": None, "\u200c": None, "\u200d": None, "\ufeff": None})


def is_boilerplate_element(element: etree._Element) -> bool:
    """An element that by its tag or its class/id words is page furniture, not story text."""
    tag = element.tag
    if not isinstance(tag, str):
        return True
    if tag in _SKIP_TAGS:
        return True
    if "-" in tag and _has_boilerplate_word(tag):
        return True
    names = element.get("class", "") + " " + element.get("id", "") + " " + element.get("role", "")
    return names != "  " and _has_boilerplate_word(names.lower())


def _has_boilerplate_word(names: str) -> bool:
    return not _BOILERPLATE_WORDS.isdisjoint(_WORD_SPLIT.split(names))


class _Builder:
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
        if self._parts:
            paragraph = normalize_paragraph("".join(self._parts))
            if paragraph:
                self.paragraphs.append(paragraph)
        self._parts = []
        self._all_bold = True
        self._breaks = 0


def normalize_paragraph(text: str) -> str:
    """NFC, invisible characters dropped, white space collapsed."""
    text = unicodedata.normalize("NFC", text.translate(_INVISIBLE))
    return _SPACES.sub(" ", text).strip()


def raw_paragraphs(container: etree._Element, keep: set[etree._Element]) -> list[str]:
    """Every paragraph of ``container`` in order, boilerplate elements skipped.

    ``keep`` holds elements never skipped (the markers and their ancestors).
    The walk is iterative, so deeply nested markup cannot exhaust the stack.
    """
    builder = _Builder()
    for event, element, bold in _events(container, keep):
        if event == "open":
            if element.tag in _BLOCK_TAGS:
                builder.flush()
            elif element.tag == "br":
                builder.line_break()
            if element.text:
                builder.text(element.text, bold)
        else:
            if element.tag in _BLOCK_TAGS:
                builder.flush()
            if element is not container and element.tail:
                builder.text(element.tail, bold)
    builder.flush()
    return builder.paragraphs


def _events(
    container: etree._Element, keep: set[etree._Element]
) -> Iterator[tuple[str, etree._Element, bool]]:
    """Open/close events in document order; a closed element's tail is in its parent's boldness."""
    stack: list[tuple[etree._Element, bool, bool]] = [(container, False, False)]
    while stack:
        element, bold, closing = stack.pop()
        if closing:
            yield "close", element, bold
            continue
        skipped = element is not container and element not in keep
        if skipped and is_boilerplate_element(element):
            if element.tail:
                yield "close-tail", element, bold
            continue
        inner_bold = bold or element.tag in _BOLD_TAGS
        yield "open", element, inner_bold
        stack.append((element, bold, True))
        stack.extend((child, inner_bold, False) for child in reversed(element))


_WIRE_ID_LINE = re.compile(r"(?i)^(?:wire\s*id\s*:?\s*)?MENAFN\d{8}\d{12}ID\d{9,11}\.?$")
_WIRE_ID_ANYWHERE = re.compile(r"MENAFN\d{8}\d{12}ID\d{9,11}")
_DISCLAIMER = re.compile(r"(?i)^legal\s+disclaimer\b")
_STANDALONE_LINES = frozenset(
    {"menafn", "search", "share", "share this", "share this article", "share on", "tweet", "print",
     "email", "e-mail", "facebook", "twitter", "x", "linkedin", "whatsapp", "telegram",
     "advertisement", "sponsored", "read more", "related", "related articles", "related news",
     "related stories", "most read", "comments", "leave a comment", "tags", "back to top",
     "top of page", "next article", "previous article"}
)  # fmt: skip


def clean_paragraphs(
    paragraphs: list[str], has_attribution: bool, title: str = ""
) -> tuple[str | None, list[str]]:
    """The story's paragraphs and the provider named by its attribution.

    With an attribution, the story starts at the paragraph it opens (everything
    before is headline, byline, dateline or furniture) and a standalone wire-ID
    line after it closes the story. A ``Legal Disclaimer`` block always closes it.
    """
    provider: str | None = None
    start = 0
    if has_attribution:
        for index, paragraph in enumerate(paragraphs):
            found, rest = strip_attribution(paragraph)
            if found is not None:
                provider, start = found, index
                paragraphs = [*paragraphs[:index], rest, *paragraphs[index + 1 :]]
                break
    story: list[str] = []
    for paragraph in paragraphs[start:]:
        if _DISCLAIMER.match(paragraph):
            break
        if _WIRE_ID_LINE.match(paragraph):
            if provider is not None:
                break
            continue
        cleaned = _drop_embedded_wire_ids(paragraph)
        if cleaned and not _is_furniture(cleaned, title if not story else ""):
            story.append(cleaned)
    return provider, story


def _drop_embedded_wire_ids(paragraph: str) -> str:
    if "MENAFN" not in paragraph:
        return paragraph
    return normalize_paragraph(_WIRE_ID_ANYWHERE.sub(" ", paragraph))


def _is_furniture(paragraph: str, title: str) -> bool:
    lowered = paragraph.lower().rstrip(":")
    return lowered in _STANDALONE_LINES or (bool(title) and paragraph == title)
