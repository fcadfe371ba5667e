"""What a failed database call means: wait and retry, reject one page, or give up.

- *transient*: the database is busy or briefly gone (a lock, a deadlock, a
  serialization failure, a lost or refused connection, a server shutting down or
  starting up). The same call can succeed later: retry it.
- *row error*: the database refused the data (a ``DataError`` or an
  ``IntegrityError`` that is not transient). Another batch can succeed: the page
  that carries the data is rejected, the rest stored.
- anything else (a missing table, a bug) fails the run.

Errors are told apart by type, PostgreSQL's SQLSTATE and SQLite's result code,
never by their message text. ``describe`` turns any of them into one line for
logs and ``crawl_runs.error``: SQLAlchemy's own text carries the statement and
its parameters, page text included, over many lines.
"""

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError

from wirewatch.core.text import clean_text

TRANSIENT_SQLSTATES = frozenset(
    {
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "55P03",  # lock_not_available (lock_timeout)
        "53300",  # too_many_connections
        "57P01",  # admin_shutdown (a restart)
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now (starting up)
    }
)
TRANSIENT_SQLSTATE_CLASSES = frozenset({"08"})
"""Connection exceptions: the connection was lost or could not be made."""
CONFLICT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
_SQLITE_TRANSIENT = frozenset({SQLITE_BUSY, SQLITE_LOCKED})
_MAX_DESCRIPTION = 300


def is_transient(exc: BaseException) -> bool:
    """Whether retrying the same call later can succeed (see the module docstring)."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    sqlite_code = getattr(orig, "sqlite_errorcode", None)
    if sqlite_code is not None:
        return sqlite_code & 0xFF in _SQLITE_TRANSIENT
    if not hasattr(orig, "sqlstate"):
        return False
    sqlstate: str | None = getattr(orig, "sqlstate", None)
    if sqlstate is None:
        # psycopg raises OperationalError without a SQLSTATE when the connection
        # could not be made or broke off: the server never answered the statement.
        return isinstance(exc, OperationalError)
    return sqlstate in TRANSIENT_SQLSTATES or sqlstate[:2] in TRANSIENT_SQLSTATE_CLASSES


def is_conflict(exc: BaseException) -> bool:
    """A transient error caused by another writer (deadlock, serialization, a held lock)."""
    if not isinstance(exc, DBAPIError):
        return False
    sqlite_code = getattr(exc.orig, "sqlite_errorcode", None)
    if sqlite_code is not None:
        return sqlite_code & 0xFF in _SQLITE_TRANSIENT
    return getattr(exc.orig, "sqlstate", None) in CONFLICT_SQLSTATES


def is_row_error(exc: BaseException) -> bool:
    """The database refused the data itself: rejecting the row that carries it is the way on."""
    return isinstance(exc, DataError | IntegrityError) and not is_transient(exc)


def describe(exc: BaseException) -> str:
    """One line saying what went wrong: the driver's error type and the first line of its message.

    The message can quote the data refused: its control characters are dropped.
    """
    error = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = clean_text(str(error)).strip().splitlines()
    message = lines[0].strip() if lines else ""
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    if len(text) > _MAX_DESCRIPTION:
        text = text[: _MAX_DESCRIPTION - 3] + "..."
    return text
