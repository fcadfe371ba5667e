"""Storage errors told apart by type, SQLSTATE and SQLite result code: real errors from real databases."""

import socket
import sqlite3
from collections.abc import Callable

import pytest
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import DBAPIError

from wirewatch.storage.engine import make_engine
from wirewatch.storage.errors import describe, is_conflict, is_row_error, is_transient


def raised(action: Callable[[], object]) -> DBAPIError:
    with pytest.raises(DBAPIError) as caught:
        action()
    return caught.value


def run(url: str, *statements: str, **engine_options: object) -> Callable[[], None]:
    """An action that runs ``statements`` in one transaction on a plain engine."""

    def action() -> None:
        engine = create_engine(url, **engine_options)  # type: ignore[arg-type]
        try:
            with engine.begin() as connection:
                for statement in statements:
                    connection.execute(text(statement))
        finally:
            engine.dispose()

    return action


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_locked_sqlite_file_is_transient_and_a_conflict(sqlite_url: str) -> None:
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        error = raised(run(sqlite_url, "CREATE TABLE t (x)", connect_args={"timeout": 0}))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert is_transient(error) and is_conflict(error)
    assert not is_row_error(error)


def test_a_missing_sqlite_table_is_neither_transient_nor_a_row_error(sqlite_url: str) -> None:
    error = raised(run(sqlite_url, "INSERT INTO missing VALUES (1)"))
    assert not is_transient(error) and not is_row_error(error)


def test_a_unique_violation_is_a_row_error(database_url: str) -> None:
    error = raised(
        run(
            database_url,
            "CREATE TABLE t (x INTEGER UNIQUE)",
            "INSERT INTO t VALUES (1)",
            "INSERT INTO t VALUES (1)",
        )
    )
    assert is_row_error(error) and not is_transient(error)


def test_a_refused_postgresql_connection_is_transient() -> None:
    engine = make_engine(
        f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/none",
        connect_args={"connect_timeout": 2},
    )
    error = raised(engine.connect)
    engine.dispose()
    assert is_transient(error) and not is_conflict(error) and not is_row_error(error)
    assert "\n" not in describe(error)
    assert describe(error).startswith("OperationalError: ")


@pytest.mark.postgres
def test_a_postgresql_lock_timeout_is_transient_and_a_conflict(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id integer PRIMARY KEY)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    try:
        with engine.connect() as holder:
            holder.execute(text("SELECT id FROM t FOR UPDATE"))
            error = raised(
                run(postgres_url, "SET LOCAL lock_timeout = '50ms'", "SELECT id FROM t FOR UPDATE")
            )
            holder.rollback()
    finally:
        engine.dispose()
    assert getattr(error.orig, "sqlstate", None) == "55P03"
    assert is_transient(error) and is_conflict(error)


@pytest.mark.postgres
def test_a_connection_the_server_terminates_is_transient(postgres_url: str) -> None:
    engine = create_engine(postgres_url, pool_pre_ping=False)
    admin = create_engine(postgres_url)
    try:
        with engine.connect() as victim:
            pid = victim.execute(text("SELECT pg_backend_pid()")).scalar_one()
            with admin.connect() as connection:
                connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

            def query(on: Connection = victim) -> None:
                on.execute(text("SELECT 1"))

            error = raised(query)
    finally:
        engine.dispose()
        admin.dispose()
    assert is_transient(error) and not is_row_error(error)


@pytest.mark.postgres
def test_nul_in_postgresql_text_is_a_row_error_described_in_one_line(postgres_url: str) -> None:
    engine = create_engine(postgres_url)  # SQLAlchemy's own engine: nothing cleans the text
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (title text)"))

        def insert() -> None:
            with engine.begin() as connection:
                connection.execute(
                    text("INSERT INTO t VALUES (:title)"), {"title": "Head\x00line " * 50}
                )

        error = raised(insert)
    finally:
        engine.dispose()
    assert is_row_error(error) and not is_transient(error)
    assert describe(error) == "DataError: PostgreSQL text fields cannot contain NUL (0x00) bytes"
