"""A wire page as read from its tree: what the record is built from."""

from collections.abc import Callable
from dataclasses import dataclass

from crawler.extract.document import PageMetadata
from crawler.extract.wire_id import WireId


@dataclass(frozen=True, slots=True)
class WirePage:
    """The markers, raw paragraphs and metadata of a page that carries MENAFN markers.

    ``paragraphs`` hold the story somewhere among them (from its attribution to
    its closing wire-ID line, at least); cleaning them is left to the record
    builder. The callables are only called when needed: ``text_before`` for a
    page without a structured date, ``heading`` when the metadata names no
    headline, ``page_text`` when a dateline shows a time without a zone.
    """

    metadata: PageMetadata
    paragraphs: list[str]
    provider: str | None
    wire_id: WireId | None
    heading: Callable[[], str | None]
    """The text of the first ``<h1>`` in the body, or None."""
    text_before: Callable[[], str]
    """The visible text before the story, white space collapsed (where its dateline is)."""
    page_text: Callable[[], str]
    """All the page's text (for a page-wide note such as ``All times are GMT+4``)."""
