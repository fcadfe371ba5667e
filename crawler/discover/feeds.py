"""RSS 2.0, RSS 1.0 and Atom feeds: the entries' addresses and their dates.

Parsed with lxml (no network, no entity expansion, tolerant of small errors),
matching elements by local name so namespaced and plain feeds read alike. An
entry's date is its Atom ``<updated>`` (else ``<published>``), or RSS's
``<pubDate>``/``<dc:date>``/``<atom:updated>``, whichever it has.
"""

from datetime import datetime
from urllib.parse import urljoin

from lxml import etree

from wirewatch.crawler.discover.entry import Entry, parse_rfc822_date, parse_w3c_date

_PARSER = etree.XMLParser(
    recover=True, resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True
)


class FeedError(ValueError):
    """The bytes are not a readable feed."""


def feed_entries(body: bytes, base_url: str) -> list[Entry]:
    """Every entry of a feed with a usable link, in feed order, once each."""
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"unreadable feed: {exc}") from None
    if root is None:
        raise FeedError("empty feed document")
    entries: dict[str, Entry] = {}
    for node in root.iter("{*}item", "{*}entry"):
        if not isinstance(node.tag, str):
            continue
        link = _atom_link(node) if etree.QName(node).localname == "entry" else _rss_link(node)
        if not link:
            continue
        url = urljoin(base_url, link)
        if url not in entries:
            entries[url] = Entry(url, _entry_date(node))
    return list(entries.values())


def _child_text(node: etree._Element, name: str) -> str | None:
    child = node.find(f"{{*}}{name}")
    return child.text.strip() if child is not None and child.text else None


def _rss_link(item: etree._Element) -> str | None:
    link = _child_text(item, "link")
    if link:
        return link
    guid = item.find("guid")
    if guid is not None and guid.text and guid.get("isPermaLink", "true").lower() == "true":
        return guid.text.strip()
    return _atom_link(item)


def _atom_link(entry: etree._Element) -> str | None:
    for link in entry.iterfind("{*}link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link.get("href", "").strip()
    return None


def _entry_date(node: etree._Element) -> datetime | None:
    for name in ("updated", "published", "modified", "date"):
        parsed = parse_w3c_date(_child_text(node, name))
        if parsed:
            return parsed
    return parse_rfc822_date(_child_text(node, "pubDate"))
