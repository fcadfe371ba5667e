"""Sitemaps and sitemap indexes: ``<loc>`` and ``<lastmod>`` of each entry, read incrementally.

``<url>`` entries of a sitemap and ``<sitemap>`` entries of an index alike, in
document order, as ``crawler.discover.xmlstream`` parses them: a 50 MB sitemap
costs a record at a time, not a tree. A Google News sitemap's entries carry
``<news:news>``: its ``news:publication_date`` dates an entry without
``<lastmod>``, and its ``news:title`` is the entry's title.
"""

from collections.abc import Iterable, Iterator

from lxml import etree

from wirewatch.crawler.discover.entry import BadLink, Entry, absolute, parse_w3c_date, unique
from wirewatch.crawler.discover.xmlstream import UnresolvedEntity, field_text, records

_RECORDS = frozenset({"url", "sitemap"})
_FIELDS = frozenset({"loc", "lastmod", "news", "publication_date", "title"})


def read_sitemap(pieces: Iterable[bytes], base_url: str) -> Iterator[Entry | BadLink]:
    """Every entry with a ``<loc>``, in document order (repeats included)."""
    for record in records(pieces, _RECORDS, _FIELDS):
        loc = lastmod = news = None
        for child in record:  # only the fields are left: one pass, no path searches
            name = etree.QName(child).localname if isinstance(child.tag, str) else ""
            if name == "loc":
                loc = child
            elif name == "lastmod":
                lastmod = child
            elif name == "news":
                news = child
        if loc is None:
            continue
        try:
            text = field_text(loc)
        except UnresolvedEntity as exc:
            yield BadLink(exc.text, str(exc))
            continue
        if not text:
            continue
        updated = parse_w3c_date(_text(lastmod))
        title = None
        if news is not None:
            updated = updated or parse_w3c_date(_text(news.find("{*}publication_date")))
            title = " ".join(_text(news.find("{*}title")).split()) or None
        yield absolute(base_url, text, updated, title)


def sitemap_entries(body: bytes, base_url: str) -> list[Entry]:
    """The usable entries of a whole sitemap in memory, once each (for small documents)."""
    return unique(read_sitemap([body], base_url))


def _text(element: etree._Element | None) -> str:
    if element is None:
        return ""
    try:
        return field_text(element)
    except UnresolvedEntity:
        return ""
