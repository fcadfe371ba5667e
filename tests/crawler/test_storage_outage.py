"""The database goes away in the middle of a crawl: the crawl waits for it, within a limit.

The crawl reaches PostgreSQL through ``DatabaseProxy``, which the test cuts for a
few seconds once the first stories are stored, as a server restart would. A short
outage costs nothing; one longer than ``[crawl] storage_retry_seconds`` fails the
run with a one-line error, and no traceback reaches the terminal.
"""

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from tests.cli import DEFAULT_TIMEOUT, start_wirewatch
from tests.crawler.db_proxy import DatabaseProxy
from tests.crawler.hostile_wire import HostileWire

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

STORIES = 60


@pytest.fixture
def proxy(postgres_url: str) -> Iterator[DatabaseProxy]:
    with DatabaseProxy(postgres_url) as started:
        yield started


@pytest.fixture
def direct(postgres_url: str) -> Iterator[Engine]:
    """An engine that bypasses the proxy, for the test's own look at the database."""
    engine = create_engine(postgres_url)
    yield engine
    engine.dispose()


def crawl_with_outage(
    config: Path, proxy: DatabaseProxy, direct: Engine, *, outage: float
) -> subprocess.CompletedProcess[str]:
    """Crawl, and cut the database for ``outage`` seconds once the first stories are stored."""
    with start_wirewatch("crawl", config=config) as process:
        deadline = time.monotonic() + 60
        while scalar(direct, "SELECT count(*) FROM articles", missing=0) == 0:
            assert process.poll() is None, "the crawl ended before storing anything"
            assert time.monotonic() < deadline, "no story was stored within 60 s"
            time.sleep(0.05)
        proxy.outage(outage)
        stdout, stderr = process.communicate(timeout=DEFAULT_TIMEOUT)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def scalar(engine: Engine, sql: str, missing: Any = None) -> Any:
    """The value of a one-value query; ``missing`` while the schema does not exist yet."""
    with engine.connect() as connection:
        if not engine.dialect.has_table(connection, "articles"):
            return missing
        return connection.execute(text(sql)).scalar_one()


def run_row(engine: Engine) -> tuple[Any, ...]:
    with engine.connect() as connection:
        return tuple(
            connection.execute(
                text("SELECT status, articles_new, pages_rejected, error FROM crawl_runs")
            ).one()
        )


def test_a_three_second_database_outage_mid_crawl_loses_nothing(
    proxy: DatabaseProxy, direct: Engine, tmp_path: Path
) -> None:
    with HostileWire(stories=STORIES, page_delay=0.1) as site:
        config = site.write_config(
            tmp_path / "wirewatch.toml",
            proxy.proxied_url,
            per_host_concurrency=2,
            batch_size=5,
            batch_seconds=0.2,
        )
        result = crawl_with_outage(config, proxy, direct, outage=3)
        fetched = len(site.article_requests())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert proxy.refused > 0, "the crawl never tried the database during the outage"
    assert fetched == STORIES
    assert scalar(direct, "SELECT count(*) FROM articles") == STORIES
    assert run_row(direct) == ("succeeded", STORIES, 0, None)


def test_an_outage_longer_than_storage_retry_seconds_fails_the_run_with_one_line(
    proxy: DatabaseProxy, direct: Engine, tmp_path: Path
) -> None:
    with HostileWire(stories=STORIES, page_delay=0.1) as site:
        config = site.write_config(
            tmp_path / "wirewatch.toml",
            proxy.proxied_url,
            per_host_concurrency=2,
            batch_size=5,
            batch_seconds=0.2,
            storage_retry_seconds=2,
        )
        result = crawl_with_outage(config, proxy, direct, outage=3.5)

    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    status, stored, rejected, error = run_row(direct)
    assert status == "failed"
    assert error is not None and "\n" not in error
    assert "database unavailable" in error and "2 s" in error, error
    assert f"hostile (run 1, failed): {error}" in " ".join(result.stdout.split())
    # What was stored before the outage stays; the counters can miss the batch whose
    # count the outage cut off, never count a story that is not stored.
    kept = scalar(direct, "SELECT count(*) FROM articles")
    assert 0 < kept < STORIES
    assert stored <= kept
    assert rejected == 0


def test_an_outage_while_asking_which_addresses_are_known_fails_the_run_without_fetching_blind(
    proxy: DatabaseProxy, direct: Engine, tmp_path: Path
) -> None:
    with HostileWire(stories=12, feed_delay=1.0) as site:
        config = site.write_config(
            tmp_path / "wirewatch.toml", proxy.proxied_url, storage_retry_seconds=1
        )
        with start_wirewatch("crawl", config=config) as process:
            assert site.feed_requested.wait(30), "the crawl never asked for its feed"
            proxy.outage(4)  # the feed arrives a second later, with the database gone
            stdout, stderr = process.communicate(timeout=DEFAULT_TIMEOUT)
        fetched = site.article_requests()

    output = stdout + stderr
    assert process.returncode == 1, output
    assert "Traceback" not in output
    assert "database unavailable" in output, output
    assert fetched == []
