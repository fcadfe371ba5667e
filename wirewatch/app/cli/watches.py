"""``wirewatch watches`` (and ``test``, ``deliver``, ``backfill``) and ``wirewatch matches``.

The commands (options, help, argument checks); what they print is read through
storage by ``watch_reports``, imported when a command runs so that ``--help``
loads neither storage nor SQLAlchemy. Exit codes: 0 success, 2 a bad argument
(an unknown watch, a bad date or format).
"""

import click

from wirewatch.app.cli.options import AppContext, common_options, pass_app
from wirewatch.app.cli.output import Format, parse_format, parse_when
from wirewatch.app.cli.query import ALL_FORMATS, csv_raw_option, format_option, parse_limit
from wirewatch.core.config import WatchConfig
from wirewatch.core.errors import UsageError

MATCH_FORMATS = (*ALL_FORMATS, Format.ATOM)


def _watch(app: AppContext, name: str) -> WatchConfig:
    try:
        return app.config.watch(name)
    except KeyError:
        names = ", ".join(w.name for w in app.config.watches) or "none is configured"
        raise UsageError(f"no watch is named {name!r} (configured: {names})") from None


@click.group(invoke_without_command=True)
@format_option
@csv_raw_option
@common_options
@pass_app
@click.pass_context
def watches(ctx: click.Context, app: AppContext, fmt: Format, csv_raw: bool) -> None:
    """List each watch with its matches (matched, delivered, pending, failed) and last error.

    Watches are saved searches in the config ([[watches]]): every story stored
    new (or revised, with on = ["new", "revised"]) that matches one is recorded,
    in the same transaction, and posted to the watch's webhook by the daemon or
    by `wirewatch watches deliver`.

    \b
    Examples:
      wirewatch watches
      wirewatch watches test kuwait-energy --since 2025-11-01
      wirewatch watches deliver
      wirewatch watches backfill kuwait-energy --since 2025-11-01
    """
    if ctx.invoked_subcommand is not None:
        return
    from wirewatch.app.cli import watch_reports  # here, not on top: keeps --help light

    watch_reports.print_watches(app.engine(), app.config.watches, fmt, csv_raw=csv_raw)


@watches.command("test")
@click.argument("name")
@click.option("--since", metavar="DATE", help="Published at or after (YYYY-MM-DD or ISO 8601).")
@click.option(
    "--limit",
    default="50",
    show_default=True,
    callback=parse_limit,
    help="At most N stories; 0: all.",
)
@format_option
@csv_raw_option
@common_options
@pass_app
def watch_test(
    app: AppContext, name: str, since: str | None, limit: int | None, fmt: Format, csv_raw: bool
) -> None:
    """Show which stored stories the watch NAME matches; nothing is recorded or delivered.

    \b
    Examples:
      wirewatch watches test kuwait-energy
      wirewatch watches test kuwait-energy --since 2025-11-17 --format jsonl
    """
    from wirewatch.app.cli import watch_reports

    watch = _watch(app, name)
    moment = parse_when(since, "--since") if since else None
    watch_reports.print_test(app.engine(), watch, moment, limit, fmt, csv_raw=csv_raw)


@watches.command("deliver")
@common_options
@pass_app
def deliver(app: AppContext) -> None:
    """Post every due match of the watches to their webhooks, once each, and print the tally.

    What the daemon does every [delivery].interval seconds, for cron users: a
    match whose POST fails is tried again on a later pass, after a backoff,
    until its watch's max_attempts tries are spent.
    """
    from wirewatch.app.cli import watch_reports

    watch_reports.deliver_once(app.engine(), app.config)


@watches.command("backfill")
@click.argument("name")
@click.option(
    "--since",
    metavar="DATE",
    required=True,
    help="Stories published at or after (YYYY-MM-DD or ISO 8601).",
)
@common_options
@pass_app
def backfill(app: AppContext, name: str, since: str) -> None:
    """Match the watch NAME against stored stories published since DATE, once.

    A story the watch matched before (at any revision) is skipped, so running
    it again records nothing twice. The matches are delivered like any other.
    """
    from wirewatch.app.cli import watch_reports

    watch = _watch(app, name)
    watch_reports.backfill_watch(app.engine(), watch, parse_when(since, "--since"))


@click.command()
@click.option("--watch", "watch_name", metavar="NAME", help="Only the matches of this watch.")
@click.option("--since", metavar="DATE", help="Matched at or after (YYYY-MM-DD or ISO 8601).")
@click.option(
    "--limit",
    default="50",
    show_default=True,
    callback=parse_limit,
    help="At most N matches; 0: all.",
)
@click.option(
    "--format",
    "fmt",
    default="table",
    show_default=True,
    metavar="table|json|jsonl|csv|atom",
    callback=parse_format(MATCH_FORMATS),
    help="table for reading; json, jsonl or csv for piping; atom: a feed for feed readers.",
)
@csv_raw_option
@common_options
@pass_app
def matches(
    app: AppContext,
    watch_name: str | None,
    since: str | None,
    limit: int | None,
    fmt: Format,
    csv_raw: bool,
) -> None:
    """List the stories watches matched, newest match first.

    \b
    Examples:
      wirewatch matches --watch kuwait-energy
      wirewatch matches --since 2025-11-17 --format jsonl
      wirewatch matches --watch kuwait-energy --format atom > /var/www/feeds/kuwait.xml
    """
    from wirewatch.app.cli import watch_reports

    moment = parse_when(since, "--since") if since else None
    watch_reports.print_matches(app.engine(), watch_name, moment, limit, fmt, csv_raw=csv_raw)
