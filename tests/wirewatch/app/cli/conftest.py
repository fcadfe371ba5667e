"""A database filled with known stories and runs, and a way to run the CLI in-process."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.factories import at_url, make_record, sighting, wire_id
from wirewatch.app.cli.main import main
from wirewatch.core.record import Rejection, RejectReason
from wirewatch.storage.ledger import (
    RunCounts,
    RunOutcome,
    add_counts,
    close_run,
    record_rejections,
    start_run,
)
from wirewatch.storage.models import RunStatus, RunTrigger
from wirewatch.storage.upsert import store_batch


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


OIL = make_record(
    1,
    title="Oil Prices Climb as Supply Concerns Mount",
    paragraphs=(
        "Oil prices rose on Monday as traders weighed supply risks.",
        "Brent gained 2 percent.",
    ),
    provider="Jordan Times",
    published_at=datetime(2025, 11, 17, 8, 50, tzinfo=UTC),
)
OIL_EDITED = replace(OIL, paragraphs=(OIL.paragraphs[0], "Brent gained 3 percent."))
GOLD = make_record(
    2,
    title='Gold Steadies Ahead of Fed Minutes, "Cautious" Traders Say',
    paragraphs=(
        "Gold prices held steady, with bullion near record highs.",
        "Analysts expect volatility.",
    ),
    provider="Gulf Times",
    published_at=datetime(2025, 11, 16, 22, 15, tzinfo=UTC),
    wire=wire_id(2, wire_date=date(2025, 11, 16)),
)
GOLD_PARTNER = at_url(GOLD, "https://gulfbusinesswire.example/2025/11/gold-steadies.html")
KREMLIN = make_record(
    3,
    title="Kremlin Says Russia Eager for Putin-Trump Summit",
    paragraphs=(
        "The Kremlin on Monday signaled that Russia is eager for a summit.",
        "Prisoner exchanges",
    ),
    published_at=datetime(2025, 11, 15, 12, 0, tzinfo=UTC),
    wire=wire_id(3, wire_date=date(2025, 11, 15)),
)
CRANES = make_record(
    4,
    title="Harbour Cranes Arrive in Doha",
    paragraphs=("Four new harbour cranes arrived at the port of Doha on Sunday.",),
    provider="",
    published_at=datetime(2025, 11, 14, 6, 30, tzinfo=UTC),
    url="https://gulfbusinesswire.example/2025/11/cranes.html",
    wire=None,
)


@pytest.fixture
def filled_db(
    database_url: str,
    migrated_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    """A migrated database (SQLite, then PostgreSQL) with four stories and two runs,
    named by ``$WIREWATCH_DATABASE_URL``; returns its URL.

    One story is edited (two revisions), one syndicated (two addresses), one has no wire ID.
    """
    first = datetime(2025, 11, 17, 10, 0, tzinfo=UTC)
    later = datetime(2025, 11, 17, 11, 0, tzinfo=UTC)
    store_batch(
        migrated_engine,
        [
            sighting(OIL, source="menafn-world", at=first),
            sighting(GOLD, source="menafn-world", at=first),
            sighting(KREMLIN, source="menafn-world", at=first),
            sighting(CRANES, source="partner", at=first),
        ],
    )
    store_batch(
        migrated_engine,
        [
            sighting(OIL_EDITED, source="menafn-world", at=later),
            sighting(GOLD_PARTNER, source="partner", at=later),
        ],
    )
    run = start_run(migrated_engine, "menafn-world", RunTrigger.MANUAL)
    add_counts(migrated_engine, run, RunCounts(pages_fetched=5, articles_new=3, pages_rejected=1))
    record_rejections(
        migrated_engine,
        run,
        [Rejection("https://menafn.com/9/x", RejectReason.HTTP_ERROR, "404", 404)],
    )
    close_run(migrated_engine, run, RunOutcome(RunStatus.SUCCEEDED))
    failed = start_run(migrated_engine, "partner", RunTrigger.SCHEDULE)
    close_run(
        migrated_engine,
        failed,
        RunOutcome(RunStatus.FAILED, "start URL did not answer: connection refused"),
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WIREWATCH_CONFIG", raising=False)
    monkeypatch.setenv("WIREWATCH_DATABASE_URL", database_url)
    return database_url


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run ``wirewatch ARGS`` in-process; returns its exit code, stdout and stderr."""
    monkeypatch.setenv("COLUMNS", "80")

    def run(*args: str) -> Result:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        captured = capsys.readouterr()
        code = exit_info.value.code
        return Result(code if isinstance(code, int) else 0, captured.out, captured.err)

    return run
