"""``wirewatch daemon``: every source on its schedule, in the foreground."""

import asyncio

import click

from wirewatch.app.cli.options import AppContext, common_options, pass_app
from wirewatch.scheduler.daemon import Daemon, DaemonOptions
from wirewatch.scheduler.snapshot import read_config


@click.command()
@click.option(
    "--no-wait",
    is_flag=True,
    help="Exit with code 3 instead of standing by when another daemon holds the schedule.",
)
@common_options
@pass_app
def daemon(app: AppContext, no_wait: bool) -> None:
    """Run every source on its schedule until SIGTERM/SIGINT; log to stderr.

    Only one daemon per database schedules at a time; a second one waits as a
    standby and takes over when the first exits. SIGHUP reloads the config.

    \b
    Examples:
      wirewatch daemon --config /etc/wirewatch.toml
      wirewatch daemon --no-wait      # exit 3 if another daemon is running
    """
    loaded = read_config(app.config_path)
    engine = app.engine()
    asyncio.run(
        Daemon(
            loaded, app.config_path, engine, DaemonOptions(no_wait=no_wait, log=app.log_options)
        ).run()
    )
