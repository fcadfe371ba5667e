"""What the spider hands to the item pipelines.

The spider only discovers and fetches: it yields a ``FetchedPage`` for every
article page it downloaded, a ``NotModified`` for every conditional revisit the
server answered with 304, and a ``wirewatch.core.record.Rejection`` for every page
that failed before extraction. ``ExtractPipeline`` turns a ``FetchedPage`` into
an ``Extracted`` (a record or a rejection); ``StoragePipeline`` writes them.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from wirewatch.core.record import ArticleRecord, Rejection


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """One downloaded article page, as the server sent it."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes = field(repr=False)
    source: str
    fetched_at: datetime
    date_hint: datetime | None = None
    """The entry's date in the feed or the sitemap's ``<lastmod>``, when one was given."""
    redirected_from: tuple[str, ...] = ()
    """The addresses that redirected (within the site) to ``url``, first to last."""
    also_at: tuple[str, ...] = ()
    """Other addresses the page names for itself (``rel=canonical``, ``rel=amphtml``), on the site."""
    listed_title: str | None = None
    """The story's title as the feed or the Google News sitemap that listed it gave it."""

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


@dataclass(frozen=True, slots=True)
class NotModified:
    """A conditional revisit answered with 304: the stored story is unchanged."""

    url: str
    source: str
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class Extracted:
    """A fetched page after extraction: a record to store, or why it cannot be one."""

    page: FetchedPage
    result: ArticleRecord | Rejection
