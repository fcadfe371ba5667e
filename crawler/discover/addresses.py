"""What an address says about the page behind it: one story, or a page of them.

Only a signal: a listing keeps a link for what the link is (``crawler.discover.
listings``), and an address alone decides only at its extremes. Story shapes
(``story_shape``): a slug of at least three hyphenated words
(``/2025/11/gold-steadies-ahead-of-fed-minutes.html``), a long number followed
by more path (menafn.com's ``/1110354612/Slug``), a number that ends the path
(``/news/12345``, ``/story/en/29989``, ``/12345.html``), a date path followed by
a name (``/2025/11/17/budget``), or a numeric identifier in the query
(``story.php?id=123``, ``article.aspx?ArticleID=123``, ``/?p=123``).
Never a story (``never_a_story``): the site's root, tag, author, category and
topic pages, account, search, contact and legal pages, feeds, and pagination
(``/page/2``, ``?page=2``) without a story identifier.
"""

import re
from urllib.parse import parse_qsl, urlsplit

_SLUG_WORD = re.compile(r"[^\W_]+")
_EXTENSION = re.compile(r"\.(html?|aspx?|php\d?|shtml|jsp|cfm|asp)$", re.IGNORECASE)
_LONG_NUMBER = re.compile(r"^\d{5,}$")
_ENDING_NUMBER = re.compile(r"^\d{3,}$")
_YEAR = re.compile(r"^(19|20)\d\d$")
_DATE_SEGMENT = re.compile(r"^(19|20)\d\d-\d\d(-\d\d)?$")
_MONTH_OR_DAY = re.compile(r"^\d\d?$")
_MIN_SLUG_WORDS = 3
_MIN_ID_DIGITS = 2

_STORY_ID_KEYS = frozenset({"p", "n", "no", "nid", "sid", "aid", "id", "story", "article", "post"})
"""Query keys whose numeric value names one story (besides any key ending in ``id``)."""
_LISTING_KEYS = frozenset(
    {"page", "paged", "cat", "catid", "category", "categoryid", "tag", "tagid", "tags",
     "section", "sectionid", "author", "authorid", "s", "q", "search", "query", "sort"}
)  # fmt: skip
"""Query keys of listings, searches and pagination: never a story's identifier."""
_NEVER_STORY_SEGMENTS = frozenset(
    {"tag", "tags", "author", "authors", "writer", "writers", "columnist", "columnists",
     "topic", "topics", "category", "categories", "login", "logout", "register", "signup",
     "signin", "account", "profile", "user", "users", "search", "subscribe", "subscription",
     "newsletter", "newsletters", "contact", "contact-us", "about", "about-us", "privacy",
     "privacy-policy", "terms", "cookies", "feed", "feeds", "rss", "page", "sitemap"}
)  # fmt: skip
"""Path segments that make an address a navigation page, wherever they stand in its path."""


def story_shape(url: str) -> bool:
    """Whether the address is shaped like one story's (see the module docstring)."""
    parts = urlsplit(url)
    if _story_id(parts.query):
        return True
    segments = _segments(parts.path)
    if not segments:
        return False
    for index, segment in enumerate(segments[:-1]):
        if _LONG_NUMBER.match(segment) and index + 1 < len(segments):
            return True
    last = _EXTENSION.sub("", segments[-1])
    if _ENDING_NUMBER.match(last) and not _YEAR.match(last):
        return True
    if _dated(segments[:-1]) and not last.isdigit():
        return True
    words = [w for w in re.split(r"[-_]", last) if _SLUG_WORD.fullmatch(w)]
    return len(words) >= _MIN_SLUG_WORDS and any(not w.isdigit() for w in words)


def never_a_story(url: str) -> bool:
    """Whether the address is one of a site's own pages rather than a story's."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return True
    segments = [_EXTENSION.sub("", s).lower() for s in _segments(parts.path)]
    if any(segment in _NEVER_STORY_SEGMENTS for segment in segments):
        return True
    query = _pairs(parts.query)
    if not segments and not query:
        return True
    return not _story_id(parts.query) and any(key in _LISTING_KEYS for key, _ in query)


def section_like(url: str) -> bool:
    """A short path of one- or two-word names and no query (``/news/``, ``/business/markets``).

    What a site's sections look like; a story rarely does, but may (a listing
    keeps such a link when it reads like a headline in a block of stories).
    """
    parts = urlsplit(url)
    if parts.query:
        return False
    segments = _segments(parts.path)
    return 0 < len(segments) <= 2 and all(
        not any(c.isdigit() for c in s) and len(re.split(r"[-_]", s)) <= 2 for s in segments
    )


def _story_id(query: str) -> bool:
    for key, value in _pairs(query):
        if key in _LISTING_KEYS or not value.isdigit() or len(value) < _MIN_ID_DIGITS:
            continue
        if key in _STORY_ID_KEYS or key.endswith("id"):
            return True
    return False


def _pairs(query: str) -> list[tuple[str, str]]:
    return [(k.lower(), v) for k, v in parse_qsl(query, keep_blank_values=True)]


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def _dated(segments: list[str]) -> bool:
    """Whether the path holds a date: ``2025/11``, ``2025/11/17`` or ``2025-11-17``."""
    for index, segment in enumerate(segments):
        if _DATE_SEGMENT.match(segment):
            return True
        if _YEAR.match(segment) and index + 1 < len(segments):
            return bool(_MONTH_OR_DAY.match(segments[index + 1]))
    return False
