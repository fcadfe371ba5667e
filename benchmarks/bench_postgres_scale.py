"""Downstream queries and writes on a PostgreSQL database of a million stories.

Builds the database once (or reuses it with ``--reuse``), then prints, for
every query the scale issue lists, the server-side execution time (``EXPLAIN
ANALYZE`` of the exact statements wirewatch sends, median of warm runs, and the
first run with the buffers it had to read), the disk the search machinery
takes, and ``store_batch``'s rate on that database beside its rate on an empty
one.

The build: the bulk by SQL (``INSERT ... SELECT`` from a pool of generated
sentences, secondary indexes dropped first and rebuilt after, as any bulk load
does), the last ``--tail`` stories through ``store_batch`` in batches of 100.
Stories: ~3 KB bodies, 40 providers (one with 8% of the stories), 1.3
addresses each, one in 18 with an earlier revision, two years of dates (0.5%
undated); a word in almost every story (``the``), a common word (``oil``, ~10%),
a phrase of two common words (``"oil prices"``) and a rare word (``quokka``, one
story in 40,000); and words in 0.5, 1, 2 and 4% of the stories, picked from a
sample (``ts_stat``), which no one index serves well cold.

    python benchmarks/bench_postgres_scale.py --quick             # 20,000 stories, a minute
    nice python benchmarks/bench_postgres_scale.py --build-only   # 1,000,000: about an hour
    python benchmarks/bench_postgres_scale.py --reuse             # measure the built database

The database is its own (``--database``, default ``wirewatch_bench``, or
``wirewatch_bench_quick`` with ``--quick``) on the server ``--postgres``; it is
dropped and rebuilt unless ``--reuse`` finds it built at the same size. A
scratch database ``<name>_empty`` gives the empty-table rate and is dropped.
Cold runs: with ``--drop-caches`` (root on the database host) the kernel's page
cache is dropped before each first run; PostgreSQL's own shared buffers cannot
be emptied without a restart, so the first run's ``read`` buffer count says how
much of it came from outside them. ``--restart-server COMMAND`` restarts the
server too before each query's first run (truly cold: nothing cached anywhere).
"""

import argparse
import json
import random
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wirewatch.core.record import ArticleRecord, Precision
from wirewatch.core.wire_id import WireId
from wirewatch.storage.addresses import lookup_addresses, lookup_numbered_addresses
from wirewatch.storage.engine import make_engine
from wirewatch.storage.migrate import upgrade
from wirewatch.storage.queries import ArticleFilter, get_article, list_articles
from wirewatch.storage.upsert import Sighting, store_batch

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
END = datetime(2026, 12, 1, tzinfo=UTC)
"""The newest story's date; the others go back two years from it."""
SPAN = timedelta(days=730)
FIRST_NUMBER = 1_100_000_000
SENTENCES = 4_000
SENTENCES_PER_STORY = 20
VOCABULARY = 8_000
BATCH = 100
PROVIDERS = ["Jordan Times", *(f"Provider {i:02d}" for i in range(1, 40))]
BIG_PROVIDER_SHARE = 0.08
RARE_EVERY = 40_000


@dataclass(frozen=True)
class Sizes:
    stories: int
    tail: int
    writes: int
    """Stories stored (twice) to compare store_batch on the empty and the full database."""


def sentence_pool(seed: int = 42) -> list[str]:
    """Sentences of Zipf-distributed made-up words, plus the benchmark's chosen words."""
    rng = random.Random(seed)
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    words: list[str] = []
    seen = set()
    while len(words) < VOCABULARY:
        word = "".join(rng.choices(syllables, k=rng.choice((2, 2, 3, 3, 4))))
        if word not in seen:
            seen.add(word)
            words.append(word)
    words[0] = "the"
    words[40] = "prices"  # rank 41: in about a third of the stories
    words[430] = "oil"  # rank 431: in about a tenth
    weights = [1 / rank for rank in range(1, VOCABULARY + 1)]
    sentences = []
    for number in range(SENTENCES):
        chosen = rng.choices(words, weights, k=rng.randint(18, 26))
        if number % 500 == 7:
            chosen[3:3] = ["oil", "prices"]
        sentences.append(" ".join(chosen).capitalize() + ".")
    return sentences


def sentence_index(story: int, k: int) -> int:
    """Which pool sentence is sentence ``k`` of story ``story`` (the SQL computes the same)."""
    return (story * 7919 + k * 104_729 + (story * k) % 9_973) % SENTENCES


def story_parts(story: int, total: int, pool: Sequence[str]) -> dict[str, Any]:
    """Story ``story`` of ``total``: what the bulk SQL writes for it, for ``store_batch``."""
    body = " ".join(pool[sentence_index(story, k)] for k in range(1, SENTENCES_PER_STORY + 1))
    title = " ".join(pool[(story * 31) % SENTENCES].split(" ")[:8])
    if story % RARE_EVERY == 1_234:
        title += " quokka"
    published = END - (total - story) * (SPAN / total) + timedelta(seconds=story % 3_600)
    provider = PROVIDERS[0] if story % 100 < BIG_PROVIDER_SHARE * 100 else PROVIDERS[1 + story % 39]
    return {
        "title": title,
        "body": body,
        "published": None if story % 200 == 0 else published,
        "provider": provider,
    }


def make_sighting(story: int, total: int, pool: Sequence[str]) -> Sighting:
    parts = story_parts(story, total, pool)
    number = FIRST_NUMBER + story
    day = (parts["published"] or END).date()
    record = ArticleRecord(
        canonical_url=f"https://menafn.com/{number}/story-{story}",
        title=parts["title"],
        paragraphs=(parts["body"],),
        provider=parts["provider"],
        published_at=parts["published"],
        published_precision=Precision.DATETIME,
        language="en",
        wire=WireId.from_parts(day, f"{story % 1000:012d}", number),
    )
    assert record.content_hash and record.word_count  # computed before the clock starts
    return Sighting(record, "menafn-world", END)


# -- building -------------------------------------------------------------------------

BULK_ARTICLES = """
INSERT INTO articles (id, wire_id, article_number, wire_date, provider_code, provider, title,
    body, published_at, published_precision, quality_flags, language, word_count,
    content_hash, canonical_url, source, revision, first_seen_at, last_seen_at, updated_at,
    revised_at)
SELECT g, 'MENAFN' || to_char(coalesce(p.published, :end), 'DDMMYYYY')
        || lpad((g % 1000)::text, 12, '0') || 'ID' || (:first + g),
    :first + g, coalesce(p.published, :end)::date, lpad((g % 1000)::text, 12, '0'),
    CASE WHEN g % 100 < :big THEN 'Jordan Times'
         ELSE 'Provider ' || lpad((1 + g % 39)::text, 2, '0') END,
    t.title || CASE WHEN g % :rare = 1234 THEN ' quokka' ELSE '' END,
    b.body, p.published, 'datetime', '', 'en',
    array_length(regexp_split_to_array(b.body, '\\s+'), 1),
    encode(sha256(convert_to(t.title || b.body, 'UTF8')), 'hex'),
    'https://menafn.com/' || (:first + g) || '/story-' || g, 'menafn-world',
    CASE WHEN g % 18 = 0 THEN 2 ELSE 1 END, :end, :end, :end, :end
FROM generate_series(CAST(:low AS bigint), CAST(:high AS bigint)) AS g
CROSS JOIN LATERAL (
    SELECT CASE WHEN g % 200 = 0 THEN NULL ELSE
        CAST(:end AS timestamptz) - (:total - g) * (CAST(:span AS interval) / :total) + (g % 3600) * interval '1 second'
    END AS published) AS p
CROSS JOIN LATERAL (
    SELECT array_to_string((string_to_array(s.sentence, ' '))[1:8], ' ') AS title
    FROM bench_sentences s WHERE s.id = (g * 31) % :pool) AS t
CROSS JOIN LATERAL (
    SELECT string_agg(s.sentence, ' ' ORDER BY k) AS body
    FROM generate_series(1, CAST(:per_story AS integer)) AS k
    JOIN bench_sentences s ON s.id = (g * 7919 + k * 104729 + (g * k) % 9973) % :pool) AS b
"""
BULK_ADDRESSES = """
INSERT INTO article_urls (article_id, url, source, first_seen_at, last_seen_at, last_fetched_at)
SELECT id, canonical_url, source, first_seen_at, last_seen_at, last_seen_at
FROM articles WHERE id BETWEEN :low AND :high
UNION ALL
SELECT id, 'https://www.example-' || (id % 7) || '.com/' || article_number || '/story-' || id,
    'partner-' || (id % 7), first_seen_at, last_seen_at, last_seen_at
FROM articles WHERE id BETWEEN :low AND :high AND id % 10 < 3
"""
BULK_REVISIONS = """
INSERT INTO article_revisions (article_id, revision, title, body, content_hash, captured_at)
SELECT id, 1, 'Earlier: ' || title, left(body, 1500), md5(body), first_seen_at
FROM articles WHERE id BETWEEN :low AND :high AND revision = 2
"""
BUILT_MARK = "bench_built"


def admin_engine(server: str) -> Engine:
    return create_engine(make_url(server), isolation_level="AUTOCOMMIT")


def database_url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def built_size(server: str, name: str) -> int | None:
    """The number of stories the database ``name`` was fully built with, if it was."""
    admin = admin_engine(server)
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
    admin.dispose()
    if not exists:
        return None
    engine = create_engine(make_url(database_url(server, name)))
    with engine.connect() as connection:
        if connection.execute(text(f"SELECT to_regclass('{BUILT_MARK}')")).scalar() is None:
            engine.dispose()
            return None
        size = connection.execute(text(f"SELECT stories FROM {BUILT_MARK}")).scalar()
    engine.dispose()
    return int(size) if size is not None else None


def recreate(server: str, name: str) -> str:
    admin = admin_engine(server)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return database_url(server, name)


def drop(server: str, name: str) -> None:
    admin = admin_engine(server)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def step(label: str) -> Callable[[float], None]:
    print(f"  {label} ...", end="", flush=True)

    def done(started: float) -> None:
        print(f" {time.perf_counter() - started:.0f}s", flush=True)

    return done


def build(url: str, sizes: Sizes, pool: Sequence[str]) -> dict[str, float]:
    """Fill the (new, empty) database ``url``; returns store_batch figures of the tail."""
    engine = make_engine(url)
    upgrade(engine)
    bulk = sizes.stories - sizes.tail
    with engine.connect() as connection:
        connection.execute(
            text("CREATE TABLE bench_sentences (id integer PRIMARY KEY, sentence text)")
        )
        connection.execute(
            text("INSERT INTO bench_sentences VALUES (:id, :sentence)"),
            [{"id": i, "sentence": s} for i, s in enumerate(pool)],
        )
        indexes = secondary_indexes(connection)
        for name, _ in indexes:
            connection.execute(text(f"DROP INDEX {name}"))
        connection.commit()
    print(f"building {sizes.stories:,} stories: {bulk:,} by SQL, {sizes.tail:,} by store_batch")
    chunk = 50_000
    for low in range(1, bulk + 1, chunk):
        high = min(bulk, low + chunk - 1)
        started = time.perf_counter()
        done = step(f"stories {low:,}-{high:,}")
        with engine.begin() as connection:
            params = {"low": low, "high": high}
            connection.execute(text(BULK_ARTICLES), {**params, **bulk_params(sizes)})
            connection.execute(text(BULK_ADDRESSES), params)
            connection.execute(text(BULK_REVISIONS), params)
        done(started)
    with engine.connect() as connection:
        connection.execute(text("SET maintenance_work_mem = '512MB'"))
        for name, definition in indexes:
            started = time.perf_counter()
            done = step(f"index {name}")
            connection.execute(text(definition))
            connection.commit()
            done(started)
        for table in ("articles", "article_urls", "article_revisions"):
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
            )
        connection.commit()
    vacuum(engine)
    started = time.perf_counter()
    done = step(f"store_batch of the last {sizes.tail:,}")
    times = store_stories(engine, range(bulk + 1, sizes.stories + 1), sizes.stories, pool)
    done(started)
    vacuum(engine)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE TABLE {BUILT_MARK} (stories integer)"))
        connection.execute(text(f"INSERT INTO {BUILT_MARK} VALUES (:n)"), {"n": sizes.stories})
    engine.dispose()
    return batch_figures(times)


def bulk_params(sizes: Sizes) -> dict[str, Any]:
    return {
        "end": END,
        "first": FIRST_NUMBER,
        "big": int(BIG_PROVIDER_SHARE * 100),
        "rare": RARE_EVERY,
        "total": sizes.stories,
        "span": SPAN,
        "pool": SENTENCES,
        "per_story": SENTENCES_PER_STORY,
    }


def secondary_indexes(connection: Connection) -> list[tuple[str, str]]:
    """The story tables' indexes that back no constraint: dropped for the bulk, rebuilt after."""
    rows = connection.execute(
        text(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename IN ('articles', 'article_urls', 'article_revisions')
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            ORDER BY i.indexname"""
        )
    )
    return [(row.indexname, row.indexdef) for row in rows]


def vacuum(engine: Engine) -> None:
    started = time.perf_counter()
    done = step("VACUUM ANALYZE")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    done(started)


def store_stories(
    engine: Engine, stories: Sequence[int] | range, total: int, pool: Sequence[str]
) -> list[float]:
    """Store ``stories`` through ``store_batch`` in batches of 100; seconds per batch."""
    times = []
    for start in range(0, len(stories), BATCH):
        batch = [make_sighting(s, total, pool) for s in stories[start : start + BATCH]]
        started = time.perf_counter()
        store_batch(engine, batch)
        times.append(time.perf_counter() - started)
    return times


def batch_figures(times: Sequence[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "rate": BATCH * len(times) / sum(times),
        "p50_ms": 1000 * statistics.median(ordered),
        "p90_ms": 1000 * ordered[int(0.9 * (len(ordered) - 1))],
    }


# -- measuring ------------------------------------------------------------------------

WARM_RUNS = 5


@dataclass(frozen=True)
class Timing:
    warm_ms: float
    first_ms: float
    first_read: int
    """Buffers the first run read from outside PostgreSQL's cache."""
    plan: str


@contextmanager
def captured(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The (statement, parameters) pairs ``engine`` sends while the block runs."""
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", capture)


ESTIMATE = "EXPLAIN (FORMAT JSON) "
"""How wirewatch's own planner estimates begin (``storage.planner``): timed as planning."""


def explain(connection: Connection, statement: str, parameters: Any) -> tuple[float, int, str]:
    """Server-side execution time (ms), buffers read and the plan's top node of one statement;
    for wirewatch's own ``EXPLAIN`` (a planner estimate), its planning time."""
    if statement.startswith(ESTIMATE):
        estimated = connection.exec_driver_sql(
            "EXPLAIN (SUMMARY, FORMAT JSON) " + statement.removeprefix(ESTIMATE), parameters
        ).scalar_one()
        summary = estimated[0] if isinstance(estimated, list) else json.loads(estimated)[0]
        return summary["Planning Time"], 0, "estimate"
    result = connection.exec_driver_sql(
        "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters
    ).scalar_one()
    plan = result[0] if isinstance(result, list) else json.loads(result)[0]
    return (
        plan["Execution Time"],
        plan["Plan"].get("Shared Read Blocks", 0),
        node_names(plan["Plan"]),
    )


def node_names(plan: dict[str, Any]) -> str:
    """The plan's scans, e.g. ``Index Scan ix_articles_published_order``."""
    names = []
    if "Index Name" in plan or plan["Node Type"].endswith("Scan"):
        names.append(f"{plan['Node Type']} {plan.get('Index Name', plan.get('Relation Name', ''))}")
    for child in plan.get("Plans", []):
        names.append(node_names(child))
    return ", ".join(n for n in names if n)


def drop_caches() -> bool:
    """Empty the kernel's page cache (root only; the database server must be on this host)."""
    try:
        Path("/proc/sys/vm/drop_caches").write_text("1\n")
    except OSError:
        return False
    return True


def restart_server(engine: Engine, command: str) -> None:
    """Restart the database server with ``command`` (its shared buffers empty), drop the
    kernel's page cache, and wait until the server takes connections again."""
    engine.dispose()
    subprocess.run(shlex.split(command), check=True)
    drop_caches()
    deadline = time.monotonic() + 60
    while True:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return
        except OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def time_queries(
    engine: Engine, action: Callable[[Engine], object], *, cold: bool, restart: str | None
) -> Timing:
    """Run ``action`` once to capture its statements, then time them all on the server."""
    with captured(engine) as statements:
        action(engine)
    statements = [
        (s, p)
        for s, p in statements
        if s.lstrip().upper().startswith("SELECT") or s.startswith(ESTIMATE)
    ]
    if restart:
        restart_server(engine, restart)
    with engine.connect() as connection:
        connection.execute(text("SET jit = off"))
        if cold and not restart:
            drop_caches()
        first = [explain(connection, s, p) for s, p in statements]
        runs = [sum(explain(connection, s, p)[0] for s, p in statements) for _ in range(WARM_RUNS)]
    return Timing(
        warm_ms=statistics.median(runs),
        first_ms=sum(f[0] for f in first),
        first_read=sum(f[1] for f in first),
        plan=" | ".join(f[2] for f in first),
    )


def sql(statement: str, **parameters: Any) -> Callable[[Engine], object]:
    """A query of downstream SQL (not wirewatch's code), as an action to time."""

    def run(engine: Engine) -> object:
        with engine.connect() as connection:
            return connection.execute(text(statement), parameters).all()

    return run


def query_actions(engine: Engine, total: int) -> list[tuple[str, Callable[[Engine], object]]]:
    """Every query the scale issue lists, as wirewatch (or a downstream tool) sends it."""
    depth = min(100_000, total // 2)
    with engine.connect() as connection:
        newest = connection.execute(
            text("SELECT id, wire_id, article_number FROM articles ORDER BY id DESC LIMIT 1")
        ).one()
        middle = connection.execute(
            text("SELECT id, wire_id, article_number FROM articles WHERE id = :id"),
            {"id": total // 2 + 1},
        ).one()
        deep = connection.execute(
            text(
                "SELECT id FROM articles ORDER BY published_at DESC NULLS LAST, id DESC "
                "OFFSET :skip LIMIT 1"
            ),
            {"skip": depth - 1},
        ).scalar_one()
        urls = [
            row.url
            for row in connection.execute(
                text("SELECT url FROM article_urls ORDER BY id DESC LIMIT 100 OFFSET 2000")
            )
        ]
    day = timedelta(days=1)
    numbered = [
        (url.split("/", 3)[0] + "//" + url.split("/")[2], int(url.split("/")[3])) for url in urls
    ]
    return [
        ("by wire ID", sql("SELECT * FROM articles WHERE wire_id = :w", w=middle.wire_id)),
        (
            "by article number",
            sql("SELECT * FROM articles WHERE article_number = :n", n=middle.article_number),
        ),
        ("by address", lambda e: lookup_addresses(e, [urls[0]])),
        ("show (story, addresses, revisions)", lambda e: get_article(e, str(middle.id))),
        ("since 24 h (50)", lambda e: list_articles(e, ArticleFilter(since=END - day))),
        ("crawler lookups, 100 addresses", lambda e: lookup_addresses(e, urls)),
        ("crawler lookups, 100 numbers", lambda e: lookup_numbered_addresses(e, numbered)),
        ("newest 50", lambda e: list_articles(e, ArticleFilter())),
        (
            "one provider (8%), newest 50",
            lambda e: list_articles(e, ArticleFilter(provider=PROVIDERS[0])),
        ),
        (
            f"OFFSET {depth:,} (the old way, SQL)",
            sql(
                "SELECT * FROM articles ORDER BY published_at DESC NULLS LAST, id DESC "
                "OFFSET :skip LIMIT 50",
                skip=depth,
            ),
        ),
        (
            f"--after at depth {depth:,} (keyset)",
            lambda e: list_articles(e, ArticleFilter(after=deep)),
        ),
        ("search: rare word (quokka)", lambda e: list_articles(e, ArticleFilter(search="quokka"))),
        ("search: common word (oil)", lambda e: list_articles(e, ArticleFilter(search="oil"))),
        (
            'search: phrase ("oil prices")',
            lambda e: list_articles(e, ArticleFilter(search='"oil prices"')),
        ),
        (
            "search: word in every story (the)",
            lambda e: list_articles(e, ArticleFilter(search="the")),
        ),
        (
            "search: rare word, one provider",
            lambda e: list_articles(e, ArticleFilter(search="quokka", provider=PROVIDERS[0])),
        ),
        (
            "search: common word, one provider",
            lambda e: list_articles(e, ArticleFilter(search="oil", provider=PROVIDERS[0])),
        ),
        *(
            (
                f"search: word in {share:.1%} of stories ({word})",
                lambda e, word=word: list_articles(e, ArticleFilter(search=word)),
            )
            for share, word in words_by_share(engine, MIDDLE_SHARES)
        ),
        ("daily counts per provider, 30 days (SQL)", sql(DAILY_COUNTS, since=END - 30 * day)),
        (
            "one provider's daily counts, 30 days (SQL)",
            sql(PROVIDER_DAILY_COUNTS, provider=PROVIDERS[0], since=END - 30 * day),
        ),
        ("newest story by id (sanity)", sql("SELECT * FROM articles WHERE id = :i", i=newest.id)),
    ]


MIDDLE_SHARES = (0.005, 0.01, 0.02, 0.04)
"""Words neither rare nor common: the shares of stories the benchmark looks for words in."""


def words_by_share(engine: Engine, shares: Sequence[float]) -> list[tuple[float, str]]:
    """For each share, a word in about that share of the stories (from a sample of 5,000)."""
    with engine.connect() as connection:
        total = connection.execute(text("SELECT max(id) FROM articles")).scalar_one()
        step = max(1, total // 5_000)
        counted = connection.execute(
            text(
                "SELECT word, ndoc FROM ts_stat("
                f"'SELECT search_vector FROM articles WHERE id % {step} = 0') "
                "WHERE word ~ '^[a-z]+$'"
            )
        ).all()
    sampled = total // step
    found = []
    for share in shares:
        word, ndoc = min(counted, key=lambda row: abs(row.ndoc / sampled - share))
        found.append((ndoc / sampled, word))
    return found


DAILY_COUNTS = """
SELECT provider, date_trunc('day', published_at) AS day, count(*) AS stories
FROM articles WHERE published_at >= :since
GROUP BY provider, day ORDER BY day DESC, provider
"""
PROVIDER_DAILY_COUNTS = """
SELECT date_trunc('day', published_at) AS day, count(*) AS stories
FROM articles WHERE provider = :provider AND published_at >= :since
GROUP BY day ORDER BY day DESC
"""


def measure_queries(engine: Engine, total: int, *, cold: bool, restart: str | None) -> None:
    first = (
        " after restarting the server and dropping the page cache"
        if restart
        else " after dropping the page cache"
        if cold
        else ""
    )
    print(
        f"\nqueries, server-side (EXPLAIN ANALYZE of the statements sent; warm: median of "
        f"{WARM_RUNS}; first: the first run{first}, "
        "with the 8 KB blocks it read from outside shared_buffers)"
    )
    print("| query | warm ms | first ms | blocks read | plan |\n|---|---|---|---|---|")
    for label, action in query_actions(engine, total):
        timing = time_queries(engine, action, cold=cold, restart=restart)
        print(
            f"| {label} | {timing.warm_ms:.2f} | {timing.first_ms:.2f} | {timing.first_read:,} "
            f"| {timing.plan} |",
            flush=True,
        )


def measure_disk(engine: Engine) -> None:
    with engine.connect() as connection:
        sizes = connection.execute(
            text(
                """SELECT c.relname, pg_relation_size(c.oid) AS bytes FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
                WHERE c.relname LIKE 'ix_articles%' OR c.relname IN ('articles', 'article_urls')
                ORDER BY bytes DESC"""
            )
        ).all()
        toast = connection.execute(
            text("SELECT pg_relation_size(reltoastrelid) FROM pg_class WHERE relname = 'articles'")
        ).scalar_one()
        sample = connection.execute(
            text(
                "SELECT avg(pg_column_size(search_vector))::float AS vector, "
                "avg(pg_column_size(body))::float AS body, "
                "(SELECT reltuples FROM pg_class WHERE relname = 'articles')::float AS rows "
                "FROM articles TABLESAMPLE SYSTEM (1) REPEATABLE (1)"
            )
        ).one()
        database = connection.execute(text("SELECT pg_database_size(current_database())")).scalar()
    gib = 1024**3
    print(
        f"\ndisk: database {database / gib:.2f} GiB; articles heap {_size(sizes, 'articles')}, "
        f"its TOAST {toast / gib:.2f} GiB"
    )
    print(
        f"search_vector column: {sample.vector:,.0f} bytes a story (stored, compressed), "
        f"~{sample.vector * sample.rows / gib:.2f} GiB in all; body {sample.body:,.0f} bytes a story"
    )
    for row in sizes:
        if row.relname.startswith("ix_"):
            print(f"  {row.relname}: {row.bytes / gib:.3f} GiB")


def _size(sizes: Sequence[Any], name: str) -> str:
    return next(f"{row.bytes / 1024**3:.2f} GiB" for row in sizes if row.relname == name)


def measure_writes(
    args: argparse.Namespace, engine: Engine, sizes: Sizes, pool: Sequence[str], name: str
) -> None:
    """store_batch of the same new stories into an empty database and into the full one."""
    stories = range(sizes.stories + 1, sizes.stories + sizes.writes + 1)
    figures: dict[str, list[dict[str, float]]] = {"empty": [], "full": []}
    for _round in range(2):
        empty_url = recreate(args.postgres, f"{name}_empty")
        empty = make_engine(empty_url)
        upgrade(empty)
        figures["empty"].append(batch_figures(store_stories(empty, stories, sizes.stories, pool)))
        empty.dispose()
        drop(args.postgres, f"{name}_empty")
        figures["full"].append(batch_figures(store_stories(engine, stories, sizes.stories, pool)))
        remove_stories(engine, sizes.stories)
    print(f"\nstore_batch, {sizes.writes:,} new stories in batches of {BATCH} (2 rounds, medians):")
    print("| table | stories/s | p50 ms a batch | p90 ms a batch |\n|---|---|---|---|")
    rates = {}
    for label, runs in figures.items():
        rates[label] = statistics.median(r["rate"] for r in runs)
        p50 = statistics.median(r["p50_ms"] for r in runs)
        p90 = statistics.median(r["p90_ms"] for r in runs)
        shown = "empty" if label == "empty" else f"{sizes.stories:,} stories"
        print(f"| {shown} | {rates[label]:,.0f} | {p50:.0f} | {p90:.0f} |")
    print(f"empty / full rate: {rates['empty'] / rates['full']:.2f}x (target: at most 1.5x)")


def remove_stories(engine: Engine, above: int) -> None:
    """Delete the stories a write measurement added (numbers above ``above``), then VACUUM."""
    with engine.begin() as connection:
        connection.execute(
            text("DELETE FROM articles WHERE article_number > :n"), {"n": FIRST_NUMBER + above}
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE articles, article_urls, article_revisions"))


def measure(
    args: argparse.Namespace, url: str, sizes: Sizes, pool: Sequence[str], name: str
) -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        stories = connection.execute(text("SELECT count(*) FROM articles")).scalar_one()
        settings = {
            key: connection.execute(text(f"SHOW {key}")).scalar_one()
            for key in ("shared_buffers", "work_mem", "jit", "server_version")
        }
    print(f"\n{stories:,} stories; server {settings} (jit off in the measuring sessions)")
    measure_queries(engine, sizes.stories, cold=args.drop_caches, restart=args.restart_server)
    measure_disk(engine)
    if not args.no_writes:
        measure_writes(args, engine, sizes, pool, name)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=DEFAULT_SERVER, help="any database on the server")
    parser.add_argument("--database", help="the benchmark's own database (dropped and rebuilt)")
    parser.add_argument("--stories", type=int, default=1_000_000)
    parser.add_argument("--tail", type=int, help="stories stored through store_batch (50,000)")
    parser.add_argument("--quick", action="store_true", help="20,000 stories")
    parser.add_argument("--reuse", action="store_true", help="keep a database built at this size")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--drop-caches", action="store_true", help="cold first runs (root)")
    parser.add_argument(
        "--restart-server",
        metavar="COMMAND",
        help="truly cold first runs: restart the server with COMMAND before each query "
        "(e.g. 'pg_ctlcluster 15 main restart'; root on the database host)",
    )
    parser.add_argument("--no-writes", action="store_true", help="skip the store_batch figures")
    args = parser.parse_args()
    stories = 20_000 if args.quick else args.stories
    tail = args.tail if args.tail is not None else min(50_000, stories // 10)
    sizes = Sizes(stories=stories, tail=tail, writes=1_000 if args.quick else 5_000)
    name = args.database or ("wirewatch_bench_quick" if args.quick else "wirewatch_bench")
    pool = sentence_pool()
    url = database_url(args.postgres, name)
    if args.reuse and built_size(args.postgres, name) == stories:
        print(f"reusing {name}, built with {stories:,} stories")
        build_figures = None
    else:
        started = time.perf_counter()
        build_figures = build(recreate(args.postgres, name), sizes, pool)
        print(f"built in {time.perf_counter() - started:.0f}s")
    if build_figures:
        print(
            f"store_batch while building the tail: {build_figures['rate']:,.0f} stories/s, "
            f"p50 {build_figures['p50_ms']:.0f} ms, p90 {build_figures['p90_ms']:.0f} ms a batch"
        )
    if args.build_only:
        return
    measure(args, url, sizes, pool, name)


if __name__ == "__main__":
    main()
