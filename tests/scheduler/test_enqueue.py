"""The leader's enqueuer in process: due sources batched into one statement, jobs published.

A real PostgreSQL database and the machine's Redis (a queue of the test's own);
the enqueuer runs on an event loop of the test, as the daemon runs it.
"""

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

from tests.scheduler.brokers import free_port, redis_url_for, settings, unique_queue
from tests.scheduler.helpers import Source, all_runs, write_config
from wirewatch.core.config import load_config
from wirewatch.scheduler.broker import queue_depth
from wirewatch.scheduler.enqueue import Enqueuer
from wirewatch.scheduler.snapshot import LoadedConfig
from wirewatch.storage.engine import make_engine
from wirewatch.storage.models import RunStatus

pytestmark = [pytest.mark.postgres]

SOURCES = [f"s{n:02d}" for n in range(30)]


def enqueuer_for(folder: Path, database: str, engine: Engine, broker: str, queue: str) -> Enqueuer:
    listed = [Source(name, [f"http://127.0.2.1:9/{name}"], "every 1m") for name in SOURCES]
    path = write_config(folder / "wirewatch.toml", database, listed, settings(broker, queue))
    loaded = LoadedConfig(load_config(path), path.read_bytes())
    return Enqueuer(engine, lambda: (loaded, None))


@pytest.fixture
def enqueuer(tmp_path: Path, postgres_url: str, postgres_engine: Engine) -> Iterator[Enqueuer]:
    queue = unique_queue()
    enqueuer = enqueuer_for(tmp_path, postgres_url, postgres_engine, redis_url_for(queue), queue)
    yield enqueuer
    with enqueuer.app.connection_for_write() as connection:
        connection.default_channel.queue_delete(queue)
    enqueuer.close()


@pytest.fixture
def run_inserts(postgres_engine: Engine) -> Iterator[list[str]]:
    """The statements that insert ``crawl_runs`` rows, as the engine sends them."""
    sent: list[str] = []

    def record(*args: Any) -> None:
        statement = args[2]
        if statement.lstrip().upper().startswith("INSERT INTO CRAWL_RUNS"):
            sent.append(statement)

    event.listen(postgres_engine, "before_cursor_execute", record)
    yield sent
    event.remove(postgres_engine, "before_cursor_execute", record)


async def come_due(enqueuer: Enqueuer, sources: list[str]) -> None:
    """The scheduler starts the jobs of the sources due in one wake-up; wait for them all."""
    await asyncio.gather(*(enqueuer.run(source) for source in sources))


def test_sources_due_together_get_their_runs_in_one_statement_and_a_job_each(
    enqueuer: Enqueuer, postgres_engine: Engine, run_inserts: list[str]
) -> None:
    asyncio.run(come_due(enqueuer, SOURCES))

    assert len(run_inserts) == 1
    runs = all_runs(postgres_engine)
    assert sorted(row.source for row in runs) == SOURCES
    assert {row.status for row in runs} == {RunStatus.QUEUED}
    assert enqueuer.counts.enqueued == len(SOURCES)
    assert queue_depth(enqueuer.app, enqueuer.queue) == len(SOURCES)


def test_a_batch_coalesces_the_sources_whose_run_is_still_in_flight(
    enqueuer: Enqueuer, postgres_engine: Engine, run_inserts: list[str]
) -> None:
    asyncio.run(come_due(enqueuer, SOURCES[:10]))
    asyncio.run(come_due(enqueuer, SOURCES))

    assert len(run_inserts) == 2
    assert len(all_runs(postgres_engine)) == len(SOURCES)
    assert enqueuer.counts.coalesced == 10
    assert enqueuer.counts.enqueued == len(SOURCES)
    assert queue_depth(enqueuer.app, enqueuer.queue) == len(SOURCES)


def test_a_source_no_longer_configured_is_skipped_and_the_rest_of_its_batch_queued(
    enqueuer: Enqueuer, postgres_engine: Engine
) -> None:
    asyncio.run(come_due(enqueuer, ["gone", *SOURCES[:3]]))

    assert sorted(row.source for row in all_runs(postgres_engine)) == SOURCES[:3]
    assert enqueuer.counts.enqueued == 3


def test_a_broker_that_refuses_the_jobs_fails_every_run_of_the_batch_with_the_reason(
    tmp_path: Path, postgres_url: str, postgres_engine: Engine
) -> None:
    broker = f"redis://127.0.0.1:{free_port()}/0"
    enqueuer = enqueuer_for(tmp_path, postgres_url, postgres_engine, broker, unique_queue())
    try:
        asyncio.run(come_due(enqueuer, SOURCES[:4]))
    finally:
        enqueuer.close()

    runs = all_runs(postgres_engine)
    assert len(runs) == 4
    assert {row.status for row in runs} == {RunStatus.FAILED}
    assert all(f"broker {broker} unreachable" in (row.error or "") for row in runs)
    assert enqueuer.counts.not_enqueued == 4


def test_a_database_that_cannot_record_the_runs_is_logged_once_for_the_batch(
    tmp_path: Path, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    gone = make_url(postgres_url).set(port=free_port()).render_as_string(hide_password=False)
    engine = make_engine(gone, connect_args={"connect_timeout": 2})
    queue = unique_queue()
    enqueuer = enqueuer_for(tmp_path, postgres_url, engine, redis_url_for(queue), queue)
    try:
        with caplog.at_level(logging.ERROR, logger="wirewatch.scheduler.enqueue"):
            asyncio.run(come_due(enqueuer, SOURCES[:8]))  # no job raises
    finally:
        enqueuer.close()
        engine.dispose()

    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].startswith("could not queue the runs of 8 due sources (s00, s01, s02")
    assert enqueuer.counts.enqueued == enqueuer.counts.coalesced == 0
