"""Storage calls from the crawl: run off the reactor, waiting out a database that is briefly gone.

A PostgreSQL restart, a failover or a busy SQLite file must not cost a crawl its
pages. ``call_storage`` runs a blocking storage function in a worker thread and,
while it fails with a transient error (``storage.errors.is_transient``), tries
again with exponential backoff and jitter until ``retry_seconds`` have passed
since the first failure; then it raises ``StorageUnavailable``, one line. Any
other error is raised at once, as it came.
"""

import asyncio
import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from wirewatch.storage.errors import describe, is_transient

log = logging.getLogger(__name__)

FIRST_DELAY = 0.25
"""Seconds before the first retry; doubled (with jitter) before each further one."""
MAX_DELAY = 5.0
"""The longest pause between two tries, so a database that is back is used soon."""

T = TypeVar("T")


class StorageUnavailable(Exception):
    """The database kept failing with transient errors for longer than the crawl may wait."""


async def call_storage(
    what: str,
    function: Callable[..., T],
    *args: Any,
    retry_seconds: float,
    on_retry: Callable[[], None] | None = None,
    **kwargs: Any,
) -> T:
    """``function(*args, **kwargs)`` in a thread, retried while the database is unavailable.

    ``what`` names the call in logs and errors; ``on_retry`` is called before each retry.
    """
    deadline: float | None = None
    delay = FIRST_DELAY
    while True:
        try:
            return await asyncio.to_thread(function, *args, **kwargs)
        except Exception as exc:
            if not is_transient(exc):
                raise
            now = time.monotonic()
            if deadline is None:
                deadline = now + retry_seconds
                log.warning(
                    "database unavailable (%s: %s); retrying for up to %g s",
                    what,
                    describe(exc),
                    retry_seconds,
                )
            remaining = deadline - now
            if remaining <= 0:
                raise StorageUnavailable(
                    f"database unavailable for more than {retry_seconds:g} s "
                    f"(storage_retry_seconds), gave up ({what}): {describe(exc)}"
                ) from exc
            if on_retry is not None:
                on_retry()
            await asyncio.sleep(min(random.uniform(delay / 2, delay), remaining))
            delay = min(delay * 2, MAX_DELAY)
