"""``wirewatch status --check``: what is wrong with the schedule, one line per problem.

A source is unhealthy when its last run failed, or when it has had no successful
run for longer than ``[daemon] stale_after`` seconds (default: twice its
schedule's longest interval); the schedule is unhealthy when no daemon holds it.
A source that never succeeded is measured from when the current daemon took the
schedule, so a freshly added source gets its first runs before it counts as stale.
"""

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from wirewatch.core.config import Config, SourceConfig
from wirewatch.core.schedule import CronSchedule, EverySchedule, Schedule
from wirewatch.scheduler.status import DaemonStatus
from wirewatch.storage.models import RunStatus

CRON_HORIZON = 60
"""How many of a cron line's fire times are looked at to find its longest gap."""


@dataclass(frozen=True)
class Health:
    problems: list[str]

    @property
    def healthy(self) -> bool:
        return not self.problems


def schedule_interval(schedule: Schedule, now: datetime) -> timedelta:
    """The longest wait between two runs of ``schedule`` (for cron, over its next fire times)."""
    if isinstance(schedule, EverySchedule):
        return schedule.interval
    return _cron_interval(schedule, now)


def _cron_interval(schedule: CronSchedule, now: datetime) -> timedelta:
    from wirewatch.scheduler.jobs import cron_trigger  # APScheduler: only for cron lines

    trigger = cron_trigger(schedule, 0)
    times: list[datetime] = []
    previous = None
    moment = now
    for _ in range(CRON_HORIZON):
        fire = trigger.get_next_fire_time(previous, moment)
        if fire is None:
            break
        times.append(fire)
        previous, moment = fire, fire + timedelta(seconds=1)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    return max(gaps, default=timedelta(days=366))


def stale_after(source: SourceConfig, config: Config, now: datetime) -> timedelta:
    if config.daemon.stale_after is not None:
        return timedelta(seconds=config.daemon.stale_after)
    return 2 * schedule_interval(source.parsed_schedule, now)


def check_health(
    report: DaemonStatus, config: Config, successes: dict[str, datetime], now: datetime
) -> Health:
    """Every problem of the configured sources and of the schedule, as lines for people."""
    problems: list[str] = []
    holder = report.holder
    if holder is None:
        problems.append("daemon: not running (no daemon holds the schedule)")
    last_runs = {source.name: source.last_run for source in report.sources}
    for source in config.sources:
        run = last_runs.get(source.name)
        if run is not None and run.status is RunStatus.FAILED:
            error = (run.error or "no error recorded").splitlines()[0]
            problems.append(
                f"source {source.name}: last run {run.id} failed "
                f"({_time(run.finished_at or run.started_at)}): {error}"
            )
        limit = stale_after(source, config, now)
        success = successes.get(source.name)
        if success is not None:
            if now - success > limit:
                problems.append(
                    f"source {source.name}: no successful run since {_time(success)} "
                    f"(more than {_duration(limit)})"
                )
        elif holder is None or holder.since is None or now - holder.since > limit:
            problems.append(
                f"source {source.name}: no successful run yet (stale after {_duration(limit)})"
            )
    return Health(problems)


def _time(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def _duration(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
