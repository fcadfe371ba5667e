"""RSS 2.0, RSS 1.0 and Atom feeds: the entries' addresses and their dates, read incrementally.

Parsed a record at a time by ``crawler.discover.xmlstream`` (no network, no
entity resolution, tolerant of small errors), matching elements by local name
so namespaced and plain feeds read alike. An entry's date is its Atom
``<updated>`` (else ``<published>``), or RSS's ``<pubDate>``/``<dc:date>``/
``<atom:updated>``, whichever it has.
"""

from collections.abc import Iterable, Iterator
from datetime import datetime

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
_FIELDS = frozenset({"link", "guid", "pubDate", *_DATES})


class FeedError(DiscoveryError):
    """The bytes are not a readable feed."""


def read_feed(pieces: Iterable[bytes], base_url: str) -> Iterator[Entry | BadLink]:
    """Every entry with a link, in feed order (repeats included)."""
    try:
        for node in records(pieces, _RECORDS, _FIELDS):
            try:
                link = (
                    _atom_link(node) if etree.QName(node).localname == "entry" else _rss_link(node)
                )
            except UnresolvedEntity as exc:
                yield BadLink(exc.text, str(exc))
                continue
            if link:
                yield absolute(base_url, link, _entry_date(node))
    except FeedError:
        raise
    except DiscoveryError as exc:
        raise FeedError(f"unreadable feed: {exc}") from None


def feed_entries(body: bytes, base_url: str) -> list[Entry]:
    """The usable entries of a whole feed in memory, once each (for small documents)."""
    return unique(read_feed([body], base_url))


def _child_text(node: etree._Element, name: str) -> str | None:
    child = node.find(f"{{*}}{name}")
    return field_text(child) or None if child is not None else None


def _rss_link(item: etree._Element) -> str | None:
    link = _child_text(item, "link")
    if link:
        return link
    guid = item.find("{*}guid")
    if guid is not None and guid.get("isPermaLink", "true").lower() == "true":
        text = field_text(guid)
        if text:
            return text
    return _atom_link(item)


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


def _text_or_none(node: etree._Element, name: str) -> str | None:
    try:
        return _child_text(node, name)
    except UnresolvedEntity:
        return None
