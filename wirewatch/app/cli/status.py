"""``wirewatch status``: who holds the schedule, and each source's last and next run.

A module of its own, apart from ``daemon``: it must stay light (no APScheduler).
"""

from datetime import UTC, datetime
from typing import Any

import click

from wirewatch.app.cli.options import AppContext, common_options, pass_app
from wirewatch.app.cli.output import json_text
from wirewatch.core.terminal import visible
from wirewatch.scheduler.cluster import ClusterLoad
from wirewatch.scheduler.health import check_health
from wirewatch.scheduler.status import DaemonStatus, collect_status
from wirewatch.storage.ledger import last_successes


@click.command()
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Health check: exit 0 when healthy, 1 with one line per problem (2: config error).",
)
@common_options
@pass_app
@click.pass_context
def status(ctx: click.Context, app: AppContext, output: str, check: bool) -> None:
    """Show whether a daemon holds the schedule (pid, host, since), and per source
    the last run and the next one.

    --check is a health check for cron, Nagios, systemd and Kubernetes probes:
    exit 0 when healthy; 1, with one line per problem, when a source's last run
    failed, when a source had no successful run for more than twice its schedule
    interval (or [daemon] stale_after seconds), or when no daemon is running;
    2 for a config error.

    \b
    Examples:
      wirewatch status --format json
      wirewatch status --check || mail -s wirewatch ops@example.org
    """
    report = collect_status(app.engine(), app.config)
    if check:
        ctx.exit(_check(app, report, output))
    if output == "json":
        click.echo(json_text(_as_json(report), indent=2))
        return
    holder = report.holder
    if holder is None:
        click.echo("schedule: no daemon holds it")
    else:
        click.echo(f"schedule: held by the daemon with {visible(holder.describe())}")
    headers = ("SOURCE", "SCHEDULE", "LAST RUN (UTC)", "STATUS", "PAGES", "NEW", "UPDATED")
    rows: list[tuple[str, ...]] = [(*headers, "NEXT RUN (UTC)")]
    for source in report.sources:
        run = source.last_run
        rows.append(
            (
                source.name,
                source.schedule or "(not configured)",
                _time(run.started_at) if run else "never",
                run.status if run else "-",
                str(run.pages_fetched) if run else "-",
                str(run.articles_new) if run else "-",
                str(run.articles_updated) if run else "-",
                _time(source.next_run) if source.scheduled else "not scheduled yet",
            )
        )
    if len(rows) == 1:
        click.echo("no sources configured")
    else:
        _table(rows)
    if report.cluster is not None:
        _cluster(report.cluster)


def _table(rows: list[tuple[str, ...]]) -> None:
    shown = [tuple(visible(cell) for cell in row) for row in rows]
    widths = [max(len(row[i]) for row in shown) for i in range(len(shown[0]))]
    for row in shown:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


def _check(app: AppContext, report: DaemonStatus, output: str) -> int:
    """Print the health verdict; return the exit code (0 healthy, 1 not)."""
    config = app.config
    names = [source.name for source in config.sources]
    health = check_health(report, config, last_successes(app.engine(), names), datetime.now(UTC))
    if output == "json":
        click.echo(json_text({"healthy": health.healthy, "problems": health.problems}, indent=2))
    elif health.healthy:
        holder = report.holder
        who = f"daemon {holder.describe()}" if holder else "no daemon"
        click.echo(f"healthy: {who}, {len(names)} source(s)")
    else:
        for problem in health.problems:
            click.echo(visible(problem))
    return 0 if health.healthy else 1


def _cluster(cluster: ClusterLoad) -> None:
    """Celery mode: the queue's depth and each worker with the runs it crawls."""
    depth = "unknown" if cluster.queue_depth is None else str(cluster.queue_depth)
    click.echo("")
    click.echo(
        f"queue {visible(cluster.queue)}: {depth} job(s) waiting in the broker,"
        f" {cluster.queued_runs} run(s) queued"
    )
    if cluster.broker_error:
        click.echo(f"broker unreachable: {visible(cluster.broker_error)}")
    if not cluster.workers:
        click.echo("workers: none answered")
        return
    rows: list[tuple[str, ...]] = [("WORKER", "SLOTS", "RUNNING")]
    for worker in cluster.workers:
        slots = "?" if worker.concurrency is None else str(worker.concurrency)
        running = ", ".join(f"{run.source} (run {run.id})" for run in worker.runs) or "idle"
        name = worker.name if worker.answered else f"{worker.name} (not answering)"
        rows.append((name, slots, running))
    _table(rows)


def _time(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}" if moment else "paused"


def _as_json(report: DaemonStatus) -> dict[str, Any]:
    holder = report.holder
    return {
        "daemon": None
        if holder is None
        else {
            "pid": holder.pid,
            "host": holder.host,
            "since": holder.since.isoformat() if holder.since else None,
        },
        "sources": [
            {
                "name": source.name,
                "schedule": source.schedule,
                "next_run": source.next_run.isoformat() if source.next_run else None,
                "last_run": None
                if source.last_run is None
                else {
                    "id": source.last_run.id,
                    "status": source.last_run.status,
                    "started_at": source.last_run.started_at.isoformat(),
                    "finished_at": source.last_run.finished_at.isoformat()
                    if source.last_run.finished_at
                    else None,
                    "pages_fetched": source.last_run.pages_fetched,
                    "articles_new": source.last_run.articles_new,
                    "articles_updated": source.last_run.articles_updated,
                    "error": source.last_run.error,
                },
            }
            for source in report.sources
        ],
        "cluster": None if report.cluster is None else _cluster_json(report.cluster),
    }


def _cluster_json(cluster: ClusterLoad) -> dict[str, Any]:
    return {
        "queue": cluster.queue,
        "queue_depth": cluster.queue_depth,
        "queued_runs": cluster.queued_runs,
        "broker_error": cluster.broker_error,
        "workers": [
            {
                "name": worker.name,
                "concurrency": worker.concurrency,
                "answered": worker.answered,
                "running": [{"id": run.id, "source": run.source} for run in worker.runs],
            }
            for worker in cluster.workers
        ],
    }
