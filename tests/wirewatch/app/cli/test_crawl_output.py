"""What ``wirewatch crawl`` prints and logs: an 80-column summary, one log line per run."""

import json
import re
from pathlib import Path

import pytest

from tests.cli import run_wirewatch
from wirewatch.app.sampleweb import SampleWeb

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


def test_each_run_logs_one_summary_line_in_json_and_in_text(
    tmp_path: Path, sqlite_url: str
) -> None:
    with SampleWeb(stories=6, bad_pages=True) as web:
        config = web.write_config(tmp_path / "wirewatch.toml", sqlite_url)
        first = run_wirewatch("crawl", "--log-format", "json", config=config, env={"COLUMNS": ""})
        second = run_wirewatch("crawl", config=config, env={"COLUMNS": ""})

    assert first.returncode == 0, first.stderr
    assert all(len(line) <= 80 for line in first.stdout.splitlines()), first.stdout
    entries = [json.loads(line) for line in first.stderr.splitlines()]
    assert all({"time", "level", "source", "run_id", "event"} <= entry.keys() for entry in entries)
    summaries = {e["source"]: e for e in entries if "counts" in e}
    assert set(summaries) == {"wire", "partner"}
    wire = summaries["wire"]
    assert wire["status"] == "succeeded" and wire["level"] == "info"
    assert wire["counts"]["articles_new"] > 0
    assert sum(wire["rejected_by_reason"].values()) == wire["counts"]["pages_rejected"] > 0
    assert wire["event"].startswith(f"source=wire run={wire['run_id']}: succeeded: fetched ")

    assert second.returncode == 0, second.stderr
    lines = [line for line in second.stderr.splitlines() if ": succeeded: fetched " in line]
    assert len(lines) == 2
    pattern = r"INFO wirewatch\.crawler\.process: source=(wire|partner) run=\d+: succeeded: fetched \d+, new 0, updated \d+, unchanged \d+, duplicates \d+, rejected \d+"
    assert all(re.search(pattern, line) for line in lines), lines


def test_quiet_logs_nothing_of_a_run_that_went_well(tmp_path: Path, sqlite_url: str) -> None:
    with SampleWeb(stories=3, bad_pages=False) as web:
        config = web.write_config(tmp_path / "wirewatch.toml", sqlite_url)
        result = run_wirewatch("crawl", "-q", config=config)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "succeeded" in result.stdout
