"""The headline, without the site suffix a ``<title>`` usually carries.

Candidates, best first: JSON-LD ``headline``, ``og:title``, ``twitter:title``, the
first ``<h1>``, the ``<title>``. A trailing ``| MENAFN.COM`` or ``- Gulf Business
Wire`` is removed when it names the site (its ``og:site_name``, JSON-LD
publisher, host name) or looks like a site name (MENAFN, a domain, a word such as
Wire, News, Times); a headline's own dashes are left alone.
"""

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from lxml import etree

from wirewatch.crawler.extract.document import PageMetadata, json_ld_value, select_elements
from wirewatch.crawler.extract.paragraphs import normalise_paragraph

_SUFFIX = re.compile(
    r"^(?P<head>.+)\s+(?:[|\-\u2013\u2014:\u00bb\u2022]|::)\s+(?P<site>[^|]{1,60})$"
)
_PREFIX = re.compile(r"^(?P<site>[^|:]{1,40}?)\s+(?:\||::|\u00bb)\s+(?P<head>.+)$")
# What both need, found without backtracking: a separator between white space.
_SEPARATOR = re.compile(r"\s(?:[|\-\u2013\u2014:\u00bb\u2022]|::)\s")
# The word boundaries stand outside the alternatives: most positions fail them at once.
_SITE_WORDS = re.compile(
    r"(?i)(?:menafn|\.(?:com|net|org|ae|example)\b|"
    r"\b(?:wire|news|times|press|post|gazette|herald|tribune|daily|online|agency)\b)"
)
_MAX_TITLE_CHARS = 400
# Positional: libxml2 stops at the first <h1> instead of walking past a long menu.
_FIRST_HEADING = etree.XPath("body/descendant::h1[1]")


def find_title(metadata: PageMetadata, root: etree._Element, url: str) -> str:
    """The page's headline, or "" when it has none."""
    for candidate in _candidates(metadata, root):
        if not candidate:
            continue
        title = normalise_paragraph(candidate)
        if _SEPARATOR.search(title) and (_SUFFIX.match(title) or _PREFIX.match(title)):
            title = strip_site_suffix(title, _site_names(metadata, url))
        if title:
            return title[:_MAX_TITLE_CHARS]
    return ""


def _candidates(metadata: PageMetadata, root: etree._Element) -> Iterator[str]:
    """Headline candidates, best first, computed only as far as needed."""
    yield json_ld_value(metadata, "headline") or ""
    yield metadata.meta.get("og:title", "")
    yield metadata.meta.get("twitter:title", "")
    for heading in select_elements(_FIRST_HEADING, root):
        yield etree.tostring(heading, method="text", encoding="unicode", with_tail=False)
    yield metadata.title_tag


def strip_site_suffix(title: str, sites: frozenset[str] = frozenset()) -> str:
    """``Headline | Site`` -> ``Headline`` when ``Site`` names or looks like a site.

    Old templates put the site first (``Site :: Headline``); that is removed too.
    """
    while _SEPARATOR.search(title):
        for pattern in (_SUFFIX, _PREFIX):
            match = pattern.match(title)
            if match is not None and _is_site(match["site"].strip(), sites):
                title = match["head"].strip()
                break
        else:
            return title
    return title


def _is_site(name: str, sites: frozenset[str]) -> bool:
    return name.lower() in sites or bool(_SITE_WORDS.search(name))


def _site_names(metadata: PageMetadata, url: str) -> frozenset[str]:
    names = {metadata.meta.get("og:site_name", ""), metadata.meta.get("application-name", "")}
    for obj in metadata.json_ld:
        publisher = obj.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            names.add(publisher["name"])
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    names.update({host, host.split(".")[0]})
    return frozenset(name.strip().lower() for name in names if name.strip())
