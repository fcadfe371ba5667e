"""Alembic environment for wirewatch.

``storage.migrate`` passes an open connection in ``config.attributes["connection"]``
(no ``alembic.ini`` needed). From the ``alembic`` command line the URL comes from
``$WIREWATCH_DATABASE_URL``, else ``sqlalchemy.url`` in ``alembic.ini``, else the
wirewatch configuration file.
"""

import os
from typing import Any

from sqlalchemy import Connection

from alembic import context
from wirewatch.core.config import load_config
from wirewatch.storage.engine import make_engine
from wirewatch.storage.migrate import include_name
from wirewatch.storage.models import metadata

config = context.config


def _database_url() -> str:
    url = os.environ.get("WIREWATCH_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if url:
        return url
    return load_config().database.url


def _migrate(**where: Any) -> None:
    """Run the migrations with the options both modes share, against ``where``."""
    context.configure(
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
        **where,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    _migrate(connection=connection)


def run_migrations_offline() -> None:
    _migrate(url=_database_url(), literal_binds=True)


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_database_url())
    try:
        with engine.begin() as owned:
            _run(owned)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
