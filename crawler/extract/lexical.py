"""The lexical reader: a plain wire page read from its HTML text, without building a tree.

Parsing a page into a tree costs more than everything else extraction does, and
most wire pages are plain markup around one story. This reader finds the
markers by string search, walks only the tags from the attribution to the
wire-ID line to cut paragraphs (with the tree reader's own rules, through
``ParagraphBuilder`` and ``is_boilerplate``), and reads the metadata from the
``<meta>``, JSON-LD, ``<title>``, ``<time>`` and ``<h1>`` tags.

It reads a page exactly as the tree reader would, or declines it. A page is
declined (``read_wire_page`` returns None, and the tree reader takes it) unless
its body holds one attribution and one wire ID, the story's markup is well
nested with nothing libxml2 would repair (a block inside an inline element, an
unclosed or stray tag, a self-closed ``<div/>``), no boilerplate element holds
the wire ID, and no character reference could decode differently. Tests hold
both readers to the same record on every page this one reads.
"""

import html
import html.entities
import itertools
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NoReturn

from crawler.extract.attribution import match_attribution
from crawler.extract.dateline import BEFORE_STORY_CHARS, structured_dateline
from crawler.extract.document import (
    PageMetadata,
    add_meta,
    is_json_ld,
    json_ld_objects,
    json_ld_value,
)
from crawler.extract.locate import INLINE_TAGS, MAX_PAIRED
from crawler.extract.paragraphs import (
    BLOCK_TAGS,
    BOLD_TAGS,
    SKIP_TAGS,
    ParagraphBuilder,
    is_boilerplate,
    is_disclaimer,
    is_wire_id_line,
)
from crawler.extract.wire_id import WireId, iter_wire_ids
from crawler.extract.wire_page import WirePage

MARKER = "MENAFN"
_MAX_MARKERS = 50
_MAX_INLINE_ANCESTORS = 4
_BEFORE_STORY_HTML = 4_000  # markup flattened at a time for the text before the story

# HTML white space is " \t\n\r\f" only (``\s`` would take a no-break space too).
# A tag: with no quoted ">" in any attribute value (checked per page), a tag runs
# from "<" and a letter to the first ">", as the HTML5 tokenizer reads it.
_TAG = re.compile(r"<(/?)([A-Za-z][^ \t\n\r\f/>]*+)([^>]*+)>")
_TIGHT_TAG = re.compile(
    r"[^ \t\n\r\f>](?:</[A-Za-z][^>]*+|<(?i:html|head|body)(?=[ \t\n\r\f/>])[^>]*+)>"
    r"(?=[^ \t\n\r\f<])"
)
_ODD_END_TAG = re.compile(r"</[A-Za-z][^>]*?[<=\"']")
_TAG_SPLIT = re.compile(r"</?[A-Za-z][^ \t\n\r\f/>]*+[^>]*+>")
_OPEN_REFERENCE = re.compile(r"&#?[A-Za-z0-9]*+\Z")
_QUOTED_GT = re.compile(r"""=[ \t\n\r\f]*+(?:"[^">]*+>|'[^'>]*+>)""")
# Text, then a tag (or a "<" that is no tag, or the end): what the region walk reads.
_TOKEN = re.compile(r"([^<]*+)(?:<(/?)([A-Za-z][^ \t\n\r\f/>]*+)([^>]*+)>|<|$)")
_STORY_BOUNDARY = re.compile(
    r"</?(?:p|div|td|th|tr|li|ul|ol|dl|dd|dt|h[1-6]|section|article|main|table|tbody|blockquote"
    r"|header|footer|center|pre|address|body|html)(?=[ \t\n\r\f/>])"
)
_ATTRIBUTE = re.compile(
    r"""([^ \t\n\r\f/>=]++)(?:[ \t\n\r\f]*+=[ \t\n\r\f]*+(?:"([^"]*+)"|'([^']*+)'|([^ \t\n\r\f>]*+)))?"""
)
# Elements whose content is text to the tokenizer, and elements the tree reader strips
# whole (their content is markup: scanned for inner raw-text elements, never read as text).
_RAW_TEXT = frozenset({"script", "style", "title", "textarea", "iframe", "!--", "!"})
_RCDATA = frozenset({"title", "textarea"})  # raw text that is text to the tree reader
_STRIPPED_MARKUP = frozenset({"noscript", "template", "svg", "math", "object"})
_UNREADABLE = frozenset({"xmp", "plaintext", "listing", "noembed", "noframes"})
# One pass over the page finds the tags the reader looks for: comments, the
# elements above, the document and metadata tags, and bogus markup.
_SURVEY = re.compile(
    r"<(?:(!--)|(script|style|title|textarea|iframe|noscript|template|svg|math|object"
    r"|xmp|plaintext|listing|noembed|noframes|body|html|meta|time|h1)(?=[ \t\n\r\f/>])"
    r"|(/body|/html)(?=[ \t\n\r\f/>])|/(?![a-z])|[!?])"
)  # run on the lower-cased page: a case-insensitive pattern is four times slower
_HTML_SPACE = " \t\n\r\f"  # white space to the tokenizer (a no-break space is text)
_DOCTYPE = re.compile(r"(?i:<!doctype)[^>]*>")
_TIMES = re.compile(r"(?i)times")
_UPPER_CASE_TAG = re.compile(r"</?[a-z0-9]*+[A-Z]")
_HEAD_MARKUP = re.compile(
    r"(?i:<!doctype)[^>]*>|</?(?:html|head|meta|link|base)(?=[ \t\n\r\f/>])[^>]*>"
)
# A named reference without ";" decodes in text but not always in an attribute value.
# Numeric references to controls and noncharacters: Python drops them, libxml2 keeps them.
_DROPPED_NUMERIC_REFERENCE = re.compile(
    r"&#(?:0*+(?:[0-9]|[12][0-9]|3[01]|127|6(?:49[7-9][0-9]|[5-9][0-9]{3})|[7-9][0-9]{4}"
    r"|[1-9][0-9]{5,})(?![0-9])"
    r"|[xX]0*+(?:1?[0-9A-Fa-f]|7[fF]|[fF][dD][d-fD-F][0-9A-Fa-f]|[fF][eEfF][0-9A-Fa-f]{2}"
    r"|[1-9A-Fa-f][0-9A-Fa-f]{4,})(?![0-9A-Fa-f]))"
)
# A legacy named reference (one Python decodes without ";") before a letter, digit or
# "=": decoded in text, left alone in an attribute value (HTML5), decoded by Python.
_LEGACY_REFERENCE = re.compile(
    "&(?:"
    + "|".join(
        sorted((n for n in html.entities.html5 if not n.endswith(";")), key=len, reverse=True)
    )
    + r")(?=[A-Za-z0-9=])"
)
_NAME_TAIL = re.compile(r"[A-Za-z0-9]*;")
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr", "keygen"}
)  # fmt: skip
_DOCUMENT_TAGS = frozenset({"html", "head", "body"})


class _Decline(Exception):
    """The page holds markup this reader cannot read exactly as the tree reader would."""


def _decline() -> NoReturn:
    raise _Decline


def read_wire_page(text: str) -> WirePage | None:
    """The page read lexically, or None when only the tree reader can read it exactly."""
    if MARKER not in text:
        return None
    try:
        return _LexicalPage(text).wire_page()
    except _Decline:
        return None


def _has_ambiguous_references(text: str) -> bool:
    """References Python's ``html.unescape`` decodes otherwise than libxml2 may."""
    if _DROPPED_NUMERIC_REFERENCE.search(text):
        return True
    for match in _LEGACY_REFERENCE.finditer(text):
        tail = _NAME_TAIL.match(text, match.end())
        if tail is None or match.group()[1:] + tail.group() not in html.entities.html5:
            return True  # not the start of a longer, complete name such as "&notin;"
    return False


def _unescape(text: str) -> str:
    return html.unescape(text) if "&" in text else text


def _flatten(markup: str, separator: str) -> str:
    """Markup to text: references decoded between the tags, each tag made ``separator``."""
    return separator.join(_unescape(piece) for piece in _TAG_SPLIT.split(markup))


def _attributes(raw: str) -> dict[str, str]:
    """A tag's attributes, names lower-cased, the first of a repeated name kept (as libxml2)."""
    attributes: dict[str, str] = {}
    for name, double, single, bare in _ATTRIBUTE.findall(raw):
        attributes.setdefault(name.lower(), _unescape(double or single or bare))
    return attributes


@lru_cache(maxsize=64)
def _closing(name: str) -> re.Pattern[str]:
    return re.compile(rf"</{name}(?=[ \t\n\r\f/>])")


@lru_cache(maxsize=64)
def _same_name_tags(name: str) -> re.Pattern[str]:
    return re.compile(rf"<(/?){re.escape(name)}(?=[ \t\n\r\f/>])")


@dataclass(frozen=True, slots=True)
class _Span:
    """An element the tree reader never reads as text: raw text, a comment or stripped markup."""

    start: int
    end: int
    kind: str
    content_start: int
    content_end: int


@dataclass(frozen=True, slots=True)
class _Node:
    """A text node: where it is in the page, and its text."""

    start: int
    end: int
    text: str


@dataclass(slots=True)
class _Survey:
    """What the one pass over the page found."""

    spans: list[_Span] = field(default_factory=list)
    body: int = -1
    html_tag: int = -1
    metas: list[int] = field(default_factory=list)
    times: list[int] = field(default_factory=list)
    heading: int = -1
    body_end: int = -1


class _LexicalPage:
    def __init__(self, text: str) -> None:
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if "\x00" in text or _has_ambiguous_references(text):
            _decline()
        low = text.lower() if _UPPER_CASE_TAG.search(text) else text
        if len(low) != len(text):
            _decline()  # lower-casing moved offsets: positions would not line up
        self.text = text
        self.low = low
        survey = self._survey()
        self.spans = survey.spans
        self.span_starts = [span.start for span in self.spans]
        self.survey = survey
        self.body = survey.body
        if _ODD_END_TAG.search(text, self.body):
            _decline()  # "</F<br>ONT>": libxml2 drops it and joins the text around it
        for quoted in _QUOTED_GT.finditer(text):
            span = self.span_at(quoted.start())
            if span is None or not span.content_start <= quoted.start() < span.content_end:
                _decline()  # a ">" inside an attribute value: tags need a real tokenizer

    # The one pass ---------------------------------------------------------------------

    def _survey(self) -> _Survey:
        """Spans, document tags, metadata tags and markers.

        Tags inside raw text (a script, a comment) are not markup and are passed
        over; inside stripped markup (``<noscript>``, ``<svg>``) they are elements
        to the metadata reader, but nothing there is story text.
        """
        survey = _Survey()
        raw_until = 0
        stripped_until = 0
        for match in _SURVEY.finditer(self.low):
            at = match.start()
            if at < raw_until or self._inside_tag(at):
                continue
            comment, name, document_end = match.group(1, 2, 3)
            if document_end:
                if at >= stripped_until:
                    if survey.body >= 0 and survey.body_end < 0:
                        survey.body_end = at  # the tree reader's body ends here
                    if document_end == "/html":
                        break  # what follows is outside the tree reader's document
                continue
            if comment:
                span = self._comment(at)
            elif name is None:
                if survey.body >= 0:
                    if at >= stripped_until:
                        _decline()  # "</ p>", "<!x>", "<?x>": bogus comments to the tokenizer
                    continue
                span = self._declaration(at)  # <!DOCTYPE ...>, <?xml ...?>: to the first ">"
            else:
                element_span = self._element(name, at, survey, stripped_until)
                if element_span is None:
                    continue
                span = element_span
            if self.text.rfind("<", 0, at) > self.text.rfind(">", 0, at):
                _decline()  # a dangling "<" before it: cutting it out could make a tag
            if _OPEN_REFERENCE.search(self.text, max(0, at - 40), at):
                _decline()  # "&<!-- -->amp;": cutting it out could make a reference
            survey.spans.append(span)
            if span.kind in _STRIPPED_MARKUP:
                stripped_until = span.end
            else:
                raw_until = span.end
        if survey.body < 0:
            _decline()
        return survey

    def _marker_positions(self) -> list[int]:
        """Where ``MENAFN`` occurs in the body, outside the spans."""
        positions = []
        end = self.survey.body_end if self.survey.body_end >= 0 else len(self.text)
        position = self.text.find(MARKER, self.body, end)
        while position != -1:
            if self.span_at(position) is None:
                positions.append(position)
                if len(positions) > _MAX_MARKERS:
                    _decline()
            position = self.text.find(MARKER, position + len(MARKER), end)
        return positions

    def _inside_tag(self, position: int) -> bool:
        """``position`` lies in a tag's attributes (no quoted ">" on the page, so this is exact)."""
        opener = self.text.rfind("<", 0, position)
        if opener < self.text.rfind(">", 0, position) or opener < 0:
            return False
        tag = _TAG.match(self.text, opener)
        return tag is not None and tag.end() > position

    def _element(self, name: str, at: int, survey: _Survey, stripped_until: int) -> _Span | None:
        """Note a surveyed start tag; the span it opens, if it opens one."""
        if name in _UNREADABLE:
            _decline()
        if name in _RAW_TEXT or name in _STRIPPED_MARKUP:
            tag = _TAG.match(self.text, at)
            if tag is None or tag.group(0).endswith("/>"):
                _decline()
            if at < stripped_until and name in _STRIPPED_MARKUP:
                _decline()  # nested stripped elements: keep it simple
            if name == "title" and survey.body >= 0:
                _decline()  # a <title> in the body is text to the tree reader
            return self._element_span(name, tag)
        if name == "meta":
            survey.metas.append(at)
        elif name == "time":
            survey.times.append(at)
        elif at < stripped_until:
            pass
        elif name == "body" and survey.body < 0:
            survey.body = self._body_content(at, survey.spans)
        elif name == "html" and survey.html_tag < 0 and survey.body < 0:
            if _DOCTYPE.sub(
                "", self._outside_spans_of(survey.spans, 0, at, comments_only=True)
            ).strip(_HTML_SPACE):
                _decline()  # markup before <html>: libxml2 opens the document without its attributes
            survey.html_tag = at
        elif name == "h1" and survey.heading < 0 and survey.body >= 0:
            survey.heading = at
        return None

    def _comment(self, start: int) -> _Span:
        text = self.text
        content = start + 4
        if text.startswith(">", content):
            return _Span(start, content + 1, "!--", content, content)
        if text.startswith("->", content):
            return _Span(start, content + 2, "!--", content, content)
        close = text.find("-->", content)
        bang_close = text.find("--!>", content)
        if close == -1 and bang_close == -1:
            _decline()
        if close == -1 or (bang_close != -1 and bang_close < close):
            return _Span(start, bang_close + 4, "!--", content, bang_close)
        return _Span(start, close + 3, "!--", content, close)

    def _declaration(self, start: int) -> _Span:
        end = self.text.find(">", start)
        if end == -1:
            _decline()
        return _Span(start, end + 1, "!", start + 2, end)

    def _element_span(self, name: str, tag: re.Match[str]) -> _Span:
        close = _closing(name).search(self.low, tag.end())
        if close is None:
            _decline()
        if name in _STRIPPED_MARKUP and _same_name_tags(name).search(
            self.low, tag.end(), close.start()
        ):
            _decline()
        end = self.text.find(">", close.start())
        return _Span(tag.start(), end + 1, name, tag.end(), close.start())

    def _outside_spans_of(
        self, spans: list[_Span], start: int, end: int, comments_only: bool = False
    ) -> str:
        """The lower-cased page in ``[start, end)``, ``spans`` replaced by a space.

        For checking what lies before the body while the survey runs. With
        ``comments_only``, other spans stay (as markup that is not allowed there).
        """
        pieces, position = [], start
        for span in spans:
            if comments_only and span.kind != "!--":
                continue
            pieces.append(self.low[position : span.start])
            position = span.end
        pieces.append(self.low[position:end])
        return " ".join(pieces)

    def _body_content(self, at: int, head_spans: list[_Span]) -> int:
        tag = _TAG.match(self.text, at)
        if tag is None:
            _decline()
        head = self._outside_spans_of(head_spans, 0, at)
        if _HEAD_MARKUP.sub("", head).strip(_HTML_SPACE):
            _decline()  # text or body markup before <body>: libxml2 starts the body early
        return tag.end()

    # Spans ----------------------------------------------------------------------------

    def span_at(self, position: int) -> _Span | None:
        """The span holding ``position``, if any."""
        index = bisect_right(self.span_starts, position) - 1
        while index >= 0:
            span = self.spans[index]
            if position < span.end:
                return span
            if span.kind not in _STRIPPED_MARKUP:
                # only stripped markup can hold later spans, and with them this position
                index -= 1
                while index >= 0 and self.spans[index].kind not in _STRIPPED_MARKUP:
                    index -= 1
            else:
                return None
        return None

    def _outside_spans(self, start: int, end: int, gap: str = "", rcdata: bool = False) -> str:
        """The page's text in ``[start, end)`` with every span cut out.

        Comments vanish (libxml2 joins the text around them); other spans leave
        ``gap``, as stripping an element leaves the text on either side apart.
        With ``rcdata``, a ``<title>``'s or ``<textarea>``'s text stays.
        """
        pieces = []
        position = start
        index = bisect_right(self.span_starts, start - 1)
        for span in self.spans[index:]:
            if span.start >= end:
                break
            if span.start < position:
                continue
            pieces.append(self.text[position : span.start])
            if span.kind != "!--":
                pieces.append(gap)
            if rcdata and span.kind in _RCDATA:
                pieces.extend((self.text[span.content_start : span.content_end], gap))
            position = span.end
        pieces.append(self.text[position:end])
        return "".join(pieces)

    # The markers and the story --------------------------------------------------------

    def _text_node(self, position: int) -> _Node | None:
        """The text node holding ``position``; None when it lies inside a tag."""
        text = self.text
        before_tag = text.rfind("<", self.body, position)
        after_tag = text.rfind(">", 0, position)
        if before_tag > after_tag:
            tag = _TAG.match(text, before_tag)
            if tag is None or tag.end() <= position:
                _decline()
            return None
        start = after_tag + 1
        opener = text.rfind("<", 0, after_tag)
        tag = _TAG.match(text, opener) if opener >= 0 else None
        if tag is None or tag.end() != start or self.span_at(opener) is not None:
            _decline()  # a ">" in text, or a stripped element the tree reader merges across
        end = text.find("<", position)
        if end == -1 or _TAG.match(text, end) is None or self.span_at(end) is not None:
            _decline()
        return _Node(start, end, _unescape(text[start:end]))

    def _markers(self) -> tuple[_Node, str, _Node, WireId, list[int]]:
        """The wire ID, the attribution nearest before it, and where other attributions are.

        Only markers that can be an attribution (a "(" just before) or a wire ID
        (digits just after) are read as text nodes.
        """
        attributions: list[tuple[_Node, str]] = []
        wire: tuple[_Node, WireId] | None = None
        text = self.text
        last_node = -1
        for position in self._marker_positions():
            if position < last_node:
                continue  # a second marker in a node already read
            after_parenthesis = self._visible_char_before(position) == "("
            if not after_parenthesis and not text[position + 6 : position + 8].isdigit():
                continue
            node = self._text_node(position)
            if node is None:
                continue
            last_node = node.end
            found = match_attribution(node.text)
            if found is not None:
                attributions.append((node, found.provider))
            elif after_parenthesis and not _unescape(text[node.start : position]).strip():
                _decline()  # "(<b>MENAFN</b>)": an attribution to the paragraph cleaning
            for wire_id in iter_wire_ids(node.text):
                if wire is not None:
                    _decline()
                wire = (node, wire_id)
        if wire is None or len(attributions) > MAX_PAIRED:
            _decline()
        before = [pair for pair in attributions if pair[0].start < wire[0].start]
        if not before or len(before) < len(attributions):
            _decline()  # none before it, or one after it the tree reader might pair instead
        node, provider = before[-1]
        others = [other.start for other, _ in before[:-1]]
        return node, provider, wire[0], wire[1], others

    def _visible_char_before(self, position: int) -> str:
        """The last visible character before ``position``, tags passed over ("" if none)."""
        text = self.text
        if "(" not in text[max(self.body, position - 300) : position]:
            return ""
        for _ in range(8):
            tag_end = text.rfind(">", self.body, position)
            visible = _unescape(text[max(tag_end + 1, self.body) : position]).rstrip()
            if visible:
                return visible[-1]
            tag_start = text.rfind("<", self.body, tag_end)
            if tag_end < 0 or tag_start < 0:
                return ""
            position = tag_start
        return "("  # too many empty tags to tell: assume the worst

    def _opening_chain(self, node: _Node) -> list[tuple[str, int]]:
        """The attribution's block and the inline elements inside it around the attribution.

        (name, start tag position) pairs, innermost last. The attribution must
        open its paragraph: only start tags and white space lie between the
        block's start tag and it.
        """
        chain: list[tuple[str, int]] = []
        position = node.start
        while True:
            opener = self.text.rfind("<", self.body, position)
            tag = _TAG.match(self.text, opener) if opener >= 0 else None
            if tag is None or self.text[tag.end() : position].strip() or tag.group(1):
                _decline()
            name = tag.group(2).lower()
            if name in BLOCK_TAGS and name not in _DOCUMENT_TAGS:
                return [(name, opener), *chain]
            if name in BOLD_TAGS or name in _VOID or name in _DOCUMENT_TAGS:
                _decline()
            if len(chain) == _MAX_INLINE_ANCESTORS or self.span_at(opener) is not None:
                _decline()
            chain.insert(0, (name, opener))
            position = opener

    def _ancestors(self, position: int) -> Iterator[tuple[str, int]]:
        """The elements enclosing the start tag at ``position``, innermost first.

        Read backwards tag by tag; anything that does not nest cleanly declines.
        """
        text = self.text
        pending: list[str] = []
        while (opener := text.rfind("<", self.body, position)) >= 0:
            span = self.span_at(opener)
            if span is not None:
                position = span.start
                continue
            tag = _TAG.match(text, opener)
            if tag is None:
                _decline()
            position = opener
            name = tag.group(2).lower()
            if name in _VOID:
                continue
            if tag.group(1):
                pending.append(name)
            elif pending:
                if pending.pop() != name:
                    _decline()
            else:
                yield name, opener
        yield "body", self.body

    def _container_start(self, chain: list[tuple[str, int]], closed: int) -> int:
        """Where the tree reader's story container starts.

        That is the lowest element holding the attribution and the wire ID (the
        one left open after ``closed`` of those open at the attribution had
        closed), climbed out of paragraph-level elements.
        """
        innermost_first = itertools.chain(reversed(chain), self._ancestors(chain[0][1]))
        for level, (name, position) in enumerate(innermost_first):
            if level >= closed and name not in INLINE_TAGS:
                return position
        _decline()

    def _story_paragraphs(
        self, attribution: _Node, wire: _Node, wire_id: WireId, others: list[int]
    ) -> list[str]:
        """The paragraphs from the attribution's to the wire ID's, as the tree walk cuts them."""
        if any(span.kind == "textarea" and span.start < wire.end for span in self.spans):
            _decline()  # its text is in the tree reader's text before the story
        chain = self._opening_chain(attribution)
        walk = _RegionWalk(
            [name for name, _ in chain], self._ancestors(chain[0][1]), wire_id.wire_id
        )
        paragraphs = walk.run(self._outside_spans(attribution.start, self._story_end(wire)))
        last = paragraphs[-1] if paragraphs else ""
        if not is_wire_id_line(last) and not any(is_disclaimer(p) for p in paragraphs):
            _decline()  # the tree reader's story would run on past the wire ID
        if others and max(others) >= self._container_start(chain, walk.closed_before_wire):
            _decline()  # another attribution inside the story's container
        return paragraphs

    def _story_end(self, wire: _Node) -> int:
        """Just past the first block boundary after the wire ID: its paragraph ends by then."""
        position = wire.end
        while (boundary := _STORY_BOUNDARY.search(self.low, position)) is not None:
            span = self.span_at(boundary.start())
            if span is None:
                end = self.text.find(">", boundary.end())
                return len(self.text) if end == -1 else end + 1
            position = span.end
        return len(self.text)

    # Metadata -------------------------------------------------------------------------

    def _metadata(self) -> PageMetadata:
        metadata = PageMetadata()
        if self.survey.html_tag >= 0:
            attributes = self._tag_attributes(self.survey.html_tag)
            metadata.html_lang = attributes.get("lang") or attributes.get("xml:lang")
        title_seen = False
        for span in self.spans:
            if span.kind == "script":
                content = self.text[span.content_start : span.content_end]
                if content and is_json_ld(self._tag_attributes(span.start).get("type")):
                    metadata.json_ld.extend(json_ld_objects(content))
            elif span.kind == "title" and not title_seen:
                title_seen = True
                metadata.title_tag = _unescape(self.text[span.content_start : span.content_end])
            elif span.kind in ("svg", "math") and not title_seen:
                _decline()  # an <svg><title> may come first for the tree reader
        for position in self.survey.metas:
            add_meta(metadata, self._tag_attributes(position))
        for position in self.survey.times:
            self._add_time(metadata, position)
        return metadata

    def _tag_attributes(self, position: int) -> dict[str, str]:
        tag = _TAG.match(self.text, position)
        if tag is None:
            _decline()
        return _attributes(tag.group(3))

    def _add_time(self, metadata: PageMetadata, position: int) -> None:
        tag = _TAG.match(self.text, position)
        if tag is None:
            _decline()
        attributes = _attributes(tag.group(3))
        if attributes.get("itemprop") != "datePublished":
            return
        value = attributes.get("datetime")
        if not value:
            end = self.text.find("<", tag.end())
            if end == -1 or self.span_at(end) is not None:
                _decline()
            value = _unescape(self.text[tag.end() : end])
        if value.strip():
            metadata.date_published.append(value.strip())

    # Text read only when needed -------------------------------------------------------

    def _flat(self, start: int, end: int, separator: str, rcdata: bool = False) -> str:
        """Text without tags; ``separator`` where a tag or stripped element was."""
        return _flatten(self._outside_spans(start, end, separator, rcdata), separator)

    def _heading(self) -> str | None:
        """The first ``<h1>``'s text; declines an ``<h1>`` libxml2 might close elsewhere."""
        start = self.survey.heading
        if start < 0:
            return None
        tag = _TAG.match(self.text, start)
        close = _closing("h1").search(self.low, tag.end()) if tag is not None else None
        if tag is None or close is None:
            _decline()
        content = self.low[tag.end() : close.start()]
        for inner in _TAG.finditer(content):
            if inner.group(2) in BLOCK_TAGS or inner.group(2) in _DOCUMENT_TAGS:
                _decline()
        if self.span_at(close.start()) is not None:
            _decline()
        return self._flat(tag.end(), close.start(), "")

    def _page_text(self) -> str:
        if _TIMES.search(self.text) is None:
            return ""  # no "All times are GMT+4" note: spare flattening the whole page
        return self._flat(0, len(self.text), "", rcdata=True)

    def _text_before(self, end: int) -> str:
        """The visible text before ``end``, white space collapsed: its last part only.

        Flattening starts ``_BEFORE_STORY_HTML`` characters back, at a tag's end
        (a white-space boundary of the flat text), and goes further back only
        when that gives too little text. An end tag pressed between two words
        declines: libxml2 drops a stray one and joins the words.
        """
        reach = end - _BEFORE_STORY_HTML
        while reach > self.body:
            flat = self._flat_checked(self._tag_end_before(reach), end)
            if len(flat) >= BEFORE_STORY_CHARS:
                return flat
            reach -= 2 * (end - reach)
        return self._flat_checked(self.body, end)

    def _flat_checked(self, start: int, end: int) -> str:
        markup = self._outside_spans(start, end, " ")
        if _TIGHT_TAG.search(markup):
            _decline()
        return " ".join(_flatten(markup, " ").split())

    def _tag_end_before(self, position: int) -> int:
        """The end of the first tag that ends at or after ``position`` (the body start if none)."""
        text = self.text
        while (tag_end := text.find(">", position)) != -1:
            opener = text.rfind("<", self.body, tag_end)
            tag = _TAG.match(text, opener) if opener >= 0 else None
            if tag is not None and tag.end() == tag_end + 1 and self.span_at(opener) is None:
                return tag_end + 1
            position = tag_end + 1
        return self.body

    def wire_page(self) -> WirePage:
        attribution, provider, wire, wire_id, others = self._markers()
        paragraphs = self._story_paragraphs(attribution, wire, wire_id, others)
        metadata = self._metadata()
        heading = None if _names_headline(metadata) else self._heading()
        # Read now, while the page can still be declined, and only when it will be used.
        needed = structured_dateline(metadata) is None
        text_before = self._text_before(attribution.start) if needed else ""
        return WirePage(
            metadata=metadata,
            paragraphs=paragraphs,
            provider=provider,
            wire_id=wire_id,
            heading=lambda: heading,
            text_before=lambda: text_before,
            page_text=self._page_text,
        )


def _names_headline(metadata: PageMetadata) -> bool:
    """Metadata that gives the title before the ``<h1>`` is looked at (``title.find_title``)."""
    meta = metadata.meta
    return bool(
        json_ld_value(metadata, "headline") or meta.get("og:title") or meta.get("twitter:title")
    )


class _RegionWalk:
    """The tree walk's paragraph cutting, over the tokens from the attribution to the wire ID."""

    def __init__(
        self, chain: list[str], ancestors: Iterator[tuple[str, int]], wire_id: str
    ) -> None:
        self.chain = list(chain)
        self.ancestors = ancestors
        self.wire_id = wire_id
        self.builder = ParagraphBuilder()
        self.closed_before_wire = -1
        """How many elements open at the attribution had closed when the wire ID came."""

    def run(self, region: str) -> list[str]:
        """The paragraphs up to and including the wire ID's."""
        tokens = _TOKEN.findall(region)
        builder = self.builder
        chain = self.chain
        stack: list[str] = []
        blocking = sum(_blocks_blocks(name) for name in chain)
        bold = 0
        closed = 0
        wire_paragraph = -1
        index = 0
        while index < len(tokens):
            piece, closing, name, attributes = tokens[index]
            index += 1
            if piece:
                if "&" in piece:
                    piece = html.unescape(piece)
                builder.text(piece, bold > 0)
                if wire_paragraph < 0 and self.wire_id in piece:
                    wire_paragraph = len(builder.paragraphs)
                    self.closed_before_wire = closed
                elif wire_paragraph >= 0 and len(builder.paragraphs) > wire_paragraph:
                    return builder.paragraphs
            if not name:
                _decline()  # a "<" that is no tag, or the region ended inside the story
            name = name.lower()
            if closing:
                if name in _VOID:
                    _decline()
                if stack:
                    if stack.pop() != name:
                        _decline()
                    bold -= name in BOLD_TAGS
                    blocking -= _blocks_blocks(name)
                elif chain:
                    if chain.pop() != name:
                        _decline()
                    blocking -= _blocks_blocks(name)
                    closed += 1
                elif next(self.ancestors, ("", 0))[0] != name or name in BOLD_TAGS:
                    _decline()  # a stray end tag (libxml2 drops it) or one closing several
                else:
                    closed += 1
                if name in BLOCK_TAGS:
                    builder.flush()
            elif name == "br":
                builder.line_break()
            elif name in _VOID:
                if name in BLOCK_TAGS:  # <hr>: a boundary, whether skipped or not
                    builder.flush()
            else:
                if name in _DOCUMENT_TAGS or attributes.endswith("/"):
                    _decline()  # libxml2 honours <div/>, HTML5 does not: stay out of it
                if _may_be_boilerplate(name, attributes) and is_boilerplate(
                    name, _attributes(attributes)
                ):
                    index = self._skip(tokens, index, name)
                    if name in BLOCK_TAGS:
                        builder.flush()
                    continue
                if name in BLOCK_TAGS:
                    if blocking:
                        _decline()  # libxml2 would close the p or inline element around it
                    builder.flush()
                elif name in BOLD_TAGS:
                    bold += 1
                blocking += _blocks_blocks(name)
                stack.append(name)
            if wire_paragraph >= 0 and len(builder.paragraphs) > wire_paragraph:
                return builder.paragraphs
        _decline()

    def _skip(self, tokens: list[tuple[str, str, str, str]], index: int, name: str) -> int:
        """The index after a skipped element's end tag.

        The element must nest cleanly (libxml2 would restructure it otherwise)
        and must not hold the wire ID.
        """
        open_tags = [name]
        while index < len(tokens):
            piece, closing, other, attributes = tokens[index]
            index += 1
            if self.wire_id in piece or not other:
                _decline()
            other = other.lower()
            if other in _VOID:
                if closing:
                    _decline()
            elif closing:
                if open_tags.pop() != other:
                    _decline()
                if not open_tags:
                    return index
            else:
                if attributes.endswith("/") or other in _DOCUMENT_TAGS:
                    _decline()
                if other in BLOCK_TAGS and any(map(_blocks_blocks, open_tags)):
                    _decline()
                open_tags.append(other)
        _decline()


def _blocks_blocks(name: str) -> bool:
    """An open element that a block start tag would make libxml2 close or nest oddly."""
    return name == "p" or name not in BLOCK_TAGS


def _may_be_boilerplate(name: str, attributes: str) -> bool:
    if name in SKIP_TAGS or "-" in name:
        return True
    lowered = attributes.lower()
    return "class" in lowered or "id" in lowered or "role" in lowered
