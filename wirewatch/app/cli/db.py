"""``wirewatch db``: schema management, with Alembic's own migrations.

``upgrade`` (``--sql`` writes the SQL for a DBA to apply instead), ``current``,
``history`` and ``downgrade REV``.
"""

import sys

import click

from wirewatch.app.cli.options import AppContext, common_options, pass_app
from wirewatch.core.errors import UsageError
from wirewatch.storage.migrate import (
    current_revision,
    head_revision,
    migration_history,
    upgrade_sql,
)
from wirewatch.storage.migrate import (
    downgrade as run_downgrade,
)
from wirewatch.storage.migrate import upgrade as run_upgrade


@click.group()
@common_options
def db() -> None:
    """Manage the database schema (Alembic migrations)."""


@db.command()
@click.option(
    "--sql",
    is_flag=True,
    help="Print the SQL of the pending migrations instead of running them (to apply by hand).",
)
@click.option(
    "--from",
    "start",
    metavar="REV",
    help="--sql: start after this revision ('base' for all) instead of the database's own.",
)
@common_options
@pass_app
def upgrade(app: AppContext, sql: bool, start: str | None) -> None:
    """Apply every pending migration to the configured database.

    \b
    Examples:
      WIREWATCH_DATABASE_URL=postgresql+psycopg://localhost/news wirewatch db upgrade
      wirewatch db upgrade --sql > migrate.sql            # for a DBA to review and apply
      wirewatch db upgrade --sql --from base > schema.sql  # without reaching the database
    """
    if start is not None and not sql:
        raise UsageError("--from goes with --sql")
    if sql:
        if start is None:
            start = current_revision(app.engine(upgrade=False))
        upgrade_sql(app.config.database.url, sys.stdout, None if start == "base" else start)
        return
    engine = app.engine(upgrade=False)
    before = current_revision(engine)
    run_upgrade(engine)
    after = current_revision(engine)
    url = engine.url.render_as_string(hide_password=True)
    if before == after:
        click.echo(f"{url}: already at revision {after}")
    else:
        click.echo(f"{url}: upgraded {before or 'empty database'} -> {after}")


@db.command()
@common_options
@pass_app
def current(app: AppContext) -> None:
    """Show the revision the database is at, and whether that is this wirewatch's head."""
    engine = app.engine(upgrade=False)
    url = engine.url.render_as_string(hide_password=True)
    revision, head = current_revision(engine), head_revision()
    if revision is None:
        click.echo(f"{url}: empty database (head is {head}; any command migrates it)")
    elif revision == head:
        click.echo(f"{url}: {revision} (head)")
    else:
        click.echo(f"{url}: {revision} (not head {head}: run `wirewatch db upgrade`)")


@db.command()
@common_options
def history() -> None:
    """List the migrations, newest first (the database is not read)."""
    for migration in migration_history():
        down = migration.down_revision or "<base>"
        head = " (head)" if migration.revision == head_revision() else ""
        click.echo(f"{down} -> {migration.revision}{head}, {migration.message}")


@db.command()
@click.argument("revision")
@click.option(
    "--yes", is_flag=True, help="Do not ask for confirmation (needed without a terminal)."
)
@common_options
@pass_app
def downgrade(app: AppContext, revision: str, yes: bool) -> None:
    """Migrate the database down to REVISION ('base': remove every table).

    A downgrade drops what later migrations added, data included: it asks first.

    \b
    Examples:
      wirewatch db history
      wirewatch db downgrade a1f3c9e20b01
    """
    engine = app.engine(upgrade=False)
    url = engine.url.render_as_string(hide_password=True)
    before = current_revision(engine)
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("a downgrade can drop data: add --yes to run it without a terminal")
        click.confirm(f"Downgrade {url} from {before} to {revision}?", abort=True, err=True)
    run_downgrade(engine, revision)
    after = current_revision(engine)
    click.echo(f"{url}: downgraded {before} -> {after or 'base (empty)'}")
