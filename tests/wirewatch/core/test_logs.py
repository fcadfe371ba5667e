"""Log lines: text or JSON, to stderr or a file, journald-aware; records relayed between processes."""

import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from wirewatch.core.logs import (
    JsonFormatter,
    LogOptions,
    VisibleFormatter,
    configure_logging,
    record_from_json,
    under_journald,
)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    yield
    configure_logging(0)


def record(
    message: str, *args: object, level: int = logging.INFO, **extra: object
) -> logging.LogRecord:
    made = logging.LogRecord("wirewatch.test", level, __file__, 1, message, args, None)
    made.__dict__.update(extra)
    return made


def test_json_lines_carry_time_level_source_run_and_event() -> None:
    line = JsonFormatter().format(record("source=%s run=%d: started, pid %d", "wire", 42, 7))
    entry = json.loads(line)
    assert entry["level"] == "info" and entry["logger"] == "wirewatch.test"
    assert (entry["source"], entry["run_id"]) == ("wire", 42)
    assert entry["event"] == "source=wire run=42: started, pid 7"
    assert entry["time"].endswith("+00:00")
    explicit = json.loads(
        JsonFormatter().format(record("done", source="partner", run_id=3, counts={"n": 1}))
    )
    assert (explicit["source"], explicit["run_id"], explicit["counts"]) == ("partner", 3, {"n": 1})
    bare = json.loads(JsonFormatter().format(record("daemon stopped")))
    assert bare["source"] is None and bare["run_id"] is None


def test_a_json_line_becomes_the_same_record_again() -> None:
    original = record("source=wire run=5: failed", level=logging.WARNING, status="failed")
    again = record_from_json(JsonFormatter().format(original))
    assert again is not None
    assert (again.levelno, again.name, again.getMessage()) == (
        logging.WARNING,
        "wirewatch.test",
        "source=wire run=5: failed",
    )
    assert again.created == pytest.approx(original.created, abs=0.001)
    assert again.status == "failed"
    assert record_from_json("Traceback (most recent call last):") is None
    assert record_from_json('{"no": "event"}') is None


def test_under_journald_no_time_and_a_syslog_priority(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (tmp_path / "stream").open("w") as stream:
        info = os.fstat(stream.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{info.st_dev}:{info.st_ino}")
        assert under_journald(stream)
        monkeypatch.setenv("JOURNAL_STREAM", f"{info.st_dev}:{info.st_ino + 1}")
        assert not under_journald(stream)
    monkeypatch.delenv("JOURNAL_STREAM")
    assert not under_journald(sys.stderr)
    journal = VisibleFormatter(journal=True)
    assert (
        journal.format(record("lost the lock", level=logging.ERROR))
        == "<3>ERROR wirewatch.test: lost the lock"
    )
    plain = VisibleFormatter().format(record("x\x1b[2Jy", level=logging.WARNING))
    assert plain.endswith(" WARNING wirewatch.test: x\\x1b[2Jy") and plain[:4].isdigit()


def test_a_log_file_gets_the_lines_and_quiet_keeps_only_warnings(tmp_path: Path) -> None:
    path = tmp_path / "wirewatch.log"
    configure_logging(LogOptions(verbosity=-1, format="json", file=path))
    logging.getLogger("wirewatch.test").info("not shown")
    logging.getLogger("wirewatch.test").warning("source=wire run=1: shown")
    configure_logging(0)  # closes the file handler
    [line] = path.read_text().splitlines()
    assert json.loads(line)["event"] == "source=wire run=1: shown"


def test_child_args_repeat_the_options() -> None:
    assert LogOptions().child_args() == ["--log-format", "text"]
    assert LogOptions(2, "json", Path("/var/log/w.log")).child_args() == [
        "-v",
        "-v",
        "--log-format",
        "json",
        "--log-file",
        "/var/log/w.log",
    ]
    assert LogOptions(-1).child_args()[0] == "-q"
