"""From a fetched page (address, bytes, headers) to an ``ArticleRecord`` or a ``Rejection``.

One parse per page. Pages carrying MENAFN markers are read by their markers;
pages without are handed to the generic extractor. Anything unexpected becomes
a ``parse_error`` rejection: extraction never raises.
"""

import re
from collections.abc import Iterator, Mapping
from urllib.parse import urlsplit

from lxml import etree

from wirewatch.core.record import ArticleRecord, Rejection, RejectReason
from wirewatch.core.urls import canonicalise_url
from wirewatch.crawler.extract.dateline import (
    Dateline,
    arbitrate,
    first_dated_text,
    numeric_order,
    parse_structured,
    stated_offset,
)
from wirewatch.crawler.extract.document import (
    Document,
    PageMetadata,
    json_ld_value,
    parse_document,
)
from wirewatch.crawler.extract.encoding import decode_body, header_value
from wirewatch.crawler.extract.generic import extract_generic, looks_like_error_page, page_date
from wirewatch.crawler.extract.language import first_language
from wirewatch.crawler.extract.listing import looks_like_listing
from wirewatch.crawler.extract.locate import Markers, Verdict, locate, texts_near
from wirewatch.crawler.extract.paragraphs import clean_paragraphs, raw_paragraphs
from wirewatch.crawler.extract.sniff import sniff_xml_kind
from wirewatch.crawler.extract.title import find_title
from wirewatch.crawler.extract.words import story_words

UNEXPECTED_ERROR = "unexpected error during extraction"
"""How the detail of a ``parse_error`` rejection begins when extraction itself broke (a bug)."""
MAX_BODY_BYTES = 20_000_000
MIN_WIRE_WORDS = 20
MIN_GENERIC_WORDS = 40

# Types a page may honestly be served as; octet-stream and no type at all are sniffed.
_HTML_TYPES = re.compile(
    r"(?i)^\s*(?:text/html|application/xhtml\+xml|text/plain|application/octet-stream|;|$)"
)
_STRUCTURED_DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "date",
    "dc.date.issued",
    "dc.date",
    "parsely-pub-date",
    "sailthru.date",
)


class _Reject(Exception):
    """Internal short-cut: the page cannot become a record."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def extract(
    url: str,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    site_names: frozenset[str] = frozenset(),
) -> ArticleRecord | Rejection:
    """The record a page carries, or why it carries none. Pure; never raises.

    ``site_names``: names of the page's site learnt from its host's other titles
    (``site_names.SiteNames``), stripped from the title like a declared one.
    """
    try:
        return _extract(url, body, headers, site_names)
    except _Reject as rejection:
        return Rejection(url=url, reason=rejection.reason, detail=rejection.detail)
    except Exception as error:  # the contract: any failure is a rejection, never a crash
        detail = f"{UNEXPECTED_ERROR}: {_describe(error)}"
        return Rejection(url=url, reason=RejectReason.PARSE_ERROR, detail=detail)


def _extract(
    url: str, body: bytes, headers: Mapping[str, str] | None, site_names: frozenset[str]
) -> ArticleRecord:
    address = _canonical_address(url)
    content_type = header_value(headers, "Content-Type")
    _check_payload(body, content_type)
    decoded = decode_body(body, content_type)
    if decoded is None:
        raise _Reject(RejectReason.BAD_ENCODING, "the body does not decode to text in any charset")
    # Bytes that strictly decoded as UTF-8 go to the parser as they are; others re-encoded.
    strict_utf8 = decoded.encoding == "utf-8" and decoded.exact and decoded.source != "bom"
    document = parse_document(body if strict_utf8 else decoded.text.encode("utf-8"))
    if document is not None and document.truncation:
        detail = f"tree truncated: {document.truncation}; the rest of the page is lost"
        raise _Reject(RejectReason.PARSE_ERROR, detail)
    if document is None or not any(child.tag == "body" for child in document.root):
        raise _Reject(RejectReason.NO_BODY, "the page holds no HTML document")
    markers = locate(document.marker_texts)
    if markers.verdict is Verdict.LISTING:
        raise _Reject(RejectReason.NOT_AN_ARTICLE, "several wire stories on one page: a listing")
    if markers.verdict is Verdict.ARTICLE:
        return _wire_record(url, address, document, markers, site_names)
    return _generic_record(url, address, document, decoded.text, site_names)


def _describe(error: Exception) -> str:
    """An exception's type and message, for a rejection's detail (messages can be empty)."""
    message = str(error).strip()
    return (f"{type(error).__name__}: {message}" if message else type(error).__name__)[:450]


def _canonical_address(url: str) -> str:
    """The address a record is stored under; a page whose address does not parse has none."""
    try:
        return canonicalise_url(url)
    except ValueError as error:
        raise _Reject(RejectReason.PARSE_ERROR, f"the address does not parse: {error}") from error


def _check_payload(body: bytes, content_type: str) -> None:
    if len(body) > MAX_BODY_BYTES:
        raise _Reject(RejectReason.TOO_LARGE, f"{len(body)} bytes, over {MAX_BODY_BYTES}")
    if not body or body.isspace():
        raise _Reject(RejectReason.NO_BODY, "empty response body")
    if not _HTML_TYPES.match(content_type) and "html" not in content_type.lower():
        raise _Reject(RejectReason.NOT_AN_ARTICLE, f"content type {content_type!r} is not HTML")
    if sniff_xml_kind(body) is not None:
        raise _Reject(RejectReason.NOT_AN_ARTICLE, "a feed or sitemap, not an article page")


def _wire_record(
    url: str, address: str, document: Document, markers: Markers, site_names: frozenset[str]
) -> ArticleRecord:
    assert markers.container is not None
    title = find_title(document.metadata, document.root, url, site_names)
    found = (markers.attribution_element, markers.wire_element)
    raw = raw_paragraphs(markers.container, [element for element in found if element is not None])
    provider, paragraphs = clean_paragraphs(raw, title)
    if not title:
        raise _Reject(RejectReason.NO_TITLE, "a wire page without a headline")
    _check_length(paragraphs, MIN_WIRE_WORDS)
    wire = markers.wire
    dateline = _settled(_wire_dateline(document, markers), document, url)
    published = arbitrate(dateline, wire.date if wire else None)
    return ArticleRecord(
        canonical_url=address,
        title=title,
        paragraphs=tuple(paragraphs),
        provider=provider or markers.provider or "",
        published_at=published.at,
        published_precision=published.precision,
        quality_flags=published.flags,
        language=_language(document.metadata),
        wire=wire,
    )


def _generic_record(
    url: str, address: str, document: Document, html: str, site_names: frozenset[str]
) -> ArticleRecord:
    title = find_title(document.metadata, document.root, url, site_names)
    if looks_like_error_page(title or document.metadata.title_tag):
        raise _Reject(RejectReason.NOT_AN_ARTICLE, f"an error page ({title!r})")
    listing = looks_like_listing(document.root)
    if listing is not None:
        raise _Reject(RejectReason.NOT_AN_ARTICLE, listing.describe())
    if not title:
        raise _Reject(RejectReason.NO_TITLE, "no headline found")
    try:
        story = extract_generic(html, url, document.root)
    except Exception as error:  # trafilatura and htmldate trip over some malformed trees
        detail = f"the generic extractor failed on this page: {_describe(error)}"
        raise _Reject(RejectReason.PARSE_ERROR, detail) from error
    if story is None or not story.paragraphs:
        raise _Reject(RejectReason.NO_BODY, "no main text found")
    paragraphs = [p for p in story.paragraphs if p != title]
    _check_length(paragraphs, MIN_GENERIC_WORDS)
    dateline = _settled(
        _structured_dateline(document.metadata) or page_date(html, url), document, url
    )
    published = arbitrate(dateline, None)
    return ArticleRecord(
        canonical_url=address,
        title=title,
        paragraphs=tuple(paragraphs),
        provider="",
        published_at=published.at,
        published_precision=published.precision,
        quality_flags=published.flags,
        language=_language(document.metadata),
    )


def _check_length(paragraphs: list[str], minimum: int) -> None:
    if not paragraphs:
        raise _Reject(RejectReason.NO_BODY, "no article text")
    words = story_words(" ".join(paragraphs))
    if words < minimum:
        raise _Reject(RejectReason.NO_BODY, f"{words:.0f} words: too short to be a story")


def _wire_dateline(document: Document, markers: Markers) -> Dateline | None:
    structured = _structured_dateline(document.metadata)
    if structured is not None:
        return structured
    anchor = markers.attribution_element
    if anchor is None:
        anchor = markers.wire_element
    assert anchor is not None and markers.container is not None
    found = first_dated_text(texts_near(anchor, markers.container))
    if found is None or not found.has_time or found.zone_shown:
        return found
    zone = stated_offset(etree.tostring(document.root, method="text", encoding="unicode"))
    return found if zone is None else found.read_in(zone)


def _settled(dateline: Dateline | None, document: Document, url: str) -> Dateline | None:
    """A numeric dateline that reads both ways, read in the order the site writes dates."""
    if dateline is None or dateline.alternative is None:
        return dateline
    metadata = document.metadata
    locales = (
        metadata.html_lang,
        metadata.meta.get("og:locale"),
        metadata.meta.get("content-language"),
        metadata.meta.get("language"),
    )
    text = etree.tostring(document.root, method="text", encoding="unicode")
    return dateline.resolved(numeric_order(text, locales, urlsplit(url).hostname or ""))


def _structured_dateline(metadata: PageMetadata) -> Dateline | None:
    """JSON-LD ``datePublished``, then the ``<meta>`` dates, then ``itemprop`` markup."""
    for candidate in _structured_dates(metadata):
        found = parse_structured(candidate)
        if found is not None:
            return found
    return None


def _structured_dates(metadata: PageMetadata) -> Iterator[str]:
    if metadata.json_ld:
        published = json_ld_value(metadata, "datePublished")
        if published:
            yield published
    meta = metadata.meta
    for key in _STRUCTURED_DATE_KEYS:
        value = meta.get(key)
        if value:
            yield value
    yield from metadata.date_published


def _language(metadata: PageMetadata) -> str | None:
    declared = first_language(
        metadata.html_lang, metadata.meta.get("content-language"), metadata.meta.get("og:locale")
    )
    if declared or not metadata.json_ld:
        return declared
    return first_language(json_ld_value(metadata, "inLanguage"))
