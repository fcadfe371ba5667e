"""What incremental crawling asks storage: which addresses and story numbers are known.

A crawl skips an address it already holds, or another slug of a menafn.com-style
``/<number>/<slug>`` address on the same site, and re-fetches a known address
conditionally with its stored ETag/Last-Modified; a 304 answer only touches the
address.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Engine, bindparam, select, update

from wirewatch.storage.models import article_urls, articles

LOOKUP_CHUNK = 500
"""Keys per query, well below SQLite's bound-parameter limit."""

T = TypeVar("T")


@dataclass(frozen=True)
class KnownAddress:
    url: str
    article_id: int
    last_fetched_at: datetime | None
    etag: str | None
    last_modified: str | None


def _chunks(items: Iterable[T]) -> Iterable[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == LOOKUP_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def lookup_addresses(engine: Engine, urls: Iterable[str]) -> dict[str, KnownAddress]:
    """The stored addresses among ``urls`` (canonicalised), by url."""
    columns = [
        article_urls.c[name]
        for name in ("url", "article_id", "last_fetched_at", "etag", "last_modified")
    ]
    found: dict[str, KnownAddress] = {}
    with engine.connect() as connection:
        for chunk in _chunks(dict.fromkeys(urls)):
            statement = select(*columns).where(article_urls.c.url.in_(chunk))
            for row in connection.execute(statement):
                found[row.url] = KnownAddress(**row._mapping)
    return found


def lookup_numbered_addresses(
    engine: Engine, numbers: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], KnownAddress]:
    """For ``(site, article number)`` pairs, a stored address of that site under that number.

    ``site`` is ``scheme://host[:port]``. The address must stand on the same site
    with the number as its first path segment (``/<number>/<slug>``): another
    site's copy of the story does not make this site's address known.
    """
    wanted = dict.fromkeys(numbers)
    by_number: dict[int, list[str]] = {}
    for site, number in wanted:
        by_number.setdefault(number, []).append(site)
    columns = [
        article_urls.c[name]
        for name in ("url", "article_id", "last_fetched_at", "etag", "last_modified")
    ]
    found: dict[tuple[str, int], KnownAddress] = {}
    with engine.connect() as connection:
        for chunk in _chunks(by_number):
            statement = (
                select(articles.c.article_number, *columns)
                .join(articles, articles.c.id == article_urls.c.article_id)
                .where(articles.c.article_number.in_(chunk))
                .order_by(article_urls.c.id)
            )
            for row in connection.execute(statement):
                number = row.article_number
                for site in by_number[number]:
                    if row.url.startswith(f"{site}/{number}/") and (site, number) not in found:
                        address = {k: v for k, v in row._mapping.items() if k != "article_number"}
                        found[(site, number)] = KnownAddress(**address)
    return found


def touch_addresses(engine: Engine, urls: Iterable[str], fetched_at: datetime) -> None:
    """Record a ``304 Not Modified``: the addresses were seen and fetched at ``fetched_at``.

    An address keeps the source that first found it.
    """
    params = [{"b_url": url, "v_seen": fetched_at} for url in dict.fromkeys(urls)]
    if not params:
        return
    seen = bindparam("v_seen", type_=article_urls.c.last_seen_at.type)
    statement = (
        update(article_urls)
        .where(article_urls.c.url == bindparam("b_url"))
        .values(last_seen_at=seen, last_fetched_at=seen)
    )
    with engine.begin() as connection:
        connection.execute(statement, params)


def source_addresses(
    engine: Engine, source: str, *, since: datetime | None = None, limit: int | None = None
) -> list[KnownAddress]:
    """The stored addresses of ``source``, first seen newest first (``since``: at or after it),
    with what a conditional re-fetch needs."""
    columns = [
        article_urls.c[name]
        for name in ("url", "article_id", "last_fetched_at", "etag", "last_modified")
    ]
    statement = (
        select(*columns)
        .where(article_urls.c.source == source)
        .order_by(article_urls.c.first_seen_at.desc(), article_urls.c.id.desc())
    )
    if since is not None:
        statement = statement.where(article_urls.c.first_seen_at >= since)
    if limit is not None:
        statement = statement.limit(limit)
    with engine.connect() as connection:
        return [KnownAddress(**row._mapping) for row in connection.execute(statement)]
