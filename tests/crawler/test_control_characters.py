"""A page carrying NUL and other control characters costs no other page, on either database.

The hostile wire puts ``\\x00\\x1b`` in one page's ``ETag`` header and JSON-LD
headline. PostgreSQL refuses NUL in text, which used to fail the whole batch and
the run. Every story must be stored, the poisoned one with its text cleaned.
"""

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.cli import run_wirewatch
from tests.crawler.hostile_wire import POISON, HostileWire, poisoned_headline

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_a_page_with_nul_in_its_etag_and_headline_is_stored_clean_with_every_other_page(
    database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = str(request.getfixturevalue(f"{database}_url"))
    with HostileWire(stories=12, poisoned=[5]) as site:
        config = site.write_config(tmp_path / "wirewatch.toml", url, batch_size=100)
        result = run_wirewatch("crawl", config=config)
        first_fetches = len(site.article_requests())
        again = run_wirewatch("crawl", config=config)
        refetched = site.article_requests()[first_fetches:]

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    (poisoned,) = [story for story in site.stories if story.number in site.poisoned]
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            titles = dict(connection.execute(text("SELECT wire_id, title FROM articles")).all())
            etags = dict(connection.execute(text("SELECT url, etag FROM article_urls")).all())
            run = connection.execute(
                text(
                    "SELECT status, articles_new, pages_rejected, error FROM crawl_runs"
                    " ORDER BY id LIMIT 1"
                )
            ).one()
            rejected = connection.execute(text("SELECT count(*) FROM rejected_pages")).scalar_one()
    finally:
        engine.dispose()
    assert titles.keys() == {story.wire_id for story in site.stories}
    assert titles[poisoned.wire_id] == poisoned_headline(poisoned).replace(POISON, "")
    assert etags[site.url_of(poisoned)] == f'"{poisoned.number}"'
    assert not any(c in value for value in titles.values() for c in POISON)
    assert tuple(run) == ("succeeded", 12, 0, None)
    assert rejected == 0
    assert again.returncode == 0, again.stdout + again.stderr
    assert refetched == [], "stored pages were fetched again on the next run"
