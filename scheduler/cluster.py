"""Celery mode, seen from anywhere: the queue's depth and the workers with what each runs.

``cluster_load`` is what ``wirewatch status`` shows, and what a metrics exporter
can publish (``queue_depth``, ``queued_runs``, ``busy_workers``, ``busy_slots``).
Workers answer a broadcast (Celery's remote control) within ``timeout`` seconds;
the runs each crawls come from the ledger (``running`` rows with its name), so a
worker that died still shows its runs until the leader closes them.
"""

from dataclasses import dataclass, field

from wirewatch.core.config import Config
from wirewatch.scheduler.broker import celery_app, live_workers, queue_depth
from wirewatch.storage.engine import Engine
from wirewatch.storage.ledger import RunRow, queued_runs, running_runs


@dataclass(frozen=True)
class WorkerLoad:
    name: str
    concurrency: int | None
    """Its slots (None: it did not say, or it did not answer)."""
    answered: bool
    """Whether it answered the broadcast (False: known only from its runs)."""
    runs: list[RunRow] = field(default_factory=list)


@dataclass(frozen=True)
class ClusterLoad:
    queue: str
    queue_depth: int | None
    """Jobs waiting in the broker (None: the broker did not answer)."""
    queued_runs: int
    workers: list[WorkerLoad]
    broker_error: str | None = None

    @property
    def busy_workers(self) -> int:
        return sum(1 for worker in self.workers if worker.runs)

    @property
    def busy_slots(self) -> int:
        return sum(len(worker.runs) for worker in self.workers)


def cluster_load(engine: Engine, config: Config, timeout: float = 1.0) -> ClusterLoad:
    """The queue and the workers of a Celery-mode config (see the module docstring)."""
    queue = config.dispatch.queue
    app = celery_app(config)
    depth: int | None = None
    error: str | None = None
    nodes = []
    try:
        depth = queue_depth(app, queue)
        nodes = live_workers(app, queue, timeout)
    except Exception as exc:
        error = " ".join(str(exc).split()) or type(exc).__name__
    finally:
        app.close()
    runs: dict[str, list[RunRow]] = {}
    for row in running_runs(engine):
        if row.queued_at is not None:
            runs.setdefault(row.hostname or "?", []).append(row)
    workers = [
        WorkerLoad(node.name, node.concurrency, True, runs.pop(node.name, [])) for node in nodes
    ]
    workers += [WorkerLoad(name, None, False, rows) for name, rows in sorted(runs.items())]
    return ClusterLoad(queue, depth, len(queued_runs(engine)), workers, error)
