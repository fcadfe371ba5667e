"""``wirewatch articles``, ``show`` and ``runs``: reading what the crawls stored.

All reads go through ``storage.queries`` (and ``storage.export``); this module only
parses arguments and prints. Exit codes: 0 success, 1 an unknown story
(``show``), 2 a bad argument (date, format, limit).
"""

import difflib
import itertools
import json
import sys
from collections.abc import Iterator
from typing import Any

import click

from wirewatch.app.cli.options import AppContext, common_options, pass_app
from wirewatch.app.cli.output import (
    Column,
    Format,
    console,
    parse_format,
    parse_when,
    row_dict,
    short_time,
    table,
    write_rows,
)
from wirewatch.core.errors import UsageError, WirewatchError
from wirewatch.storage.export import article_bodies
from wirewatch.storage.ledger import RunRow
from wirewatch.storage.queries import (
    ArticleDetail,
    ArticleFilter,
    ArticleRow,
    get_article,
    list_articles,
    list_runs,
)

ARTICLE_FIELDS = list(ArticleRow.__dataclass_fields__)
RUN_FIELDS = list(RunRow.__dataclass_fields__)
ALL_FORMATS = (Format.TABLE, Format.JSON, Format.JSONL, Format.CSV)


def _limit(_ctx: click.Context, _param: click.Parameter, value: str) -> int | None:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise UsageError(f"--limit {value!r}: use a whole number, 0 for no limit")
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


@click.command()
@click.option("--since", metavar="DATE", help="Published at or after (YYYY-MM-DD or ISO 8601).")
@click.option("--until", metavar="DATE", help="Published before; a bare date includes that day.")
@click.option("--provider", metavar="NAME", help='Exact provider, e.g. "Jordan Times".')
@click.option("--source", metavar="NAME", help="Configured source that first found the story.")
@click.option("--search", metavar="TEXT", help="Full-text search over title and body.")
@click.option(
    "--limit", default="50", show_default=True, callback=_limit, help="At most N stories; 0: all."
)
@click.option("--body", is_flag=True, help="Include the body (json, jsonl and csv only).")
@format_option
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
) -> None:
    """List stored stories, newest first.

    \b
    Examples:
      wirewatch articles --provider "Jordan Times" --since 2025-11-01
      wirewatch articles --search "prisoner exchange" --limit 10
      wirewatch articles --since 2025-11-17 --format jsonl | jq .title
      wirewatch articles --limit 0 --format csv --body > stories.csv
    """
    where = ArticleFilter(
        since=parse_when(since, "--since") if since else None,
        until=parse_when(until, "--until", end=True) if until else None,
        provider=provider,
        source=source,
        search=search,
        limit=limit,
    )
    engine = app.engine()
    rows = list_articles(engine, where)
    if fmt is Format.TABLE:
        _print_articles_table(rows)
        return
    bodies = article_bodies(engine, [r.id for r in rows]) if body else {}
    fields = [*ARTICLE_FIELDS, "body"] if body else ARTICLE_FIELDS

    def records() -> Iterator[dict[str, Any]]:
        for row in rows:
            record = row_dict(row)
            if body:
                record["body"] = bodies.get(row.id, "")
            yield record

    write_rows(records(), fmt, fields, sys.stdout)


def _print_articles_table(rows: list[ArticleRow]) -> None:
    if not rows:
        click.echo("No stored stories match.", err=True)
        return
    columns: list[Column] = [
        ("ID", {"justify": "right"}),
        ("PUBLISHED (UTC)", {}),
        ("PROVIDER", {"max_width": 18, "overflow": "ellipsis"}),
        ("TITLE", {"flex": True}),
    ]
    lines = (
        (str(r.id), short_time(r.published_at, r.published_precision), r.provider or "-", r.title)
        for r in rows
    )
    out = console()
    out.print(table(columns, lines, out.width))


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
    detail = get_article(app.engine(), wire_id_or_id)
    if detail is None:
        raise WirewatchError(f"no stored story has the wire ID or id {wire_id_or_id!r}")
    if fmt == "json":
        click.echo(json.dumps(detail_dict(detail), ensure_ascii=False, indent=1))
    else:
        _print_detail(detail)


def detail_dict(detail: ArticleDetail) -> dict[str, Any]:
    """``show --format json``: the article's columns, its body, addresses and revisions."""
    return {
        **row_dict(detail.article),
        "body": detail.body,
        "addresses": [row_dict(a) for a in detail.addresses],
        "revisions": [row_dict(r) for r in detail.revisions],
    }


def _print_detail(detail: ArticleDetail) -> None:
    article = detail.article
    click.secho(article.title, bold=True)
    for name, value in row_dict(article).items():
        if name != "title":
            click.echo(f"  {name + ':':<21}{'' if value is None else value}")
    click.secho(f"\nAddresses ({len(detail.addresses)}):", bold=True)
    for address in detail.addresses:
        fetched = short_time(address.last_fetched_at)
        click.echo(
            f"  {address.url}\n    source {address.source}, first seen "
            f"{short_time(address.first_seen_at)}, last seen {short_time(address.last_seen_at)}, "
            f"last fetched {fetched}"
        )
    click.secho("\nBody:", bold=True)
    for paragraph in detail.body.split("\n\n"):
        click.echo(f"  {paragraph}\n")
    _print_revisions(detail)


def _print_revisions(detail: ArticleDetail) -> None:
    if not detail.revisions:
        click.secho(f"Revisions: none (revision {detail.article.revision} is the first)", bold=True)
        return
    click.secho(f"Revisions ({len(detail.revisions) + 1}):", bold=True)
    versions = [(r.revision, short_time(r.captured_at), r.title, r.body) for r in detail.revisions]
    versions.append((detail.article.revision, "current", detail.article.title, detail.body))
    for old, new in itertools.pairwise(versions):
        for line in revision_diff(old, new):
            color = "green" if line.startswith("+") else "red" if line.startswith("-") else None
            click.secho(line, fg=color if not line.startswith(("+++", "---")) else None)


def revision_diff(old: tuple[int, str, str, str], new: tuple[int, str, str, str]) -> list[str]:
    """Unified diff of two (revision, when, title, body) versions, one paragraph a line."""

    def lines(title: str, body: str) -> list[str]:
        return [f"# {title}", *body.split("\n\n")]

    return list(
        difflib.unified_diff(
            lines(old[2], old[3]),
            lines(new[2], new[3]),
            fromfile=f"revision {old[0]} ({old[1]})",
            tofile=f"revision {new[0]} ({new[1]})",
            lineterm="",
        )
    )


@click.command()
@click.option("--source", metavar="NAME", help="Only the runs of this source.")
@click.option("--limit", default="20", show_default=True, callback=_limit, help="At most N runs.")
@format_option
@common_options
@pass_app
def runs(app: AppContext, source: str | None, limit: int | None, fmt: Format) -> None:
    """Show crawl history, newest first, with the counts of each run.

    \b
    Examples:
      wirewatch runs
      wirewatch runs --source menafn-world --limit 5
      wirewatch runs --format json
    """
    rows = list_runs(app.engine(), source=source, limit=limit or 1_000_000)
    if fmt is not Format.TABLE:
        write_rows((row_dict(r) for r in rows), fmt, RUN_FIELDS, sys.stdout)
        return
    if not rows:
        click.echo("No crawl runs yet.", err=True)
        return
    out = console()
    out.print(table(_RUN_COLUMNS, (_run_line(r) for r in rows), out.width))
    for run in rows:
        if run.error:
            click.echo(f"run {run.id} ({run.source}, {run.status}): {run.error}")


_RUN_COLUMNS: list[Column] = [
    ("ID", {"justify": "right"}),
    ("SOURCE", {"max_width": 16, "overflow": "ellipsis"}),
    ("STATUS", {}),
    ("STARTED (UTC)", {}),
    ("TOOK", {"justify": "right"}),
    *((name, {"justify": "right"}) for name in ("PAGES", "NEW", "UPD", "SAME", "DUP", "REJ")),
]


def _run_line(run: RunRow) -> tuple[str, ...]:
    took = "-"
    if run.finished_at is not None:
        took = f"{(run.finished_at - run.started_at).total_seconds():.1f}s"
    return (
        str(run.id),
        run.source,
        run.status,
        short_time(run.started_at),
        took,
        *(str(c) for c in run.counts.as_dict().values()),
    )
