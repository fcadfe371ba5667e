"""Nothing a page chose reaches a terminal raw; machine formats keep its exact values.

A stored story, its address, a revision, a run error and a rejection carry every
kind of terminal sequence (``hostile.TITLE``); each human-readable command must
print them escaped, and never read them as rich markup.
"""

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import Engine, text

from tests.cli import run_wirewatch
from tests.factories import foreign_engine, wire_page
from tests.wirewatch.app.cli.conftest import OIL, Run
from tests.wirewatch.app.cli.hostile import (
    BODY,
    MARKUP,
    RUN_ERROR,
    TITLE,
    hostile_site,
    unsafe,
)
from wirewatch.app.demo import _print_rejections
from wirewatch.storage.engine import make_engine

PROVIDER = "[red]Jordan[/red] \x1b[5mTimes"


@pytest.fixture
def hostile_db(filled_db: str) -> Iterator[str]:
    """``filled_db`` whose oil story, its address and revision, runs and rejections are hostile.

    Written with SQL, as another program (or an older wirewatch) could have stored them:
    wirewatch itself cleans control characters out before storing.
    """
    engine = foreign_engine(filled_db)
    with engine.begin() as connection:
        oil = connection.execute(
            text("SELECT id FROM articles WHERE wire_id = :w"), {"w": str(OIL.wire)}
        ).scalar_one()
        connection.execute(
            text("UPDATE articles SET title = :t, body = :b, provider = :p WHERE id = :id"),
            {"t": TITLE, "b": BODY, "p": PROVIDER, "id": oil},
        )
        connection.execute(
            text("UPDATE article_revisions SET title = :t WHERE article_id = :id"),
            {"t": f"Old {TITLE}", "id": oil},
        )
        connection.execute(text("UPDATE article_urls SET etag = :t"), {"t": TITLE})
        connection.execute(
            text("UPDATE crawl_runs SET error = :e WHERE status = 'failed'"), {"e": RUN_ERROR}
        )
        connection.execute(text("UPDATE rejected_pages SET detail = :t, url = :t"), {"t": TITLE})
    engine.dispose()
    yield filled_db


@pytest.fixture
def wide(run_cli: Run, monkeypatch: pytest.MonkeyPatch) -> Run:
    """``run_cli`` on a terminal wide enough that tables cut nothing."""
    monkeypatch.setenv("COLUMNS", "400")
    return run_cli


def stored_title(url: str, wire_id: str = str(OIL.wire)) -> str:
    engine = make_engine(url)
    with engine.connect() as connection:
        title = connection.execute(
            text("SELECT title FROM articles WHERE wire_id = :w"), {"w": wire_id}
        ).scalar_one()
    engine.dispose()
    return str(title)


@pytest.mark.parametrize(
    "args", [("articles",), ("show", str(OIL.wire)), ("runs",), ("status",)], ids=" ".join
)
def test_human_output_shows_control_and_bidi_characters_escaped(
    hostile_db: str, wide: Run, args: tuple[str, ...]
) -> None:
    result = wide(*args)
    assert result.code == 0, result.err
    assert unsafe(result.out + result.err) == []
    if args[0] != "status":
        assert "\\x1b]0;pwned\\x07" in result.out
        assert "\\u202egnp.exe\\u202c" in result.out


@pytest.mark.parametrize("args", [("articles",), ("show", str(OIL.wire))], ids=" ".join)
def test_stored_text_is_never_read_as_rich_markup(
    hostile_db: str, wide: Run, args: tuple[str, ...]
) -> None:
    out = wide(*args).out
    assert MARKUP in out
    assert "[red]Jordan[/re" in out  # the table cuts the provider column


def test_show_escapes_the_body_and_revisions_but_keeps_paragraphs(
    hostile_db: str, run_cli: Run
) -> None:
    out = run_cli("show", str(OIL.wire)).out
    assert "  First paragraph \\x1b[2J\\x1b[31mcleared.\n\n  Second paragraph" in out
    assert "with a bell\\x07." in out
    assert "-# Old Oil \\x1b]0;pwned" in out  # the revision diff


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_keeps_the_exact_values_with_every_control_character_escaped(
    hostile_db: str, run_cli: Run, fmt: str
) -> None:
    out = run_cli("articles", "--format", fmt).out
    rows = json.loads(out) if fmt == "json" else [json.loads(line) for line in out.splitlines()]
    assert rows[0]["title"] == stored_title(hostile_db)
    assert rows[0]["provider"] == PROVIDER
    assert unsafe(out) == []


def test_show_json_keeps_the_exact_values(hostile_db: str, run_cli: Run) -> None:
    out = run_cli("show", str(OIL.wire), "--format", "json").out
    detail = json.loads(out)
    assert detail["title"] == stored_title(hostile_db)
    assert detail["body"] == BODY
    assert detail["addresses"][0]["etag"] == TITLE
    assert unsafe(out) == []


def test_csv_keeps_the_exact_values(hostile_db: str, run_cli: Run) -> None:
    out = run_cli("articles", "--format", "csv", "--body").out
    row = next(csv.DictReader(io.StringIO(out)))
    assert (row["title"], row["body"]) == (stored_title(hostile_db), BODY)
    runs = list(csv.DictReader(io.StringIO(run_cli("runs", "--format", "csv").out)))
    assert runs[0]["error"] == RUN_ERROR


def test_the_demo_report_shows_rejections_escaped(hostile_db: str, migrated_engine: Engine) -> None:
    screen = Console(file=io.StringIO(), width=400, force_terminal=False)
    _print_rejections(migrated_engine, screen)
    shown = screen.file.getvalue()  # type: ignore[attr-defined]
    assert unsafe(shown) == []
    assert "\\x1b]0;pwned\\x07" in shown and MARKUP in shown


@pytest.mark.slow
def test_crawling_a_hostile_site_prints_nothing_it_chose_raw(
    tmp_path: Path, run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``crawl``'s summary and run errors, then ``articles``, ``show`` and ``runs`` of what it stored."""
    database = f"sqlite:///{tmp_path / 'hostile.db'}"
    with hostile_site() as base:
        config = tmp_path / "wirewatch.toml"
        config.write_text(
            f'[database]\nurl = "{database}"\n\n[crawl]\nobey_robots = false\nretries = 0\n\n'
            f'[[sources]]\nname = "story"\nstart_urls = ["{base}/feed.xml"]\n\n'
            f'[[sources]]\nname = "jump"\nstart_urls = ["{base}/jump"]\n'
        )
        crawl = run_wirewatch("crawl", config=config)
    assert crawl.returncode == 1, crawl.stderr  # the redirecting start URL fails its run
    assert "jump" in crawl.stdout and "failed" in crawl.stdout
    assert unsafe(crawl.stdout + crawl.stderr) == []
    wire_id = _only_wire_id(database)
    assert unsafe(stored_title(database, wire_id)), "the title was stored with its sequences"
    monkeypatch.setenv("WIREWATCH_DATABASE_URL", database)
    monkeypatch.chdir(tmp_path)
    for args in (("articles",), ("show", wire_id), ("runs",)):
        result = run_cli(*args)
        assert result.code == 0, result.err
        assert unsafe(result.out + result.err) == [], args


def _only_wire_id(url: str) -> str:
    engine = make_engine(url)
    with engine.connect() as connection:
        wire_id = connection.execute(text("SELECT wire_id FROM articles")).scalar_one()
    engine.dispose()
    return str(wire_id)


def test_extract_text_shows_a_hostile_page_escaped(tmp_path: Path, run_cli: Run) -> None:
    page = tmp_path / "page.html"
    page.write_text(wire_page(title=TITLE), encoding="utf-8")
    shown = run_cli("extract", str(page), "--format", "text")
    assert shown.code == 0, shown.err
    assert unsafe(shown.out + shown.err) == []
    exact = run_cli("extract", str(page), "--format", "json")
    assert unsafe(exact.out) == []
    assert unsafe(json.loads(exact.out)["title"])
