"""A small, seeded generator of wire stories that read like MENAFN copy.

Every story has a valid wire ID (``MENAFN`` + DDMMYYYY + 12-digit provider code
+ ``ID`` + 10-digit article number), a unique title, five to nine paragraphs of
prose built from sentence templates and, often, a subheading. The same seed
always gives the same corpus; 5,000 stories take well under a second.
"""

import random
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from wirewatch.core.wire_id import WireId

DEFAULT_END_DATE = date(2025, 11, 17)
FIRST_ARTICLE_NUMBER = 1110300000

PROVIDERS: dict[str, str] = {
    "MENAFN": "000045017169",
    "Jordan Times": "000116011006",
    "Kuwait News Agency (KUNA)": "000098011006",
    "PR Newswire": "000179011006",
    "Gulf Times": "000069011006",
    "Emirates News Agency (WAM)": "000156011006",
    "Trend News Agency": "000187011006",
    "EIN Presswire": "000224011006",
    "The Peninsula": "000063011006",
    "Times of Oman": "000212011006",
}

_COUNTRIES = (
    "Jordan", "Kuwait", "Qatar", "Oman", "Bahrain", "Saudi Arabia", "the UAE", "Egypt",
    "Morocco", "Azerbaijan", "Kazakhstan", "Turkiye", "Iraq", "Lebanon", "Tunisia", "Pakistan",
)  # fmt: skip
_CITIES = (
    "Amman", "Kuwait City", "Doha", "Muscat", "Manama", "Riyadh", "Dubai", "Abu Dhabi",
    "Cairo", "Casablanca", "Baku", "Astana", "Istanbul", "Baghdad", "Beirut", "Tunis",
)  # fmt: skip
_SECTORS = (
    "energy", "logistics", "tourism", "banking", "real estate", "telecommunications",
    "renewable power", "petrochemicals", "agriculture", "fintech", "aviation", "healthcare",
    "water desalination", "manufacturing", "mining", "shipping",
)  # fmt: skip
_ORGS = (
    "the Central Bank", "the Ministry of Finance", "the Chamber of Commerce",
    "the Investment Authority", "the Ministry of Economy", "the Stock Exchange",
    "the Statistics Authority", "the Ports Corporation", "the Energy Regulatory Commission",
    "the Sovereign Wealth Fund", "the Ministry of Foreign Affairs", "the Tourism Board",
)  # fmt: skip
_PEOPLE = (
    "Minister Khalid Al-Mansouri", "Governor Layla Haddad", "Chairman Omar Farouk",
    "spokesperson Rania Saleh", "chief executive Tariq Nasser", "economist Dina Youssef",
    "Deputy Minister Yusuf Karimov", "analyst Samir Aziz", "director Huda Al-Rashid",
    "Ambassador Farid Mammadov", "Secretary-General Nadia Bakr", "President Hamad Al-Thani",
)  # fmt: skip
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_TITLES = (
    "{country} {Sector} Exports Rise {pct} Percent in {month}",
    "{City} Hosts Regional Forum on {Sector} Investment",
    "{Org} Unveils {amount} Plan to Boost {Sector} Sector",
    "{country} and {country2} Sign {Sector} Cooperation Agreement",
    "{Sector} Output in {country} Climbs to {year} High",
    "{City} Stock Market Closes {pct} Percent Higher on {Sector} Gains",
    "{country} Inflation Eases to {pct} Percent in {month}",
    "New {Sector} Project Worth {amount} Launched in {City}",
    "{country} Expects {Sector} Growth of {pct} Percent Next Year",
    "{Org} Reports {pct} Percent Jump in {Sector} Lending",
    "{country} Tourism Arrivals Up {pct} Percent, Says {Org}",
    "{City} Port Handles Record Volumes as {Sector} Trade Expands",
)  # fmt: skip

_LEADS = (
    "{Org} of {country} said on {weekday} that {sector} activity grew by {pct} percent in "
    "{month}, the strongest pace recorded since {year}.",
    "{country} announced on {weekday} a package worth {amount} to support the {sector} sector, "
    "according to a statement issued in {city}.",
    "Officials in {city} on {weekday} outlined plans to expand {sector} capacity, citing "
    "rising demand across the region and a {pct} percent increase in orders.",
    "The {sector} sector in {country} posted a {pct} percent rise in revenues during {month}, "
    "{Org2} said in a report released on {weekday}.",
)
_SENTENCES = (
    "{Person} told reporters that the figures reflect sustained confidence among investors.",
    "The {amount} programme will be rolled out in three phases over the coming years.",
    "Analysts in {city} said the outlook depends on energy prices and global interest rates.",
    "Trade between {country} and {country2} reached {amount} in the first nine months of the year.",
    "{Person} noted that private sector participation had doubled since {year}.",
    "The report added that {sector} employment rose by {pct} percent compared with a year earlier.",
    "Authorities expect the new measures to attract further foreign direct investment.",
    "Several regional banks have already pledged financing for the first projects.",
    "\u201cWe are building on a solid foundation,\u201d {Person} said at the event in {city}.",
    "The announcement follows talks held in {city} earlier this month.",
    "{Org2} said it would publish detailed figures for the {sector} sector in {month}.",
    "Exports to {country2} accounted for nearly {pct} percent of the total.",
    "Officials said the plan was aligned with the country\u2019s long-term economic vision.",
    "Delegations from {country2} and {country} discussed ways to simplify customs procedures.",
    "Market participants welcomed the decision, which had been widely expected.",
    "The project is expected to create about {jobs} jobs once fully operational.",
    "{Person} added that digital services would play a larger role in the {sector} industry.",
    "Earlier this year, {Org2} revised its growth forecast up by {pct} percentage points.",
)
_SUBHEADINGS = (
    "Regional outlook", "Market reaction", "Background", "Next steps", "Investment pipeline",
    "What analysts say", "Trade figures", "Financing",
)  # fmt: skip
_EDITS = (
    "Update: {Org2} later revised the figure, saying final data would be released next week.",
    "Correction: an earlier version misstated the date of the talks held in {city}.",
    "Update: {Person} confirmed on {weekday} that the first phase had been approved.",
)

_SLUG_JUNK = re.compile(r"[^A-Za-z0-9]+")


@dataclass(frozen=True)
class Story:
    """One generated story; ``paragraphs`` include subheadings (their indices in ``subheadings``).

    ``number`` is the article number of the wire ID; stories without one
    (``has_wire_id`` false) use it only as an identity. ``wrong_dateline`` stories
    show a stale default dateline on the wire site, as real syndication templates
    sometimes do.
    """

    number: int
    provider: str
    provider_code: str
    title: str
    paragraphs: tuple[str, ...]
    subheadings: frozenset[int]
    published_at: datetime
    has_wire_id: bool = True
    wrong_dateline: bool = False
    revision: int = 1

    @property
    def wire_date(self) -> date:
        return self.published_at.date()

    @property
    def wire_id(self) -> str | None:
        if not self.has_wire_id:
            return None
        return WireId.from_parts(self.wire_date, self.provider_code, self.number).text

    @property
    def slug(self) -> str:
        """``Oil-Prices-Climb-as-Supply-Concerns-Mount``: the menafn.com address style."""
        return _SLUG_JUNK.sub("-", self.title).strip("-")

    def edited(self, rng: random.Random) -> "Story":
        """The next revision: one more paragraph at the end, as wires issue updates."""
        extra = _fill(rng.choice(_EDITS), _slots(rng))
        return replace(self, paragraphs=(*self.paragraphs, extra), revision=self.revision + 1)


class StoryFactory:
    """Makes stories one at a time from one seeded random stream, with unique titles."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)
        self._titles: set[str] = set()
        self._next_number = FIRST_ARTICLE_NUMBER + self._rng.randrange(1000)

    @property
    def rng(self) -> random.Random:
        return self._rng

    def make(self, published_at: datetime, *, wire: bool = True) -> Story:
        rng = self._rng
        self._next_number += rng.randrange(3, 40)
        provider = rng.choice(tuple(PROVIDERS)) if wire else ""
        slots = _slots(rng)
        title = self._unique_title(slots)
        paragraphs, subheadings = _paragraphs(rng, slots)
        return Story(
            number=self._next_number,
            provider=provider,
            provider_code=PROVIDERS.get(provider, ""),
            title=title,
            paragraphs=paragraphs,
            subheadings=subheadings,
            published_at=published_at,
            has_wire_id=wire,
        )

    def _unique_title(self, slots: dict[str, str]) -> str:
        for _ in range(50):
            title = _fill(self._rng.choice(_TITLES), slots)
            if title not in self._titles:
                break
            slots = _slots(self._rng)
        else:
            title = f"{title} ({len(self._titles)})"
        self._titles.add(title)
        return title


def generate_stories(
    n: int, seed: int = 0, end_date: date = DEFAULT_END_DATE, *, per_day: int = 40
) -> tuple[list[Story], StoryFactory]:
    """``n`` wire stories, newest first, about ``per_day`` a day ending on ``end_date``.

    Returns the factory too, so later stories (``SampleWeb.advance``) continue the
    same random stream and article numbering.
    """
    factory = StoryFactory(seed)
    stories = []
    for index in range(n):
        day = end_date - timedelta(days=(n - 1 - index) // per_day)
        minute = factory.rng.randrange(6 * 60, 22 * 60)
        published = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=UTC)
        stories.append(factory.make(published))
    stories.sort(key=lambda story: (story.published_at, story.number), reverse=True)
    return stories, factory


def _slots(rng: random.Random) -> dict[str, str]:
    country, country2 = rng.sample(_COUNTRIES, 2)
    org, org2 = rng.sample(_ORGS, 2)
    sector = rng.choice(_SECTORS)
    return {
        "country": country,
        "country2": country2,
        "city": rng.choice(_CITIES),
        "City": rng.choice(_CITIES),
        "sector": sector,
        "Sector": sector.title(),
        "org": org,
        "Org": org[0].upper() + org[1:],
        "Org2": org2[0].upper() + org2[1:],
        "Person": rng.choice(_PEOPLE),
        "pct": f"{rng.randrange(11, 399) / 10:.1f}",
        "amount": f"${rng.randrange(12, 950)} million",
        "month": rng.choice(_MONTHS),
        "weekday": rng.choice(_WEEKDAYS),
        "year": str(rng.randrange(2009, 2024)),
        "jobs": f"{rng.randrange(2, 90) * 100:,}",
    }


def _fill(template: str, slots: dict[str, str]) -> str:
    text = template.format(**slots)
    return text[0].upper() + text[1:]


def _paragraphs(
    rng: random.Random, slots: dict[str, str]
) -> tuple[tuple[str, ...], frozenset[int]]:
    count = rng.randrange(5, 9)
    sentences = rng.sample(_SENTENCES, k=min(len(_SENTENCES), 2 * count))
    paragraphs = [_fill(rng.choice(_LEADS), slots)]
    for index in range(1, count):
        size = 1 + (index % 2)
        chunk = sentences[2 * index - 2 : 2 * index - 2 + size]
        paragraphs.append(
            " ".join(_fill(s, _slots(rng) | {"country": slots["country"]}) for s in chunk)
        )
    subheadings: frozenset[int] = frozenset()
    if rng.random() < 0.6:
        at = rng.randrange(2, count)
        paragraphs.insert(at, rng.choice(_SUBHEADINGS))
        subheadings = frozenset({at})
    return tuple(paragraphs), subheadings
