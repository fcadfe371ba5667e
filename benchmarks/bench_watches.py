"""What matching watches at store time costs ``storage.store_batch``.

For SQLite and PostgreSQL, stores N new stories (3 KB bodies) in batches of
100 (the crawl's default ``batch_size``) into tables already holding P stories,
without watches and with W watches (default 50: words, phrases, OR, exclusions,
prefixes, provider filters; each story matches a few of them), alternating the
two in each repeat. Prints the median stories/s of each and their ratio; the
target is a slowdown of at most 20%.

    python benchmarks/bench_watches.py            # 5,000 stories, 50,000 preloaded, 5 repeats
    python benchmarks/bench_watches.py --quick    # 1,000 stories, 10,000 preloaded, 3 repeats

PostgreSQL: ``--postgres URL`` (default the CI server); a scratch database is
created and dropped. ``--postgres ''`` skips it.
"""

import argparse
import random
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_upsert import (
    DEFAULT_POSTGRES,
    baseline_insert,
    batches,
    make_sightings,
    postgres_database,
    remove_above,
    sqlite_database,
    timed,
)

from wirewatch.core.config import WatchConfig
from wirewatch.core.record import ArticleRecord
from wirewatch.core.wire_id import WireId
from wirewatch.storage.engine import Engine, make_engine
from wirewatch.storage.matching import WatchRule, watch_rules
from wirewatch.storage.migrate import upgrade
from wirewatch.storage.models import articles, watch_matches
from wirewatch.storage.upsert import Sighting, store_batch

COUNTRIES = [
    "Jordan", "Kuwait", "Qatar", "Oman", "Bahrain", "Egypt", "Morocco", "Azerbaijan",
    "Kazakhstan", "Turkiye", "Iraq", "Lebanon", "Tunisia", "Pakistan", "Algeria", "Libya",
]  # fmt: skip
SECTORS = [
    "logistics", "tourism", "banking", "petrochemicals", "agriculture", "fintech", "aviation",
    "healthcare", "desalination", "manufacturing", "mining", "shipping", "telecoms", "cement",
]  # fmt: skip
PROVIDERS = ["MENAFN", "Jordan Times", "Gulf Times", "KUNA", "WAM", "Trend"]
BATCH = 100


@dataclass(frozen=True)
class Sizes:
    stories: int
    preload: int
    repeats: int


FULL = Sizes(stories=5_000, preload=50_000, repeats=5)
QUICK = Sizes(stories=1_000, preload=10_000, repeats=3)


def topical(sightings: Sequence[Sighting], seed: int) -> list[Sighting]:
    """The stories with a country and a sector in the title and lead, and varied providers."""
    rng = random.Random(seed)
    out = []
    for s in sightings:
        country, sector = rng.choice(COUNTRIES), rng.choice(SECTORS)
        record = s.record
        lead = f"{country} {sector} output grew, officials in {country} said."
        number = record.wire.article_number if record.wire else 0
        provider = rng.choice(PROVIDERS)
        changed = ArticleRecord(
            canonical_url=record.canonical_url,
            title=f"{country} {sector}: {record.title}",
            paragraphs=(lead, *record.paragraphs),
            provider=provider,
            published_at=record.published_at,
            published_precision=record.published_precision,
            language=record.language,
            wire=WireId.from_parts(date(2025, 11, 17), "000045017169", number),
        )
        assert changed.content_hash and changed.body  # warm the caches
        out.append(replace(s, record=changed))
    return out


def watches(count: int, seed: int = 7) -> tuple[WatchRule, ...]:
    """``count`` watches in the query language's various forms."""
    rng = random.Random(seed)
    forms: list[Callable[[], dict[str, object]]] = [
        lambda: {"query": f"{rng.choice(COUNTRIES)} {rng.choice(SECTORS)}"},
        lambda: {"query": f'"{rng.choice(COUNTRIES)} {rng.choice(SECTORS)}"'},
        lambda: {
            "query": f"{rng.choice(COUNTRIES)} ({rng.choice(SECTORS)} OR {rng.choice(SECTORS)})"
            f" -{rng.choice(SECTORS)}"
        },
        lambda: {"query": f"{rng.choice(SECTORS)[:5]}* {rng.choice(COUNTRIES)}"},
        lambda: {"query": rng.choice(COUNTRIES), "providers": [rng.choice(PROVIDERS)]},
        lambda: {
            "query": f"{rng.choice(SECTORS)} -{rng.choice(COUNTRIES)}",
            "on": ["new", "revised"],
        },
    ]
    configs = [
        WatchConfig.model_validate({"name": f"watch-{i}", **forms[i % len(forms)]()})
        for i in range(count)
    ]
    return watch_rules(configs)


def store_all(engine: Engine, stories: Sequence[Sighting], rules: Sequence[WatchRule]) -> None:
    for batch in batches(stories, BATCH):
        store_batch(engine, batch, rules)


def measure(url: str, sizes: Sizes, count: int) -> dict[str, float]:
    engine = make_engine(url)
    upgrade(engine)
    for chunk in range(0, sizes.preload, 10_000):
        size = min(10_000, sizes.preload - chunk)
        preload = topical(make_sightings(10_000_000 + chunk, size, seed=chunk), seed=chunk)
        baseline_insert(engine, preload, 2_000)
    with engine.connect() as connection:
        watermark = int(
            connection.execute(select(func.coalesce(func.max(articles.c.id), 0))).scalar_one()
        )
    stories = topical(make_sightings(1, sizes.stories, seed=1), seed=1)
    rules = watches(count)
    rates: dict[str, list[float]] = {"none": [], "watches": []}
    matched = 0
    for _ in range(sizes.repeats):
        for name, chosen in (("none", ()), ("watches", rules)):
            seconds = timed(lambda chosen=chosen: store_all(engine, stories, chosen))  # type: ignore[misc]
            rates[name].append(sizes.stories / seconds)
            with engine.connect() as connection:
                matched = max(
                    matched,
                    int(
                        connection.execute(
                            select(func.count()).select_from(watch_matches)
                        ).scalar_one()
                    ),
                )
            remove_above(engine, watermark)
    engine.dispose()
    print(f"    {matched:,} matches for {sizes.stories:,} stories with {count} watches")
    return {name: statistics.median(values) for name, values in rates.items()}


def run(database: str, open_database: Callable[[], object], sizes: Sizes, count: int) -> None:
    with open_database() as url:  # type: ignore[attr-defined]
        rates = measure(url, sizes, count)
    ratio = rates["watches"] / rates["none"]
    print(
        f"{database:<10} without watches {rates['none']:>8,.0f}/s   with {count} "
        f"{rates['watches']:>8,.0f}/s   ratio {ratio:5.0%}   slowdown {1 / ratio - 1:+.0%}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="server URL ('' to skip)")
    parser.add_argument("--watches", type=int, default=50, help="how many watches (default 50)")
    parser.add_argument("--repeats", type=int, help="override the number of repeats")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    if args.repeats:
        sizes = Sizes(sizes.stories, sizes.preload, args.repeats)
    print(
        f"{sizes.stories:,} new stories per run, batches of {BATCH}, median of "
        f"{sizes.repeats}; {sizes.preload:,} stored before"
    )
    run("sqlite", sqlite_database, sizes, args.watches)
    if args.postgres:
        run("postgresql", lambda: postgres_database(args.postgres), sizes, args.watches)


if __name__ == "__main__":
    main()
