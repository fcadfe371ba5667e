"""The Celery application of Celery mode (``[dispatch] engine = "celery"``), and the broker's view.

The leader publishes one ``wirewatch.crawl`` job per due run (its only argument
is the run's id: the ledger row says the rest); ``wirewatch worker`` processes
consume them (``scheduler.worker``). Both build the same app from the config:

- late acknowledgement and a prefetch of one: a job is acknowledged only once its
  crawl has ended, so a worker that dies loses nothing (the job is delivered
  again, and finds its run no longer ``queued``);
- on Redis, a visibility timeout longer than a whole run (``run_timeout`` +
  ``grace_period`` + a margin), so a long crawl is not handed to a second worker;
- a short broker connection timeout, so a leader whose broker is down records
  the runs it cannot enqueue instead of hanging on them;
- JSON only, no result backend (results live in ``crawl_runs``), task events on
  (Flower shows them).
"""

import contextlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from celery import Celery

from wirewatch.core.config import Config

CRAWL_TASK = "wirewatch.crawl"
VISIBILITY_MARGIN = 600.0
"""Seconds beyond the longest possible run before Redis hands an unacknowledged job out again."""
CONNECT_TIMEOUT = 4.0
WORKER_PREFIX = "wirewatch@"


def visibility_timeout(config: Config) -> float:
    """Redis's visibility timeout: longer than any run can take, start to close."""
    daemon = config.daemon
    return daemon.run_timeout + daemon.grace_period + VISIBILITY_MARGIN


def celery_app(config: Config) -> Celery:
    """The Celery app of this config's broker and queue."""
    dispatch = config.dispatch
    app = Celery("wirewatch", broker=dispatch.broker_url, set_as_current=False)
    app.conf.update(
        task_default_queue=dispatch.queue,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        broker_transport_options={"visibility_timeout": visibility_timeout(config)},
        broker_connection_timeout=CONNECT_TIMEOUT,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        worker_hijack_root_logger=False,
        worker_send_task_events=True,
        task_send_sent_event=True,
        worker_enable_remote_control=True,
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )
    return app


PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
"""A leader retries a publish once, quickly: a broker that is down is recorded, not waited for."""


def publish_crawl(app: Celery, queue: str, run_id: int) -> None:
    """Publish the job of one queued run; raises when the broker cannot take it."""
    app.send_task(CRAWL_TASK, args=[run_id], queue=queue, retry=True, retry_policy=PUBLISH_RETRY)


def probe_broker(app: Celery) -> None:
    """Connect to the broker once; raises when it does not answer."""
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=CONNECT_TIMEOUT)


def queue_depth(app: Celery, queue: str) -> int:
    """Jobs waiting in the broker's queue (not those a worker has taken); raises when unreachable."""
    with app.connection_for_read() as connection:
        connection.ensure_connection(max_retries=1, timeout=CONNECT_TIMEOUT)
        channel = connection.default_channel
        try:
            declared = channel.queue_declare(queue=queue, passive=True)
        except Exception as exc:
            # A queue no worker has declared yet (AMQP), or an empty one (Redis keeps no
            # empty list): both answer 404 NOT_FOUND.
            if getattr(exc, "code", None) == 404 or "NOT_FOUND" in str(exc):
                return 0
            raise
        return int(declared.message_count)


@dataclass(frozen=True)
class WorkerNode:
    """A live worker consuming the queue, as it answers a broadcast."""

    name: str
    """Its ``--hostname`` (the name runs record)."""
    concurrency: int | None


def live_workers(app: Celery, queue: str, timeout: float = 1.0) -> list[WorkerNode]:
    """The workers that answer within ``timeout`` s and consume ``queue`` (others may share
    the broker). The two broadcasts (queues, stats) are sent at once: one ``timeout`` in all."""
    with ThreadPoolExecutor(2) as pool:
        asked_queues = pool.submit(app.control.inspect(timeout=timeout).active_queues)
        asked_stats = pool.submit(app.control.inspect(timeout=timeout).stats)
        queues: dict[str, Any] = asked_queues.result() or {}
        stats: dict[str, Any] = {}
        with contextlib.suppress(Exception):
            stats = asked_stats.result() or {}
    mine = sorted(
        node for node, items in queues.items() if any(q.get("name") == queue for q in items)
    )
    return [
        WorkerNode(node.removeprefix(WORKER_PREFIX), _concurrency(stats.get(node))) for node in mine
    ]


def _concurrency(stats: Any) -> int | None:
    try:
        return int(stats["pool"]["max-concurrency"])
    except (TypeError, KeyError, ValueError):
        return None
