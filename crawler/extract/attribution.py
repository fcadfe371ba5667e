"""The lead attribution: ``(MENAFN)`` or ``(MENAFN- Provider Name)`` opening the first paragraph.

Spacing and the dash vary (``(MENAFN - X)``, ``(MENAFN– X)``, ``(MENAFN-X)``) and a
provider name may hold one level of parentheses itself:
``(MENAFN- Kuwait News Agency (KUNA))`` names ``Kuwait News Agency (KUNA)``.
"""

import re
from typing import NamedTuple

MENAFN_PROVIDER = "MENAFN"

ATTRIBUTION_PATTERN = re.compile(
    r"\(\s*MENAFN\s*(?:[-\u2010\u2011\u2012\u2013\u2014\u2212:]\s*"
    r"(?P<name>[^()]*(?:\([^()]*\)[^()]*)*?))?\s*\)"
)
_AT_START = re.compile(r"\s*" + ATTRIBUTION_PATTERN.pattern)


class Attribution(NamedTuple):
    """Who supplied the story, and where the attribution ends in the text it was read from."""

    provider: str
    end: int


def match_attribution(text: str) -> Attribution | None:
    """The attribution at the very start of ``text`` (leading white space allowed), or None."""
    match = _AT_START.match(text)
    if match is None:
        return None
    name = " ".join((match["name"] or "").split())
    return Attribution(provider=name or MENAFN_PROVIDER, end=match.end())


def strip_attribution(text: str) -> tuple[str | None, str]:
    """Split a paragraph into (provider or None, the text after the attribution)."""
    attribution = match_attribution(text)
    if attribution is None:
        return None, text
    rest = text[attribution.end :].lstrip(" \t\n\u00a0-\u2013\u2014:")
    return attribution.provider, rest
