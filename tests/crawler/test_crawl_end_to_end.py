"""``wirewatch crawl`` end to end: the sample web on 127.0.0.1/127.0.0.2, a real database, SQL.

Each crawl runs as ``python -m wirewatch crawl`` in a child process (a Twisted
reactor cannot be restarted within one process), which also tests the command
line for real: exit codes and the summary it prints.
"""

import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, Row, create_engine, text

from tests.cli import run_wirewatch, start_wirewatch
from wirewatch.app.sampleweb import SampleWeb
from wirewatch.app.sampleweb.site import BadPage
from wirewatch.crawler.extract.page import UNEXPECTED_ERROR

pytestmark = pytest.mark.slow

CRAWL_TIMEOUT = 180


@pytest.fixture
def web() -> Iterator[SampleWeb]:
    with SampleWeb(stories=40, seed=3, page_size=10, feed_size=15) as served:
        yield served


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    """An engine on the SQLite file that the first crawl creates and migrates."""
    created = create_engine(sqlite_url)
    yield created
    created.dispose()


def crawl(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_wirewatch("crawl", *args, config=config, timeout=CRAWL_TIMEOUT)


def rows(engine: Engine, sql: str, **params: object) -> list[Row[Any]]:
    with engine.connect() as connection:
        return list(connection.execute(text(sql), params))


def scalar(engine: Engine, sql: str, **params: object) -> Any:
    with engine.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


def stored_addresses(engine: Engine) -> dict[str, set[str]]:
    """Story key (wire ID, or ``no-wire-id:<title>``) -> its stored addresses."""
    found: dict[str, set[str]] = {}
    for row in rows(
        engine,
        "SELECT a.wire_id, a.title, u.url FROM articles a JOIN article_urls u ON u.article_id = a.id",
    ):
        key = str(row.wire_id) if row.wire_id else f"no-wire-id:{row.title}"
        found.setdefault(key, set()).add(str(row.url))
    return found


def run_rows(engine: Engine) -> list[Row[Any]]:
    return rows(
        engine,
        "SELECT source, status, pages_fetched, articles_new, articles_updated, articles_unchanged,"
        " duplicates, pages_rejected, error, finished_at FROM crawl_runs ORDER BY id",
    )


def test_a_first_crawl_stores_every_story_once_with_all_its_addresses(
    web: SampleWeb, tmp_path: Path, sqlite_url: str, engine: Engine
) -> None:
    config = web.write_config(tmp_path / "wirewatch.toml", sqlite_url)

    result = crawl(config)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "succeeded" in result.stdout
    assert stored_addresses(engine) == web.expected_urls()
    assert scalar(engine, "SELECT count(*) FROM articles") == web.expected_article_count()
    assert scalar(engine, "SELECT count(*) FROM articles WHERE wire_id IS NULL") == (
        web.expected_count_without_wire_id()
    )
    duplicate_urls = web.expected_duplicate_urls_without_wire_id()
    owners = rows(
        engine,
        "SELECT DISTINCT article_id FROM article_urls WHERE url IN ("
        + ", ".join(f"'{u}'" for u in duplicate_urls)
        + ")",
    )
    assert len(duplicate_urls) == 2 and len(owners) == 1


def test_every_fetched_story_page_is_accounted_for_and_runs_close_succeeded(
    web: SampleWeb, tmp_path: Path, sqlite_url: str, engine: Engine
) -> None:
    config = web.write_config(tmp_path / "wirewatch.toml", sqlite_url)

    assert crawl(config).returncode == 0

    runs = run_rows(engine)
    assert [(r.source, r.status) for r in runs] == [("wire", "succeeded"), ("partner", "succeeded")]
    assert all(r.finished_at is not None and r.error is None for r in runs)
    stories_seen = sum(
        r.articles_new + r.articles_updated + r.articles_unchanged + r.duplicates for r in runs
    )
    assert stories_seen == len(web.article_requests(status=200))
    rejected = sum(r.pages_rejected for r in runs)
    assert rejected == scalar(engine, "SELECT count(*) FROM rejected_pages")


def test_bad_pages_are_rejected_with_their_reason_and_disallowed_ones_never_requested(
    web: SampleWeb, tmp_path: Path, sqlite_url: str, engine: Engine
) -> None:
    config = web.write_config(tmp_path / "wirewatch.toml", sqlite_url)

    assert crawl(config).returncode == 0

    rejections = {
        str(row.url): row
        for row in rows(engine, "SELECT url, reason, detail, http_status FROM rejected_pages")
    }
    for url, reasons in web.expected_rejections().items():
        assert url in rejections, f"no rejected_pages row for {url}"
        assert rejections[url].reason in reasons
    for url, status in web.expected_http_status().items():
        assert rejections[url].http_status == status
    broke = [row for row in rejections.values() if row.detail.startswith(UNEXPECTED_ERROR)]
    assert broke == [], "extraction broke on a page instead of rejecting it for a reason"
    assert not [r for r in web.requests if urlsplit(r.path).path == BadPage.DISALLOWED]
    assert not set(web.disallowed_urls()) & set(rejections)


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_a_second_crawl_stores_new_stories_revises_edited_ones_and_skips_unchanged_ones(
    web: SampleWeb, tmp_path: Path, database: str, request: pytest.FixtureRequest
) -> None:
    url = str(request.getfixturevalue(f"{database}_url"))
    config = web.write_config(tmp_path / "wirewatch.toml", url)
    assert crawl(config).returncode == 0
    first_round = stored_addresses_from(url)
    web.advance()
    web.clear_log()

    result = crawl(config)

    assert result.returncode == 0, result.stdout + result.stderr
    engine = create_engine(url)
    try:
        assert stored_addresses(engine) == web.expected_urls()
        revised = rows(engine, "SELECT wire_id, revision FROM articles WHERE revision > 1")
        assert {r.wire_id: r.revision for r in revised} == web.expected_revisions()
        archived = {
            r.wire_id
            for r in rows(
                engine,
                "SELECT a.wire_id FROM article_revisions r JOIN articles a ON a.id = r.article_id",
            )
        }
        assert archived == web.expected_edited_wire_ids()
        second_runs = run_rows(engine)[2:]
        updated = sum(r.articles_updated for r in second_runs)
        assert updated == len(web.expected_edited_wire_ids())
        assert sum(r.articles_new for r in second_runs) == len(web.expected_new_wire_ids())
    finally:
        engine.dispose()
    requested = {
        f"{'http://' + r.host}:{port_of(web, r.host)}{urlsplit(r.path).path}"
        for r in web.article_requests()
    }
    edited = {u for wire_id in web.expected_edited_wire_ids() for u in web.expected_urls()[wire_id]}
    unchanged = {
        address
        for key, addresses in first_round.items()
        for address in addresses
        if key not in web.expected_edited_wire_ids()
    }
    assert not requested & (unchanged - edited), "unchanged stored stories were downloaded again"
    assert requested, "the new stories were not fetched"


def stored_addresses_from(url: str) -> dict[str, set[str]]:
    engine = create_engine(url)
    try:
        return stored_addresses(engine)
    finally:
        engine.dispose()


def port_of(web: SampleWeb, host: str) -> int:
    base = web.wire_base if host == urlsplit(web.wire_base).hostname else web.partner_base
    return int(urlsplit(base).port or 80)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_source_whose_start_url_does_not_answer_fails_and_the_others_still_run(
    web: SampleWeb, tmp_path: Path, sqlite_url: str, engine: Engine
) -> None:
    dead = f"http://127.0.0.1:{closed_port()}/rss/feed.xml"
    config = tmp_path / "wirewatch.toml"
    config.write_text(
        web.config_toml(sqlite_url, retries=0)
        + f'\n[[sources]]\nname = "dead"\nstart_urls = ["{dead}"]\n',
        encoding="utf-8",
    )

    result = crawl(config)

    assert result.returncode == 1
    runs = {r.source: r for r in run_rows(engine)}
    assert runs["wire"].status == "succeeded" and runs["partner"].status == "succeeded"
    assert runs["dead"].status == "failed"
    error = str(runs["dead"].error)
    assert dead in error and "refused" in error.lower()
    assert dead in result.stdout.replace("\n", "")
    assert scalar(engine, "SELECT count(*) FROM articles") == web.expected_article_count()


def test_an_unknown_source_is_a_usage_error_naming_the_known_ones(
    web: SampleWeb, tmp_path: Path, sqlite_url: str
) -> None:
    config = web.write_config(tmp_path / "wirewatch.toml", sqlite_url)

    result = crawl(config, "nope")

    assert result.returncode == 2
    assert "nope" in result.stderr and "wire" in result.stderr and "partner" in result.stderr


def test_a_config_without_sources_says_to_add_them(tmp_path: Path, sqlite_url: str) -> None:
    config = tmp_path / "wirewatch.toml"
    config.write_text(f'[database]\nurl = "{sqlite_url}"\n', encoding="utf-8")

    result = crawl(config)

    assert result.returncode != 0
    assert "[[sources]]" in result.stderr


def test_sigint_stops_the_crawl_gracefully_and_marks_the_run_interrupted(
    tmp_path: Path, sqlite_url: str, engine: Engine
) -> None:
    with SampleWeb(stories=200, seed=5, bad_pages=False) as slow_web:
        config = slow_web.write_config(
            tmp_path / "wirewatch.toml", sqlite_url, download_delay=0.2, per_host_concurrency=1
        )
        child = start_wirewatch("crawl", "wire", config=config)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(slow_web.article_requests()) < 5:
            time.sleep(0.1)
        child.send_signal(signal.SIGINT)
        stdout, stderr = child.communicate(timeout=CRAWL_TIMEOUT)

    assert child.returncode == 1, stderr
    [run] = rows(engine, "SELECT status, finished_at, articles_new FROM crawl_runs")
    assert run.status == "interrupted" and run.finished_at is not None
    assert run.articles_new == scalar(engine, "SELECT count(*) FROM articles") > 0
    assert "interrupted" in stdout
