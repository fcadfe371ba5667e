"""``status --check``'s verdict: failed last runs, stale sources, no daemon."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from tests.scheduler.test_jobs import make_config
from wirewatch.core.config import Config
from wirewatch.core.schedule import parse_schedule
from wirewatch.scheduler.health import check_health, schedule_interval
from wirewatch.scheduler.lock import leader_lock_for
from wirewatch.scheduler.status import collect_status
from wirewatch.storage.ledger import RunOutcome, close_run, last_successes, start_run
from wirewatch.storage.models import RunStatus, RunTrigger

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # a Friday


def on(config: Config, url: str) -> Config:
    return Config.model_validate({**config.model_dump(), "database": {"url": url}})


def test_the_interval_of_a_schedule_is_its_longest_gap() -> None:
    assert schedule_interval(parse_schedule("every 10m"), NOW) == timedelta(minutes=10)
    assert schedule_interval(parse_schedule("*/15 * * * *"), NOW) == timedelta(minutes=15)
    # Weekdays at 09:00: Friday's run is followed by Monday's.
    assert schedule_interval(parse_schedule("0 9 * * 1-5"), NOW) == timedelta(days=3)


def test_no_daemon_and_no_runs_are_problems(sqlite_url: str, sqlite_engine: Engine) -> None:
    config = on(make_config({"wire": "every 10m"}), sqlite_url)
    health = check_health(collect_status(sqlite_engine, config), config, {}, NOW)
    assert health.problems == [
        "daemon: not running (no daemon holds the schedule)",
        "source wire: no successful run yet (stale after 20m)",
    ]


def test_a_failed_last_run_and_a_stale_source_are_each_one_line(
    sqlite_url: str, sqlite_engine: Engine
) -> None:
    config = on(make_config({"wire": "every 10m", "partner": "every 1h"}), sqlite_url)
    for source, status in (("wire", RunStatus.SUCCEEDED), ("partner", RunStatus.SUCCEEDED)):
        close_run(
            sqlite_engine, start_run(sqlite_engine, source, RunTrigger.SCHEDULE), RunOutcome(status)
        )
    failed = start_run(sqlite_engine, "wire", RunTrigger.SCHEDULE)
    close_run(sqlite_engine, failed, RunOutcome(RunStatus.FAILED, "feed gone\nmore detail"))
    lock = leader_lock_for(sqlite_url)
    assert lock.try_acquire()
    try:
        report = collect_status(sqlite_engine, config)
    finally:
        lock.release()
    successes = last_successes(sqlite_engine, ["wire", "partner"])
    now = datetime.now(UTC)

    assert check_health(report, config, successes, now).healthy is False
    problems = check_health(report, config, successes, now).problems
    assert len(problems) == 1
    assert problems[0].startswith(f"source wire: last run {failed} failed (")
    assert problems[0].endswith("): feed gone")

    later = now + timedelta(minutes=21)  # wire's 2 x 10m passed; partner's 2 x 1h not
    problems = check_health(report, config, successes, later).problems
    assert [p.split(":")[0] for p in problems] == ["source wire", "source wire"]
    assert "no successful run since" in problems[1] and "(more than 20m)" in problems[1]

    strict = on(
        make_config({"wire": "every 10m", "partner": "every 1h"}, stale_after=60), sqlite_url
    )
    stale = check_health(report, strict, successes, now + timedelta(seconds=61)).problems
    assert [p for p in stale if "partner" in p] == [
        f"source partner: no successful run since {successes['partner']:%Y-%m-%d %H:%M:%S} UTC"
        " (more than 1m)"
    ]
