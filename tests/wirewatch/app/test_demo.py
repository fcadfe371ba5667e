"""``wirewatch demo`` end to end in a temporary directory: exit code and database."""

from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from tests.cli import run_wirewatch
from wirewatch.crawler.extract.page import UNEXPECTED_ERROR
from wirewatch.storage.engine import make_engine

STORIES = 20
WITHOUT_WIRE_ID = 3
NEW_IN_ROUND_2 = 3


@pytest.mark.slow
def test_demo_crawls_twice_into_a_fresh_database(tmp_path: Path) -> None:
    stale = tmp_path / "wirewatch-demo.db"
    stale.write_bytes(b"not a database: the demo must start from a fresh file")
    elsewhere = {"WIREWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}"}
    completed = run_wirewatch(
        "demo", "--stories", str(STORIES), env=elsewhere, cwd=tmp_path, timeout=120
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert str(stale) in completed.stdout
    assert "stories stored" in completed.stdout
    assert not (tmp_path / "other.db").exists(), "the demo must ignore WIREWATCH_DATABASE_URL"

    engine = make_engine(f"sqlite:///{stale}")
    try:
        with engine.connect() as db:
            check_demo_database(db)
    finally:
        engine.dispose()


def check_demo_database(db: Connection) -> None:
    def one(sql: str) -> object:
        return db.execute(text(sql)).scalar_one()

    assert one("SELECT count(*) FROM articles") == STORIES + WITHOUT_WIRE_ID + NEW_IN_ROUND_2
    assert one("SELECT count(*) FROM articles WHERE wire_id IS NULL") == WITHOUT_WIRE_ID
    assert one("SELECT count(DISTINCT wire_id) FROM articles") == STORIES + NEW_IN_ROUND_2
    assert one("SELECT count(*) FROM article_revisions") == 2
    assert one("SELECT count(*) FROM articles WHERE revision = 2") == 2
    syndicated = one(
        "SELECT count(*) FROM (SELECT article_id FROM article_urls "
        "GROUP BY article_id HAVING count(*) > 1)"
    )
    assert isinstance(syndicated, int) and syndicated > WITHOUT_WIRE_ID
    runs = db.execute(text("SELECT source, trigger, status FROM crawl_runs ORDER BY id")).all()
    assert len(runs) == 4
    assert {run.trigger for run in runs} == {"demo"}
    assert {run.status for run in runs} == {"succeeded"}
    reasons = set(db.execute(text("SELECT reason FROM rejected_pages")).scalars())
    assert {"http_error", "too_large"} <= reasons
    broke = text("SELECT url, detail FROM rejected_pages WHERE detail LIKE :unexpected")
    assert db.execute(broke, {"unexpected": f"{UNEXPECTED_ERROR}%"}).all() == []
    private = text("SELECT url FROM rejected_pages WHERE url LIKE '%/private/%'")
    assert db.execute(private).all() == []
