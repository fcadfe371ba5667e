"""Invented templates nobody wrote extraction rules for, crawled end to end (issue 13).

Each test serves its own template from ``HostileSite`` servers on 127.0.0.x, runs
``wirewatch crawl`` in a child process on a real SQLite file, and checks every
story is stored once with every address it was seen at:

- the lead attribution alone in its own ``<div>``, the story in sibling
  ``<div class="txt-par">`` elements (no wire ID, so a partner copy joins the
  story by its content hash);
- a wire site giving its name in every title with another separator, crawled
  after a partner's clean copies: no revision 2;
- pages without a charset declaration holding one stray byte;
- a site writing numeric datelines day-first.
"""

import html
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.crawler.hostile import Answer, HostileSite, crawl, query, rss
from wirewatch.core.urls import canonicalise_url

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Story:
    number: int
    headline: str
    paragraphs: tuple[str, ...]

    @property
    def slug(self) -> str:
        words = self.headline.lower().encode("ascii", "ignore").decode().split()
        return "-".join(words[:6]) + f"-{self.number}"

    @property
    def wire_id(self) -> str:
        return f"MENAFN04122026000099011111ID11104{self.number:05d}"


TOPICS = ("Beirut Port Volumes", "Amman Cafés Get Fund", "Gulf Airline Orders", "Doha Solar Park")


def make_stories(first: int = 1) -> list[Story]:
    stories = []
    for offset, topic in enumerate(TOPICS):
        number = first + offset
        paragraphs = tuple(
            f"{topic}: paragraph {n} of story {number} says the ministry expects further growth "
            "next year as new agreements with regional partners take effect, officials said."
            for n in range(1, 5)
        )
        stories.append(Story(number, f"{topic} Rise for a Third Quarter", paragraphs))
    return stories


def page(
    story: Story,
    *,
    title: str,
    lead_box: bool = True,
    wire: bool = False,
    head: str = "",
    lang: str = "en",
    dateline: str = "4 Dec 2026",
    extra: str = "",
) -> str:
    """An invented partner template: headline, dateline, attributed lead, paragraphs."""
    first, *rest = (html.escape(p) for p in story.paragraphs)
    lead = f"(MENAFN- The Daily Star) {first}"
    lead_html = f'<div class="lead">{lead}</div>' if lead_box else f"<p>{lead}</p>"
    paragraphs = "".join(f'<div class="txt-par">{p}</div>' for p in rest)
    wire_line = f'<div class="ref">{story.wire_id}</div>' if wire else ""
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><title>{html.escape(title)}</title>{head}'
        '</head><body><div class="top"><a href="/">Home</a> <a href="/news/">News</a></div>'
        f'<div class="story-page"><h1>{html.escape(story.headline)}</h1>'
        f'<div class="meta">{dateline}</div>{lead_html}{paragraphs}{wire_line}'
        f"{extra}</div><footer>Copyright the publisher</footer></body></html>"
    )


def serve(site: HostileSite, pages: dict[str, bytes], content_type: str) -> list[str]:
    """Serve ``pages`` (path -> body) and an RSS feed of them at ``/feed.xml``; their addresses."""
    for path, body in pages.items():
        site.routes[path] = Answer(body=body, content_type=content_type)
    urls = [site.url(path) for path in pages]
    site.routes["/feed.xml"] = rss(urls)
    return urls


def config(path: Path, db_url: str, sources: dict[str, str]) -> Path:
    """Crawl each source (name -> feed address) in the order given."""
    lines = ["[database]", f"url = {json.dumps(db_url)}", "", "[crawl]"]
    lines += ['user_agent = "wirewatch-unseen-test/0.1"', "timeout = 10", "retries = 0"]
    for name, start in sources.items():
        lines += ["", "[[sources]]", f'name = "{name}"', f"start_urls = {json.dumps([start])}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def crawled(path: Path, db_url: str, sources: dict[str, str]) -> None:
    result = crawl(config(path, db_url, sources))
    assert result.returncode == 0, result.output


def stories_by_address(db_url: str) -> dict[str, int]:
    return {
        str(url): int(article_id)
        for url, article_id in query(db_url, "SELECT url, article_id FROM article_urls")
    }


def assert_stored_once_with_every_address(db_url: str, addresses: list[list[str]]) -> None:
    """Each inner list: the addresses of one story. One row per story, each address on it."""
    stored = stories_by_address(db_url)
    for story_addresses in addresses:
        canonical = [canonicalise_url(url) for url in story_addresses]
        missing = [url for url in canonical if url not in stored]
        assert not missing, f"addresses not stored: {missing}; rejected: {rejected(db_url)}"
        assert len({stored[url] for url in canonical}) == 1, f"stored apart: {canonical}"
    assert query(db_url, "SELECT count(*) FROM articles") == [(len(addresses),)]
    assert len(stored) == sum(len(a) for a in addresses)


def rejected(db_url: str) -> list[tuple[object, ...]]:
    return query(db_url, "SELECT url, reason, detail FROM rejected_pages")


def story_rows(db_url: str) -> dict[str, tuple[object, ...]]:
    """Stored title -> (body, revision, published_at, quality_flags)."""
    rows = query(db_url, "SELECT title, body, revision, published_at, quality_flags FROM articles")
    return {str(row[0]): row[1:] for row in rows}


@pytest.fixture
def partner() -> Iterator[HostileSite]:
    with HostileSite("127.0.0.131") as served:
        yield served


@pytest.fixture
def wire() -> Iterator[HostileSite]:
    with HostileSite("127.0.0.132") as served:
        yield served


def test_an_attribution_in_its_own_box_stores_the_whole_story_once_with_every_address(
    partner: HostileSite, wire: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    """No wire ID: the partner's copy (its own title affix) joins the story by content hash."""
    stories = make_stories()
    boxed = {
        f"/news/{s.slug}": page(s, title=f"{s.headline} | Daily Star").encode() for s in stories
    }
    copies = {
        f"/story.php?id={s.number}": page(
            s,
            title=f"Levant Ledger :: {s.headline}",
            head='<meta property="og:site_name" content="Levant Ledger">',
            lead_box=False,
        ).encode()
        for s in stories
    }
    boxed_urls = serve(partner, boxed, "text/html; charset=utf-8")
    copy_urls = serve(wire, copies, "text/html; charset=utf-8")

    crawled(
        tmp_path / "w.toml",
        sqlite_url,
        {"star": partner.url("/feed.xml"), "ledger": wire.url("/feed.xml")},
    )

    assert_stored_once_with_every_address(
        sqlite_url, [list(p) for p in zip(boxed_urls, copy_urls, strict=True)]
    )
    stored = story_rows(sqlite_url)
    assert set(stored) == {s.headline for s in stories}
    for story in stories:
        assert stored[story.headline][0] == "\n\n".join(story.paragraphs)


SEPARATORS = ("::", "|", "\u00bb", "-", "\u2013")


def test_a_wire_site_naming_itself_in_every_title_after_a_partner_copy_makes_no_revision(
    partner: HostileSite, wire: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    stories = make_stories()
    clean = {f"/news/{s.slug}": page(s, title=s.headline, wire=True).encode() for s in stories}
    affixed = {}
    for story, separator in zip(stories, SEPARATORS, strict=False):
        title = (
            f"Levant Ledger {separator} {story.headline}"
            if separator == "\u00bb"
            else f"{story.headline} {separator} Levant Ledger"
        )
        affixed[f"/{story.number}/{story.slug}"] = (
            page(story, title=title, wire=True, lead_box=False)
            .replace("<h1>", "<h1 class='x'>")
            .replace(story.headline + "</h1>", title + "</h1>")
            .encode()
        )
    partner_urls = serve(partner, clean, "text/html; charset=utf-8")
    wire_urls = serve(wire, affixed, "text/html; charset=utf-8")
    crawled(tmp_path / "p.toml", sqlite_url, {"partner": partner.url("/feed.xml")})

    crawled(tmp_path / "w.toml", sqlite_url, {"wire": wire.url("/feed.xml")})

    assert_stored_once_with_every_address(
        sqlite_url, [list(p) for p in zip(partner_urls, wire_urls, strict=True)]
    )
    stored = story_rows(sqlite_url)
    assert set(stored) == {s.headline for s in stories}
    assert {row[1] for row in stored.values()} == {1}
    assert query(sqlite_url, "SELECT count(*) FROM article_revisions") == [(0,)]
    updated = query(sqlite_url, "SELECT articles_updated FROM crawl_runs ORDER BY id")
    assert updated == [(0,), (0,)]


STRAY = b"\x92"


def test_pages_without_a_charset_declaration_and_a_stray_byte_read_as_utf8(
    partner: HostileSite, wire: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    """One story also on a clean partner page (crawled first): no garbled revision over it."""
    stories = make_stories()
    undeclared = {}
    for story in stories:
        body = page(story, title=story.headline, wire=True).encode("utf-8")
        undeclared[f"/news/{story.slug}"] = body.replace(b"</footer>", STRAY + b"</footer>")
    shared = stories[1]
    clean_url = serve(
        partner,
        {f"/a/{shared.slug}": page(shared, title=shared.headline, wire=True).encode()},
        "text/html; charset=utf-8",
    )
    undeclared_urls = serve(wire, undeclared, "text/html")
    crawled(tmp_path / "p.toml", sqlite_url, {"partner": partner.url("/feed.xml")})

    crawled(tmp_path / "w.toml", sqlite_url, {"plain": wire.url("/feed.xml")})

    addresses = [[url] for url in undeclared_urls]
    addresses[1].append(clean_url[0])
    assert_stored_once_with_every_address(sqlite_url, addresses)
    stored = story_rows(sqlite_url)
    assert stored["Amman Cafés Get Fund Rise for a Third Quarter"][1] == 1
    for story in stories:
        body = str(stored[story.headline][0])
        assert body == "\n\n".join(story.paragraphs)
        assert "\u00c3" not in body and "\u221a" not in body
    assert query(sqlite_url, "SELECT count(*) FROM article_revisions") == [(0,)]


def test_a_site_writing_numeric_dates_day_first_is_read_day_first(
    partner: HostileSite, wire: HostileSite, tmp_path: Path, sqlite_url: str
) -> None:
    """A Gulf site (``en-AE``) and one whose related links show ``25/11/2026``; one saying nothing."""
    stories = make_stories()
    datelines = ("04/12/2026", "11/03/2026 09:15", "05/06/2026", "01/02/2026")
    gulf = {
        f"/news/{s.slug}": page(s, title=s.headline, lang="en-AE", dateline=d).encode()
        for s, d in zip(stories[:2], datelines[:2], strict=True)
    }
    related = "<div class='more'><a href='/x'>Ports reopen</a> 25/11/2026</div>"
    gulf |= {
        f"/news/{stories[2].slug}": page(
            stories[2], title=stories[2].headline, dateline=datelines[2], extra=related
        ).encode()
    }
    silent = {
        f"/news/{stories[3].slug}": page(
            stories[3], title=stories[3].headline, dateline=datelines[3]
        ).encode()
    }
    gulf_urls = serve(partner, gulf, "text/html; charset=utf-8")
    silent_urls = serve(wire, silent, "text/html; charset=utf-8")

    crawled(
        tmp_path / "w.toml",
        sqlite_url,
        {"gulf": partner.url("/feed.xml"), "silent": wire.url("/feed.xml")},
    )

    assert_stored_once_with_every_address(sqlite_url, [[u] for u in gulf_urls + silent_urls])
    stored = story_rows(sqlite_url)
    expected = {
        stories[0].headline: (datetime(2026, 12, 4, tzinfo=UTC), ""),
        stories[1].headline: (datetime(2026, 3, 11, 9, 15, tzinfo=UTC), ""),
        stories[2].headline: (datetime(2026, 6, 5, tzinfo=UTC), ""),
        stories[3].headline: (datetime(2026, 2, 1, tzinfo=UTC), "date_ambiguous"),
    }
    found = {
        title: (datetime.fromisoformat(str(row[2])).replace(tzinfo=UTC), row[3])
        for title, row in stored.items()
    }
    assert found == expected
