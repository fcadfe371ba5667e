"""RSS 2.0, RSS 1.0, Atom and JSON feeds: the entries' addresses, dates and titles.

XML feeds are parsed a record at a time by ``crawler.discover.xmlstream`` (no
network, no entity resolution, tolerant of small errors), matching elements by
local name so namespaced and plain feeds read alike. An entry's date is its
Atom ``<updated>`` (else ``<published>``), or RSS's ``<pubDate>``/``<dc:date>``/
``<atom:updated>``, whichever it has. An RSS item's address is its ``<link>``;
its ``<guid>``, when a permalink (``isPermaLink`` true or absent) to another
address, is a second address of the story, and its only one without a link.

A JSON Feed (``jsonfeed.org``, versions 1 and 1.1) is read whole (its size is
bounded like any discovery document's): each item's ``url``, else its ``id``
when that is a web address, dated by ``date_modified`` else ``date_published``.
"""

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from lxml import etree

from wirewatch.crawler.discover.entry import (
    BadLink,
    Entry,
    absolute,
    parse_rfc822_date,
    parse_w3c_date,
    unique,
)
from wirewatch.crawler.discover.xmlstream import (
    DiscoveryError,
    UnresolvedEntity,
    field_text,
    records,
)

_RECORDS = frozenset({"item", "entry"})
_DATES = ("updated", "published", "modified", "date")
_FIELDS = frozenset({"link", "guid", "pubDate", "title", *_DATES})
_LEADING = b"\xef\xbb\xbf \t\r\n"


class FeedError(DiscoveryError):
    """The bytes are not a readable feed."""


def is_json_feed(head: bytes) -> bool:
    """Whether a document's first bytes are a JSON Feed's (an object naming jsonfeed.org)."""
    start = head[:4096].lstrip(_LEADING)
    return start.startswith(b"{") and b"jsonfeed.org/version/" in start.replace(b"\\/", b"/")


def read_feed(pieces: Iterable[bytes], base_url: str) -> Iterator[Entry | BadLink]:
    """Every entry with a link, in feed order (repeats included)."""
    pieces = iter(pieces)
    first = next(pieces, b"")
    if first.lstrip(_LEADING).startswith(b"{"):
        yield from read_json_feed(b"".join([first, *pieces]), base_url)
        return
    try:
        for node in records([first, *pieces], _RECORDS, _FIELDS):
            try:
                links = (
                    [_atom_link(node)]
                    if etree.QName(node).localname == "entry"
                    else _rss_links(node)
                )
            except UnresolvedEntity as exc:
                yield BadLink(exc.text, str(exc))
                continue
            updated, title = _entry_date(node), _entry_title(node)
            for link in links:
                if link:
                    yield absolute(base_url, link, updated, title)
    except FeedError:
        raise
    except DiscoveryError as exc:
        raise FeedError(f"unreadable feed: {exc}") from None


def read_json_feed(body: bytes, base_url: str) -> Iterator[Entry | BadLink]:
    """The items of a JSON Feed that have a web address, in feed order."""
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FeedError(f"unreadable JSON feed: {exc}") from None
    items = document.get("items") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise FeedError("unreadable JSON feed: no list of items")
    for item in items:
        if not isinstance(item, dict):
            continue
        link = _json_text(item, "url") or _json_web_id(item)
        if not link:
            continue
        updated = parse_w3c_date(_json_text(item, "date_modified")) or parse_w3c_date(
            _json_text(item, "date_published")
        )
        yield absolute(base_url, link, updated, _json_text(item, "title"))


def feed_entries(body: bytes, base_url: str) -> list[Entry]:
    """The usable entries of a whole feed in memory, once each (for small documents)."""
    return unique(read_feed([body], base_url))


def _child_text(node: etree._Element, name: str) -> str | None:
    child = node.find(f"{{*}}{name}")
    return field_text(child) or None if child is not None else None


def _rss_links(item: etree._Element) -> list[str | None]:
    """The item's ``<link>`` (else its Atom link), and its permalink ``<guid>`` when another."""
    link = _child_text(item, "link") or _atom_link(item)
    guid = item.find("{*}guid")
    if guid is None or guid.get("isPermaLink", "true").strip().lower() != "true":
        return [link]
    permalink = field_text(guid).strip()
    if not permalink.startswith(("http://", "https://", "/")) or permalink == link:
        return [link] if link else [permalink or None]
    return [link, permalink]


def _atom_link(entry: etree._Element) -> str | None:
    for link in entry.iterfind("{*}link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link.get("href", "").strip()
    return None


def _entry_date(node: etree._Element) -> datetime | None:
    for name in _DATES:
        parsed = parse_w3c_date(_text_or_none(node, name))
        if parsed:
            return parsed
    return parse_rfc822_date(_text_or_none(node, "pubDate"))


def _entry_title(node: etree._Element) -> str | None:
    return " ".join((_text_or_none(node, "title") or "").split()) or None


def _json_text(item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    return value.strip() or None if isinstance(value, str) else None


def _json_web_id(item: dict[str, Any]) -> str | None:
    """An item's ``id`` when it is a web address (JSON Feed ids often are the permalink)."""
    value = _json_text(item, "id")
    return value if value and value.startswith(("http://", "https://")) else None


def _text_or_none(node: etree._Element, name: str) -> str | None:
    try:
        return _child_text(node, name)
    except UnresolvedEntity:
        return None
