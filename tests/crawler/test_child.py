"""The crawl child entry point, ``python -m wirewatch.crawler.child``: runs recorded in the
ledger crawled in a process of their own, and one clear line for what it cannot crawl."""

import os
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.cli import run_crawl_child
from wirewatch.app.sampleweb import SampleWeb
from wirewatch.crawler.child import report
from wirewatch.crawler.progress import RunSummary
from wirewatch.storage.ledger import RunCounts, RunOutcome, close_run, get_run, start_run
from wirewatch.storage.models import RunStatus, RunTrigger


@pytest.fixture
def config(tmp_path: Path, sqlite_url: str) -> Path:
    """A config whose one source no test crawls (its start URL does not answer)."""
    path = tmp_path / "wirewatch.toml"
    path.write_text(
        f'[database]\nurl = "{sqlite_url}"\n\n'
        '[[sources]]\nname = "wire"\nstart_urls = ["http://127.0.0.1:9/feed.xml"]\n',
        encoding="utf-8",
    )
    return path


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize(
    "args",
    [(), ("--run-id", "seven"), ("--run-id", "1", "--bogus")],
    ids=["no run id", "not a number", "unknown option"],
)
def test_bad_arguments_exit_2_with_one_line(args: tuple[str, ...]) -> None:
    result = run_crawl_child(*args)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith("python -m wirewatch.crawler.child: error: ")


def test_a_missing_config_file_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run_crawl_child("--run-id", "1", config=tmp_path / "nope.toml")
    assert result.returncode == 2
    assert "nope.toml" in one_line(result.stderr)


@pytest.mark.usefixtures("sqlite_engine")
def test_an_unknown_run_id_exits_1_with_one_line(config: Path) -> None:
    result = run_crawl_child("--run-id", "999", config=config)
    assert result.returncode == 1
    assert "no crawl run 999" in one_line(result.stderr)


def test_a_run_closed_already_is_not_crawled_again(sqlite_engine: Engine, config: Path) -> None:
    run_id = start_run(sqlite_engine, "wire", RunTrigger.SCHEDULE)
    close_run(sqlite_engine, run_id, RunOutcome(RunStatus.SUCCEEDED))
    result = run_crawl_child("--run-id", str(run_id), config=config)
    assert result.returncode == 1
    assert f"crawl run {run_id} is succeeded already" in one_line(result.stderr)


def test_a_run_of_a_source_the_config_lacks_is_refused(sqlite_engine: Engine, config: Path) -> None:
    run_id = start_run(sqlite_engine, "gone", RunTrigger.SCHEDULE)
    result = run_crawl_child("--run-id", str(run_id), config=config)
    assert result.returncode == 1
    assert "source 'gone'" in one_line(result.stderr)
    row = get_run(sqlite_engine, run_id)
    assert row is not None and row.status is RunStatus.RUNNING  # the launcher settles it


@pytest.mark.slow
def test_the_child_fills_in_the_recorded_runs(
    tmp_path: Path, sqlite_url: str, sqlite_engine: Engine
) -> None:
    with SampleWeb(stories=20, seed=3) as web:
        config = web.write_config(tmp_path / "wirewatch.toml", sqlite_url)
        wire = start_run(sqlite_engine, "wire", RunTrigger.SCHEDULE, pid=os.getpid(), hostname="x")
        partner = start_run(sqlite_engine, "partner", RunTrigger.DEMO)

        result = run_crawl_child("--run-id", str(wire), "--run-id", str(partner), config=config)

    assert result.returncode == 0, result.stderr
    rows = [get_run(sqlite_engine, run_id) for run_id in (wire, partner)]
    assert [(r.source, r.trigger, r.status) for r in rows if r] == [
        ("wire", "schedule", "succeeded"),
        ("partner", "demo", "succeeded"),
    ]
    assert all(r and r.articles_new > 0 and r.finished_at for r in rows)
    assert result.stdout.splitlines()[0].startswith(f"run {wire} (wire): succeeded: ")


def test_the_report_line_escapes_control_characters_a_page_put_in_the_error() -> None:
    error = "offsite_redirect to http://evil.example/\x1b]0;pwned\x07\u202egnp.exe"
    line = report(RunSummary("wire", 7, RunStatus.FAILED, RunCounts(pages_fetched=1), error))

    assert "\x1b" not in line and "\x07" not in line and "\u202e" not in line
    assert line.startswith("run 7 (wire): failed: 1 pages_fetched")
    assert "\\x1b]0;pwned\\x07\\u202egnp.exe" in line
