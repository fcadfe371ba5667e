"""What extraction hands to storage: an ``ArticleRecord`` or a ``Rejection``.

Both are plain frozen dataclasses, so extraction stays free of Scrapy and the
database, and storage stays free of HTML.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cached_property

from wirewatch.core.text import content_hash, word_count
from wirewatch.core.wire_id import WireId


class Precision(StrEnum):
    DATETIME = "datetime"
    DATE = "date"


class QualityFlag(StrEnum):
    DATELINE_MISMATCH = "dateline_mismatch"
    DATE_AMBIGUOUS = "date_ambiguous"


class RejectReason(StrEnum):
    """Codes stored in ``rejected_pages.reason`` (data contract)."""

    HTTP_ERROR = "http_error"
    TIMEOUT = "timeout"
    CONNECTION_ERROR = "connection_error"
    OFFSITE_REDIRECT = "offsite_redirect"
    REDIRECT_LOOP = "redirect_loop"
    BAD_URL = "bad_url"
    TOO_LARGE = "too_large"
    BAD_ENCODING = "bad_encoding"
    PARSE_ERROR = "parse_error"
    NOT_AN_ARTICLE = "not_an_article"
    NO_TITLE = "no_title"
    NO_BODY = "no_body"
    STORAGE_ERROR = "storage_error"


@dataclass(frozen=True, slots=True)
class Rejection:
    """A page that could not become a record, with a short code and a human-readable detail."""

    url: str
    reason: RejectReason
    detail: str
    http_status: int | None = None


@dataclass(frozen=True)
class ArticleRecord:
    """One extracted story, with every field of the ``articles`` table.

    ``canonical_url`` is the canonicalised address of the page it was extracted
    from. ``published_at`` is timezone-aware UTC (or None when a page gives no
    date at all). ``provider`` is empty for pages without MENAFN markers; ``wire``
    is None for pages without a wire ID (storage keys those by content hash).
    """

    canonical_url: str
    title: str
    paragraphs: tuple[str, ...]
    provider: str
    published_at: datetime | None
    published_precision: Precision
    quality_flags: tuple[QualityFlag, ...] = ()
    language: str | None = None
    wire: WireId | None = None

    @cached_property
    def body(self) -> str:
        """Paragraphs separated by one blank line, as stored in ``articles.body``."""
        return "\n\n".join(self.paragraphs)

    @cached_property
    def content_hash(self) -> str:
        return content_hash(self.title, self.body)

    @cached_property
    def word_count(self) -> int:
        return word_count(self.body)

    @property
    def quality_flags_text(self) -> str:
        """The flags as stored: comma-separated, empty when clean."""
        return ",".join(self.quality_flags)

    def to_expected_json(self) -> dict[str, object]:
        """The shape of ``shared/samples/*.expected.json`` (and ``wirewatch extract --format json``)."""
        wire = self.wire
        return {
            "wire_id": wire.text if wire else None,
            "article_number": wire.article_number if wire else None,
            "wire_date": wire.date.isoformat() if wire else None,
            "provider_code": wire.provider_code if wire else None,
            "provider": self.provider,
            "title": self.title,
            "canonical_url": self.canonical_url,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "published_precision": str(self.published_precision),
            "quality_flags": [str(flag) for flag in self.quality_flags],
            "language": self.language,
            "paragraphs": list(self.paragraphs),
        }
