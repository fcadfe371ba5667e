"""Upsert throughput of ``storage.store_batch`` beside a plain executemany baseline.

For SQLite and PostgreSQL, stores N stories (3 KB bodies, one address each) in
batches, into empty tables and into tables already holding P stories, and times
the same rows written by a plain ``executemany`` INSERT (explicit ids, no
conflict handling; full-text index and triggers included) in the same run.
Prints stories per second (median of the repeats) and the ratio to the baseline.

    python benchmarks/bench_upsert.py            # 20,000 stories, 200,000 preloaded
    python benchmarks/bench_upsert.py --quick    # 2,000 stories, 20,000 preloaded

PostgreSQL: ``--postgres URL`` (default the CI server); a scratch database is
created and dropped. ``--postgres ''`` skips it.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, delete, func, insert, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wirewatch.core.record import ArticleRecord, Precision
from wirewatch.core.wire_id import WireId
from wirewatch.storage.engine import make_engine
from wirewatch.storage.migrate import upgrade
from wirewatch.storage.models import article_urls, articles
from wirewatch.storage.upsert import Sighting, address_row, article_row, store_batch

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WORDS = [
    "market",
    "shares",
    "oil",
    "rates",
    "bank",
    "growth",
    "trade",
    "port",
    "export",
    "minister",
    "council",
    "energy",
    "investment",
    "quarter",
    "profit",
    "revenue",
    "emirate",
    "kingdom",
    "capital",
    "fund",
    "solar",
    "project",
]
T0 = datetime(2025, 11, 17, 12, tzinfo=UTC)


@dataclass(frozen=True)
class Sizes:
    stories: int
    preload: int
    batch: int
    repeats: int


FULL = Sizes(stories=20_000, preload=200_000, batch=500, repeats=3)
QUICK = Sizes(stories=2_000, preload=20_000, batch=500, repeats=2)


def make_sightings(first: int, count: int, seed: int) -> list[Sighting]:
    """``count`` distinct stories numbered from ``first``, with ~3 KB bodies."""
    rng = random.Random(seed)
    sightings = []
    for number in range(first, first + count):
        paragraphs = tuple(
            " ".join(rng.choices(WORDS, k=90)).capitalize() + f" Ref {number}-{i}."
            for i in range(5)
        )
        record = ArticleRecord(
            canonical_url=f"https://menafn.com/{number}/story-{number}",
            title=f"Story {number}: " + " ".join(rng.choices(WORDS, k=8)),
            paragraphs=paragraphs,
            provider="MENAFN",
            published_at=T0 - timedelta(minutes=number % 10_000),
            published_precision=Precision.DATETIME,
            language="en",
            wire=WireId.from_parts(date(2025, 11, 17), "000045017169", number),
        )
        assert record.content_hash and record.body and record.word_count  # warm the caches
        sightings.append(Sighting(record, "bench", T0))
    return sightings


def batches(items: Sequence[Sighting], size: int) -> Iterator[Sequence[Sighting]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def baseline_insert(engine: Engine, sightings: Sequence[Sighting], size: int) -> None:
    """Plain executemany INSERTs with explicit ids: what the database costs without upserts."""
    with engine.connect() as connection:
        next_id = (
            int(connection.execute(select(func.coalesce(func.max(articles.c.id), 0))).scalar_one())
            + 1
        )
    for batch in batches(sightings, size):
        ids = range(next_id, next_id + len(batch))
        next_id += len(batch)
        with engine.begin() as connection:
            connection.execute(
                insert(articles),
                [{"id": i, **article_row(s)} for i, s in zip(ids, batch, strict=True)],
            )
            connection.execute(
                insert(article_urls), [address_row(s, i) for i, s in zip(ids, batch, strict=True)]
            )
    if engine.dialect.name == "postgresql":
        _advance_sequences(engine)


def _advance_sequences(engine: Engine) -> None:
    """Explicit ids leave PostgreSQL's sequences behind; move them past the rows."""
    with engine.begin() as connection:
        for table in ("articles", "article_urls"):
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
            )


def upsert(engine: Engine, sightings: Sequence[Sighting], size: int) -> None:
    for batch in batches(sightings, size):
        store_batch(engine, batch)


def remove_above(engine: Engine, watermark: int) -> None:
    """Drop the stories a measured run added, so every run starts from the same tables."""
    with engine.begin() as connection:
        connection.execute(delete(article_urls).where(article_urls.c.article_id > watermark))
        connection.execute(delete(articles).where(articles.c.id > watermark))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE articles, article_urls"))


def timed(action: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="wirewatch-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"


@contextmanager
def postgres_database(server: str) -> Iterator[str]:
    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    name = f"wirewatch_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def measure(url: str, sizes: Sizes, preload: int) -> dict[str, float]:
    """Median stories/s of the baseline and of store_batch on one database."""
    engine = make_engine(url)
    upgrade(engine)
    if preload:
        started = time.perf_counter()
        for chunk in range(0, preload, 20_000):
            count = min(20_000, preload - chunk)
            baseline_insert(engine, make_sightings(10_000_000 + chunk, count, seed=chunk), 2_000)
        print(f"    preloaded {preload:,} stories in {time.perf_counter() - started:.0f}s")
    with engine.connect() as connection:
        watermark = int(
            connection.execute(select(func.coalesce(func.max(articles.c.id), 0))).scalar_one()
        )
    stories = make_sightings(1, sizes.stories, seed=1)
    rates: dict[str, list[float]] = {"baseline": [], "store_batch": []}
    for _ in range(sizes.repeats):
        for name, method in (("baseline", baseline_insert), ("store_batch", upsert)):
            seconds = timed(lambda method=method: method(engine, stories, sizes.batch))  # type: ignore[misc]
            rates[name].append(sizes.stories / seconds)
            remove_above(engine, watermark)
    engine.dispose()
    return {name: statistics.median(values) for name, values in rates.items()}


def report(database: str, scenario: str, rates: dict[str, float]) -> None:
    ratio = rates["store_batch"] / rates["baseline"]
    print(
        f"{database:<10} {scenario:<16} baseline {rates['baseline']:>9,.0f}/s   "
        f"store_batch {rates['store_batch']:>9,.0f}/s   ratio {ratio:5.0%}"
    )


def run(database: str, open_database: Callable[[], object], sizes: Sizes) -> None:
    results = {}
    for scenario, preload in (("empty", 0), (f"{sizes.preload:,} stored", sizes.preload)):
        with open_database() as url:  # type: ignore[attr-defined]
            results[scenario] = measure(url, sizes, preload)
        report(database, scenario, results[scenario])
    empty, full = (results[s]["store_batch"] for s in results)
    print(f"{database:<10} slowdown with preloaded tables: {empty / full:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="server URL ('' to skip)")
    parser.add_argument("--repeats", type=int, help="override the number of repeats")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    if args.repeats:
        sizes = Sizes(sizes.stories, sizes.preload, sizes.batch, args.repeats)
    print(
        f"{sizes.stories:,} stories per run, batches of {sizes.batch}, "
        f"median of {sizes.repeats}; preload {sizes.preload:,}"
    )
    run("sqlite", sqlite_database, sizes)
    if args.postgres:
        run("postgresql", lambda: postgres_database(args.postgres), sizes)


if __name__ == "__main__":
    main()
