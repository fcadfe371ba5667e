"""The headline, without the site name a ``<title>`` usually carries.

Candidates, best first: JSON-LD ``headline``, ``og:title``, ``twitter:title``, the
first ``<h1>``, the ``<title>``. A site name before or after the headline, set
off by any of ``|``, ``-``, ``–``, ``—``, ``::``, ``»``, ``•`` or ``:``, is
removed when it names the site: its ``og:site_name``, ``application-name``, the
JSON-LD publisher or ``WebSite`` name, its host name (``Levant Ledger`` on
``levantledger.com``), a name the caller learnt from the host's other titles
(``site_names``), or the rest of the title once another candidate is found to be
the headline alone (``<title>`` ``Oil Rises :: Levant Ledger`` with ``<h1>``
``Oil Rises``). A suffix that merely looks like a site name (MENAFN, a domain, a
word such as Wire, News, Times) is removed too, but not such a prefix after a
dash or colon (``Post-war Syria: ...`` keeps its words); a headline's own dashes
are left alone.
"""

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from lxml import etree

from wirewatch.core.text import TITLE_SEPARATORS
from wirewatch.crawler.extract.document import PageMetadata, json_ld_value, select_elements
from wirewatch.crawler.extract.paragraphs import normalise_paragraph

_SEPARATORS = TITLE_SEPARATORS  # the same as storage's, which compares titles by them
_SUFFIX = re.compile(r"^(?P<head>.+)\s+" + _SEPARATORS + r"\s+(?P<site>[^|]{1,60})$")
_PREFIX = re.compile(
    r"^(?P<site>[^|:]{1,60}?)\s+(?P<separator>" + _SEPARATORS + r")\s+(?P<head>.+)$"
)
_WEAK_PREFIX_SEPARATORS = frozenset({"-", "\u2013", "\u2014", ":"})
# What both need, found without backtracking: a separator between white space.
_SEPARATOR = re.compile(r"\s" + _SEPARATORS + r"\s")
# The word boundaries stand outside the alternatives: most positions fail them at once.
_SITE_WORDS = re.compile(
    r"(?i)(?:menafn|\.(?:com|net|org|ae|example)\b|"
    r"\b(?:wire|news|times|press|post|gazette|herald|tribune|daily|online|agency)\b)"
)
_NOT_NAME_CHARACTERS = re.compile(r"[\W_]+")
_MAX_TITLE_CHARS = 400
_MAX_AFFIX_CHARS = 60
# Positional: libxml2 stops at the first <h1> instead of walking past a long menu.
_FIRST_HEADING = etree.XPath("body/descendant::h1[1]")


def find_title(
    metadata: PageMetadata, root: etree._Element, url: str, site_names: frozenset[str] = frozenset()
) -> str:
    """The page's headline, or "" when it has none.

    ``site_names``: names (lower-cased) the caller learnt for this host, stripped
    like the page's own.
    """
    candidates = _candidates(metadata, root)
    for candidate in candidates:
        if not candidate:
            continue
        title = normalise_paragraph(candidate)
        if _SEPARATOR.search(title) and (_SUFFIX.match(title) or _PREFIX.match(title)):
            names = _site_names(metadata, url) | site_names
            title = strip_site_suffix(title, names)
            if _SEPARATOR.search(title):
                title = _headline_among(title, candidates, names)
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


def _headline_among(title: str, others: Iterator[str], sites: frozenset[str]) -> str:
    """``title`` less an affix, when a later candidate is the headline alone.

    ``Oil Rises :: Levant Ledger`` with an ``<h1>`` reading ``Oil Rises``: the
    rest is the site's name. The headline must have at least the affix's words
    (more, when it ends the title), so a logo in the ``<h1>`` is not taken for it.
    """
    for other in others:
        candidate = normalise_paragraph(other) if other else ""
        if not candidate or candidate == title or _is_site(candidate, sites, strong=True):
            continue
        if title.startswith(candidate):
            affix = _affix(title[len(candidate) :], leading=True)
            if affix is not None and _words(candidate) >= _words(affix):
                return candidate
        elif title.endswith(candidate):
            affix = _affix(title[: -len(candidate)], leading=False)
            if affix is not None and _words(candidate) > _words(affix):
                return candidate
    return title


def _affix(rest: str, *, leading: bool) -> str | None:
    """What is left of a title beside the headline, when it is a separator and a short name."""
    match = re.fullmatch(
        r"\s+" + _SEPARATORS + r"\s+(.+)" if leading else r"(.+?)\s+" + _SEPARATORS + r"\s+", rest
    )
    if match is None or len(match[1]) > _MAX_AFFIX_CHARS:
        return None
    return match[1]


def _words(text: str) -> int:
    return len(text.split())


def strip_site_suffix(title: str, sites: frozenset[str] = frozenset()) -> str:
    """``Headline | Site`` -> ``Headline`` when ``Site`` names or looks like a site.

    Templates also put the site first (``Site :: Headline``, ``Site - Headline``);
    that is removed too, after a dash or colon only when ``Site`` names the site.
    """
    while _SEPARATOR.search(title):
        suffix = _SUFFIX.match(title)
        if suffix is not None and _is_site(suffix["site"].strip(), sites):
            title = suffix["head"].strip()
            continue
        prefix = _PREFIX.match(title)
        if prefix is not None:
            weak = prefix["separator"] in _WEAK_PREFIX_SEPARATORS
            if _is_site(prefix["site"].strip(), sites, strong=weak):
                title = prefix["head"].strip()
                continue
        return title
    return title


def squashed_name(name: str) -> str:
    """A site name as compared: letters and digits only, lower-cased (``Levant-Ledger.com``)."""
    return _NOT_NAME_CHARACTERS.sub("", name.lower())


def _is_site(name: str, sites: frozenset[str], *, strong: bool = False) -> bool:
    """Whether ``name`` names the site (one of ``sites``), or looks like a site name."""
    if name.lower() in sites or squashed_name(name) in sites:
        return True
    return not strong and bool(_SITE_WORDS.search(name))


def _site_names(metadata: PageMetadata, url: str) -> frozenset[str]:
    """The names the page gives its site, lower-cased and squashed, and its host's names."""
    names = {metadata.meta.get("og:site_name", ""), metadata.meta.get("application-name", "")}
    for obj in metadata.json_ld:
        names.update(_publisher_names(obj.get("publisher")))
        if obj.get("@type") == "WebSite" and isinstance(obj.get("name"), str):
            names.add(str(obj["name"]))
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    names.update({host, host.split(".")[0], host.rsplit(".", 1)[0]})
    found = {name.strip().lower() for name in names if name.strip()}
    squashed = {squashed_name(name) for name in found}
    return frozenset(found | {name for name in squashed if len(name) >= 4})


def _publisher_names(publisher: object) -> Iterator[str]:
    items = publisher if isinstance(publisher, list) else [publisher]
    for item in items[:5]:
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            yield item["name"]
