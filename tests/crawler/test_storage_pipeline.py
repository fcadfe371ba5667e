"""The storage pipeline: batches by size, counts outcomes per flush, rejects the one page the
database refuses, holds items back while a write waits, and fails the run when writes fail for good."""

import asyncio
import sqlite3
import time

from scrapy.utils.test import get_crawler
from sqlalchemy import Engine, create_engine, text

from tests.factories import T0, article_number, fetched_page, make_record
from wirewatch.core.record import Rejection, RejectReason
from wirewatch.crawler.database import dispose_engines
from wirewatch.crawler.items import Extracted, NotModified
from wirewatch.crawler.pipelines.store import StoragePipeline
from wirewatch.crawler.spiders.source import SourceSpider
from wirewatch.storage.ledger import start_run
from wirewatch.storage.models import RunTrigger


def page(number: int) -> Extracted:
    """Story ``number`` as the wire site serves it, extracted."""
    url = f"http://127.0.0.1:8000/{article_number(number)}/Story-{number}"
    record = make_record(number, url=url, published_at=T0)
    fetched = fetched_page(url, headers={"etag": f'"{number}"'})
    return Extracted(fetched, record)


def stored_articles(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM articles")).scalar_one())


def pipeline_for(
    url: str, run_id: int, batch_size: int = 2, batch_seconds: float = 60
) -> StoragePipeline:
    crawler = get_crawler(
        SourceSpider,
        {
            "WIREWATCH_DATABASE_URL": url,
            "WIREWATCH_RUN_ID": run_id,
            "WIREWATCH_SOURCE": "wire",
            "WIREWATCH_BATCH_SIZE": batch_size,
            "WIREWATCH_BATCH_SECONDS": batch_seconds,
        },
    )
    crawler._apply_settings()
    return StoragePipeline.from_crawler(crawler)


def test_records_rejections_and_304s_are_stored_and_counted_in_the_run(
    sqlite_url: str, sqlite_engine: Engine
) -> None:
    run_id = start_run(sqlite_engine, "wire", RunTrigger.MANUAL)
    pipeline = pipeline_for(sqlite_url, run_id)
    items = [
        page(1),
        page(2),
        page(3),
        Rejection("http://127.0.0.1:8000/x", RejectReason.HTTP_ERROR, "HTTP 404", 404),
        NotModified(page(1).page.url, "wire", T0),
    ]

    async def feed() -> None:
        await pipeline.open_spider()
        for item in items:
            await pipeline.process_item(item)
        await pipeline.close_spider()

    asyncio.run(feed())

    with sqlite_engine.connect() as connection:
        counts = connection.execute(
            text("SELECT articles_new, articles_unchanged, pages_rejected FROM crawl_runs")
        ).one()
        rejected = connection.execute(text("SELECT url, http_status FROM rejected_pages")).all()
    assert (counts.articles_new, counts.articles_unchanged, counts.pages_rejected) == (3, 1, 1)
    assert [(r.url, r.http_status) for r in rejected] == [("http://127.0.0.1:8000/x", 404)]
    assert pipeline.error is None
    dispose_engines()


def test_a_batch_that_fails_for_good_fails_the_run_and_keeps_what_was_committed(
    sqlite_url: str, sqlite_engine: Engine
) -> None:
    run_id = start_run(sqlite_engine, "wire", RunTrigger.MANUAL)
    pipeline = pipeline_for(sqlite_url, run_id)

    async def feed() -> None:
        await pipeline.open_spider()
        await pipeline.process_item(page(1))
        await pipeline.process_item(page(2))
        with create_engine(sqlite_url).begin() as connection:
            connection.execute(text("DROP TABLE article_revisions"))
            connection.execute(text("ALTER TABLE articles RENAME TO articles_gone"))
        await pipeline.process_item(page(3))
        await pipeline.process_item(page(4))
        await pipeline.close_spider()

    asyncio.run(feed())

    assert pipeline.error == "storage failed (store): OperationalError: no such table: articles"
    assert pipeline.crawler.stats is not None
    assert pipeline.crawler.stats.get_value("wirewatch/storage_error") == pipeline.error
    with sqlite_engine.connect() as connection:
        kept = connection.execute(text("SELECT count(*) FROM articles_gone")).scalar_one()
    assert kept == 2
    dispose_engines()


def test_a_timed_flush_under_way_when_the_crawl_closes_is_finished_and_counted(
    sqlite_url: str, sqlite_engine: Engine
) -> None:
    run_id = start_run(sqlite_engine, "wire", RunTrigger.MANUAL)
    pipeline = pipeline_for(sqlite_url, run_id, batch_size=100, batch_seconds=0.05)
    other_writer = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    interleaved: list[bool] = []

    async def feed() -> None:
        await pipeline.open_spider()
        for number in (1, 2, 3):
            await pipeline.process_item(page(number))
        await pipeline.process_item(
            Rejection("http://127.0.0.1:8000/x", RejectReason.HTTP_ERROR, "HTTP 404", 404)
        )
        other_writer.execute("BEGIN IMMEDIATE")  # the timed flush waits on the file's lock
        deadline = time.monotonic() + 30
        while not pipeline._lock.locked():
            assert time.monotonic() < deadline, "no timed flush started"
            await asyncio.sleep(0.01)
        closing = asyncio.create_task(pipeline.close_spider())
        await asyncio.sleep(0.2)  # the crawl closes while that flush is still writing
        # The close is under way, waiting for the flush, which has stored nothing yet.
        interleaved.append(not closing.done() and pipeline._lock.locked())
        interleaved.append(stored_articles(sqlite_engine) == 0)
        other_writer.execute("ROLLBACK")
        await closing

    asyncio.run(feed())
    other_writer.close()

    with sqlite_engine.connect() as connection:
        counts = connection.execute(
            text("SELECT articles_new, pages_rejected FROM crawl_runs")
        ).one()
        rejected = connection.execute(text("SELECT count(*) FROM rejected_pages")).scalar_one()
    assert interleaved == [True, True], "the flush was not under way when the crawl closed"
    assert (counts.articles_new, counts.pages_rejected) == (3, 1)
    assert rejected == 1
    assert pipeline.totals.articles_new == 3
    dispose_engines()


def title(number: int) -> str:
    return make_record(number).title


REFUSED = (title(3), title(6))

REFUSING_TRIGGER = {
    "sqlite": [
        "CREATE TRIGGER refuse_some BEFORE INSERT ON articles"
        f" WHEN NEW.title IN {REFUSED!r}"
        " BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_some() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        f" IF NEW.title IN {REFUSED!r} THEN RAISE EXCEPTION 'refused by the test trigger'"
        " USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER refuse_some BEFORE INSERT ON articles"
        " FOR EACH ROW EXECUTE FUNCTION refuse_some()",
    ],
}


def test_pages_the_database_refuses_become_storage_errors_and_the_rest_of_the_batch_is_stored(
    database_url: str, migrated_engine: Engine
) -> None:
    engine = migrated_engine
    with engine.begin() as connection:
        for statement in REFUSING_TRIGGER[engine.dialect.name]:
            connection.execute(text(statement))
    run_id = start_run(engine, "wire", RunTrigger.MANUAL)
    pipeline = pipeline_for(database_url, run_id, batch_size=8)
    numbers = range(1, 9)
    not_found = Rejection("http://127.0.0.1:8000/x", RejectReason.HTTP_ERROR, "HTTP 404", 404)

    async def feed() -> None:
        await pipeline.open_spider()
        await pipeline.process_item(not_found)
        for number in numbers:
            await pipeline.process_item(page(number))
        await pipeline.close_spider()

    asyncio.run(feed())

    with engine.connect() as connection:
        titles = connection.execute(text("SELECT title FROM articles")).scalars()
        rejected = connection.execute(
            text("SELECT url, reason, detail FROM rejected_pages ORDER BY url")
        ).all()
        counts = connection.execute(
            text("SELECT articles_new, pages_rejected FROM crawl_runs")
        ).one()
    assert pipeline.error is None
    assert sorted(titles) == sorted(title(n) for n in numbers if title(n) not in REFUSED)
    assert [(r.url, r.reason) for r in rejected] == sorted(
        [(not_found.url, "http_error")] + [(page(n).page.url, "storage_error") for n in (3, 6)]
    )
    details = [r.detail for r in rejected if r.reason == "storage_error"]
    assert len(details) == 2
    assert all(d.startswith("the database refused it: ") for d in details)
    assert all(d.endswith(": refused by the test trigger") for d in details)
    assert (counts.articles_new, counts.pages_rejected) == (6, 3)
    assert pipeline.crawler.stats is not None
    assert pipeline.crawler.stats.get_value("wirewatch/rejections/storage_error") == 2
    dispose_engines()


def test_while_a_write_waits_for_the_database_at_most_one_batch_more_is_held(
    sqlite_url: str, sqlite_engine: Engine
) -> None:
    run_id = start_run(sqlite_engine, "wire", RunTrigger.MANUAL)
    pipeline = pipeline_for(sqlite_url, run_id, batch_size=3)
    other_writer = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    pending: list[int] = []

    async def feed() -> None:
        await pipeline.open_spider()
        other_writer.execute("BEGIN IMMEDIATE")  # the first flush waits on the file's lock
        # As Scrapy does: items of many responses go through the pipeline at once.
        items = [asyncio.create_task(pipeline.process_item(page(n))) for n in range(1, 21)]
        deadline = time.monotonic() + 30
        while not pipeline._lock.locked():
            assert time.monotonic() < deadline, "no flush started"
            await asyncio.sleep(0.01)
        for _ in range(20):
            await asyncio.sleep(0.01)
            pending.append(len(pipeline._batch))
        other_writer.execute("ROLLBACK")
        await asyncio.gather(*items)
        await pipeline.close_spider()

    asyncio.run(feed())
    other_writer.close()

    assert max(pending) == 3, pending
    assert stored_articles(sqlite_engine) == 20
    with sqlite_engine.connect() as connection:
        new = connection.execute(text("SELECT articles_new FROM crawl_runs")).scalar_one()
    assert new == 20
    dispose_engines()
