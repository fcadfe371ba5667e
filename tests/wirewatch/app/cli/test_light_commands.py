"""The query commands stay light: none of them loads the crawling or scheduling machinery.

``wirewatch articles``, ``show``, ``runs`` and ``status`` each run in a fresh
interpreter against a migrated SQLite database named by a config file; at exit
the interpreter reports which top-level packages it had imported.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wirewatch.storage.engine import make_engine
from wirewatch.storage.migrate import upgrade

HEAVY = ("scrapy", "twisted", "apscheduler", "lxml", "trafilatura")

PROBE = """
import json, sys
from wirewatch.app.cli.main import main

report, sys.argv = sys.argv[1], ["wirewatch", *sys.argv[2:]]
try:
    main()
except SystemExit as exit:
    code = exit.code
with open(report, "w") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("light")
    database = folder / "news.db"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    engine.dispose()
    path = folder / "wirewatch.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{database}"\n\n'
        '[[sources]]\nname = "wire"\nstart_urls = ["http://127.0.0.1:9/feed.xml"]\n'
        'schedule = "*/15 * * * 1-5"\n'
    )
    return path


def imported_by(tmp_path: Path, config: Path, *args: str) -> tuple[int, set[str]]:
    """Run ``wirewatch ARGS --config CONFIG``; its exit code and every module it imported."""
    report = tmp_path / "report.json"
    subprocess.run(
        [sys.executable, "-c", PROBE, str(report), *args, "--config", str(config)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    found = json.loads(report.read_text())
    return found["code"], set(found["modules"])


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("articles",), 0),
        (("articles", "--format", "json", "--search", "oil"), 0),
        (("show", "MENAFN17112025000045017169ID1110354612"), 1),
        (("runs",), 0),
        (("status", "--format", "json"), 0),
    ],
)
def test_query_commands_load_no_crawler_scheduler_or_extraction_library(
    tmp_path: Path, config: Path, args: tuple[str, ...], code: int
) -> None:
    exit_code, modules = imported_by(tmp_path, config, *args)
    assert exit_code == code
    assert "wirewatch.storage.engine" in modules, "the command never reached the database"
    loaded = sorted({name.partition(".")[0] for name in modules} & set(HEAVY))
    assert not loaded, f"wirewatch {' '.join(args)} imported {loaded}"
