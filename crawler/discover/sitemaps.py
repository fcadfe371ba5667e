"""Sitemaps and sitemap indexes: ``<loc>`` and ``<lastmod>`` of each entry, read incrementally.

``<url>`` entries of a sitemap and ``<sitemap>`` entries of an index alike, in
document order, as ``crawler.discover.xmlstream`` parses them: a 50 MB sitemap
costs a record at a time, not a tree.
"""

from collections.abc import Iterable, Iterator

from wirewatch.crawler.discover.entry import BadLink, Entry, absolute, parse_w3c_date, unique
from wirewatch.crawler.discover.xmlstream import UnresolvedEntity, field_text, records

_RECORDS = frozenset({"url", "sitemap"})
_FIELDS = frozenset({"loc", "lastmod"})


def read_sitemap(pieces: Iterable[bytes], base_url: str) -> Iterator[Entry | BadLink]:
    """Every entry with a ``<loc>``, in document order (repeats included)."""
    for record in records(pieces, _RECORDS, _FIELDS):
        loc = record.find("{*}loc")
        if loc is None:
            continue
        try:
            text = field_text(loc)
        except UnresolvedEntity as exc:
            yield BadLink(exc.text, str(exc))
            continue
        if not text:
            continue
        lastmod = record.find("{*}lastmod")
        updated = parse_w3c_date(lastmod.text if lastmod is not None else None)
        yield absolute(base_url, text, updated)


def sitemap_entries(body: bytes, base_url: str) -> list[Entry]:
    """The usable entries of a whole sitemap in memory, once each (for small documents)."""
    return unique(read_sitemap([body], base_url))
