"""Find the article by its markers, not by a site's CSS classes.

The markers are the lead attribution (``(MENAFN...)`` opening a text) and the wire
ID. The article container is the lowest element holding both, so a partner
template never seen before still works. With one marker only, the container is
the smallest element holding the marker and the story's paragraphs: a marker
alone in its own box (``<div class="lead">(MENAFN- X) ...</div>`` followed by
sibling ``<div class="txt-par">`` paragraphs) is not the story, its parent is.
The texts holding ``MENAFN`` come from ``document`` (text in scripts is never
among them, so a wire ID that only occurs in a ``<script>`` is not a marker).
"""

from collections.abc import Iterator
from enum import Enum
from itertools import islice
from typing import NamedTuple

from lxml import etree

from wirewatch.core.wire_id import WireId, iter_wire_ids
from wirewatch.crawler.extract.attribution import match_attribution
from wirewatch.crawler.extract.dateline import may_hold_dateline
from wirewatch.crawler.extract.paragraphs import is_boilerplate_element

_MAX_PAIRED = 20
_INLINE_TAGS = frozenset(
    {"p", "span", "b", "strong", "i", "em", "u", "a", "font", "small", "big", "sup", "sub", "h2",
     "h3", "h4", "h5", "h6", "mark", "cite", "q", "abbr", "time"}
)  # fmt: skip


class Verdict(Enum):
    """What the markers say about the page."""

    NONE = "none"
    ARTICLE = "article"
    LISTING = "listing"


class Markers(NamedTuple):
    """Where the story is and which markers were found in it."""

    verdict: Verdict
    container: etree._Element | None = None
    wire: WireId | None = None
    provider: str | None = None
    wire_element: etree._Element | None = None
    attribution_element: etree._Element | None = None


def locate(marker_texts: list[tuple[etree._Element, str]]) -> Markers:
    """The article container and its markers, a listing verdict, or ``Verdict.NONE``.

    ``marker_texts``: each text holding ``MENAFN`` with the element whose content it is.
    """
    attributions: list[tuple[etree._Element, str]] = []
    wires: list[tuple[etree._Element, WireId]] = []
    for element, text in marker_texts:
        if "(" in text:
            attribution = match_attribution(text)
            if attribution is not None:
                attributions.append((element, attribution.provider))
        if "ID" in text:
            for wire in iter_wire_ids(text):
                wires.append((element, wire))
    return _decide(attributions, wires)


def _decide(
    attributions: list[tuple[etree._Element, str]], wires: list[tuple[etree._Element, WireId]]
) -> Markers:
    distinct = {wire for _, wire in wires}
    if not attributions and not wires:
        return Markers(Verdict.NONE)
    if len(distinct) > 1 and len(attributions) != 1:
        return Markers(Verdict.LISTING)
    if not wires:
        if len(attributions) > 1:
            return Markers(Verdict.LISTING)
        element, provider = attributions[0]
        container = _story_box(_enclosing_block(element), following=True)
        return Markers(Verdict.ARTICLE, container, None, provider, None, element)
    if not attributions:
        element, wire = wires[0]
        container = _story_box(_enclosing_block(element), following=False)
        return Markers(Verdict.ARTICLE, container, wire, None, element, None)
    return _pair(attributions, wires)


def _pair(
    attributions: list[tuple[etree._Element, str]], wires: list[tuple[etree._Element, WireId]]
) -> Markers:
    """The attribution and wire ID sharing the deepest common ancestor (first such pair)."""
    best: tuple[int, etree._Element, int, int] | None = None
    for w_index, (w_element, _) in enumerate(wires[:_MAX_PAIRED]):
        common_ancestor = Ancestry(w_element).lowest_common_ancestor
        for a_index, (a_element, _) in enumerate(attributions[:_MAX_PAIRED]):
            depth, common = common_ancestor(a_element)
            if best is None or depth > best[0]:
                best = (depth, common, a_index, w_index)
    assert best is not None
    _, container, a_index, w_index = best
    a_element, provider = attributions[a_index]
    w_element, wire = wires[w_index]
    return Markers(
        Verdict.ARTICLE, _enclosing_block(container), wire, provider, w_element, a_element
    )


class Ancestry:
    """An element and its ancestors, for finding the lowest one it shares with another element."""

    def __init__(self, element: etree._Element) -> None:
        self._elements = [element, *element.iterancestors()]  # keeps the proxies (and ids) alive
        size = len(self._elements)
        self._depth = {id(node): size - 1 - index for index, node in enumerate(self._elements)}

    def lowest_common_ancestor(self, other: etree._Element) -> tuple[int, etree._Element]:
        """(depth, element) of the lowest ancestor (or self) shared with ``other``.

        Depth counts from the root (0). Elements of different trees share none: then
        the answer is this ancestry's root at depth 0.
        """
        for node in (other, *other.iterancestors()):
            depth = self._depth.get(id(node))
            if depth is not None:
                return depth, node
        return 0, self._elements[-1]


def _enclosing_block(element: etree._Element) -> etree._Element:
    """Climb out of paragraph-level elements to the block that holds the whole story."""
    current = element
    while current.tag in _INLINE_TAGS:
        parent = current.getparent()
        if parent is None:
            break
        current = parent
    return current


_MAX_CLIMB = 4
_STORY_SIBLING_CHARS = 40
_STRUCTURE_TAGS = frozenset(
    {"p", "div", "section", "article", "main", "blockquote", "ul", "ol", "li", "table", "tr",
     "td", "br", "h2", "h3", "h4", "h5", "h6", "pre"}
)  # fmt: skip
_STORY_WORDS = 100


def _story_box(block: etree._Element, *, following: bool) -> etree._Element:
    """The smallest element holding a lone marker's block and the story's paragraphs.

    A block with structure of its own (paragraphs, line breaks) or a story's
    length of text holds the story. A block that is one short run of text (the
    lead, or the wire-ID line) is only the marker's box: the story is in its
    siblings, after the attribution (``following``) or before the wire ID. Climb
    to the first ancestor where such a sibling carries text; without one within
    a few levels, the block stays.
    """
    if _has_structure(block) or _words(block) >= _STORY_WORDS:
        return block
    current = block
    for _ in range(_MAX_CLIMB):
        parent = current.getparent()
        if parent is None or parent.tag == "html":
            break
        siblings = current.itersiblings(preceding=not following)
        if any(_carries_story_text(sibling) for sibling in islice(siblings, 50)):
            return parent
        if parent.tag == "body":
            break
        current = parent
    return block


def _words(element: etree._Element) -> int:
    return len(etree.tostring(element, method="text", encoding="unicode", with_tail=False).split())


def _has_structure(block: etree._Element) -> bool:
    return any(
        isinstance(element.tag, str) and element.tag in _STRUCTURE_TAGS
        for element in islice(block.iterdescendants(), 200)
    )


def _carries_story_text(element: etree._Element) -> bool:
    """A sibling with paragraph-sized text of its own, not page furniture."""
    if not isinstance(element.tag, str) or element.tag in ("nav", "aside", "footer", "header"):
        return False
    if is_boilerplate_element(element):
        return False
    text = etree.tostring(element, method="text", encoding="unicode", with_tail=False)
    return len(text.strip()) >= _STORY_SIBLING_CHARS


_MAX_NEARBY_TEXTS = 200


def texts_near(anchor: etree._Element, container: etree._Element) -> Iterator[str]:
    """Texts around the story's start, nearest first, that may hold its visible dateline.

    From the anchor (the attribution's element) up to the root: at each level the
    preceding siblings, closest first; above the container also the following
    ones. Inside the container, text after the anchor is story text and is not
    searched. Texts without a year's first digits (``may_hold_dateline``) are
    passed over. Lazy: the search usually stops at the first few.
    """
    current = anchor
    inside = anchor is not container
    budget = _MAX_NEARBY_TEXTS
    while budget > 0:
        parent = current.getparent()
        if parent is None:
            return
        siblings = list(islice(current.itersiblings(preceding=True), budget))
        if parent.text:
            siblings.append(parent)  # stands for the parent's own leading text
        if not inside:
            siblings.extend(islice(current.itersiblings(), budget))
        for sibling in siblings:
            text = parent.text or "" if sibling is parent else _text(sibling)
            if may_hold_dateline(text):
                yield text
        budget -= len(siblings)
        if parent is container:
            inside = False
        current = parent


def _text(element: etree._Element) -> str:
    return etree.tostring(element, method="text", encoding="unicode", with_tail=True)
