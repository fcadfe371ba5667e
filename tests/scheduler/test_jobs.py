"""Schedule -> trigger mapping and job reconciliation (add, reschedule, modify, remove).

The core checks cron lines without APScheduler; here it is held equal to what
APScheduler's ``CronTrigger`` accepts, so that a config that loads is one the daemon runs.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.jobstores.base import BaseJobStore
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from hypothesis import given, settings
from hypothesis import strategies as st

from wirewatch.core.config import Config, config_from_mapping
from wirewatch.core.schedule import CronSchedule, EverySchedule, cron_fields
from wirewatch.scheduler.jobs import (
    JOB_FUNC,
    desired_jobs,
    reconcile_jobs,
    trigger_for,
    trigger_signature,
)
from wirewatch.storage.engine import make_engine


def make_config(schedules: dict[str, str], **daemon: float) -> Config:
    sources = [
        {"name": name, "start_urls": [f"http://127.0.0.1/{name}"], "schedule": schedule}
        for name, schedule in schedules.items()
    ]
    return config_from_mapping({"sources": sources, "daemon": daemon}, "test.toml")


class InertScheduler(BaseScheduler):
    """A scheduler that stores jobs but never runs them (BackgroundScheduler runs due
    jobs once more while shutting down, which would consume the runs under test)."""

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)

    def wakeup(self) -> None:
        pass


def paused_scheduler(store: BaseJobStore | None = None) -> InertScheduler:
    scheduler = InertScheduler(timezone=UTC, jobstores={"default": store or MemoryJobStore()})
    scheduler.start(paused=True)
    return scheduler


def test_every_maps_to_an_interval_trigger_with_capped_jitter() -> None:
    trigger = trigger_for(EverySchedule(timedelta(minutes=10)), jitter=5)
    assert isinstance(trigger, IntervalTrigger)
    assert trigger.interval == timedelta(minutes=10)
    assert trigger.jitter == 5
    assert str(trigger.timezone) == "UTC"
    short = trigger_for(EverySchedule(timedelta(seconds=2)), jitter=5)
    assert isinstance(short, IntervalTrigger) and short.jitter == pytest.approx(0.2)
    assert trigger_for(EverySchedule(timedelta(seconds=2)), jitter=0).jitter is None


def test_cron_maps_to_a_utc_cron_trigger() -> None:
    assert trigger_for(CronSchedule("*/15 6-18 * * 1-5"), jitter=3).jitter == 3
    trigger = trigger_for(CronSchedule("*/15 6-18 * * 1-5"), jitter=0)
    assert isinstance(trigger, CronTrigger) and str(trigger.timezone) == "UTC"
    start = datetime(2025, 11, 21, 18, 50, tzinfo=UTC)  # a Friday
    assert trigger.get_next_fire_time(None, start) == datetime(2025, 11, 24, 6, 0, tzinfo=UTC)


def _item(names: tuple[str, ...]) -> st.SearchStrategy[str]:
    """One part of a cron field: numbers, ranges and steps as cron writes them, or a name
    (with another name: a range)."""
    number = st.integers(0, 70).map(str)
    name = st.sampled_from(names)
    return st.one_of(
        st.just("*"),
        st.builds("*/{}".format, number),
        number,
        st.builds("{}-{}".format, number, number),
        st.builds("{}/{}".format, number, number),
        st.builds("{}-{}/{}".format, number, number, number),
        name,
        st.builds("{}-{}".format, name, name),
    )


def _field_text(names: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.lists(_item(names), min_size=1, max_size=3).map(",".join)


MONTHS = ("jan", "Feb", "dec", "foo", "janu")
WEEKDAYS = ("mon", "SUN", "fri", "sat", "bar", "monday")
NOT_NAMES = ("now", "jan", "x")


def _core_accepts(expression: str) -> bool:
    try:
        cron_fields(expression)
    except ValueError:
        return False
    return True


def _apscheduler_accepts(**fields: str) -> bool:
    try:
        CronTrigger(timezone="UTC", **fields)
    except ValueError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(
    minute=_field_text(NOT_NAMES),
    hour=_field_text(NOT_NAMES),
    day=st.one_of(_field_text(NOT_NAMES), st.sampled_from(("last", "LAST", "last,1-5", "first"))),
    month=_field_text(MONTHS),
)
def test_core_accepts_exactly_the_cron_fields_apscheduler_accepts(
    minute: str, hour: str, day: str, month: str
) -> None:
    for name, text, expression in (
        ("minute", minute, f"{minute} * * * *"),
        ("hour", hour, f"* {hour} * * *"),
        ("day", day, f"* * {day} * *"),
        ("month", month, f"* * * {month} *"),
    ):
        assert _core_accepts(expression) == _apscheduler_accepts(**{name: text}), text


@settings(max_examples=300, deadline=None)
@given(day_of_week=_field_text(WEEKDAYS))
def test_core_weekdays_are_accepted_by_apscheduler(day_of_week: str) -> None:
    expression = f"* * * * {day_of_week}"
    if not _core_accepts(expression):
        return
    assert _apscheduler_accepts(day_of_week=cron_fields(expression).day_of_week)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=2).map("-".join))
def test_named_weekdays_are_accepted_exactly_as_apscheduler_accepts_them(names: str) -> None:
    assert _core_accepts(f"* * * * {names}") == _apscheduler_accepts(day_of_week=names)


@pytest.mark.parametrize("expression", ["0 0 lastday * *", "0 0 * jan/2 *", "0 0 * * mon-fri/2"])
def test_names_with_a_tail_apscheduler_would_ignore_are_refused(expression: str) -> None:
    """APScheduler reads only the leading name of these (``mon-fri/2`` runs every weekday);
    the core refuses them rather than run something other than what was written."""
    field = dict(
        zip(("minute", "hour", "day", "month", "day_of_week"), expression.split(), strict=True)
    )
    assert _apscheduler_accepts(**field)
    assert not _core_accepts(expression)


def test_cron_fields_make_the_trigger_apscheduler_makes_of_the_same_line() -> None:
    built = trigger_for(CronSchedule("*/15 6-18 last jan-mar,6 mon-fri"), jitter=0)
    direct = CronTrigger(
        minute="*/15",
        hour="6-18",
        day="last",
        month="jan-mar,6",
        day_of_week="mon-fri",
        timezone="UTC",
    )
    assert str(built) == str(direct)


def test_sunday_cron_fires_on_sunday() -> None:
    trigger = trigger_for(CronSchedule("0 9 * * 0"), jitter=0)
    monday = datetime(2025, 11, 24, 12, 0, tzinfo=UTC)
    fire = trigger.get_next_fire_time(None, monday)
    assert fire is not None and fire.weekday() == 6 and fire.hour == 9


def test_reconcile_adds_reschedules_modifies_and_removes() -> None:
    scheduler = paused_scheduler()
    try:
        first = reconcile_jobs(
            scheduler, desired_jobs(make_config({"a": "every 10m", "b": "every 1h"}))
        )
        assert first.added == ["a", "b"] and not first.removed
        job = scheduler.get_job("a")
        assert job.func_ref == JOB_FUNC and job.args == ("a",)
        assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time == 300
        next_b = scheduler.get_job("b").next_run_time

        config = make_config(
            {"a": "every 5m", "b": "every 1h", "c": "0 * * * *"}, misfire_grace_time=60
        )
        second = reconcile_jobs(scheduler, desired_jobs(config))
        assert second.added == ["c"] and second.rescheduled == ["a"] and second.modified == ["b"]
        assert scheduler.get_job("a").trigger.interval == timedelta(minutes=5)
        assert scheduler.get_job("b").misfire_grace_time == 60
        assert scheduler.get_job("b").next_run_time == next_b

        third = reconcile_jobs(
            scheduler, desired_jobs(make_config({"c": "0 * * * *"}, misfire_grace_time=60))
        )
        assert third.removed == ["a", "b"] and third.unchanged == ["c"]
        assert [job.id for job in scheduler.get_jobs()] == ["c"]
    finally:
        scheduler.shutdown(wait=False)


def test_restart_keeps_stored_next_run_times_so_missed_runs_still_happen(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    config = make_config({"a": "every 1h", "b": "every 1h"})
    scheduler = paused_scheduler(SQLAlchemyJobStore(engine=engine))
    reconcile_jobs(scheduler, desired_jobs(config))
    missed = datetime.now(UTC) - timedelta(minutes=2)  # as if the daemon was down at run time
    scheduler.modify_job("a", next_run_time=missed)
    scheduler.shutdown(wait=False)

    restarted = paused_scheduler(SQLAlchemyJobStore(engine=engine))
    try:
        again = reconcile_jobs(restarted, desired_jobs(config))
        assert again.unchanged == ["a", "b"]
        assert abs(restarted.get_job("a").next_run_time - missed) < timedelta(seconds=1)
    finally:
        restarted.shutdown(wait=False)
        engine.dispose()


def test_trigger_signature_ignores_start_dates() -> None:
    one = trigger_for(EverySchedule(timedelta(minutes=10)), jitter=5)
    two = trigger_for(EverySchedule(timedelta(minutes=10)), jitter=5)
    assert trigger_signature(one) == trigger_signature(two)
    assert trigger_signature(one) != trigger_signature(
        trigger_for(EverySchedule(timedelta(minutes=11)), jitter=5)
    )
