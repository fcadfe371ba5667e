"""``call_storage``: waits out transient database errors for a while, passes other errors at once.

The transient error is real: a connection refused by a closed port on 127.0.0.1.
"""

import asyncio
import socket
import time

import pytest
from sqlalchemy.exc import DBAPIError

from wirewatch.crawler.retry import StorageUnavailable, call_storage
from wirewatch.storage.engine import make_engine


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


UNREACHABLE = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/none"


class Flaky:
    """Fails like an unreachable database ``failures`` times, then answers."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            engine = make_engine(UNREACHABLE, connect_args={"connect_timeout": 2})
            try:
                engine.connect()
            finally:
                engine.dispose()
        return "stored"


def test_a_database_that_comes_back_is_waited_for() -> None:
    flaky = Flaky(failures=2)
    retries: list[float] = []

    answer = asyncio.run(
        call_storage(
            "store", flaky, retry_seconds=30, on_retry=lambda: retries.append(time.monotonic())
        )
    )

    assert answer == "stored"
    assert flaky.calls == 3
    assert len(retries) == 2


def test_a_database_gone_longer_than_the_limit_fails_in_one_line_after_the_limit() -> None:
    flaky = Flaky(failures=1_000)
    started = time.monotonic()

    with pytest.raises(StorageUnavailable) as caught:
        asyncio.run(call_storage("store", flaky, retry_seconds=1.0))

    elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 5
    assert flaky.calls >= 3, "backoff starts short"
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(
        "database unavailable for more than 1 s (storage_retry_seconds), gave up (store): "
        "OperationalError: "
    )


def test_with_no_retry_seconds_the_first_transient_error_gives_up() -> None:
    flaky = Flaky(failures=1)
    with pytest.raises(StorageUnavailable):
        asyncio.run(call_storage("store", flaky, retry_seconds=0))
    assert flaky.calls == 1


def test_an_error_that_is_not_transient_is_raised_at_once(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    calls: list[int] = []

    def insert() -> None:
        calls.append(1)
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO missing VALUES (1)")

    with pytest.raises(DBAPIError, match="no such table"):
        asyncio.run(call_storage("store", insert, retry_seconds=30))
    engine.dispose()
    assert calls == [1]
