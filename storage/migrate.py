"""Run the Alembic migrations from code, with or without ``alembic.ini``.

The scripts live in the repository's top-level ``alembic/`` directory; an
installed wheel carries them as ``storage/_alembic`` (pyproject force-include).
Upgrades hold a lock (a PostgreSQL advisory lock, SQLite's write lock) so that
several processes calling ``ensure_schema`` at once migrate only once.

Only a new, empty database is migrated without being asked (``ensure_schema``,
which every command calls); one at an older revision waits for ``wirewatch db
upgrade``, and one at a revision these scripts do not know (written by a newer
wirewatch) is never touched: both are a ``SchemaMismatch``, one line saying what
to do.
"""

from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, text

from alembic import command
from wirewatch.core.errors import WirewatchError
from wirewatch.storage.jobs_table import JOBS_TABLE

# Objects the models do not describe: APScheduler's job table and the full-text
# search machinery, which only migrations create (PostgreSQL's stored search
# vector included: the models serve both databases, and SQLite has none).
EXCLUDED_TABLES = frozenset({JOBS_TABLE})
EXCLUDED_PREFIXES = ("articles_fts",)
EXCLUDED_INDEXES = frozenset(
    {"ix_articles_search", "ix_articles_search_simple", "ix_articles_search_vector"}
)
EXCLUDED_COLUMNS = frozenset({("articles", "search_vector")})
_PG_MIGRATION_LOCK = 0x77697265  # "wire"


class UnknownRevision(WirewatchError):
    """A revision the migration scripts do not know (``wirewatch db history`` lists them)."""

    exit_code = 2


class SchemaMismatch(WirewatchError):
    """The database is not at the revision this wirewatch's code needs, and must not be
    migrated without being asked (or cannot be: it is newer than the code)."""

    exit_code = 2


def include_name(
    name: str | None,
    type_: Literal[
        "schema",
        "table",
        "column",
        "index",
        "unique_constraint",
        "foreign_key_constraint",
        "check_constraint",
    ],
    parent_names: MutableMapping[
        Literal["schema_name", "table_name", "schema_qualified_table_name"], str | None
    ],
) -> bool:
    """Alembic ``include_name`` hook: hide objects that exist only outside the models."""
    if name is None:
        return True
    if type_ == "table":
        return name not in EXCLUDED_TABLES and not name.startswith(EXCLUDED_PREFIXES)
    if type_ == "index":
        return name not in EXCLUDED_INDEXES
    if type_ == "column":
        return (parent_names.get("table_name"), name) not in EXCLUDED_COLUMNS
    return True


def script_location() -> Path:
    """The migration scripts: packaged copy first, then the repository checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_alembic", here.parent / "alembic"):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError(
        f"no Alembic scripts in {here / '_alembic'} or {here.parent / 'alembic'}"
    )


def alembic_config(connection: Connection | None = None) -> Config:
    """A programmatic Alembic config; ``connection`` is used by ``env.py`` when given."""
    config = Config()
    config.set_main_option("script_location", str(script_location()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revisions() -> frozenset[str]:
    """Every revision the migration scripts know."""
    scripts = ScriptDirectory.from_config(alembic_config())
    return frozenset(script.revision for script in scripts.walk_revisions())


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty (unmigrated) database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to ``revision``; ``SchemaMismatch`` if the database is newer than the code."""
    _refuse_newer(current_revision(engine))
    with engine.connect() as connection:
        _lock(connection)
        command.upgrade(alembic_config(connection), revision)
        connection.commit()


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate down to ``revision`` (``base``: nothing left); ``UnknownRevision`` for one the
    scripts do not know or that is not below the current one."""
    _refuse_newer(current_revision(engine))
    check_revision(revision)
    with engine.connect() as connection:
        _lock(connection)
        try:
            command.downgrade(alembic_config(connection), revision)
        except CommandError as exc:
            connection.rollback()
            raise UnknownRevision(str(exc)) from None
        connection.commit()


@dataclass(frozen=True)
class Migration:
    """One migration script: its revision, the one before it and what it does."""

    revision: str
    down_revision: str | None
    message: str


def migration_history() -> list[Migration]:
    """Every migration, newest first."""
    scripts = ScriptDirectory.from_config(alembic_config())
    history = []
    for script in scripts.walk_revisions():
        down = script.down_revision
        if isinstance(down, tuple | list):
            down = ",".join(down)
        history.append(Migration(script.revision, down, (script.doc or "").strip()))
    return history


def upgrade_sql(url: str, out: TextIO, start: str | None, revision: str = "head") -> None:
    """Write the SQL of the migrations after ``start`` (None: all of them) up to ``revision``,
    for the database kind of ``url``, instead of running them (Alembic's offline mode)."""
    config = alembic_config()
    config.output_buffer = out
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    _refuse_newer(start)
    try:
        command.upgrade(config, f"{start}:{revision}" if start else revision, sql=True)
    except CommandError as exc:
        raise UnknownRevision(str(exc)) from None


def check_revision(revision: str) -> None:
    """``UnknownRevision`` unless the scripts know ``revision`` (or it is ``base``/``head``)."""
    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except CommandError as exc:
        raise UnknownRevision(str(exc)) from None


def ensure_schema(engine: Engine) -> None:
    """Make sure the database is at head: migrate a new, empty one; refuse any other.

    Every CLI command calls this. ``SchemaMismatch`` (exit code 2) for a database at an
    older revision (``wirewatch db upgrade`` migrates it) or at one the code does not know.
    """
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    if current is None:
        upgrade(engine)
        return
    _refuse_newer(current)
    raise SchemaMismatch(
        f"this database is at revision {current}, older than this wirewatch (head {head}): "
        "run `wirewatch db upgrade` to migrate it"
    )


def _refuse_newer(current: str | None) -> None:
    if current is not None and current not in known_revisions():
        raise SchemaMismatch(
            f"this database is at revision {current}, newer than this wirewatch "
            f"(head {head_revision()}); upgrade wirewatch"
        )


def _lock(connection: Connection) -> None:
    """Serialise migrations between processes until the transaction ends."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
