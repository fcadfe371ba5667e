"""Engines for SQLite (the default) and PostgreSQL (through psycopg 3).

SQLite connections get WAL (readers never block the writer), foreign keys and a
busy timeout, so several processes can write one file: a writer waits for the
lock instead of failing with "database is locked".

The crawler, the scheduler and the command line reach the database only
through storage (import-linter holds it so), yet pass an engine around: they
take its type, ``Engine``, and the error a lost database raises,
``OperationalError``, from this module rather than from SQLAlchemy. An engine
is an opaque handle to them: they hand it to storage's functions (and the
daemon to APScheduler's job store), never build SQL with it.

Every engine made here cleans the text it sends: each ``str`` parameter of every
statement goes through ``wirewatch.core.text.clean_text`` on its way to the
driver, so no path (stories, addresses, headers, rejections, run errors) can
store a C0 control character other than tab and newline, on either database.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from wirewatch.core.errors import WirewatchError
from wirewatch.core.text import clean_text

__all__ = [
    "SQLITE_BUSY_TIMEOUT_MS",
    "DatabaseLocation",
    "DatabaseMissing",
    "Engine",
    "OperationalError",
    "database_location",
    "make_engine",
    "missing_database",
    "normalise_url",
    "require_database",
]

SQLITE_BUSY_TIMEOUT_MS = 30_000


class DatabaseMissing(WirewatchError):
    """The database to read does not exist: nothing was ever stored there."""

    exit_code = 2


@dataclass(frozen=True)
class DatabaseLocation:
    """Which kind of database a URL names, and which database of it."""

    backend: str
    """``sqlite`` or ``postgresql``."""
    database: str | None
    """The SQLite file (None or ``:memory:`` in memory), or the PostgreSQL database name."""

    @property
    def in_memory(self) -> bool:
        return self.backend == "sqlite" and self.database in (None, "", ":memory:")


def normalise_url(url: str) -> str:
    """Route plain ``postgresql://`` (and ``postgres://``) URLs to the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def database_location(url: str) -> DatabaseLocation:
    """Where ``url`` points, without connecting."""
    parsed = make_url(normalise_url(url))
    return DatabaseLocation(parsed.get_backend_name(), parsed.database)


def require_database(url: str) -> None:
    """``DatabaseMissing`` when ``url`` is a SQLite file that does not exist.

    Connecting would create it, empty: a command that only reads must not. (A
    PostgreSQL database is never created by connecting; ``missing_database``
    recognises the error.)
    """
    location = database_location(url)
    if location.backend == "sqlite" and not location.in_memory:
        assert location.database is not None
        if not Path(location.database).exists():
            raise DatabaseMissing(
                f"no database at {location.database}: nothing has been stored there yet "
                "(`wirewatch db upgrade` creates it, `wirewatch crawl` fills it)"
            )


def missing_database(exc: BaseException) -> str | None:
    """The fix, when ``exc`` is PostgreSQL refusing a connection to a database it lacks.

    libpq reports a failed connection without a SQLSTATE, so the server's own
    words are looked for (``database "NAME" does not exist``; a server set to
    another language is not recognised, and its message alone is shown).
    """
    orig = getattr(exc, "orig", None)
    name = getattr(getattr(orig, "pgconn", None), "db", None)
    if not isinstance(exc, OperationalError) or not isinstance(name, bytes) or not name:
        return None
    database = name.decode(errors="replace")
    if f'database "{database}" does not exist' not in str(orig):
        return None
    return f"create it (`createdb {database}`), then run `wirewatch db upgrade`"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; extra keyword arguments go to ``create_engine``."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed.render_as_string(hide_password=False), **kwargs)
    else:
        engine = create_engine(parsed, pool_pre_ping=True, **kwargs)
    event.listen(engine, "before_cursor_execute", _clean_parameters, retval=True)
    return engine


def _clean_parameters(
    _connection: Any,
    _cursor: Any,
    statement: str,
    parameters: Any,
    _context: Any,
    _executemany: bool,
) -> tuple[str, Any]:
    """The statement with every text parameter cleaned (see the module docstring).

    The parameters' shape, not the ``executemany`` flag, says what they are: a
    batched insert ("insertmanyvalues") is flagged many but sends one set.
    """
    return statement, _cleaned(parameters)


def _cleaned(value: Any) -> Any:
    """``value`` with every string in it cleaned: parameter sets nest in lists, tuples, mappings."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {key: _cleaned(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(_cleaned(item) for item in value)
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    return value


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, **kwargs.pop("connect_args", {})}
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    in_memory = engine.url.database in (None, "", ":memory:")
    event.listen(engine, "connect", _sqlite_pragmas(wal=not in_memory))
    return engine


def _sqlite_pragmas(*, wal: bool) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            if wal:
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    return on_connect
