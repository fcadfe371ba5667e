"""``wirewatch db``: schema management."""

import click

from wirewatch.app.cli.options import AppContext, common_options, pass_app
from wirewatch.storage.migrate import current_revision
from wirewatch.storage.migrate import upgrade as run_upgrade


@click.group()
@common_options
def db() -> None:
    """Manage the database schema (Alembic migrations)."""


@db.command()
@common_options
@pass_app
def upgrade(app: AppContext) -> None:
    """Apply every pending migration to the configured database.

    \b
    Example:
      WIREWATCH_DATABASE_URL=postgresql+psycopg://localhost/news wirewatch db upgrade
    """
    engine = app.engine(upgrade=False)
    before = current_revision(engine)
    run_upgrade(engine)
    after = current_revision(engine)
    url = engine.url.render_as_string(hide_password=True)
    if before == after:
        click.echo(f"{url}: already at revision {after}")
    else:
        click.echo(f"{url}: upgraded {before or 'empty database'} -> {after}")
