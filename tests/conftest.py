"""Shared database fixtures: real SQLite files and a real PostgreSQL server, no mocks.

- ``sqlite_url``: a fresh SQLite file in ``tmp_path``.
- ``postgres_url``: a fresh scratch database (``wirewatch_test_<random>``), dropped
  afterwards, so concurrent test runs never collide. The server comes from
  ``$WIREWATCH_TEST_POSTGRES_URL`` (default: the CI server at 127.0.0.1:5432,
  database ``test``). Unreachable: the test skips, saying so, or fails when ``$CI``
  is set, so CI can never pass by skipping.
- ``database_url``: both of the above, one test each (ids ``sqlite``/``postgres``).
- ``migrated_engine``, ``sqlite_engine``, ``postgres_engine``: an engine on the
  database of ``database_url``, ``sqlite_url`` or ``postgres_url``, migrated to
  the head revision, disposed after the test. A test that takes the URL fixture
  too gets the URL of that same database.

The URLs alone point at empty databases.
"""

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from tests.factories import migrated
from tests.scheduler.helpers import SlowSite
from wirewatch.app.sampleweb import SampleWeb

POSTGRES_ENV = "WIREWATCH_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'wirewatch-test.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    server = make_url(os.environ.get(POSTGRES_ENV, DEFAULT_POSTGRES_URL))
    admin = create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    name = f"wirewatch_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        _unreachable(server, exc)
    try:
        yield _render(server.set(database=name))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _unreachable(server: URL, exc: OperationalError) -> None:
    where = _render(server.set(password=None))
    reason = f"PostgreSQL not reachable at {where} (set ${POSTGRES_ENV}): {exc.orig}"
    if os.environ.get("CI"):
        pytest.fail(f"CI is set, so this is an error, not a skip: {reason}")
    pytest.skip(reason)


def _render(url: URL) -> str:
    return url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """An empty database of each kind in turn."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def migrated_engine(database_url: str) -> Iterator[Engine]:
    """A migrated database of each kind in turn."""
    engine = migrated(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = migrated(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = migrated(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture
def web() -> Iterator[SampleWeb]:
    with SampleWeb(stories=12, bad_pages=False) as site:
        yield site


@pytest.fixture
def slow_site(web: SampleWeb) -> Iterator[SlowSite]:
    """The wire site of ``web``, each answer ``delay`` seconds late (tests may change it)."""
    site = SlowSite(web.wire_base, delay=0.7)
    thread = threading.Thread(target=site.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield site
    site.shutdown()
    site.server_close()
