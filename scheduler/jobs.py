"""APScheduler jobs: one per configured source, reconciled rather than re-added.

Each job's id is the source name and its function is the textual reference
``wirewatch.scheduler.jobs:run_scheduled_crawl`` (the SQLAlchemy job store pickles jobs,
so the function must be importable by name); the running daemon registers the
coroutine that does the work with ``set_job_runner``.

Jobs are never re-added wholesale with ``replace_existing=True``: that would
recompute every ``next_run_time`` and drop the runs missed while the daemon was
down. ``reconcile_jobs`` adds missing jobs, reschedules only those whose
trigger changed, updates changed options, and removes jobs of sources no longer
configured.

The schedule grammar (``every 10m``, cron lines and their weekday numbering) is
the core's (``wirewatch.core.schedule``); this module only builds the triggers.
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from wirewatch.core.config import Config
from wirewatch.core.schedule import CronSchedule, EverySchedule, Schedule

JOB_FUNC = "wirewatch.scheduler.jobs:run_scheduled_crawl"
JITTER_SHARE = 0.1
"""Interval jobs get at most this share of their interval as jitter (a 2 s job, 0.2 s)."""

JobRunner = Callable[[str], Awaitable[None]]
_runner: JobRunner | None = None


def set_job_runner(runner: JobRunner | None) -> None:
    """Register (or clear) the coroutine that runs one scheduled crawl of a source."""
    global _runner
    _runner = runner


async def run_scheduled_crawl(source: str) -> None:
    """The job function: hands the source to the running daemon, holding the slot till done."""
    if _runner is None:
        raise RuntimeError("no daemon is running to take scheduled crawls")
    await _runner(source)


def trigger_for(schedule: Schedule, jitter: float) -> BaseTrigger:
    """The APScheduler trigger of a source's schedule, in UTC."""
    if isinstance(schedule, EverySchedule):
        seconds = schedule.interval.total_seconds()
        capped = min(jitter, seconds * JITTER_SHARE)
        return IntervalTrigger(seconds=seconds, timezone="UTC", jitter=capped or None)
    return cron_trigger(schedule, jitter)


def cron_trigger(schedule: CronSchedule, jitter: float) -> CronTrigger:
    """A crontab line as cron means it (the core translates its weekday numbers), in UTC."""
    fields = schedule.fields
    return CronTrigger(
        minute=fields.minute,
        hour=fields.hour,
        day=fields.day,
        month=fields.month,
        day_of_week=fields.day_of_week,
        timezone="UTC",
        jitter=jitter or None,
    )


def trigger_signature(trigger: BaseTrigger) -> tuple[Any, ...]:
    """What makes two triggers schedule alike (their start dates aside)."""
    jitter = getattr(trigger, "jitter", None) or 0
    if isinstance(trigger, IntervalTrigger):
        return ("interval", trigger.interval.total_seconds(), jitter)
    if isinstance(trigger, CronTrigger):
        return ("cron", str(trigger), str(trigger.timezone), jitter)
    return (type(trigger).__name__, str(trigger), jitter)


@dataclass(frozen=True)
class JobSpec:
    """What the job of one source should look like."""

    source: str
    trigger: BaseTrigger
    misfire_grace_time: int

    @property
    def options(self) -> dict[str, Any]:
        return {
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": self.misfire_grace_time,
        }


def desired_jobs(config: Config) -> dict[str, JobSpec]:
    """One job spec per configured source."""
    grace = max(1, round(config.daemon.misfire_grace_time))
    return {
        source.name: JobSpec(
            source.name, trigger_for(source.parsed_schedule, config.daemon.jitter), grace
        )
        for source in config.sources
    }


@dataclass
class Reconciliation:
    """What ``reconcile_jobs`` changed, by source name."""

    added: list[str] = field(default_factory=list)
    rescheduled: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def describe(self) -> str:
        kinds = ("added", "rescheduled", "modified", "removed", "unchanged")
        return "; ".join(f"{kind}: {', '.join(getattr(self, kind)) or '-'}" for kind in kinds)


def reconcile_jobs(scheduler: BaseScheduler, specs: Mapping[str, JobSpec]) -> Reconciliation:
    """Make the scheduler's jobs match ``specs`` without disturbing unchanged jobs.

    The scheduler must be started (paused is fine): before ``start`` APScheduler
    cannot see the jobs already stored.
    """
    result = Reconciliation()
    existing = {job.id: job for job in scheduler.get_jobs()}
    for job_id in sorted(existing.keys() - specs.keys()):
        scheduler.remove_job(job_id)
        result.removed.append(job_id)
    for name, spec in sorted(specs.items()):
        job = existing.get(name)
        if job is None:
            scheduler.add_job(
                JOB_FUNC, spec.trigger, args=[name], id=name, name=name, **spec.options
            )
            result.added.append(name)
            continue
        changed = False
        if trigger_signature(job.trigger) != trigger_signature(spec.trigger):
            scheduler.reschedule_job(name, trigger=spec.trigger)
            result.rescheduled.append(name)
            changed = True
        options = {key: value for key, value in spec.options.items() if getattr(job, key) != value}
        if job.func_ref != JOB_FUNC or list(job.args) != [name]:
            options.update(func=JOB_FUNC, args=[name])
        if options:
            scheduler.modify_job(name, **options)
            if not changed:
                result.modified.append(name)
            changed = True
        if not changed:
            result.unchanged.append(name)
    return result
