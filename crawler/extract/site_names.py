"""Site names learnt from the titles of one host: the state a crawl passes to ``extract``.

A wire site may title every page ``Headline :: Levant Ledger`` without declaring
its name anywhere (no ``og:site_name``, no JSON-LD, a host name unlike it). What
gives the name away is that many titles of the host share it. ``SiteNames``
keeps, per host, how many distinct titles each prefix and suffix (set off by a
title separator) was seen on; one seen on ``MIN_TITLES`` of them, and on at
least half of the host's titles, is the site's name, and ``extract`` strips it
from that host's later titles. A prefix counts only after ``|``, ``::``, ``»``
or ``•``: after a dash or colon it is as often the headline's own first words
(``Oil: Prices Rise``).

Extraction stays pure: the caller (the crawl's extraction pipeline) owns this
state and hands ``names(host)`` to ``extract``. Memory is bounded: at most
``MAX_HOSTS`` hosts and ``MAX_AFFIXES`` affixes per host are counted.
"""

import re
from collections import Counter

from wirewatch.core.text import TITLE_SEPARATORS

MIN_TITLES = 3
MAX_HOSTS = 2_000
MAX_AFFIXES = 500
_MAX_AFFIX_CHARS = 60
_MIN_HEADLINE_WORDS = 3
_SPLIT = re.compile(r"\s+(" + TITLE_SEPARATORS + r")\s+")
_WEAK_SEPARATORS = frozenset({"-", "\u2013", "\u2014", ":"})


def title_affixes(title: str) -> tuple[str, ...]:
    """The first and last parts of a title set off by a separator, lower-cased.

    A part is a candidate only when it is short (a name, not a sentence) and
    what remains of the title is headline-sized.
    """
    pieces = _SPLIT.split(title)
    parts, separators = pieces[0::2], pieces[1::2]
    if len(parts) < 2:
        return ()
    found = []
    candidates = [(parts[-1], parts[:-1])]
    if separators[0] not in _WEAK_SEPARATORS:
        candidates.insert(0, (parts[0], parts[1:]))
    for affix, rest in candidates:
        name = " ".join(affix.split()).lower()
        headline_words = sum(len(part.split()) for part in rest)
        if name and len(name) <= _MAX_AFFIX_CHARS and headline_words >= _MIN_HEADLINE_WORDS:
            found.append(name)
    return tuple(dict.fromkeys(found))


class SiteNames:
    """Per host, the affixes its titles share; not thread-safe (one extraction pipeline)."""

    def __init__(self) -> None:
        self._counts: dict[str, Counter[str]] = {}
        self._titles: dict[str, set[str]] = {}
        self._learnt: dict[str, frozenset[str]] = {}

    def names(self, host: str) -> frozenset[str]:
        """The site names learnt for ``host`` so far (lower-cased)."""
        return self._learnt.get(host, frozenset())

    def observe(self, host: str, title: str) -> None:
        """Count a stored title's affixes (each distinct title once)."""
        affixes = title_affixes(title)
        if not affixes:
            return
        counts = self._counts.get(host)
        if counts is None:
            if len(self._counts) >= MAX_HOSTS:
                return
            counts = self._counts[host] = Counter()
            self._titles[host] = set()
        titles = self._titles[host]
        if title in titles or len(titles) >= MAX_AFFIXES:
            return
        titles.add(title)
        for affix in affixes:
            if affix in counts or len(counts) < MAX_AFFIXES:
                counts[affix] += 1
        learnt = {
            affix
            for affix, seen in counts.items()
            if seen >= MIN_TITLES and seen * 2 >= len(titles)
        }
        if learnt:
            self._learnt[host] = self.names(host) | learnt
