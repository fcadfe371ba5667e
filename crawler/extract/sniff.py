"""What a fetched page is, and the one sniff that tells feeds and sitemaps by their bytes.

A feed is XML rooted at ``<rss>``, ``<rdf:RDF>`` or Atom's ``<feed>``; a sitemap is
rooted at ``<urlset>``, an index at ``<sitemapindex>``. Discovery reads such a
document for its entries; extraction rejects it as not an article. Both ask
``sniff_xml_kind``, so a document is a feed to one exactly when it is to the other.

The sniff reads the body, not the ``Content-Type``: servers label feeds
``text/html`` and HTML ``application/xml`` often enough. It lives here, in the
pure extraction package (no Scrapy), so that discovery can import it too.
"""

import re
from enum import StrEnum

_SNIFF_BYTES = 4096
_LEADING = b"\xef\xbb\xbf \t\r\n"  # a UTF-8 byte order mark and white space
_COMMENT = re.compile(rb"<!--.*?-->", re.S)
_DOCTYPE = re.compile(rb"<!DOCTYPE[^>]*>", re.I)
_FIRST_ELEMENT = re.compile(rb"<(?!\?|!)(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
"""The first start tag, past the XML declaration and other ``<?...>``/``<!...>`` markup."""


class PageKind(StrEnum):
    """What a fetched page is: feeds and sitemaps by ``sniff_xml_kind``, the rest by discovery."""

    FEED = "feed"
    SITEMAP = "sitemap"
    SITEMAP_INDEX = "sitemap_index"
    LISTING = "listing"
    ARTICLE = "article"


_XML_ROOTS = {
    b"rss": PageKind.FEED,
    b"RDF": PageKind.FEED,
    b"feed": PageKind.FEED,
    b"urlset": PageKind.SITEMAP,
    b"sitemapindex": PageKind.SITEMAP_INDEX,
}


def sniff_xml_kind(body: bytes) -> PageKind | None:
    """Feed, sitemap or sitemap index, from the document's root element; None for anything else.

    The root is the first start tag in the first few kilobytes once comments and
    the document type declaration are set aside; its local name decides
    (``<rdf:RDF>`` and ``<atom:feed>`` count), case-sensitively as in XML.
    """
    head = body[:_SNIFF_BYTES].lstrip(_LEADING)
    head = _DOCTYPE.sub(b"", _COMMENT.sub(b"", head))
    match = _FIRST_ELEMENT.search(head)
    return _XML_ROOTS.get(match.group(1)) if match else None
