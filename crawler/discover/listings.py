"""HTML listing pages: the story links they carry and the way to the next page.

A link is kept for what it is, not for what its address looks like alone. Each
link to a page within the allowed domains is scored on four signals
(``StoryLink``): its address is shaped like a story's (``addresses.story_shape``:
slugs, numeric paths, date paths, ``story.php?id=123``...), its anchor reads
like a headline (four words or more; an image link borrows the text of another
link to the same address), it stands in a block of links repeated in the same
markup (the rows of a table, the items of a list, the cards of a grid), and it
is not in the page's chrome (navigation, header, footer, menus, pagination).
Address shape and headline count two each, a repeated block one, chrome and a
section-like address (``/news/``, ``/business/markets``) minus one; a link
scoring two or more is a story link. An address that can never be a story's
(the root, tag, author, category, search and legal pages, pagination:
``addresses.never_a_story``) is never kept. What slips through is rejected by
extraction as ``not_an_article``, with its reason.
"""

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree
from scrapy.http import TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.utils.response import get_base_url
from w3lib.url import safe_url_string

from wirewatch.core.urls import on_site
from wirewatch.crawler.discover.addresses import never_a_story, section_like, story_shape

_NEXT_TEXT = re.compile(
    r"^\s*(next|next page|older|older posts|older stories|more stories|»|›|→|>|>>)"
    r"\s*(»|›|→|>|>>)?\s*$",
    re.IGNORECASE,
)
_GENERIC_TEXT = re.compile(
    r"^(read|continue|more|full|see|view|click|comments?|share|print)\b", re.IGNORECASE
)
_HEADLINE_WORDS = 4
_HEADLINE_CHARS = (15, 300)
_REPEATED = 3
"""Links sharing one markup position this many times (or more) make a repeated block."""
_KEEP = 2
_IGNORED = frozenset(f".{extension}" for extension in IGNORED_EXTENSIONS)
_CHROME_TAGS = frozenset({"nav", "header", "footer", "menu"})
_CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "menu", "menubar"})
_CONTENT_TAGS = frozenset({"article", "main"})
_CHROME_NAME = re.compile(
    r"^(nav|navbar|navigation|menu|menus|mainmenu|main-menu|topbar|top-bar|masthead|"
    r"breadcrumbs?|pagination|pager|paging|footer|site-footer|site-header|social|share|"
    r"sharing)$|(^|[-_])(nav|menu|navbar|footer)$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class StoryLink:
    """A link of a listing page and the signals that score it."""

    url: str
    text: str
    shaped: bool
    headline: bool
    repeated: bool
    chrome: bool
    section: bool

    @property
    def score(self) -> int:
        return 2 * self.shaped + 2 * self.headline + self.repeated - 2 * self.chrome - self.section


def is_article_address(url: str) -> bool:
    """Whether an address alone looks like a single story rather than a site's own page."""
    return story_shape(url) and not never_a_story(url)


def article_links(response: TextResponse, allowed_domains: Sequence[str]) -> list[str]:
    """Absolute addresses of the stories a listing page links to, in page order, once each."""
    return [link.url for link in scored_links(response, allowed_domains) if link.score >= _KEEP]


def page_links(response: TextResponse, allowed_domains: Sequence[str]) -> int:
    """How many distinct addresses within the allowed domains the page links to (itself aside)."""
    here = _without_fragment(response.url)
    return len({url for url, _ in _anchors(response, allowed_domains) if url != here})


def scored_links(response: TextResponse, allowed_domains: Sequence[str]) -> list[StoryLink]:
    """Every candidate story link of the page (site's own pages excluded), scored, once each.

    A link met several times keeps its best score: a card's image link and its
    headline link to the same address are one story.
    """
    skip = {_without_fragment(response.url), *next_pages(response)}
    found = [(url, a) for url, a in _anchors(response, allowed_domains) if url not in skip]
    positions = Counter(position for position, _ in {(_position(a), url) for url, a in found})
    links: dict[str, StoryLink] = {}
    for url, anchor in found:
        if never_a_story(url):
            continue
        text = _anchor_text(anchor)
        link = StoryLink(
            url=url,
            text=text,
            shaped=story_shape(url),
            headline=_reads_like_headline(text),
            repeated=positions[_position(anchor)] >= _REPEATED,
            chrome=_in_chrome(anchor),
            section=section_like(url),
        )
        known = links.get(url)
        if known is None or link.score > known.score:
            links[url] = link
    return list(links.values())


def host_allowed(url: str, allowed_domains: Sequence[str]) -> bool:
    """Whether ``url`` is on one of the source's sites (no domains: any).

    A domain covers its subdomains; one that names a port (``127.0.0.1:8080``)
    covers that port alone, one without covers every port (``on_site``).
    """
    return on_site(url, allowed_domains)


def next_pages(response: TextResponse) -> list[str]:
    """The "next page" of a paginated listing: ``rel=next``, else a Next/Older/» link."""
    base = response.url
    hrefs = response.xpath(
        "//link[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href"
        " | //a[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href"
    ).getall()
    if not hrefs:
        for anchor in response.xpath("//a[@href]"):
            text = " ".join(anchor.xpath(".//text()").getall()) or anchor.xpath("@aria-label").get(
                ""
            )
            if _NEXT_TEXT.match(text):
                hrefs.append(anchor.xpath("@href").get(""))
    seen: list[str] = []
    for href in hrefs:
        absolute = urljoin(base, href.strip())
        if (
            absolute not in seen
            and absolute != base
            and urlsplit(absolute).scheme in ("http", "https")
        ):
            seen.append(absolute)
    return seen


def _anchors(
    response: TextResponse, allowed_domains: Sequence[str]
) -> Iterator[tuple[str, etree._Element]]:
    """(absolute address without fragment, ``<a>`` element) of each on-site web link, in order."""
    base = get_base_url(response)
    root = response.selector.root
    if not isinstance(root, etree._Element):
        return
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        try:
            url = _without_fragment(safe_url_string(urljoin(base, href), response.encoding))
            parts = urlsplit(url)
        except ValueError:  # "http://[broken/"
            continue
        if parts.scheme not in ("http", "https") or not on_site(url, allowed_domains):
            continue
        if any(parts.path.lower().endswith(extension) for extension in _IGNORED):
            continue
        yield url, anchor


def _without_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


def _anchor_text(anchor: etree._Element) -> str:
    text = " ".join("".join(str(t) for t in anchor.itertext()).split())
    if text:
        return text
    return " ".join((anchor.get("title") or anchor.get("aria-label") or "").split())


def _reads_like_headline(text: str) -> bool:
    low, high = _HEADLINE_CHARS
    return (
        len(text.split()) >= _HEADLINE_WORDS
        and low <= len(text) <= high
        and not _GENERIC_TEXT.match(text)
    )


def _position(anchor: etree._Element) -> tuple[tuple[str, str], ...]:
    """The anchor's place in the markup: its tag and class, and those of three ancestors."""
    chain = [anchor, *list(anchor.iterancestors())[:3]]
    return tuple((str(e.tag), " ".join(sorted((e.get("class") or "").split()))) for e in chain)


def _in_chrome(anchor: etree._Element) -> bool:
    """Whether the link is in the page's navigation, header, footer, menus or pagination.

    An article's or the main area's own ``<header>`` and ``<footer>`` are content.
    """
    ancestors = list(anchor.iterancestors())
    for index, element in enumerate(ancestors):
        tag = str(element.tag).lower()
        role = element.get("role", "").lower()
        if tag in _CONTENT_TAGS or role == "main":
            return False
        if tag in ("header", "footer") and any(
            str(above.tag).lower() in _CONTENT_TAGS for above in ancestors[index + 1 :]
        ):
            continue
        if tag in _CHROME_TAGS or role in _CHROME_ROLES:
            return True
        names = [*(element.get("class") or "").split(), element.get("id") or ""]
        if any(name and _CHROME_NAME.search(name) for name in names):
            return True
    return False
