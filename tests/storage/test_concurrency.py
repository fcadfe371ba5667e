"""Two OS processes storing the same 1,000 stories at once: no duplicates, no errors.

The writers meet at a barrier before every batch and then store the same stories
(in opposite orders), so each batch is a race for the same keys; the test checks
from the times each writer spent in ``store_batch`` that the batches did overlap.
"""

import multiprocessing
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

import pytest
from sqlalchemy import Engine, func, select

from tests.factories import make_record, sighting
from wirewatch.storage.engine import make_engine
from wirewatch.storage.models import article_urls, articles
from wirewatch.storage.upsert import store_batch

STORIES = 1_000
BATCH = 100
BARRIER_TIMEOUT = 120

Window = tuple[float, float]
"""When a writer entered and left one ``store_batch`` call (``time.monotonic``)."""


def write_stories(
    url: str, batches: list[list[int]], barrier: Barrier, results: "Queue[object]"
) -> None:
    """Child process: store each batch after meeting the other writer at ``barrier``.

    Puts ``(outcomes, windows)`` on ``results``, or the error that stopped it.
    """
    engine = make_engine(url)
    outcomes: list[str] = []
    windows: list[Window] = []
    try:
        for numbers in batches:
            sightings = [sighting(make_record(n)) for n in numbers]
            barrier.wait(BARRIER_TIMEOUT)
            entered = time.monotonic()
            stored = store_batch(engine, sightings)
            windows.append((entered, time.monotonic()))
            outcomes += [str(result.outcome) for result in stored]
    except BaseException as exc:
        barrier.abort()
        results.put(f"{type(exc).__name__}: {exc}")
        raise
    finally:
        engine.dispose()
    results.put((outcomes, windows))


def overlap(first: Window, second: Window) -> bool:
    return first[0] < second[1] and second[0] < first[1]


@pytest.mark.slow
def test_two_processes_store_the_same_stories_once(
    database_url: str, migrated_engine: Engine
) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results: Queue[object] = context.Queue()
    batches = [list(range(start, start + BATCH)) for start in range(0, STORIES, BATCH)]
    reversed_batches = [list(reversed(batch)) for batch in batches]
    writers = [
        context.Process(target=write_stories, args=(database_url, order, barrier, results))
        for order in (batches, reversed_batches)
    ]
    for writer in writers:
        writer.start()
    try:
        reports = [results.get(timeout=240) for _ in writers]
    finally:
        for writer in writers:
            writer.join(30)
            if writer.is_alive():
                writer.kill()
    finished = [report for report in reports if isinstance(report, tuple)]
    assert len(finished) == len(writers), reports
    (outcomes, windows), (other_outcomes, other_windows) = finished

    raced = [overlap(a, b) for a, b in zip(windows, other_windows, strict=True)]
    assert any(raced), "the writers never stored a batch at the same time"
    assert [len(outcomes), len(other_outcomes)] == [STORIES, STORIES]
    every = outcomes + other_outcomes
    assert every.count("new") == STORIES, "each story must be new to exactly one writer"
    assert every.count("unchanged") == STORIES
    with migrated_engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(articles)).scalar()
        distinct = select(func.count(func.distinct(articles.c.wire_id)))
        assert stored == STORIES
        assert connection.execute(distinct).scalar() == STORIES
        urls = select(func.count()).select_from(article_urls)
        assert connection.execute(urls).scalar() == STORIES
