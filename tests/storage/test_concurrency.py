"""Two OS processes storing the same 1,000 stories at once: no duplicates, no errors."""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest
from sqlalchemy import func, select
from storage_factory import migrated_engine, write_stories

from wirewatch.storage.models import article_urls, articles

STORIES = 1_000


@pytest.mark.slow
def test_two_processes_store_the_same_stories_once(database_url: str) -> None:
    engine = migrated_engine(database_url)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        futures = [
            pool.submit(write_stories, database_url, STORIES, 100, reverse)
            for reverse in (False, True)
        ]
        outcomes = [future.result(timeout=240) for future in futures]

    assert [len(o) for o in outcomes] == [STORIES, STORIES]
    every = outcomes[0] + outcomes[1]
    assert every.count("new") == STORIES, "each story must be new to exactly one writer"
    assert every.count("unchanged") == STORIES
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(articles)).scalar() == STORIES
        distinct = select(func.count(func.distinct(articles.c.wire_id)))
        assert connection.execute(distinct).scalar() == STORIES
        urls = select(func.count()).select_from(article_urls)
        assert connection.execute(urls).scalar() == STORIES
    engine.dispose()
