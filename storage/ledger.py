"""The run ledger: the one owner of ``crawl_runs`` rows, and of their ``rejected_pages``.

Every process that takes part in a run (the crawl process, the daemon's
launcher, the daemon's crash recovery, the demo) proposes through these
functions; no other module writes ``crawl_runs``.

- ``start_run`` inserts a ``running`` row (source, trigger, pid, host) and returns its id;
  ``RunInFlight`` when the source already has a run queued or running (the partial
  unique index ``uq_crawl_runs_source_active`` refuses it, on every machine at once).
- Celery mode: ``queue_runs`` inserts ``queued`` rows, one statement for the sources
  that came due together (a source with a run in flight gets none: the caller
  coalesces it; ``queue_run`` does one); ``claim_run`` turns it ``running`` for the worker
  that won it, once; ``beat`` refreshes ``heartbeat_at`` of a worker's runs;
  ``interrupt_silent_runs`` closes the runs whose heartbeat went stale (the leader).
- ``attach_pid`` points a running row at the process that will close it.
- ``add_counts`` adds a ``RunCounts`` to the row's counters, as increments in SQL
  (``SET n = n + :delta``), so the several writers of one run never lose counts.
- ``close_run`` ends a run: the first close wins (``UPDATE ... WHERE id = :id AND
  status IN ('queued', 'running')``) and says whether it was this one. Later proposals, such
  as a launcher settling a row its child already closed, change nothing.
- ``close_timed_out_run`` is the one override of that rule (see its docstring).
- ``close_abandoned_runs`` closes, through ``close_run``, the running rows of a
  host whose process is gone (a crawl killed with ``kill -9`` cannot close its own).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, RowMapping, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from wirewatch.core.errors import WirewatchError
from wirewatch.core.record import Rejection
from wirewatch.storage.models import (
    ACTIVE_RUN,
    RunStatus,
    RunTrigger,
    crawl_runs,
    rejected_pages,
)

OPEN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)
"""A run in these is in flight: the source can have only one such row."""


@dataclass(frozen=True, slots=True)
class RunCounts:
    """A run's counters, named as the ``crawl_runs`` columns they add to."""

    pages_fetched: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    duplicates: int = 0
    pages_rejected: int = 0

    def __add__(self, other: "RunCounts") -> "RunCounts":
        return RunCounts(*(getattr(self, name) + getattr(other, name) for name in COUNTERS))

    def __bool__(self) -> bool:
        return any(self.as_dict().values())

    def as_dict(self) -> dict[str, int]:
        """Counter name -> value, in column order."""
        return {name: getattr(self, name) for name in COUNTERS}


COUNTERS: tuple[str, ...] = tuple(field.name for field in fields(RunCounts))


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """How a run ended, as proposed to ``close_run``: a final status and why, when it failed."""

    status: RunStatus
    error: str | None = None

    def __post_init__(self) -> None:
        status = RunStatus(self.status)  # ValueError for anything but a status
        if status in OPEN_STATUSES:
            raise ValueError(f"a run cannot be closed as {status}")
        object.__setattr__(self, "status", status)


@dataclass(frozen=True)
class RunRow:
    """A ``crawl_runs`` row, detached from any session (its fields are the columns shown)."""

    id: int
    source: str
    trigger: RunTrigger
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None
    pages_fetched: int
    articles_new: int
    articles_updated: int
    articles_unchanged: int
    duplicates: int
    pages_rejected: int
    error: str | None
    pid: int | None
    hostname: str | None
    queued_at: datetime | None = None
    heartbeat_at: datetime | None = None

    @classmethod
    def from_mapping(cls, row: RowMapping) -> "RunRow":
        """A row read with ``RUN_COLUMNS``."""
        return cls(
            **{**row, "trigger": RunTrigger(row["trigger"]), "status": RunStatus(row["status"])}
        )

    @property
    def counts(self) -> RunCounts:
        return RunCounts(**{name: getattr(self, name) for name in COUNTERS})


RUN_COLUMNS = [crawl_runs.c[name] for name in RunRow.__dataclass_fields__]


def utcnow() -> datetime:
    return datetime.now(UTC)


class RunInFlight(WirewatchError):
    """The source already has a run queued or running: a second one is refused."""

    def __init__(self, source: str, run: "RunRow | None") -> None:
        self.source = source
        self.run = run
        where = (
            f" (run {run.id}, {run.status} on {run.hostname or 'an unknown host'})" if run else ""
        )
        super().__init__(f"source {source!r} is being crawled already{where}")


def start_run(
    engine: Engine,
    source: str,
    trigger: RunTrigger,
    *,
    pid: int | None = None,
    hostname: str | None = None,
) -> int:
    """Insert a ``running`` row and return its id; ``pid`` and ``hostname`` say where it runs.

    ``RunInFlight`` when the source has a run queued or running already.
    """
    statement = (
        insert(crawl_runs)
        .values(
            source=source,
            trigger=RunTrigger(trigger),
            status=RunStatus.RUNNING,
            started_at=utcnow(),
            pid=pid,
            hostname=hostname,
        )
        .returning(crawl_runs.c.id)
    )
    try:
        with engine.begin() as connection:
            return int(connection.execute(statement).scalar_one())
    except IntegrityError:
        raise RunInFlight(source, active_run(engine, source)) from None


def queue_run(engine: Engine, source: str, trigger: RunTrigger = RunTrigger.SCHEDULE) -> int | None:
    """Insert a ``queued`` row (Celery mode) and return its id; None when the source has a
    run queued or running already (the database refuses a second one: the caller coalesces)."""
    return queue_runs(engine, [source], trigger).get(source)


def queue_runs(
    engine: Engine, sources: Sequence[str], trigger: RunTrigger = RunTrigger.SCHEDULE
) -> dict[str, int]:
    """Insert a ``queued`` row for each source, in one statement; return the new run ids by
    source. A source missing from the result has a run queued or running already (the
    database refuses a second one: the caller coalesces it).

    ``started_at`` is the enqueue time until a worker claims the run (the column stays
    non-null, so queries ordering by it keep working).
    """
    if not sources:
        return {}
    now = utcnow()
    rows = [
        {
            "source": source,
            "trigger": RunTrigger(trigger),
            "status": RunStatus.QUEUED,
            "queued_at": now,
            "started_at": now,
        }
        for source in dict.fromkeys(sources)
    ]
    with engine.begin() as connection:
        # ON CONFLICT DO NOTHING on the partial index: a coalesced run costs the leader
        # no error and no rollback (a thousand sources come due at once). The index's
        # predicate is given as its SQL text, not with bound values: PostgreSQL must
        # infer the index when it plans the statement generically too (psycopg prepares
        # a statement run five times; from the eleventh run a generic plan is tried,
        # and with parameters in the predicate no index would match).
        dialect = connection.dialect.name
        upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            upsert(crawl_runs)
            .values(rows)
            .on_conflict_do_nothing(
                index_elements=[crawl_runs.c.source],
                index_where=text(ACTIVE_RUN),
            )
            .returning(crawl_runs.c.source, crawl_runs.c.id)
        )
        return {source: int(run_id) for source, run_id in connection.execute(statement)}


def claim_run(engine: Engine, run_id: int, *, hostname: str, pid: int) -> bool:
    """A worker takes a ``queued`` run: it becomes ``running`` there. Only one claim wins;
    a job delivered twice finds the run claimed (or closed) and gets False."""
    now = utcnow()
    statement = (
        update(crawl_runs)
        .where(crawl_runs.c.id == run_id, crawl_runs.c.status == RunStatus.QUEUED)
        .values(
            status=RunStatus.RUNNING,
            started_at=now,
            heartbeat_at=now,
            hostname=hostname,
            pid=pid,
        )
    )
    with engine.begin() as connection:
        return connection.execute(statement).rowcount == 1


def beat(engine: Engine, run_ids: Sequence[int]) -> int:
    """Refresh ``heartbeat_at`` of the still running runs among ``run_ids``; how many."""
    if not run_ids:
        return 0
    statement = (
        update(crawl_runs)
        .where(crawl_runs.c.id.in_(run_ids), crawl_runs.c.status == RunStatus.RUNNING)
        .values(heartbeat_at=utcnow())
    )
    with engine.begin() as connection:
        return connection.execute(statement).rowcount


def interrupt_silent_runs(engine: Engine, silent_for: float) -> list[RunRow]:
    """Close ``interrupted`` the running runs whose heartbeat is older than ``silent_for``
    seconds (their worker died or lost its machine); return those closed.

    Only runs that have a heartbeat (claimed by a Celery worker) are concerned; each
    close goes through ``close_run``, so a run its worker closes meanwhile keeps that.
    """
    cutoff = utcnow() - timedelta(seconds=silent_for)
    statement = select(*RUN_COLUMNS).where(
        crawl_runs.c.status == RunStatus.RUNNING,
        crawl_runs.c.heartbeat_at.is_not(None),
        crawl_runs.c.heartbeat_at < cutoff,
    )
    with engine.connect() as connection:
        silent = [RunRow.from_mapping(row._mapping) for row in connection.execute(statement)]
    closed = []
    for row in silent:
        assert row.heartbeat_at is not None
        reason = (
            f"no heartbeat from worker {row.hostname or '?'} (pid {row.pid}) since "
            f"{row.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC: the worker died or lost its machine"
        )
        if close_run(engine, row.id, RunOutcome(RunStatus.INTERRUPTED, reason)):
            closed.append(row)
    return closed


def queued_runs(
    engine: Engine, queued_before: datetime | None = None, limit: int | None = None
) -> list[RunRow]:
    """Runs still ``queued`` (oldest first), optionally only those enqueued before a time,
    at most ``limit`` of them."""
    statement = select(*RUN_COLUMNS).where(crawl_runs.c.status == RunStatus.QUEUED)
    if queued_before is not None:
        statement = statement.where(crawl_runs.c.queued_at < queued_before)
    statement = statement.order_by(crawl_runs.c.id).limit(limit)
    with engine.connect() as connection:
        return [RunRow.from_mapping(row._mapping) for row in connection.execute(statement)]


def active_run(engine: Engine, source: str) -> RunRow | None:
    """The source's run in flight (queued or running), if any."""
    statement = select(*RUN_COLUMNS).where(
        crawl_runs.c.source == source, crawl_runs.c.status.in_(OPEN_STATUSES)
    )
    with engine.connect() as connection:
        row = connection.execute(statement).first()
    return RunRow.from_mapping(row._mapping) if row else None


def attach_pid(engine: Engine, run_id: int, pid: int) -> bool:
    """Point a still running row at the process that now owns it; False when it is not running."""
    statement = (
        update(crawl_runs)
        .where(crawl_runs.c.id == run_id, crawl_runs.c.status == RunStatus.RUNNING)
        .values(pid=pid)
    )
    with engine.begin() as connection:
        return connection.execute(statement).rowcount == 1


def add_counts(engine: Engine, run_id: int, counts: RunCounts) -> None:
    """Atomically add ``counts`` to the run's counters (zeros are left out of the statement)."""
    values = {name: crawl_runs.c[name] + delta for name, delta in counts.as_dict().items() if delta}
    if not values:
        return
    with engine.begin() as connection:
        connection.execute(update(crawl_runs).where(crawl_runs.c.id == run_id).values(values))


def account_batch(
    engine: Engine,
    run_id: int,
    counts: RunCounts,
    rejections: Sequence[Rejection],
    *,
    counted_before: RunCounts,
) -> bool:
    """Record one stored batch's rejections and counts in one transaction, exactly once.

    For a run's single counting writer (the crawl's storage pipeline), which knows
    what it has counted so far (``counted_before``). The counters are added only
    while they still read ``counted_before``: a retry after a commit whose answer
    was lost (the connection dropped while committing) finds them at
    ``counted_before + counts`` and changes nothing, so neither counts nor
    rejections are recorded twice. Returns False when the batch was recorded
    already; raises when the counters hold anything else (another writer).
    """
    columns = [crawl_runs.c[name] for name in COUNTERS]
    unchanged = [column == getattr(counted_before, column.name) for column in columns]
    values = {column: column + getattr(counts, column.name) for column in columns}
    statement = update(crawl_runs).where(crawl_runs.c.id == run_id, *unchanged).values(values)
    with engine.begin() as connection:
        if connection.execute(statement).rowcount == 1:
            _insert_rejections(connection, run_id, rejections, utcnow())
            return True
        row = connection.execute(select(*columns).where(crawl_runs.c.id == run_id)).first()
    if row is not None and RunCounts(**row._mapping) == counted_before + counts:
        return False
    raise RuntimeError(
        f"run {run_id}'s counters are not what its storage pipeline counted "
        f"({row._mapping if row else 'no such run'} against {counted_before} + {counts})"
    )


def close_run(engine: Engine, run_id: int, outcome: RunOutcome) -> bool:
    """Close a queued or running run with its outcome; return whether this call closed it.

    The first close wins: a run that is no longer ``queued`` or ``running`` is left as it is.
    """
    statement = (
        update(crawl_runs)
        .where(crawl_runs.c.id == run_id, crawl_runs.c.status.in_(OPEN_STATUSES))
        .values(status=outcome.status, finished_at=utcnow(), error=outcome.error)
    )
    with engine.begin() as connection:
        return connection.execute(statement).rowcount == 1


def close_timed_out_run(engine: Engine, run_id: int, error: str | None) -> bool:
    """Fail a run its launcher killed for running past ``run_timeout``: the one override.

    The launcher stops such a crawl with SIGTERM, and the crawl, shutting down,
    closes its own row as ``interrupted`` before the launcher can say why it
    stopped. A timeout is a failure, so this closes the row as ``failed`` whether
    it is still ``running`` or already ``interrupted``. A run that ended
    ``succeeded`` or ``failed`` on its own before the kill keeps that. (A run
    found orphaned needs no override: the recovering daemon closes it only while
    it is still ``running``, with ``close_run``.)
    """
    statement = (
        update(crawl_runs)
        .where(
            crawl_runs.c.id == run_id,
            crawl_runs.c.status.in_([RunStatus.RUNNING, RunStatus.INTERRUPTED]),
        )
        .values(status=RunStatus.FAILED, finished_at=utcnow(), error=error)
    )
    with engine.begin() as connection:
        return connection.execute(statement).rowcount == 1


ProcessCheck = Callable[[int, int, datetime], bool]
"""``(pid, run id, run started at)``: whether that pid is still the run's process
(``wirewatch.core.processes.process_owns_run``; the ledger never reads the process table)."""


def abandoned_outcome(row: RunRow) -> RunOutcome:
    """How a run ends whose process on this host is gone without having closed it."""
    who = f"process {row.pid}" if row.pid is not None else "its process (no pid recorded)"
    reason = f"{who} on {row.hostname} is gone: it died or was killed before it closed the run"
    return RunOutcome(RunStatus.INTERRUPTED, reason)


def close_abandoned_runs(
    engine: Engine, host: str, owns_run: ProcessCheck
) -> list[tuple[RunRow, RunOutcome]]:
    """Close ``interrupted`` the running rows of ``host`` whose process is gone; return those closed.

    Only rows recorded on ``host`` can be checked (a pid means nothing on another
    machine), and a row whose pid ``owns_run`` still owns is a live crawl, left
    alone. Each close goes through ``close_run``: a run its own process closes
    meanwhile keeps that close.
    """
    closed: list[tuple[RunRow, RunOutcome]] = []
    for row in running_runs(engine):
        if row.hostname != host:
            continue
        if row.pid is not None and owns_run(row.pid, row.id, row.started_at):
            continue
        outcome = abandoned_outcome(row)
        if close_run(engine, row.id, outcome):
            closed.append((row, outcome))
    return closed


def record_rejections(
    engine: Engine,
    run_id: int,
    rejections: Sequence[Rejection],
    seen_at: datetime | None = None,
) -> None:
    """Store rejected pages for a run (its ``pages_rejected`` counter is ``add_counts``' job)."""
    with engine.begin() as connection:
        _insert_rejections(connection, run_id, rejections, seen_at or utcnow())


def _insert_rejections(
    connection: Connection, run_id: int, rejections: Sequence[Rejection], seen_at: datetime
) -> None:
    if not rejections:
        return
    rows = [
        {
            "crawl_run_id": run_id,
            "url": rejection.url,
            "reason": str(rejection.reason),
            "detail": rejection.detail,
            "http_status": rejection.http_status,
            "seen_at": seen_at,
        }
        for rejection in rejections
    ]
    connection.execute(insert(rejected_pages), rows)


def get_run(engine: Engine, run_id: int) -> RunRow | None:
    with engine.connect() as connection:
        row = connection.execute(select(*RUN_COLUMNS).where(crawl_runs.c.id == run_id)).first()
    return RunRow.from_mapping(row._mapping) if row else None


def running_runs(engine: Engine) -> list[RunRow]:
    """Runs still ``running``, oldest first (the daemon checks their pid and host)."""
    statement = (
        select(*RUN_COLUMNS)
        .where(crawl_runs.c.status == RunStatus.RUNNING)
        .order_by(crawl_runs.c.started_at, crawl_runs.c.id)
    )
    with engine.connect() as connection:
        return [RunRow.from_mapping(row._mapping) for row in connection.execute(statement)]


def latest_runs(engine: Engine, sources: Sequence[str]) -> dict[str, RunRow]:
    """The latest run of each of ``sources`` that has one."""
    if not sources:
        return {}
    latest = (
        select(func.max(crawl_runs.c.id).label("id"))
        .where(crawl_runs.c.source.in_(sources))
        .group_by(crawl_runs.c.source)
        .scalar_subquery()
    )
    statement = select(*RUN_COLUMNS).where(crawl_runs.c.id.in_(latest))
    with engine.connect() as connection:
        return {
            row.source: RunRow.from_mapping(row._mapping) for row in connection.execute(statement)
        }


def rejection_counts(engine: Engine, run_id: int) -> dict[str, int]:
    """How many pages a run rejected, by reason, most frequent first."""
    count = func.count().label("n")
    statement = (
        select(rejected_pages.c.reason, count)
        .where(rejected_pages.c.crawl_run_id == run_id)
        .group_by(rejected_pages.c.reason)
        .order_by(count.desc(), rejected_pages.c.reason)
    )
    with engine.connect() as connection:
        return {reason: int(n) for reason, n in connection.execute(statement)}


def last_successes(engine: Engine, sources: Sequence[str]) -> dict[str, datetime]:
    """When each of ``sources``' latest successful run finished (sources without one left out)."""
    if not sources:
        return {}
    statement = (
        select(crawl_runs.c.source, func.max(crawl_runs.c.finished_at))
        .where(crawl_runs.c.source.in_(sources), crawl_runs.c.status == RunStatus.SUCCEEDED)
        .group_by(crawl_runs.c.source)
    )
    with engine.connect() as connection:
        return {source: at for source, at in connection.execute(statement) if at is not None}
