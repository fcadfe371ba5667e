"""The other addresses an article page names for itself: ``rel=canonical`` and ``rel=amphtml``.

Read with a regular expression from the page's ``<head>`` (the first 64 KiB at
most), not a parse: extraction parses the page, and discovery must not pay for
a second tree per story. An address counts when it is a web address on the
source's sites, other than the page's own, and could be a story's (not the
site's root, a section, tag or author page: a site that points every page's
canonical at its home page must not make that a story's address).
"""

import html
import re
from collections.abc import Sequence
from urllib.parse import urljoin, urlsplit

from wirewatch.core.urls import canonicalise_url, on_site
from wirewatch.crawler.discover.addresses import never_a_story, section_like

HEAD_BYTES = 64 * 1024
_LINK = re.compile(rb"<link\s[^>]*>", re.IGNORECASE)
_NAMED = re.compile(rb"canonical|amphtml", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([A-Za-z][\w:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_HEAD_END = re.compile(rb"</head\s*>|<body\b", re.IGNORECASE)
_RELS = frozenset({"canonical", "amphtml"})


def alternate_addresses(
    body: bytes, url: str, allowed_domains: Sequence[str], encoding: str = "utf-8"
) -> list[str]:
    """The page's canonical and AMP addresses that are other addresses of its story."""
    head = body[:HEAD_BYTES]
    end = _HEAD_END.search(head)
    if end is not None:
        head = head[: end.start()]
    try:
        own = canonicalise_url(url)
    except ValueError:
        return []
    found: list[str] = []
    for link in _LINK.finditer(head):
        if not _NAMED.search(link.group()):
            continue
        tag = link.group().decode(encoding or "utf-8", "replace")
        attributes = {
            name.lower(): html.unescape(next((v for v in values if v), "")).strip()
            for name, *values in _ATTRIBUTE.findall(tag[5:])
        }
        if not _RELS & set(attributes.get("rel", "").lower().split()):
            continue
        href = attributes.get("href", "")
        if not href:
            continue
        try:
            address = urljoin(url, href)
            canonical = canonicalise_url(address)
        except ValueError:
            continue
        if (
            urlsplit(address).scheme in ("http", "https")
            and canonical != own
            and canonical not in found
            and on_site(address, allowed_domains)
            and not never_a_story(address)
            and not section_like(address)
        ):
            found.append(canonical)
    return found
