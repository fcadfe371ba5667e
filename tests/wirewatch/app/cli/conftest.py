"""A database filled with known stories and runs, and a way to run the CLI in-process."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from wirewatch.app.cli.main import main
from wirewatch.core.record import ArticleRecord, Precision, Rejection, RejectReason
from wirewatch.core.wire_id import WireId
from wirewatch.storage.engine import make_engine
from wirewatch.storage.ledger import (
    RunCounts,
    RunOutcome,
    add_counts,
    close_run,
    record_rejections,
    start_run,
)
from wirewatch.storage.migrate import upgrade
from wirewatch.storage.models import RunStatus, RunTrigger
from wirewatch.storage.upsert import Sighting, store_batch


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


def story(
    number: int,
    title: str,
    paragraphs: tuple[str, ...],
    *,
    provider: str = "MENAFN",
    published: datetime,
    url: str | None = None,
    wire: bool = True,
) -> ArticleRecord:
    article_number = 1_110_000_000 + number
    return ArticleRecord(
        canonical_url=url or f"https://menafn.com/{article_number}/story-{number}",
        title=title,
        paragraphs=paragraphs,
        provider=provider if wire else "",
        published_at=published,
        published_precision=Precision.DATETIME,
        language="en",
        wire=WireId.from_parts(published.date(), "000045017169", article_number) if wire else None,
    )


T = datetime(2025, 11, 17, 9, 0, tzinfo=UTC)
OIL = story(
    1,
    "Oil Prices Climb as Supply Concerns Mount",
    ("Oil prices rose on Monday as traders weighed supply risks.", "Brent gained 2 percent."),
    provider="Jordan Times",
    published=datetime(2025, 11, 17, 8, 50, tzinfo=UTC),
)
OIL_EDITED = story(
    1,
    "Oil Prices Climb as Supply Concerns Mount",
    ("Oil prices rose on Monday as traders weighed supply risks.", "Brent gained 3 percent."),
    provider="Jordan Times",
    published=datetime(2025, 11, 17, 8, 50, tzinfo=UTC),
)
GOLD = story(
    2,
    'Gold Steadies Ahead of Fed Minutes, "Cautious" Traders Say',
    ("Gold prices held steady, with bullion near record highs.", "Analysts expect volatility."),
    provider="Gulf Times",
    published=datetime(2025, 11, 16, 22, 15, tzinfo=UTC),
)
GOLD_PARTNER = story(
    2,
    GOLD.title,
    GOLD.paragraphs,
    provider="Gulf Times",
    published=GOLD.published_at or T,
    url="https://gulfbusinesswire.example/2025/11/gold-steadies.html",
)
KREMLIN = story(
    3,
    "Kremlin Says Russia Eager for Putin-Trump Summit",
    ("The Kremlin on Monday signaled that Russia is eager for a summit.", "Prisoner exchanges"),
    published=datetime(2025, 11, 15, 12, 0, tzinfo=UTC),
)
CRANES = story(
    4,
    "Harbour Cranes Arrive in Doha",
    ("Four new harbour cranes arrived at the port of Doha on Sunday.",),
    published=datetime(2025, 11, 14, 6, 30, tzinfo=UTC),
    url="https://gulfbusinesswire.example/2025/11/cranes.html",
    wire=False,
)
WIRE_DATE = date(2025, 11, 17)


@pytest.fixture
def filled_db(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated database (SQLite, then PostgreSQL) with four stories and two runs.

    One story is edited (two revisions), one syndicated (two addresses), one has no wire ID.
    """
    url = database_url
    engine = make_engine(url)
    upgrade(engine)
    first = datetime(2025, 11, 17, 10, 0, tzinfo=UTC)
    later = datetime(2025, 11, 17, 11, 0, tzinfo=UTC)
    store_batch(
        engine,
        [
            Sighting(OIL, "menafn-world", first),
            Sighting(GOLD, "menafn-world", first),
            Sighting(KREMLIN, "menafn-world", first),
            Sighting(CRANES, "partner", first),
        ],
    )
    store_batch(
        engine,
        [Sighting(OIL_EDITED, "menafn-world", later), Sighting(GOLD_PARTNER, "partner", later)],
    )
    run = start_run(engine, "menafn-world", RunTrigger.MANUAL)
    add_counts(engine, run, RunCounts(pages_fetched=5, articles_new=3, pages_rejected=1))
    record_rejections(
        engine, run, [Rejection("https://menafn.com/9/x", RejectReason.HTTP_ERROR, "404", 404)]
    )
    close_run(engine, run, RunOutcome(RunStatus.SUCCEEDED))
    failed = start_run(engine, "partner", RunTrigger.SCHEDULE)
    close_run(
        engine,
        failed,
        RunOutcome(RunStatus.FAILED, "start URL did not answer: connection refused"),
    )
    engine.dispose()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WIREWATCH_CONFIG", raising=False)
    monkeypatch.setenv("WIREWATCH_DATABASE_URL", url)
    yield url


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
