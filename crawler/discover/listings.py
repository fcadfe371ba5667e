"""HTML listing pages: the article links they carry and the way to the next page.

Article links are found with Scrapy's ``LinkExtractor`` (within the allowed
domains) and kept when their address looks like one story: a slug of at least
three hyphenated words (``/2025/11/gold-steadies-ahead-of-fed-minutes.html``)
or a long number followed by more path (menafn.com's ``/1110354612/Slug``).
Navigation, section and pagination links rarely look like that; what slips
through is rejected by extraction as ``not_an_article``.
"""

import re
from collections.abc import Sequence
from urllib.parse import urljoin, urlsplit

from scrapy.http import TextResponse
from scrapy.linkextractors import LinkExtractor

from wirewatch.core.urls import on_site

_SLUG_WORD = re.compile(r"[A-Za-z0-9]+")
_EXTENSION = re.compile(r"\.(html?|aspx?|php|shtml)$", re.IGNORECASE)
_NUMBER = re.compile(r"^\d{5,}$")
_NEXT_TEXT = re.compile(
    r"^\s*(next|next page|older|older posts|older stories|more stories|»|›|→|>|>>)"
    r"\s*(»|›|→|>|>>)?\s*$",
    re.IGNORECASE,
)
_MIN_SLUG_WORDS = 3


def is_article_address(url: str) -> bool:
    """Whether an address looks like a single story rather than a section or a page of them."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if not segments:
        return False
    for index, segment in enumerate(segments[:-1]):
        if _NUMBER.match(segment) and index + 1 < len(segments):
            return True
    last = _EXTENSION.sub("", segments[-1])
    words = [w for w in last.split("-") if _SLUG_WORD.fullmatch(w)]
    return len(words) >= _MIN_SLUG_WORDS and any(not w.isdigit() for w in words)


def article_links(response: TextResponse, allowed_domains: Sequence[str]) -> list[str]:
    """Absolute addresses of the stories a listing page links to, in page order, once each."""
    extractor = LinkExtractor(unique=True)
    skip = {response.url, *next_pages(response)}
    return [
        link.url
        for link in extractor.extract_links(response)
        if link.url not in skip
        and is_article_address(link.url)
        and host_allowed(link.url, allowed_domains)
    ]


def host_allowed(url: str, allowed_domains: Sequence[str]) -> bool:
    """Whether ``url`` is on one of the source's sites (no domains: any).

    A domain covers its subdomains; one that names a port (``127.0.0.1:8080``)
    covers that port alone, one without covers every port (``on_site``).
    ``LinkExtractor(allow_domains=...)`` compares whole network locations, so
    the comparison is made here.
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
