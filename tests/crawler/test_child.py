"""The crawl child entry point, ``python -m wirewatch.crawler.child``: runs recorded in the
ledger crawled in a process of their own, and one clear line for what it cannot crawl."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from wirewatch.app.sampleweb import SampleWeb
from wirewatch.storage.engine import make_engine
from wirewatch.storage.ledger import RunOutcome, close_run, get_run, start_run
from wirewatch.storage.migrate import upgrade
from wirewatch.storage.models import RunStatus, RunTrigger

CHILD_TIMEOUT = 180


def child(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    return subprocess.run(
        [sys.executable, "-m", "wirewatch.crawler.child", *args],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        env=env,
        check=False,
    )


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    yield engine
    engine.dispose()


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
    result = child(*args)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith("python -m wirewatch.crawler.child: error: ")


def test_a_missing_config_file_exits_2_with_one_line(tmp_path: Path) -> None:
    result = child("--run-id", "1", "--config", str(tmp_path / "nope.toml"))
    assert result.returncode == 2
    assert "nope.toml" in one_line(result.stderr)


def test_an_unknown_run_id_exits_1_with_one_line(engine: Engine, config: Path) -> None:
    result = child("--run-id", "999", "--config", str(config))
    assert result.returncode == 1
    assert "no crawl run 999" in one_line(result.stderr)


def test_a_run_closed_already_is_not_crawled_again(engine: Engine, config: Path) -> None:
    run_id = start_run(engine, "wire", RunTrigger.SCHEDULE)
    close_run(engine, run_id, RunOutcome(RunStatus.SUCCEEDED))
    result = child("--run-id", str(run_id), "--config", str(config))
    assert result.returncode == 1
    assert f"crawl run {run_id} is succeeded already" in one_line(result.stderr)


def test_a_run_of_a_source_the_config_lacks_is_refused(engine: Engine, config: Path) -> None:
    run_id = start_run(engine, "gone", RunTrigger.SCHEDULE)
    result = child("--run-id", str(run_id), "--config", str(config))
    assert result.returncode == 1
    assert "source 'gone'" in one_line(result.stderr)
    row = get_run(engine, run_id)
    assert row is not None and row.status is RunStatus.RUNNING  # the launcher settles it


@pytest.mark.slow
def test_the_child_fills_in_the_recorded_runs(tmp_path: Path, sqlite_url: str) -> None:
    with SampleWeb(stories=20, seed=3) as web:
        config = web.write_config(tmp_path / "wirewatch.toml", sqlite_url)
        engine = make_engine(sqlite_url)
        upgrade(engine)
        try:
            wire = start_run(engine, "wire", RunTrigger.SCHEDULE, pid=os.getpid(), hostname="x")
            partner = start_run(engine, "partner", RunTrigger.DEMO)

            result = child("--run-id", str(wire), "--run-id", str(partner), "--config", str(config))

            assert result.returncode == 0, result.stderr
            rows = [get_run(engine, run_id) for run_id in (wire, partner)]
        finally:
            engine.dispose()
    assert [(r.source, r.trigger, r.status) for r in rows if r] == [
        ("wire", "schedule", "succeeded"),
        ("partner", "demo", "succeeded"),
    ]
    assert all(r and r.articles_new > 0 and r.finished_at for r in rows)
    assert result.stdout.splitlines()[0].startswith(f"run {wire} (wire): succeeded: ")
