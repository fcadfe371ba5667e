"""``wirewatch status`` data: lock holder, last run and next run per source."""

from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import Engine

from tests.scheduler.test_jobs import make_config, paused_scheduler
from wirewatch.core.config import Config
from wirewatch.scheduler.jobs import desired_jobs, reconcile_jobs
from wirewatch.scheduler.lock import leader_lock_for
from wirewatch.scheduler.status import collect_status
from wirewatch.storage.ledger import RunCounts, RunOutcome, add_counts, close_run, start_run
from wirewatch.storage.models import RunStatus, RunTrigger


def test_status_reports_holder_last_and_next_runs(sqlite_url: str, sqlite_engine: Engine) -> None:
    config = make_config({"wire": "every 10m", "partner": "every 1h"})
    config = Config.model_validate({**config.model_dump(), "database": {"url": sqlite_url}})

    report = collect_status(sqlite_engine, config)
    assert report.holder is None
    assert [(s.name, s.last_run, s.scheduled) for s in report.sources] == [
        ("wire", None, False),
        ("partner", None, False),
    ]

    old = start_run(sqlite_engine, "wire", RunTrigger.SCHEDULE)
    close_run(sqlite_engine, old, RunOutcome(RunStatus.FAILED, "boom"))
    latest = start_run(sqlite_engine, "wire", RunTrigger.SCHEDULE)
    add_counts(sqlite_engine, latest, RunCounts(pages_fetched=7, articles_new=3))
    close_run(sqlite_engine, latest, RunOutcome(RunStatus.SUCCEEDED))
    scheduler = paused_scheduler(SQLAlchemyJobStore(engine=sqlite_engine))
    reconcile_jobs(scheduler, desired_jobs(config))
    scheduler.shutdown(wait=False)
    lock = leader_lock_for(sqlite_url)
    assert lock.try_acquire()
    try:
        report = collect_status(sqlite_engine, config)
    finally:
        lock.release()

    assert report.holder is not None and report.holder.since is not None
    wire = report.sources[0]
    assert wire.last_run is not None and wire.last_run.id == latest
    assert wire.last_run.status is RunStatus.SUCCEEDED and wire.last_run.articles_new == 3
    assert wire.next_run is not None
    assert (
        timedelta(0) < wire.next_run - datetime.now(UTC) <= timedelta(minutes=10, seconds=6)
    )  # + jitter
    assert report.sources[1].last_run is None and report.sources[1].scheduled
