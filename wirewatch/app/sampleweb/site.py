"""The sample web's state and routing, free of HTTP: what each address serves, round by round.

``SampleSite`` owns the corpus (wire stories, the partner's copies, the partner's
stories without a wire ID, bad pages), turns a request path into a ``Page`` and knows what a
correct crawl should store. ``SampleWeb`` (server.py) puts it behind two servers.
"""

import hashlib
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

from wirewatch.app.sampleweb import templates
from wirewatch.app.sampleweb.stories import DEFAULT_END_DATE, Story, generate_stories
from wirewatch.core.wire_id import ARTICLE_NUMBER_DIGITS

HTML = "text/html; charset=utf-8"
SITEMAP_CHUNK = 1000
WIRE_LISTING = "/news/world"
WIRE_FEED = "/rss/menafn_world.xml"
WIRE_SITEMAP = "/sitemap.xml"
PARTNER_LISTING = "/category/world"
PARTNER_SITEMAP = "/sitemap.xml"
T = TypeVar("T")
_WIRE_ARTICLE = re.compile(rf"^/({ARTICLE_NUMBER_DIGITS})/[^/]+$")


class Site(StrEnum):
    WIRE = "wire"
    PARTNER = "partner"


class Kind(StrEnum):
    """What a path is, for the request log."""

    ARTICLE = "article"
    BAD = "bad"
    FEED = "feed"
    SITEMAP = "sitemap"
    LISTING = "listing"
    ROBOTS = "robots"
    OTHER = "other"


@dataclass(frozen=True)
class Page:
    status: int
    body: bytes
    kind: Kind
    content_type: str = HTML
    last_modified: datetime | None = None
    etag: str | None = None


class BadPage(StrEnum):
    NOT_FOUND = "/9000000404/Story-That-Was-Removed"
    SERVER_ERROR = "/9000000500/Story-On-A-Broken-Server"
    EMPTY_SHELL = "/9000000200/Story-With-An-Empty-Shell"
    OVERSIZED = "/9000000413/Story-With-An-Oversized-Page"
    DISALLOWED = "/private/9000000403/Embargoed-Story"


_BAD_PATHS = frozenset(bad.value for bad in BadPage)


@dataclass
class SiteOptions:
    stories: int = 30
    seed: int = 0
    end_date: date = DEFAULT_END_DATE
    bad_pages: bool = True
    oversize_bytes: int = 2_000_000
    page_size: int = 20
    feed_size: int = 20
    syndicate_every: int = 3
    new_per_round: int = 3
    edits_per_round: int = 2


@dataclass
class _Entry:
    """A wire story as currently published, with its sitemap ``<lastmod>``."""

    story: Story
    lastmod: datetime
    round_added: int = 1
    edited_in: list[int] = field(default_factory=list)


class SampleSite:
    """The corpus and its addresses; every method is safe to call from server threads."""

    def __init__(self, options: SiteOptions) -> None:
        self.options = options
        self.round = 1
        self._lock = threading.RLock()
        self._started = _whole_second(datetime.now(UTC))
        stories, self._factory = generate_stories(options.stories, options.seed, options.end_date)
        self._entries: dict[int, _Entry] = {}
        self._order: list[int] = []
        self._partner: dict[str, Story] = {}
        """Partner path -> the copy it serves (stale once the wire edits the story)."""
        for index, story in enumerate(stories):
            if index % 7 == 3:
                story = replace(story, wrong_dateline=True)
            self._publish(story, syndicate=index % options.syndicate_every == 1, sort=False)
        self._sort()
        self._duplicate_without_wire_id = self._add_stories_without_wire_id(stories)
        self._bad = self._make_bad_pages(stories) if options.bad_pages else {}
        self._cache: dict[tuple[str, int, int], bytes] = {}

    # -- changes -------------------------------------------------------------------------------

    def advance(self) -> None:
        """Round 2 (and later): a few new stories, and edits of some existing ones."""
        with self._lock:
            self.round += 1
            now = _whole_second(datetime.now(UTC)) + timedelta(seconds=1)
            newest = self._entries[self._order[0]].story.published_at
            for offset in range(self.options.new_per_round):
                published = newest + timedelta(minutes=17 * (offset + 1))
                self._publish(self._factory.make(published), syndicate=offset == 0)
            for number in self._pick_edits():
                entry = self._entries[number]
                entry.story = entry.story.edited(self._factory.rng)
                entry.lastmod = now
                entry.edited_in.append(self.round)

    def _pick_edits(self) -> list[int]:
        """Alternate syndicated and wire-only stories among the older, never-edited ones."""
        syndicated = {story.number for story in self._partner.values()}
        candidates = [
            n for n in self._order[len(self._order) // 3 :] if not self._entries[n].edited_in
        ]
        picks: list[int] = []
        for want_syndicated in (True, False) * self.options.edits_per_round:
            if len(picks) == self.options.edits_per_round:
                break
            for number in candidates:
                if number not in picks and (number in syndicated) == want_syndicated:
                    picks.append(number)
                    break
        return picks

    def _publish(self, story: Story, *, syndicate: bool, sort: bool = True) -> None:
        lastmod = min(story.published_at, self._started)
        self._entries[story.number] = _Entry(story, lastmod, self.round)
        self._order.append(story.number)
        if sort:
            self._sort()
        if syndicate:
            self._partner[partner_path(story)] = story

    def _sort(self) -> None:
        """Newest first; ``_position`` lets a page find its neighbours without a scan."""
        self._order.sort(key=lambda n: (self._entries[n].story.published_at, n), reverse=True)
        self._position = {number: index for index, number in enumerate(self._order)}

    def _add_stories_without_wire_id(self, stories: list[Story]) -> str:
        """Three stories without a wire ID on the partner; the first also at a second address."""
        times = [s.published_at for s in stories] or [_midday(self.options.end_date)]
        own_stories = [
            self._factory.make(times[min(len(times) - 1, i * 5)] + timedelta(minutes=7), wire=False)
            for i in range(3)
        ]
        for story in own_stories:
            self._partner[partner_path(story)] = story
        duplicate = f"/opinion/{own_stories[0].slug.lower()}.html"
        self._partner[duplicate] = own_stories[0]
        return duplicate

    def _make_bad_pages(self, stories: list[Story]) -> dict[str, Story]:
        published = stories[0].published_at if stories else _midday(self.options.end_date)
        pages: dict[str, Story] = {}
        for bad in (BadPage.OVERSIZED, BadPage.DISALLOWED):
            number = int(bad.value.split("/")[-2])
            pages[bad.value] = replace(self._factory.make(published), number=number)
        return pages

    # -- routing -------------------------------------------------------------------------------

    def resolve(self, site: Site, target: str, bases: dict[Site, str]) -> Page:
        """The page a GET of ``target`` (path and query) on ``site`` receives."""
        parts = urlsplit(target)
        page_number = _page_number(parts.query)
        with self._lock:
            if site is Site.WIRE:
                return self._resolve_wire(parts.path, page_number, bases)
            return self._resolve_partner(parts.path, page_number, bases)

    def _resolve_wire(self, path: str, page_number: int, bases: dict[Site, str]) -> Page:
        base = bases[Site.WIRE]
        if path == "/robots.txt":
            text = templates.robots_txt(["/private/"], base + WIRE_SITEMAP)
            return _text(text, Kind.ROBOTS, "text/plain; charset=utf-8")
        if path == WIRE_FEED:
            return self._wire_feed(base)
        if path == WIRE_SITEMAP:
            return self._wire_sitemap_index(base)
        if path.startswith("/sitemaps/news-"):
            return self._wire_sitemap(path, base)
        if path == WIRE_LISTING:
            return self._wire_listing(page_number)
        if self.options.bad_pages and path in _BAD_PATHS:
            return self._bad_page(path)
        match = _WIRE_ARTICLE.match(path)
        if match and int(match.group(1)) in self._entries:
            return self._wire_article(self._entries[int(match.group(1))])
        return _not_found()

    def _resolve_partner(self, path: str, page_number: int, bases: dict[Site, str]) -> Page:
        base = bases[Site.PARTNER]
        if path == "/robots.txt":
            text = templates.robots_txt(["/wp-admin/"], base + PARTNER_SITEMAP)
            return _text(text, Kind.ROBOTS, "text/plain; charset=utf-8")
        if path == PARTNER_SITEMAP:
            urls = [
                (base + p, min(s.published_at, self._started)) for p, s in self._partner_items()
            ]
            return _text(templates.sitemap(urls), Kind.SITEMAP, "application/xml")
        if path == PARTNER_LISTING:
            return self._partner_listing(page_number)
        story = self._partner.get(path)
        if story is None:
            return _not_found()
        body = self._cached(
            ("partner:" + path, story.number, story.revision),
            lambda: templates.partner_article(story, self._partner_related()),
        )
        modified = min(story.published_at, self._started)
        return Page(200, body, Kind.ARTICLE, last_modified=modified, etag=_etag(body))

    def _wire_article(self, entry: _Entry) -> Page:
        story = entry.story
        body = self._cached(
            ("wire", story.number, story.revision),
            lambda: templates.wire_article(story, wire_path(story), self._related(story.number)),
        )
        etag = f'"{story.number}-r{story.revision}"'
        return Page(200, body, Kind.ARTICLE, last_modified=entry.lastmod, etag=etag)

    def _bad_page(self, path: str) -> Page:
        if path == BadPage.NOT_FOUND:
            return _text(templates.error_page(404, "Not Found"), Kind.BAD, status=404)
        if path == BadPage.SERVER_ERROR:
            return _text(templates.error_page(500, "Internal Server Error"), Kind.BAD, status=500)
        if path == BadPage.EMPTY_SHELL:
            title = "Story With An Empty Shell"
            return _text(templates.wire_empty_shell(title, path, self._related(0)), Kind.BAD)
        story = self._bad[path]
        padding = self.options.oversize_bytes if path == BadPage.OVERSIZED else 0
        html = templates.wire_article(story, path, self._related(0), padding=padding)
        return _text(html, Kind.BAD)

    def _related(self, number: int) -> list[templates.Link]:
        """Two older stories: fixed per story, so a page does not change when others appear."""
        index = self._position.get(number)
        picks = self._order[index + 1 : index + 3] if index is not None else self._order[-2:]
        return [(wire_path(self._entries[n].story), self._entries[n].story.title) for n in picks]

    def _partner_related(self) -> list[templates.Link]:
        """The partner's stories without a wire ID: a sidebar the same on every partner page."""
        return [(p, s.title) for p, s in self._partner.items() if not s.has_wire_id]

    def _wire_listing(self, page_number: int) -> Page:
        links = [
            (wire_path(self._entries[n].story), self._entries[n].story.title) for n in self._order
        ]
        if self._bad:
            bad = [(p.value, p.name.replace("_", " ").title()) for p in BadPage]
            links = links[: self.options.page_size] + bad + links[self.options.page_size :]
            size = self.options.page_size + len(bad)
            chunks = [links[:size], *_chunks(links[size:], self.options.page_size)]
        else:
            chunks = _chunks(links, self.options.page_size)
        return self._listing_page("World News", WIRE_LISTING, chunks, page_number, "MENAFN")

    def _partner_listing(self, page_number: int) -> Page:
        links = [(p, s.title) for p, s in self._partner_items()]
        chunks = _chunks(links, self.options.page_size)
        return self._listing_page(
            "World", PARTNER_LISTING, chunks, page_number, "Gulf Business Wire"
        )

    def _listing_page(
        self, heading: str, path: str, chunks: list[list[templates.Link]], page: int, site: str
    ) -> Page:
        if page < 1 or page > max(1, len(chunks)):
            return _not_found()
        links = chunks[page - 1] if chunks else []
        next_href = f"{path}?page={page + 1}" if page < len(chunks) else None
        return _text(templates.listing(site, heading, links, next_href), Kind.LISTING)

    def _wire_feed(self, base: str) -> Page:
        stories = [self._entries[n].story for n in self._order[: self.options.feed_size]]
        items = [(s, f"{base}{wire_path(s)}?src=RSS") for s in stories]
        text = templates.rss_feed("MENAFN - World News", base + "/", base + WIRE_FEED, items)
        return _text(text, Kind.FEED, "application/rss+xml; charset=utf-8")

    def _wire_sitemap_chunks(self) -> list[list[int]]:
        return _chunks(self._order, SITEMAP_CHUNK)

    def _wire_sitemap_index(self, base: str) -> Page:
        maps = [
            (f"{base}/sitemaps/news-{i + 1}.xml", max(self._entries[n].lastmod for n in chunk))
            for i, chunk in enumerate(self._wire_sitemap_chunks())
        ]
        return _text(templates.sitemap_index(maps), Kind.SITEMAP, "application/xml")

    def _wire_sitemap(self, path: str, base: str) -> Page:
        match = re.fullmatch(r"/sitemaps/news-(\d+)\.xml", path)
        chunks = self._wire_sitemap_chunks()
        if not match or not 1 <= int(match.group(1)) <= len(chunks):
            return _not_found()
        entries = [self._entries[n] for n in chunks[int(match.group(1)) - 1]]
        urls = [(base + wire_path(e.story), e.lastmod) for e in entries]
        return _text(templates.sitemap(urls), Kind.SITEMAP, "application/xml")

    def _partner_items(self) -> list[tuple[str, Story]]:
        return sorted(self._partner.items(), key=lambda item: item[1].published_at, reverse=True)

    def _cached(self, key: tuple[str, int, int], render: Callable[[], str]) -> bytes:
        body = self._cache.get(key)
        if body is None:
            body = self._cache[key] = render().encode("utf-8")
        return body

    # -- truth for tests -------------------------------------------------------------------------

    def wire_stories(self) -> list[Story]:
        """The wire stories as currently published (edited ones at their latest revision)."""
        with self._lock:
            return [self._entries[n].story for n in self._order]

    def partner_copies(self) -> dict[str, Story]:
        """Partner path -> the story it carries (those without a wire ID included)."""
        with self._lock:
            return dict(self._partner)

    def edited_numbers(self) -> dict[int, int]:
        """Article number -> current revision, for stories edited in any round."""
        with self._lock:
            return {n: e.story.revision for n, e in self._entries.items() if e.edited_in}

    def added_in(self, round_number: int) -> list[Story]:
        with self._lock:
            return [e.story for e in self._entries.values() if e.round_added == round_number]

    def edited_in_round(self, round_number: int) -> list[tuple[int, int]]:
        """(article number, revision) of the stories edited by the given round."""
        with self._lock:
            return [
                (n, e.story.revision)
                for n, e in self._entries.items()
                if round_number in e.edited_in
            ]

    def story_number(self, partner: bool, target: str) -> int | None:
        """The article number a story page's path (and query) serves, or None."""
        path = urlsplit(target).path
        with self._lock:
            if partner:
                story = self._partner.get(path)
                return story.number if story else None
            match = _WIRE_ARTICLE.match(path)
            return int(match.group(1)) if match and int(match.group(1)) in self._entries else None

    def duplicate_path_without_wire_id(self) -> str:
        """The second partner address of the first story without a wire ID."""
        return self._duplicate_without_wire_id


def wire_path(story: Story) -> str:
    return f"/{story.number}/{story.slug}"


def partner_path(story: Story) -> str:
    return f"/{story.published_at:%Y/%m}/{story.slug.lower()}.html"


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:20] + '"'


def _text(text: str, kind: Kind, content_type: str = HTML, *, status: int = 200) -> Page:
    body = text.encode("utf-8")
    return Page(status, body, kind, content_type, etag=_etag(body) if status == 200 else None)


def _not_found() -> Page:
    return _text(templates.error_page(404, "Not Found"), Kind.OTHER, status=404)


def _chunks(items: list[T], size: int) -> list[list[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _page_number(query: str) -> int:
    values = parse_qs(query).get("page")
    try:
        return int(values[0]) if values else 1
    except ValueError:
        return 0


def _whole_second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _midday(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def pages_needed(total: int, size: int) -> int:
    return max(1, math.ceil(total / size))
