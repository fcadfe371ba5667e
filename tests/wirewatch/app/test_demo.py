"""``wirewatch demo`` end to end in a temporary directory: exit code and database."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

STORIES = 20
WITHOUT_WIRE_ID = 3
NEW_IN_ROUND_2 = 3


@pytest.mark.slow
def test_demo_crawls_twice_into_a_fresh_database(tmp_path: Path) -> None:
    stale = tmp_path / "wirewatch-demo.db"
    stale.write_bytes(b"not a database: the demo must start from a fresh file")
    env = {**os.environ, "WIREWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}"}
    env.pop("WIREWATCH_CONFIG", None)
    completed = subprocess.run(
        [sys.executable, "-m", "wirewatch", "demo", "--stories", str(STORIES)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert str(stale) in completed.stdout
    assert "stories stored" in completed.stdout
    assert not (tmp_path / "other.db").exists(), "the demo must ignore WIREWATCH_DATABASE_URL"

    with sqlite3.connect(stale) as db:

        def one(sql: str) -> object:
            return db.execute(sql).fetchone()[0]

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
        runs = db.execute("SELECT source, trigger, status FROM crawl_runs ORDER BY id").fetchall()
        assert len(runs) == 4
        assert {trigger for _, trigger, _ in runs} == {"demo"}
        assert {status for _, _, status in runs} == {"succeeded"}
        reasons = {row[0] for row in db.execute("SELECT reason FROM rejected_pages")}
        assert {"http_error", "too_large"} <= reasons
        assert not db.execute(
            "SELECT 1 FROM rejected_pages WHERE url LIKE '%/private/%'"
        ).fetchall()
