"""One parse per page: the lxml tree, the page metadata and the texts holding MENAFN markers.

Structured data lives in ``<script type="application/ld+json">`` and ``<meta>``; it is
collected first, then every script, style and other non-text element is removed
from the tree, so nothing downstream can mistake script text (a wire ID in a
tracking snippet, say) for article text.

libxml2 stops building the tree where a page outgrows one of its limits, and
the rest of the page is then simply missing: a wire-ID line past 100,000 nested
``<div>``s would be lost without a word. The parser runs with ``huge_tree``,
which lifts the limits that legitimate pages can reach (nesting from 256 to
2,048 levels; text nodes, such as an inline script, from 10 MB to 1 GB), and
``Document.truncation`` says when it stopped early all the same, so such a page
is rejected rather than read without its end. Time and memory stay bounded: the
parser stops at the depth limit, and ``page.MAX_BODY_BYTES`` bounds the rest.
"""

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any, cast

from lxml import etree

_PARSER_OPTIONS: dict[str, Any] = {
    "encoding": "utf-8",
    "remove_comments": True,
    "remove_pis": True,
    "collect_ids": False,
    "no_network": True,
    "recover": True,
    "huge_tree": True,
}
_DEPTH_LIMIT = re.compile(r"depth in document: (\d+)")
_HUGE_ADVICE = re.compile(r",?\s*(?:use|try) XML_PARSE_HUGE(?: option)?", re.IGNORECASE)
_NON_TEXT_TAGS = ("script", "style", "noscript", "template", "svg", "math", "iframe", "object")
_MENAFN_TEXTS = etree.XPath("body/descendant::text()[contains(., 'MENAFN')]")
MAX_MARKER_TEXTS = 200
_MAX_JSON_LD_CHARS = 200_000


def select_elements(query: etree.XPath, root: etree._Element) -> list[etree._Element]:
    """Run a compiled XPath known to select elements (typed for mypy)."""
    return cast(list[etree._Element], query(root))


def select_strings(query: etree.XPath, root: etree._Element) -> list[str]:
    """Run a compiled XPath known to select text nodes; lxml's smart strings are ``str``."""
    return cast(list[str], query(root))


@dataclass(slots=True)
class PageMetadata:
    """What the page states about itself, outside its visible text."""

    json_ld: list[dict[str, object]] = field(default_factory=list)  # articles first
    meta: dict[str, str] = field(default_factory=dict)
    date_published: list[str] = field(default_factory=list)
    html_lang: str | None = None
    title_tag: str = ""


@dataclass(slots=True)
class Document:
    """The parsed page (scripts removed), its metadata and the texts holding markers."""

    root: etree._Element
    metadata: PageMetadata
    marker_texts: list[tuple[etree._Element, str]]
    truncation: str | None = None
    """Where and why the parser stopped before the end of the page; None when it read it all."""


class _ThreadParser(threading.local):
    """One parser per thread: its error log then tells of this thread's last parse alone.

    (Pages over ``pipelines.extract.INLINE_MAX_BYTES`` are extracted in worker threads.)
    """

    def __init__(self) -> None:
        self.parser = etree.HTMLParser(**_PARSER_OPTIONS)


_THREAD_PARSER = _ThreadParser()


def parse_document(data: bytes) -> Document | None:
    """Parse UTF-8 encoded HTML; None when libxml2 finds no document at all."""
    parser = _THREAD_PARSER.parser
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return None
    if root is None:
        return None
    truncation = _truncation(parser.error_log)
    metadata = _read_metadata(root)
    etree.strip_elements(root, *_NON_TEXT_TAGS, with_tail=False)
    return Document(root, metadata, _find_marker_texts(root), truncation)


def _truncation(log: etree._ListErrorLog) -> str | None:
    """Why the parse stopped early: recovering, libxml2 stops only at a fatal error."""
    for error in log.filter_from_fatals():
        where = f"line {error.line}, column {error.column}"
        depth = _DEPTH_LIMIT.search(error.message)
        if depth:
            return f"elements nested deeper than {depth[1]} levels at {where}"
        message = _HUGE_ADVICE.sub("", error.message).strip()
        return f"the parser stopped at {where}: {message}"
    return None


def _find_marker_texts(root: etree._Element) -> list[tuple[etree._Element, str]]:
    """Each text under ``<body>`` that holds ``MENAFN``, with the element whose content it is.

    Read from the stripped tree, so no script text is among them; at most
    ``MAX_MARKER_TEXTS``, in page order.
    """
    found = []
    for node in select_strings(_MENAFN_TEXTS, root)[:MAX_MARKER_TEXTS]:
        element = _flow_element(node)
        if element is not None:
            found.append((element, str(node)))
    return found


def _flow_element(node: Any) -> etree._Element | None:
    """The element whose content flow a text node (an lxml smart string) belongs to.

    A tail belongs to the parent of the element it follows.
    """
    element: etree._Element | None = node.getparent()
    if element is not None and node.is_tail:
        element = element.getparent()
    return element


def _read_metadata(root: etree._Element) -> PageMetadata:
    """Meta tags, JSON-LD, the ``<title>`` and ``<time itemprop=datePublished>``, in page order.

    JSON-LD objects of article types come first (page order kept within each group).
    """
    metadata = PageMetadata(html_lang=root.get("lang") or root.get("xml:lang"))
    for element in root.iter("meta", "script", "title", "time"):
        tag = element.tag
        if tag == "meta":
            _read_meta_tag(element, metadata)
        elif tag == "script":
            if "ld+json" in (element.get("type") or "").lower() and element.text:
                metadata.json_ld.extend(_json_ld_objects(element.text))
        elif tag == "title":
            if not metadata.title_tag:
                metadata.title_tag = element.text or ""
        elif element.get("itemprop") == "datePublished":
            value = element.get("datetime") or element.text or ""
            if value.strip():
                metadata.date_published.append(value.strip())
    if len(metadata.json_ld) > 1:
        metadata.json_ld.sort(key=_is_other_than_article)  # a stable sort
    return metadata


def _read_meta_tag(element: etree._Element, metadata: PageMetadata) -> None:
    content = element.get("content")
    if content is None:
        return
    key = element.get("property") or element.get("name") or element.get("itemprop")
    key = key or element.get("http-equiv")
    if key:
        metadata.meta.setdefault(key.strip().lower(), content.strip())


def _json_ld_objects(raw: str) -> list[dict[str, object]]:
    """Every JSON object in a JSON-LD block, ``@graph`` and top-level lists flattened."""
    if len(raw) > _MAX_JSON_LD_CHARS:
        return []
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return []
    pending: list[object] = [data]
    objects: list[dict[str, object]] = []
    while pending and len(objects) < 100:
        item = pending.pop(0)
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            objects.append(item)
            graph = item.get("@graph")
            if isinstance(graph, list):
                pending.extend(graph)
    return objects


def json_ld_value(metadata: PageMetadata, key: str) -> str | None:
    """The first string value of ``key`` among the page's JSON-LD objects, article types first."""
    for obj in metadata.json_ld:
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _is_other_than_article(obj: dict[str, object]) -> bool:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return not any(isinstance(k, str) and ("Article" in k or k == "BlogPosting") for k in kinds)
