"""Page language as ISO 639-1 (``en-GB`` -> ``en``), from the page's own declarations."""

import re
from functools import lru_cache

_PRIMARY = re.compile(r"\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*$")
_THREE_TO_TWO = {
    "eng": "en",
    "ara": "ar",
    "fra": "fr",
    "fre": "fr",
    "deu": "de",
    "ger": "de",
    "spa": "es",
    "tur": "tr",
    "fas": "fa",
    "per": "fa",
    "rus": "ru",
    "urd": "ur",
}


def normalise_language(value: str | None) -> str | None:
    """``en-GB``/``en_US``/``EN``/``eng`` -> ``en``; None when it is not a language tag."""
    if not value:
        return None
    return _primary_language(value)


@lru_cache(maxsize=256)
def _primary_language(value: str) -> str | None:
    """Cached: a site states the same few tags on every page."""
    match = _PRIMARY.match(value)
    if match is None:
        return None
    primary = match.group(1).lower()
    if len(primary) == 2:
        return primary
    return _THREE_TO_TWO.get(primary)


def first_language(*candidates: str | None) -> str | None:
    """The first candidate that normalises to a language code."""
    for candidate in candidates:
        language = normalise_language(candidate)
        if language:
            return language
    return None
