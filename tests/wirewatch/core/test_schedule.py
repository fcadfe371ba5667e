"""The schedule grammar: ``every`` intervals, cron lines checked field by field, weekday numbers."""

from datetime import timedelta

import pytest

from wirewatch.core.schedule import (
    CronFields,
    CronSchedule,
    EverySchedule,
    cron_fields,
    cron_weekdays,
    parse_schedule,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("every 10m", EverySchedule(timedelta(minutes=10))),
        ("every 2h", EverySchedule(timedelta(hours=2))),
        ("every 2s", EverySchedule(timedelta(seconds=2))),
        ("Every 1D", EverySchedule(timedelta(days=1))),
        ("0 6 * * mon-fri", CronSchedule("0 6 * * mon-fri")),
        ("30 7 * * 0,7", CronSchedule("30 7 * * 0,7")),
        ("  */15 * * * *  ", CronSchedule("*/15 * * * *")),
    ],
)
def test_schedules_parse_to_intervals_or_cron(text: str, expected: object) -> None:
    assert parse_schedule(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("every 0m", "must be positive"),
        ("every 5 weeks", "not an interval"),
        ("* * *", "neither a 5-field cron expression"),
        ("60 * * * *", "minute '60': out of range: use 0-59"),
        ("*/61 * * * *", "minute '*/61': a step of 61 is longer"),
        ("0 24 * * *", "hour '24': out of range: use 0-23"),
        ("0 0 0 * *", "day '0': out of range: use 1-31"),
        ("0 0 * 13 *", "month '13': out of range: use 1-12"),
        ("0 0 * foo *", "month 'foo': use the names jan-dec"),
        ("0 0 * mar-jan *", "month 'mar-jan': a range must not end before it starts"),
        ("0 6 * * 8", "weekday '8' is out of range"),
        ("0 6 * * 5-9", "weekday '5-9' is out of range"),
        ("0 6 * * */0", "weekday '*/0': a step must be at least 1"),
        ("0 6 * * fri-mon", "weekday 'fri-mon': a range must not end before it starts"),
        ("0 6 * * monday", "weekday 'monday': use the names mon-sun"),
        ("5-1 * * * *", "minute '5-1': a range must not end before it starts"),
        ("*/0 * * * *", "minute '*/0': a step must be at least 1"),
        ("1,,2 * * * *", "minute '': not a cron field"),
        ("? * * * *", "minute '?': not a cron field"),
        ("0 0 first * *", "day 'first': not a cron field"),
    ],
)
def test_bad_schedules_are_refused_saying_which_field_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_schedule(text)
    assert problem in str(caught.value)


def test_a_bad_cron_line_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match=r"^bad cron expression '0 24 \* \* \*': hour"):
        parse_schedule("0 24 * * *")


def test_cron_fields_pass_through_as_written_except_weekday_numbers() -> None:
    assert cron_fields("*/15 6-18 last jan-mar,6 1-5") == CronFields(
        minute="*/15",
        hour="6-18",
        day="last",
        month="jan-mar,6",
        day_of_week="mon,tue,wed,thu,fri",
    )
    assert CronSchedule("0 9 * * 0").fields.day_of_week == "sun"
    assert CronSchedule("0 9 * * *").fields.day_of_week == "*"


def test_a_cron_schedule_built_by_hand_is_checked_when_its_fields_are_read() -> None:
    with pytest.raises(ValueError, match="minute"):
        _ = CronSchedule("99 * * * *").fields


@pytest.mark.parametrize(
    ("cron", "named"),
    [
        ("*", "*"),
        ("0", "sun"),
        ("7", "sun"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("0,6", "sun,sat"),
        ("*/2", "sun,tue,thu,sat"),
        ("1-5/2", "mon,wed,fri"),
        ("0-7", "sun,mon,tue,wed,thu,fri,sat"),
        ("1,mon", "mon"),
        ("mon-fri", "mon-fri"),
    ],
)
def test_cron_weekday_numbers_count_from_sunday(cron: str, named: str) -> None:
    assert cron_weekdays(cron) == named


@pytest.mark.parametrize(
    "text",
    [
        "59 23 31 12 7",
        "0-59/59 0-23/23 1-31/30 1-12/11 0-6",
        "*/1 */23 */30 */11 */6",
        "0 0 LAST DEC SUN",
    ],
)
def test_the_edges_of_every_field_are_accepted(text: str) -> None:
    assert parse_schedule(text) == CronSchedule(text)
