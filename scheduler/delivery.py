"""Delivery of watch matches to their webhooks: one pass, and the daemon's loop of passes.

Delivery is separate from crawling: crawls only write matches into the outbox
(``watch_matches``); the daemon's leader runs ``deliver_pass`` every
``[delivery].interval`` seconds, and ``wirewatch watches deliver`` runs one pass
for cron users. A pass takes the due pending matches one at a time
(``storage.outbox.claim_due``), posts each, and records the result:

- a 2xx answer: ``delivered``;
- anything else (another status, a timeout, a refused connection, a redirect):
  another try after ``core.alerts.backoff`` seconds, or ``failed`` once the
  watch's ``max_attempts`` tries are spent.

Every try of one match carries the same ``Idempotency-Key`` (the match's id), so
a receiver can drop the repeats a crash between a POST and its record causes.
"""

import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import urllib3

from wirewatch import __version__
from wirewatch.core.alerts import Alert, alert_body, alert_headers, backoff
from wirewatch.core.config import DeliveryConfig, WatchConfig
from wirewatch.core.terminal import visible
from wirewatch.storage.engine import Engine
from wirewatch.storage.outbox import claim_due, fail_exhausted, record_delivered, record_failure

log = logging.getLogger(__name__)

LEASE_MARGIN = 5.0
"""Seconds a claimed match stays claimed beyond the POST's timeout."""
USER_AGENT = f"wirewatch/{__version__} (watch delivery)"

DeliveryListener = Callable[[str, str], None]
"""Called with (watch, result) after each try; result is ``delivered``, ``retry`` or ``failed``."""


@dataclass
class PassResult:
    """What one delivery pass did."""

    delivered: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def tries(self) -> int:
        return self.delivered + self.retried + self.failed


def _post(
    pool: urllib3.PoolManager, url: str, body: bytes, headers: dict[str, str], timeout: float
) -> str | None:
    """POST and return None on a 2xx answer, else why it failed (one line)."""
    try:
        response = pool.request(
            "POST",
            url,
            body=body,
            headers=headers,
            timeout=urllib3.Timeout(total=timeout),
            retries=False,
            redirect=False,
            preload_content=False,
        )
    except urllib3.exceptions.HTTPError as exc:
        return _describe(exc)
    try:
        if 200 <= response.status < 300:
            return None
        return f"HTTP {response.status}"
    finally:
        response.drain_conn()
        response.release_conn()


def _describe(exc: Exception) -> str:
    """A failed request's cause, in a few words (the first that applies, most specific first:
    urllib3's ``NewConnectionError`` is also a ``TimeoutError``)."""
    causes = [exc, getattr(exc, "reason", None)]
    if any(isinstance(c, urllib3.exceptions.NewConnectionError) for c in causes):
        return "connection refused or unreachable"
    if any(isinstance(c, urllib3.exceptions.TimeoutError) for c in causes):
        return "timed out"
    return " ".join(f"{type(exc).__name__}: {exc}".split())


def deliver_pass(
    engine: Engine,
    watches: Sequence[WatchConfig],
    settings: DeliveryConfig,
    *,
    stop: threading.Event | None = None,
    listener: DeliveryListener | None = None,
    limit: int | None = None,
) -> PassResult:
    """Try every due pending match of the watches that have a webhook, once each.

    Stops early when ``stop`` is set (between two POSTs) or after ``limit`` tries.
    """
    result = PassResult()
    by_name = {watch.name: watch for watch in watches if watch.webhook}
    for watch in by_name.values():
        fail_exhausted(engine, watch.name, watch.max_attempts)
    lease = settings.timeout + LEASE_MARGIN
    seen: set[int] = set()
    with urllib3.PoolManager(num_pools=16, maxsize=1) as pool:
        while not (stop is not None and stop.is_set()) and (limit is None or result.tries < limit):
            # Each match is tried once a pass, even when its backoff is shorter than the pass.
            claimed = claim_due(engine, list(by_name), lease, skip=seen)
            if claimed is None:
                break
            seen.add(claimed.alert.match_id)
            watch = by_name[claimed.alert.watch]
            outcome = _try(pool, engine, watch, settings, claimed.alert, claimed.attempts)
            setattr(result, outcome, getattr(result, outcome) + 1)
            if listener is not None:
                listener(watch.name, outcome)
    return result


def _try(
    pool: urllib3.PoolManager,
    engine: Engine,
    watch: WatchConfig,
    settings: DeliveryConfig,
    alert: Alert,
    attempts: int,
) -> str:
    """Post one claimed match and record the result: ``delivered``, ``retried`` or ``failed``."""
    assert watch.webhook is not None
    secret = os.environ.get(watch.secret_env) if watch.secret_env else None
    if watch.secret_env and not secret:
        error: str | None = f"the environment variable {watch.secret_env} is not set"
    else:
        body = alert_body(alert, watch.format)
        headers = alert_headers(alert, body, secret, USER_AGENT)
        error = _post(pool, watch.webhook, body, headers, settings.timeout)
    if error is None:
        record_delivered(engine, alert.match_id)
        log.info("watch=%s match=%d: delivered (try %d)", watch.name, alert.match_id, attempts)
        return "delivered"
    if attempts >= watch.max_attempts:
        record_failure(engine, alert.match_id, error, None)
        log.warning(
            "watch=%s match=%d: failed after %d tries: %s",
            watch.name,
            alert.match_id,
            attempts,
            visible(error),
        )
        return "failed"
    wait = backoff(attempts, settings.backoff_initial, settings.backoff_max)
    record_failure(engine, alert.match_id, error, datetime.now(UTC) + timedelta(seconds=wait))
    log.info(
        "watch=%s match=%d: try %d failed (%s); next in %.0fs",
        watch.name,
        alert.match_id,
        attempts,
        visible(error),
        wait,
    )
    return "retried"
