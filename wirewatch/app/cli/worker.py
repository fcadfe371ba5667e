"""``wirewatch worker``: crawl the jobs a Celery-mode leader queues, on this machine."""

import click

from wirewatch.app.cli.options import AppContext, common_options, pass_app
from wirewatch.core.errors import ConfigError
from wirewatch.core.processes import this_host
from wirewatch.scheduler.snapshot import read_config
from wirewatch.scheduler.worker import WorkerOptions, run_worker


@click.command()
@click.option(
    "--concurrency",
    type=click.IntRange(1, 256),
    default=4,
    show_default=True,
    help="Crawls this worker runs at once (one child process each).",
)
@click.option(
    "--hostname",
    metavar="NAME",
    help="The name runs record as where they ran (default: this machine's host name).",
)
@common_options
@pass_app
def worker(app: AppContext, concurrency: int, hostname: str | None) -> None:
    """Run a Celery worker that crawls the runs the leader queues ([dispatch] engine = "celery").

    Each job crawls one run in its own child process, as the local daemon does.
    SIGTERM stops it gracefully: no new jobs, running crawls get grace_period.

    \b
    Examples:
      wirewatch worker --config /etc/wirewatch.toml --concurrency 4
      WIREWATCH_BROKER_URL=amqp://guest:guest@10.0.0.5// wirewatch worker --hostname crawl-2
    """
    loaded = read_config(app.config_path)
    if loaded.config.dispatch.engine != "celery":
        where = loaded.config.path or "wirewatch.toml"
        raise ConfigError(
            str(where), "dispatch.engine", 'workers need engine = "celery" in [dispatch]'
        )
    engine = app.engine()
    options = WorkerOptions(hostname=hostname or this_host(), concurrency=concurrency)
    loglevel = "DEBUG" if app.verbosity > 1 else "INFO" if app.verbosity else "WARNING"
    code = run_worker(loaded, engine, options, loglevel)
    if code:
        raise SystemExit(code)
