"""The schedule grammar of ``[[sources]].schedule``: ``every 10m`` or a five-field cron line.

``parse_schedule`` turns the text into a typed schedule; a cron line is checked
field by field and translated into the fields the daemon's triggers read
(``CronSchedule.fields``). Cron numbers weekdays from Sunday (0 or 7) while the
scheduler (APScheduler 3) numbers them from Monday, so numeric weekdays become
names (``1-5`` -> ``mon,tue,wed,thu,fri``). Every other field passes through as
written once it is known to be valid: the ranges, steps and names accepted here
are exactly those the scheduler's cron trigger accepts (``tests/scheduler/test_jobs.py``
holds the two equal), so a config that loads is a config the daemon can run.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

_EVERY = re.compile(r"^every\s+(\d+)\s*([smhd])$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

_NUMBERS = re.compile(r"^([0-9]+)(?:-([0-9]+))?(?:/([0-9]+))?$")
_ANY = re.compile(r"^\*(?:/([0-9]+))?$")
_NAMES = re.compile(r"^([a-z]+)(?:-([a-z]+))?$", re.IGNORECASE)
_NUMERIC_WEEKDAYS = re.compile(r"^(\*|[0-9]+(?:-[0-9]+)?)(?:/([0-9]+))?$")

CRON_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
"""Weekday names in cron's numbering: 0 (and 7) is Sunday."""
_WEEK_FROM_MONDAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


@dataclass(frozen=True)
class EverySchedule:
    """``every 10m``: a fixed interval."""

    interval: timedelta


@dataclass(frozen=True)
class CronFields:
    """A cron line's five fields as the scheduler's cron trigger reads them, in UTC."""

    minute: str
    hour: str
    day: str
    month: str
    day_of_week: str
    """Weekday names (``mon,tue``): the trigger would read numbers from Monday."""


@dataclass(frozen=True)
class CronSchedule:
    """A five-field cron expression (minute hour day month weekday), in UTC."""

    expression: str

    @property
    def fields(self) -> CronFields:
        """The translated fields; ValueError when the expression is not valid cron."""
        return cron_fields(self.expression)


Schedule = EverySchedule | CronSchedule


def parse_schedule(text: str) -> Schedule:
    """Parse ``every 10m``/``every 2h`` or a cron expression; ValueError says what is wrong."""
    text = text.strip()
    every = _EVERY.match(text)
    if every:
        amount = int(every.group(1))
        if amount <= 0:
            raise ValueError("an 'every' interval must be positive")
        return EverySchedule(timedelta(seconds=amount * _UNIT_SECONDS[every.group(2).lower()]))
    if text.lower().startswith("every"):
        raise ValueError(
            f"{text!r} is not an interval: write e.g. 'every 30s', 'every 10m', 'every 2h'"
        )
    if len(text.split()) != 5:
        raise ValueError(
            f"{text!r} is neither a 5-field cron expression ('*/15 * * * *') nor 'every 10m'"
        )
    try:
        cron_fields(text)
    except ValueError as exc:
        raise ValueError(f"bad cron expression {text!r}: {exc}") from None
    return CronSchedule(text)


@dataclass(frozen=True)
class _Field:
    """One cron field: its name, its range of numbers and the names it also accepts."""

    name: str
    lowest: int
    highest: int
    names: tuple[str, ...] = ()
    """Names for the numbers from ``lowest`` up (month names), if any."""
    words: tuple[str, ...] = ()
    """Whole words it also accepts (``last``: the day field's last day of the month)."""


_MINUTE = _Field("minute", 0, 59)
_HOUR = _Field("hour", 0, 23)
_DAY = _Field("day", 1, 31, words=("last",))
_MONTH = _Field("month", 1, 12, names=_MONTHS)
_WEEKDAY_NAMES = _Field("weekday", 0, 6, names=_WEEK_FROM_MONDAY)


def cron_fields(expression: str) -> CronFields:
    """Check a five-field cron line and translate it; ValueError names the bad field."""
    parts = expression.split()
    if len(parts) != 5:
        raise ValueError(f"{expression!r} has {len(parts)} fields, cron has 5")
    minute, hour, day, month, day_of_week = parts
    for field, text in ((_MINUTE, minute), (_HOUR, hour), (_DAY, day), (_MONTH, month)):
        _check_field(field, text)
    weekdays = cron_weekdays(day_of_week)
    _check_field(_WEEKDAY_NAMES, weekdays)
    return CronFields(minute, hour, day, month, weekdays)


def cron_weekdays(field_text: str) -> str:
    """Rewrite cron's numeric weekdays (``1-5``, ``0,6``, ``*/2``) as names (``mon,...``).

    Named weekdays (``mon-fri``) are kept as written.
    """
    if field_text == "*":
        return field_text
    parts = []
    for part in field_text.split(","):
        match = _NUMERIC_WEEKDAYS.match(part)
        if not match:
            parts.append(part)
            continue
        span, step = match.group(1), int(match.group(2) or 1)
        first, last = (0, 6) if span == "*" else _span(span)
        if not 0 <= first <= last <= 7:
            raise ValueError(f"weekday {part!r} is out of range: use 0-7 (0 and 7 are Sunday)")
        if step < 1:
            raise ValueError(f"weekday {part!r}: a step must be at least 1")
        parts.extend(CRON_WEEKDAYS[day % 7] for day in range(first, last + 1, step))
    return ",".join(dict.fromkeys(parts))


def _span(span: str) -> tuple[int, int]:
    first, _, last = span.partition("-")
    if not last:
        return int(first), int(first)
    return int(first), int(last)


def _check_field(field: _Field, text: str) -> None:
    for part in text.split(","):
        problem = _problem(field, part)
        if problem:
            raise ValueError(f"{field.name} {part!r}: {problem}")


def _problem(field: _Field, part: str) -> str | None:
    """What is wrong with one comma-separated part of a field, or None."""
    anything = _ANY.match(part)
    if anything:
        step = anything.group(1)
        return _step_problem(int(step), field.highest - field.lowest) if step else None
    numbers = _NUMBERS.match(part)
    if numbers:
        return _numbers_problem(field, *numbers.groups())
    names = _NAMES.match(part)
    if names and part.lower() in field.words:
        return None
    if names and field.names:
        first, last = (_number_of(field, name) for name in names.groups())
        if first is None or (names.group(2) and last is None):
            return f"use the names {'-'.join((field.names[0], field.names[-1]))}"
        if last is not None and first > last:
            return "a range must not end before it starts"
        return None
    allowed = ["*", "N", "N-M", "*/S", "N-M/S"]
    if field.names:
        allowed += ["a name", "name-name"]
    allowed += [f"'{word}'" for word in field.words]
    return f"not a cron field: use {', '.join(allowed)} (lists with commas)"


def _numbers_problem(
    field: _Field, first_text: str, last_text: str | None, step_text: str | None
) -> str | None:
    """A numeric part ``N``, ``N-M``, ``N/S`` or ``N-M/S``, read as the scheduler reads it.

    ``N/S`` counts from N to the field's highest value. A step must not be longer
    than the span it steps through; an open end (or an end of 0) spans to the
    field's highest value.
    """
    first = int(first_text)
    last = int(last_text) if last_text is not None else None
    step = int(step_text) if step_text is not None else None
    if step == 0:
        return "a step must be at least 1"
    if last is None and step is None:
        last = first
    if last is not None and first > last:
        return "a range must not end before it starts"
    if first < field.lowest or (last is not None and last > field.highest):
        return f"out of range: use {field.lowest}-{field.highest}"
    if step is not None:
        return _step_problem(step, (last or field.highest) - first)
    return None


def _step_problem(step: int, span: int) -> str | None:
    if step < 1:
        return "a step must be at least 1"
    if step > span:
        return f"a step of {step} is longer than the span it steps through ({span})"
    return None


def _number_of(field: _Field, name: str | None) -> int | None:
    if name is None or name.lower() not in field.names:
        return None
    return field.names.index(name.lower())
