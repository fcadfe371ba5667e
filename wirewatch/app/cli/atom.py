"""``wirewatch matches --format atom``: matches as an Atom feed (RFC 4287).

A feed reader subscribes to the file the user's own web server serves. Each
match is one entry: its id (``urn:wirewatch:match:<id>``, stable, so a reader
shows it once), the story's title, address, provider, published and matched
times, and an excerpt. Text is written by ElementTree, which escapes markup;
characters XML 1.0 cannot carry are dropped.
"""

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO

from wirewatch.core.alerts import excerpt

ATOM_NS = "http://www.w3.org/2005/Atom"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True, kw_only=True)
class AtomEntry:
    """What one feed entry needs from a match and its story."""

    match_id: int
    watch: str
    event: str
    revision: int
    matched_at: datetime
    title: str
    url: str
    provider: str
    published_at: datetime | None
    body: str


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attributes)
    if text is not None:
        element.text = _xml_text(text)
    return element


def write_feed(
    entries: Sequence[AtomEntry],
    out: IO[str],
    *,
    title: str,
    feed_id: str,
    now: datetime | None = None,
) -> None:
    """Write the feed of ``entries`` (newest first) to ``out``."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _add(feed, "id", feed_id)
    _add(feed, "title", title)
    newest = max((e.matched_at for e in entries), default=now or datetime.now(UTC))
    _add(feed, "updated", _stamp(newest))
    author = _add(feed, "author")
    _add(author, "name", "wirewatch")
    _add(feed, "generator", "wirewatch")
    for entry in entries:
        item = _add(feed, "entry")
        _add(item, "id", f"urn:wirewatch:match:{entry.match_id}")
        _add(item, "title", entry.title)
        _add(item, "link", href=_xml_text(entry.url), rel="alternate")
        _add(item, "updated", _stamp(entry.matched_at))
        if entry.published_at is not None:
            _add(item, "published", _stamp(entry.published_at))
        if entry.provider:
            _add(_add(item, "author"), "name", entry.provider)
        _add(item, "category", term=_xml_text(entry.watch))
        what = "new story" if entry.event == "new" else f"revised (revision {entry.revision})"
        summary = f"[{entry.watch}: {what}] {excerpt(entry.body)}"
        _add(item, "summary", summary, type="text")
    ET.indent(feed)
    out.write('<?xml version="1.0" encoding="utf-8"?>\n')
    out.write(ET.tostring(feed, encoding="unicode"))
    out.write("\n")
