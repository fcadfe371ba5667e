"""The schema revision this code was written for, and a check of it cheap enough for every command.

``storage.migrate`` knows the revisions by reading the Alembic scripts, which
costs an Alembic import and a parse of every script (about 60 ms of each
command's start-up). A command only needs to know whether the database is at
the head revision, which is one row of ``alembic_version``; only when it is not
does ``storage.migrate.ensure_schema`` run to say why (or to migrate a new,
empty database). ``SCHEMA_HEAD`` must name the newest migration: a test
compares it with the scripts' head.
"""

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

SCHEMA_HEAD = "f6b8d0c43a75"


def at_head(engine: Engine) -> bool:
    """Whether the database's ``alembic_version`` says ``SCHEMA_HEAD``.

    False when it cannot tell (no such table, or no database at all):
    ``storage.migrate.ensure_schema`` then finds out, and says, what is wrong.
    """
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:
        return False
    return [row.version_num for row in versions] == [SCHEMA_HEAD]
