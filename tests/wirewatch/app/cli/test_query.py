"""``wirewatch articles``, ``show`` and ``runs`` against a database the tests fill."""

import csv
import io
import json

import pytest

from tests.cli import run_wirewatch
from tests.wirewatch.app.cli.conftest import CRANES, GOLD, GOLD_PARTNER, KREMLIN, OIL, Run
from wirewatch.app.cli.reports import ARTICLE_FIELDS, RUN_FIELDS

pytestmark = pytest.mark.usefixtures("filled_db")


def titles(run_cli: Run, *args: str) -> list[str]:
    result = run_cli("articles", "--format", "jsonl", *args)
    assert result.code == 0, result.err
    return [json.loads(line)["title"] for line in result.out.splitlines()]


def test_articles_newest_first_and_each_story_once(run_cli: Run) -> None:
    assert titles(run_cli) == [OIL.title, GOLD.title, KREMLIN.title, CRANES.title]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--provider", "Gulf Times"), [GOLD.title]),
        (("--source", "partner"), [CRANES.title]),
        (("--since", "2025-11-16"), [OIL.title, GOLD.title]),
        (("--until", "2025-11-15"), [KREMLIN.title, CRANES.title]),
        (
            ("--since", "2025-11-17T00:00:00+04:00", "--until", "2025-11-17"),
            [OIL.title, GOLD.title],
        ),
        (("--since", "2025-11-17T08:50:00Z"), [OIL.title]),
        (("--search", "bullion"), [GOLD.title]),
        (("--search", "harbour cranes"), [CRANES.title]),
        (("--search", "nothing-like-this"), []),
        (("--search", "oil OR bullion"), [OIL.title, GOLD.title]),
        (("--search", "prices -bullion"), [OIL.title]),
        (("--search", '"harbour cranes" OR (Kremlin -Oil)'), [KREMLIN.title, CRANES.title]),
        (("--search", "harb*"), [CRANES.title]),
        (("--search", "   "), [OIL.title, GOLD.title, KREMLIN.title, CRANES.title]),
        (("--limit", "2"), [OIL.title, GOLD.title]),
        (("--limit", "0"), [OIL.title, GOLD.title, KREMLIN.title, CRANES.title]),
    ],
)
def test_articles_filters(run_cli: Run, args: tuple[str, ...], expected: list[str]) -> None:
    assert titles(run_cli, *args) == expected


def test_json_jsonl_and_csv_carry_the_same_exact_values(run_cli: Run) -> None:
    as_json = json.loads(run_cli("articles", "--format", "json").out)
    as_jsonl = [
        json.loads(line) for line in run_cli("articles", "--format", "jsonl").out.splitlines()
    ]
    as_csv = list(csv.DictReader(io.StringIO(run_cli("articles", "--format", "csv").out)))
    assert as_json == as_jsonl
    assert list(as_json[0]) == [*ARTICLE_FIELDS, "urls"]
    oil = as_json[0]
    assert oil["wire_id"] == str(OIL.wire)
    assert oil["published_at"] == "2025-11-17T08:50:00+00:00"
    assert oil["wire_date"] == "2025-11-17"
    assert oil["revision"] == 2
    assert oil["first_seen_at"] == "2025-11-17T10:00:00+00:00"
    for from_json, from_csv in zip(as_json, as_csv, strict=True):
        del from_json["urls"]
        assert from_csv == {k: "" if v is None else str(v) for k, v in from_json.items()}
    assert as_json[3]["wire_id"] is None and as_csv[3]["wire_id"] == ""


def test_body_is_included_on_request(run_cli: Run) -> None:
    rows = [
        json.loads(x) for x in run_cli("articles", "--body", "--format", "jsonl").out.splitlines()
    ]
    assert rows[1]["body"] == "\n\n".join(GOLD.paragraphs)
    parsed = list(csv.DictReader(io.StringIO(run_cli("articles", "--body", "--format", "csv").out)))
    assert parsed[1]["body"] == "\n\n".join(GOLD.paragraphs)


def test_json_rows_list_every_address_of_their_story_unless_told_not_to(run_cli: Run) -> None:
    rows = json.loads(run_cli("articles", "--format", "json").out)
    gold = next(row for row in rows if row["title"] == GOLD.title)
    assert gold["urls"] == [GOLD.canonical_url, GOLD_PARTNER.canonical_url]
    bare = [
        json.loads(x)
        for x in run_cli("articles", "--no-urls", "--format", "jsonl").out.splitlines()
    ]
    assert all("urls" not in row for row in bare) and len(bare) == 4


def test_a_list_cut_by_the_limit_says_so_on_stderr(run_cli: Run) -> None:
    cut = run_cli("articles", "--limit", "2", "--format", "jsonl")
    assert len(cut.out.splitlines()) == 2
    assert cut.err == "2 of 4 shown; --limit 0 for all\n"
    assert run_cli("articles", "--limit", "2").err == "2 of 4 shown; --limit 0 for all\n"
    assert run_cli("articles", "--limit", "4").err == ""
    assert run_cli("articles", "--limit", "0", "--format", "csv").err == ""


def test_body_in_a_table_is_refused_with_what_to_use(run_cli: Run) -> None:
    result = run_cli("articles", "--body")
    assert result.code == 2
    assert "--body needs --format json, jsonl or csv" in result.err and result.out == ""


def test_table_fits_the_terminal_and_cuts_titles(run_cli: Run) -> None:
    result = run_cli("articles")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].split() == ["ID", "PUBLISHED", "(UTC)", "PROVIDER", "TITLE"]
    assert all(len(line) <= 80 for line in lines)
    assert "2025-11-17 08:50" in lines[1] and "Jordan Times" in lines[1]
    assert "…" in result.out


def test_empty_result_says_so_on_stderr(run_cli: Run) -> None:
    result = run_cli("articles", "--provider", "Nobody")
    assert (result.code, result.out) == (0, "")
    assert "No stored stories" in result.err


def test_after_pages_through_the_listing(run_cli: Run) -> None:
    first = run_cli("articles", "--format", "jsonl", "--limit", "2")
    last_id = json.loads(first.out.splitlines()[-1])["id"]
    assert titles(run_cli, "--limit", "2", "--after", str(last_id)) == [KREMLIN.title, CRANES.title]
    gulf = titles(run_cli, "--after", str(last_id), "--provider", "Gulf Times")
    assert gulf == []  # Gulf Times' only story was on the first page


def test_after_an_unknown_story_is_one_line_with_exit_2(run_cli: Run) -> None:
    result = run_cli("articles", "--after", "987654")
    assert (result.code, result.out) == (2, "")
    assert result.err == "wirewatch: error: --after 987654: no stored story has that id\n"


@pytest.mark.parametrize(
    "args",
    [
        ("--since", "yesterday"),
        ("--since", "2025-02-30"),
        ("--until", "17/11/2025"),
        ("--format", "xml"),
        ("--limit", "-3"),
        ("--limit", "ten"),
        ("--search", "(oil"),
        ("--search", "-oil"),
    ],
)
def test_bad_arguments_are_one_line_errors_with_exit_2(run_cli: Run, args: tuple[str, ...]) -> None:
    result = run_cli("articles", *args)
    assert result.code == 2
    assert result.out == ""
    assert len(result.err.strip().splitlines()) == 1
    assert result.err.startswith("wirewatch: error: ")


def test_show_by_wire_id_lists_addresses_and_diffs_revisions(run_cli: Run) -> None:
    result = run_cli("show", str(OIL.wire))
    assert result.code == 0
    assert OIL.title in result.out
    assert "Addresses (1)" in result.out
    assert "--- revision 1" in result.out and "+++ revision 2 (current)" in result.out
    assert "-Brent gained 2 percent." in result.out
    assert "+Brent gained 3 percent." in result.out


def test_show_by_id_and_as_json(run_cli: Run) -> None:
    listed = json.loads(run_cli("articles", "--provider", "Gulf Times", "--format", "json").out)
    result = run_cli("show", str(listed[0]["id"]), "--format", "json")
    detail = json.loads(result.out)
    assert detail["wire_id"] == str(GOLD.wire)
    assert {a["url"] for a in detail["addresses"]} == {
        GOLD.canonical_url,
        "https://gulfbusinesswire.example/2025/11/gold-steadies.html",
    }
    assert detail["revisions"] == []
    assert "Revisions: none" in run_cli("show", str(listed[0]["id"])).out


def test_show_unknown_story_exits_1(run_cli: Run) -> None:
    result = run_cli("show", "MENAFN01012020000000000000ID1234567890")
    assert result.code == 1
    assert result.err.strip() == (
        "wirewatch: error: no stored story has the wire ID or id "
        "'MENAFN01012020000000000000ID1234567890'"
    )


def test_runs_table_and_formats(run_cli: Run) -> None:
    table = run_cli("runs")
    assert table.code == 0
    assert "failed" in table.out and "succeeded" in table.out and "connection refused" in table.out
    rows = json.loads(run_cli("runs", "--format", "json").out)
    assert [r["source"] for r in rows] == ["partner", "menafn-world"]
    assert list(rows[0]) == RUN_FIELDS
    assert rows[1]["pages_fetched"] == 5 and rows[1]["pages_rejected"] == 1
    assert rows[0]["error"] == "start URL did not answer: connection refused"
    parsed = list(csv.DictReader(io.StringIO(run_cli("runs", "--format", "csv").out)))
    assert [r["status"] for r in parsed] == ["failed", "succeeded"]
    only = json.loads(run_cli("runs", "--source", "partner", "--format", "json").out)
    assert [r["source"] for r in only] == ["partner"]
    assert len(json.loads(run_cli("runs", "--limit", "1", "--format", "json").out)) == 1
    assert run_cli("runs", "--format", "yaml").code == 2


def test_a_piped_table_is_not_cut_without_a_terminal_width(filled_db: str) -> None:
    piped = run_wirewatch(
        "articles", env={"COLUMNS": "", "WIREWATCH_DATABASE_URL": filled_db}, timeout=60
    )
    assert piped.returncode == 0, piped.stderr
    assert "…" not in piped.stdout
    assert GOLD.title in piped.stdout
    assert max(len(line) for line in piped.stdout.splitlines()) > 80
