"""``wirewatch rejected``: the pages runs could not store, and why, the way ``runs`` shows runs."""

import sys

import click

from wirewatch.app.cli.options import AppContext, common_options, pass_app
from wirewatch.app.cli.output import (
    Column,
    Format,
    console,
    parse_when,
    row_dict,
    short_time,
    write_rows,
)
from wirewatch.app.cli.output import table as make_table
from wirewatch.app.cli.query import csv_raw_option, format_option, parse_limit
from wirewatch.core.errors import UsageError
from wirewatch.core.record import RejectReason

_COLUMNS: list[Column] = [
    ("SEEN (UTC)", {}),
    ("RUN", {"justify": "right"}),
    ("SOURCE", {"max_width": 16, "overflow": "ellipsis"}),
    ("REASON", {}),
    ("HTTP", {"justify": "right"}),
    ("URL", {"flex": True}),
    ("DETAIL", {"flex": True}),
]


def _reason(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    known = [str(reason) for reason in RejectReason]
    if value not in known:
        raise UsageError(f"--reason {value!r}: use one of {', '.join(known)}")
    return value


@click.command()
@click.option("--source", metavar="NAME", help="Only pages of this source's runs.")
@click.option(
    "--reason", metavar="REASON", callback=_reason, help="Only this reason (e.g. http_error)."
)
@click.option("--since", metavar="DATE", help="Seen at or after (YYYY-MM-DD or ISO 8601).")
@click.option(
    "--limit",
    default="50",
    show_default=True,
    callback=parse_limit,
    help="At most N pages; 0: all.",
)
@format_option
@csv_raw_option
@common_options
@pass_app
def rejected(
    app: AppContext,
    source: str | None,
    reason: str | None,
    since: str | None,
    limit: int | None,
    fmt: Format,
    csv_raw: bool,
) -> None:
    """Show the pages crawls rejected, newest first, with the reason of each.

    \b
    Examples:
      wirewatch rejected --since 2025-11-17
      wirewatch rejected --source menafn-world --reason http_error
      wirewatch rejected --limit 0 --format csv > rejected.csv
    """
    # Imported here, not on top: keeps --help light (start-up time).
    from wirewatch.storage.rejections import RejectedPageRow, RejectionFilter, list_rejections

    where = RejectionFilter(
        source=source,
        reason=reason,
        since=parse_when(since, "--since") if since else None,
        limit=limit,
    )
    rows = list_rejections(app.engine(), where)
    if fmt is not Format.TABLE:
        fields = list(RejectedPageRow.__dataclass_fields__)
        write_rows((row_dict(r) for r in rows), fmt, fields, sys.stdout, csv_raw=csv_raw)
        return
    if not rows:
        click.echo("No rejected pages match.", err=True)
        return
    lines = (
        (
            short_time(r.seen_at),
            str(r.run_id),
            r.source,
            r.reason,
            str(r.http_status) if r.http_status is not None else "-",
            r.url,
            r.detail,
        )
        for r in rows
    )
    out = console()
    out.print(make_table(_COLUMNS, lines, out.width))
