"""Feeds and sitemaps read incrementally: memory bounded whatever the document's size.

A discovery document may be 50 MB of XML, gzipped or not, and list a million
addresses. It is never inflated whole nor built into a tree: ``chunks`` inflates
it a megabyte at a time, ``records`` feeds those to lxml's pull parser and hands
over each record element (a sitemap's ``<url>``, a feed's ``<item>``) as soon as
it is complete, then drops it, along with everything that is not a record or
one of the record's fields. A gzipped document is measured first
(``checked_size``, inflating into nothing), so one over its limit is refused
before anything in it is used, never cut short.

The parser never resolves an entity (``resolve_entities=False``) and never
touches the network: an entity reference stays a node of its own, which
``field_text`` turns back into text only when it is a character reference HTML
knows (``&nbsp;``, ``&eacute;``); any other (an external entity, one the
document declares) makes the field unusable rather than silently shorter.
Character references (``&#45;``) and XML's five predefined entities are decoded
by the parser itself. Bare ampersands, which XML forbids but feeds put in
addresses (``?a=1&b=2``), are escaped before parsing (outside CDATA sections),
so recovery does not eat them.
"""

import html
import re
import zlib
from collections.abc import Iterable, Iterator

from lxml import etree

CHUNK_BYTES = 1 << 20
"""Bytes fed to the parser, or inflated, at a time."""
GZIP_MAGIC = b"\x1f\x8b"
HEAD_BYTES = 4096


class DiscoveryError(ValueError):
    """A discovery document that cannot be read."""


class DocumentTooLarge(DiscoveryError):
    """A document larger than its limit (inflated, for a gzipped one)."""

    def __init__(self, limit: int, *, gzipped: bool) -> None:
        how = "inflates to" if gzipped else "is"
        super().__init__(f"{how} more than {limit} bytes (max_sitemap_bytes)")
        self.limit = limit


class UnresolvedEntity(DiscoveryError):
    """A field that uses an entity wirewatch does not (and must not) resolve."""

    def __init__(self, name: str, text: str) -> None:
        super().__init__(f"uses the entity &{name};, which is never resolved")
        self.name = name
        self.text = text


def is_gzip(body: bytes) -> bool:
    return body.startswith(GZIP_MAGIC)


def head(body: bytes, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes of the document, inflated when it is gzipped (for sniffing).

    A gzipped body that does not inflate is returned as it is.
    """
    if not is_gzip(body):
        return body[:size]
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body, size)
    except zlib.error:
        return body[:size]


def checked_size(body: bytes, limit: int) -> int:
    """The document's size, inflated for a gzipped one, without keeping what it inflates to.

    Raises ``DocumentTooLarge`` past ``limit`` and ``DiscoveryError`` for a
    gzipped body that does not inflate.
    """
    if not is_gzip(body):
        if len(body) > limit:
            raise DocumentTooLarge(limit, gzipped=False)
        return len(body)
    size = 0
    for piece in _inflate(body):
        size += len(piece)
        if size > limit:
            raise DocumentTooLarge(limit, gzipped=True)
    return size


def chunks(body: bytes) -> Iterator[bytes]:
    """The document a megabyte at a time, inflated as it goes when it is gzipped."""
    if is_gzip(body):
        yield from _inflate(body)
        return
    view = memoryview(body)
    for start in range(0, len(body), CHUNK_BYTES):
        yield bytes(view[start : start + CHUNK_BYTES])


def _inflate(body: bytes) -> Iterator[bytes]:
    """Inflate every gzip member of ``body``, ``CHUNK_BYTES`` of output at a time.

    A member cut short is an error, as a corrupt one is: the document would be
    read truncated.
    """
    data = body
    try:
        while data:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            while data and not inflater.eof:
                piece = inflater.decompress(data, CHUNK_BYTES)
                data = inflater.unconsumed_tail
                if piece:
                    yield piece
            if not inflater.eof:
                raise DiscoveryError("not readable as gzip: the data is cut short")
            data = inflater.unused_data
            if not is_gzip(data):
                return  # trailing bytes after the last member: ignored, as gzip(1) does
    except zlib.error as exc:
        raise DiscoveryError(f"not readable as gzip: {exc}") from None


def records(
    pieces: Iterable[bytes], record_names: frozenset[str], field_names: frozenset[str]
) -> Iterator[etree._Element]:
    """Each complete record element (by local name), in document order.

    A record keeps only its children named in ``field_names`` (and their
    content, down through children that are fields too); everything else (other elements, fields outside a record), and
    each record once the caller has moved on, is removed from the tree as soon
    as it ends. Raises ``DiscoveryError`` for a
    document the parser cannot read at all.
    """
    parser = etree.XMLPullParser(
        events=("end",),
        recover=True,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    ampersands = _BareAmpersands()
    try:
        for piece in pieces:
            parser.feed(ampersands.feed(piece))
            yield from _complete(parser, record_names, field_names)
        parser.feed(ampersands.close())
        parser.close()
    except etree.XMLSyntaxError as exc:
        raise DiscoveryError(f"unreadable XML: {exc}") from None
    yield from _complete(parser, record_names, field_names)


def _complete(
    parser: etree.XMLPullParser, record_names: frozenset[str], field_names: frozenset[str]
) -> Iterator[etree._Element]:
    for _, element in parser.read_events():
        if not isinstance(element, etree._Element):  # only "end" events are asked for
            continue
        name = _local(element.tag)
        if name in record_names:
            yield element
            _drop(element)
        elif name not in field_names or not _in_record(element, record_names, field_names):
            _drop(element)


def _in_record(
    element: etree._Element, record_names: frozenset[str], field_names: frozenset[str]
) -> bool:
    """Whether a field is a record's child, or a kept field's (``<news:news><news:title>``)."""
    parent = element.getparent()
    while parent is not None:
        name = _local(parent.tag)
        if name in record_names:
            return True
        if name not in field_names:
            return False
        parent = parent.getparent()
    return False


def _local(tag: object) -> str:
    """``{namespace}name`` or ``name`` -> ``name`` ("" for comments, entities and the like)."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _drop(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is None:
        element.clear()
    else:
        parent.remove(element)


def field_text(element: etree._Element) -> str:
    """The text of a field (``<loc>``, ``<link>``), entity references decoded or refused.

    Raises ``UnresolvedEntity`` for a reference that is not an HTML character
    reference: the address is not knowable without resolving it.
    """
    parts = [element.text or ""]
    for child in element:
        if isinstance(child, etree._Entity):
            name = str(child.name)
            decoded = html.unescape(f"&{name};")
            if decoded == f"&{name};":
                shown = "".join([*parts, f"&{name};", child.tail or ""])
                raise UnresolvedEntity(name, shown.strip())
            parts.append(decoded)
        parts.append(child.tail or "")
    return "".join(parts).strip()


_BARE_AMPERSAND = re.compile(rb"&(?!#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z_][A-Za-z0-9._-]*;)")
_LONGEST_REFERENCE = 64
"""A reference longer than this is not one: an ``&`` this far from a chunk's end is decided."""
_CDATA_OPEN, _CDATA_CLOSE = b"<![CDATA[", b"]]>"


class _BareAmpersands:
    """Escapes ``&`` that starts no reference, outside CDATA sections, across chunk boundaries."""

    def __init__(self) -> None:
        self.pending = b""
        self.in_cdata = False

    def feed(self, piece: bytes) -> bytes:
        data, self.pending = self.pending + piece, b""
        keep = self._undecided(data)
        if keep:
            data, self.pending = data[:-keep], data[-keep:]
        return self._escape(data)

    def close(self) -> bytes:
        data, self.pending = self.pending, b""
        return self._escape(data)

    def _undecided(self, data: bytes) -> int:
        """How many trailing bytes cannot be judged until more arrive."""
        tail = data[-_LONGEST_REFERENCE:]
        keep = 0
        amp = tail.rfind(b"&")
        if amp != -1 and b";" not in tail[amp:]:
            keep = len(tail) - amp
        for marker in (_CDATA_OPEN, _CDATA_CLOSE):
            for length in range(len(marker) - 1, 0, -1):
                if data.endswith(marker[:length]):
                    keep = max(keep, length)
                    break
        return keep

    def _escape(self, data: bytes) -> bytes:
        out: list[bytes] = []
        position = 0
        while position < len(data):
            marker = _CDATA_CLOSE if self.in_cdata else _CDATA_OPEN
            found = data.find(marker, position)
            end = len(data) if found == -1 else found + len(marker)
            segment = data[position:end]
            out.append(segment if self.in_cdata else _BARE_AMPERSAND.sub(b"&amp;", segment))
            if found != -1:
                self.in_cdata = not self.in_cdata
            position = end
        return b"".join(out)
