"""The query commands stay light: none of them loads the crawling or scheduling machinery,
nor Alembic when the database is at the head revision (``storage.schema``).

``wirewatch articles``, ``show``, ``runs`` and ``status`` each run in a fresh
interpreter against a migrated SQLite database named by a config file; at exit
the interpreter reports which top-level packages it had imported.
"""

from pathlib import Path

import pytest

from tests.cli import wirewatch_imports
from tests.factories import migrated

HEAVY = ("scrapy", "twisted", "apscheduler", "lxml", "trafilatura")


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("light")
    database = folder / "news.db"
    migrated(f"sqlite:///{database}").dispose()
    path = folder / "wirewatch.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{database}"\n\n'
        '[[sources]]\nname = "wire"\nstart_urls = ["http://127.0.0.1:9/feed.xml"]\n'
        'schedule = "*/15 * * * 1-5"\n'
    )
    return path


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
    config: Path, args: tuple[str, ...], code: int
) -> None:
    imports = wirewatch_imports(*args, config=config)
    assert imports.code == code
    assert "wirewatch.storage.engine" in imports.modules, "the command never reached the database"
    loaded = sorted({name.partition(".")[0] for name in imports.modules} & {*HEAVY, "alembic"})
    assert not loaded, f"wirewatch {' '.join(args)} imported {loaded}"
