"""``wirewatch articles``, ``show`` and ``runs``: reading what the crawls stored.

This module holds the commands (options, help, argument checks); what they
print is read through storage by ``reports``, which each command imports when
it runs: ``--help`` then needs neither storage nor SQLAlchemy (start-up time).
Exit codes: 0 success, 1 an unknown story (``show``), 2 a bad argument (date,
format, limit, search query).
"""

import click

from wirewatch.app.cli.options import AppContext, common_options, pass_app
from wirewatch.app.cli.output import Format, parse_format, parse_when
from wirewatch.core.errors import UsageError
from wirewatch.core.query import parse_query

ALL_FORMATS = (Format.TABLE, Format.JSON, Format.JSONL, Format.CSV)


def parse_limit(_ctx: click.Context, _param: click.Parameter, value: str) -> int | None:
    # Imported here, not on top: keeps --help light (start-up time); --help runs no callback.
    from wirewatch.storage.queries import MAX_INTEGER

    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise UsageError(f"--limit {value!r}: use a whole number, 0 for no limit")
    if number > MAX_INTEGER:
        raise UsageError(f"--limit {value!r}: too large (at most {MAX_INTEGER}); 0 for no limit")
    return number or None


format_option = click.option(
    "--format",
    "fmt",
    default="table",
    show_default=True,
    metavar="table|json|jsonl|csv",
    callback=parse_format(ALL_FORMATS),
    help="table for reading; json, jsonl or csv (exact stored values, UTC times) for piping.",
)
csv_raw_option = click.option(
    "--csv-raw",
    is_flag=True,
    help="csv: write cells that start with = + - @ tab or CR as they are"
    " (by default they get a leading ' so spreadsheets do not run them as formulas).",
)


@click.command()
@click.option("--since", metavar="DATE", help="Published at or after (YYYY-MM-DD or ISO 8601).")
@click.option("--until", metavar="DATE", help="Published before; a bare date includes that day.")
@click.option("--provider", metavar="NAME", help='Exact provider, e.g. "Jordan Times".')
@click.option("--source", metavar="NAME", help="Configured source that first found the story.")
@click.option(
    "--search",
    metavar="QUERY",
    help='Full-text search over title and body: words, "phrases", OR, -word, prefix*, ( ).',
)
@click.option(
    "--limit",
    default="50",
    show_default=True,
    callback=parse_limit,
    help="At most N stories; 0: all.",
)
@click.option("--body", is_flag=True, help="Include the body (json, jsonl and csv only).")
@format_option
@csv_raw_option
@common_options
@pass_app
def articles(
    app: AppContext,
    since: str | None,
    until: str | None,
    provider: str | None,
    source: str | None,
    search: str | None,
    limit: int | None,
    body: bool,
    fmt: Format,
    csv_raw: bool,
) -> None:
    """List stored stories, newest first.

    --search takes words (all must occur), "a phrase", OR between alternatives,
    -word to exclude, word* for a prefix and parentheses; words are matched as
    written (no stemming), the same on SQLite and PostgreSQL.

    \b
    Examples:
      wirewatch articles --provider "Jordan Times" --since 2025-11-01
      wirewatch articles --search "prisoner exchange" --limit 10
      wirewatch articles --search 'Kuwait (oil OR gas) -football'
      wirewatch articles --since 2025-11-17 --format jsonl | jq .title
      wirewatch articles --limit 0 --format csv --body > stories.csv
    """
    # Imported here, not on top: keeps --help light (start-up time).
    from wirewatch.app.cli import reports
    from wirewatch.storage.queries import ArticleFilter

    where = ArticleFilter(
        since=parse_when(since, "--since") if since else None,
        until=parse_when(until, "--until", end=True) if until else None,
        provider=provider,
        source=source,
        search=parse_query(search) if search and search.strip() else None,
        limit=limit,
    )
    reports.print_articles(app.engine(), where, fmt, body=body, csv_raw=csv_raw)


@click.command()
@click.argument("wire_id_or_id")
@click.option(
    "--format",
    "fmt",
    default="text",
    show_default=True,
    metavar="text|json",
    help="text for reading, json for piping.",
)
@common_options
@pass_app
def show(app: AppContext, wire_id_or_id: str, fmt: str) -> None:
    """Show one story: its fields, every address it was seen at, and its revisions.

    WIRE_ID_OR_ID is a wire ID (MENAFN17112025000045017169ID1110354612) or the
    story's numeric id from `wirewatch articles`. Revisions are shown as a unified
    diff of what changed from each revision to the next. An unknown story is an
    error (exit code 1).

    \b
    Examples:
      wirewatch show MENAFN17112025000045017169ID1110354612
      wirewatch show 42 --format json
    """
    if fmt not in ("text", "json"):
        raise UsageError(f"--format {fmt!r}: use one of text, json")
    from wirewatch.app.cli import reports  # here, not on top: keeps --help light (start-up)

    reports.print_story(app.engine(), wire_id_or_id, fmt)


@click.command()
@click.option("--source", metavar="NAME", help="Only the runs of this source.")
@click.option(
    "--limit", default="20", show_default=True, callback=parse_limit, help="At most N runs."
)
@format_option
@csv_raw_option
@common_options
@pass_app
def runs(
    app: AppContext, source: str | None, limit: int | None, fmt: Format, csv_raw: bool
) -> None:
    """Show crawl history, newest first, with the counts of each run.

    \b
    Examples:
      wirewatch runs
      wirewatch runs --source menafn-world --limit 5
      wirewatch runs --format json
    """
    from wirewatch.app.cli import reports  # here, not on top: keeps --help light (start-up)

    reports.print_runs(app.engine(), source, limit, fmt, csv_raw=csv_raw)
