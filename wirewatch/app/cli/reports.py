"""What ``wirewatch articles``, ``show`` and ``runs`` print: stored rows read through storage.

``query`` holds the commands themselves (options, help, argument checks) and
imports this module only when a command runs, so that the commands' ``--help``
does not load storage and SQLAlchemy (start-up time).
"""

import difflib
import itertools
import sys
from collections.abc import Iterator
from typing import Any

import click

from wirewatch.app.cli.output import (
    Column,
    Format,
    console,
    json_text,
    row_dict,
    short_time,
    table,
    write_rows,
)
from wirewatch.core.errors import WirewatchError
from wirewatch.core.terminal import visible
from wirewatch.storage.engine import Engine
from wirewatch.storage.export import article_addresses, article_bodies, stream_articles
from wirewatch.storage.ledger import RunRow
from wirewatch.storage.queries import (
    ArticleDetail,
    ArticleFilter,
    ArticleRow,
    count_articles,
    get_article,
    list_articles,
    list_runs,
)

ARTICLE_FIELDS = list(ArticleRow.__dataclass_fields__)
RUN_FIELDS = list(RunRow.__dataclass_fields__)


def print_articles(
    engine: Engine,
    where: ArticleFilter,
    fmt: Format,
    *,
    body: bool,
    csv_raw: bool = False,
    urls: bool = True,
) -> None:
    """The stories ``where`` selects, as a table or in a machine format.

    Machine formats stream: rows are read a chunk at a time as they are written,
    with their body on request and (JSON, JSONL) the list of their addresses unless
    ``urls`` is off. When ``--limit`` cut the list, stderr says how many matched.
    """
    if fmt is Format.TABLE:
        rows = list_articles(engine, where)
        _print_articles_table(rows)
        _notice_cut(engine, where, len(rows))
        return
    with_urls = urls and fmt in (Format.JSON, Format.JSONL)
    fields = [*ARTICLE_FIELDS, *(["body"] if body else []), *(["urls"] if with_urls else [])]
    written = 0

    def records() -> Iterator[dict[str, Any]]:
        nonlocal written
        for chunk in stream_articles(engine, where, body=body):
            addresses = article_addresses(engine, [r.id for r, _ in chunk]) if with_urls else {}
            for row, text in chunk:
                record = row_dict(row)
                if body:
                    record["body"] = text or ""
                if with_urls:
                    record["urls"] = addresses.get(row.id, [])
                written += 1
                yield record

    write_rows(records(), fmt, fields, sys.stdout, csv_raw=csv_raw)
    _notice_cut(engine, where, written)


def print_article_rows(
    engine: Engine, rows: list[ArticleRow], fmt: Format, *, body: bool, csv_raw: bool = False
) -> None:
    """Given stories as a table or in a machine format (bodies, read from ``engine``, on request)."""
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

    write_rows(records(), fmt, fields, sys.stdout, csv_raw=csv_raw)


def _notice_cut(engine: Engine, where: ArticleFilter, shown: int) -> None:
    """``50 of 2,000 shown; --limit 0 for all`` on stderr, when the limit cut the list."""
    if where.limit is None or shown < where.limit:
        return
    total = count_articles(engine, where)
    if total > shown:
        sys.stdout.flush()
        click.echo(f"{shown:,} of {total:,} shown; --limit 0 for all", err=True)


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


def print_story(engine: Engine, wire_id_or_id: str, fmt: str) -> None:
    """One story as text or JSON; an unknown story is an error."""
    detail = get_article(engine, wire_id_or_id)
    if detail is None:
        raise WirewatchError(f"no stored story has the wire ID or id {wire_id_or_id!r}")
    if fmt == "json":
        click.echo(json_text(detail_dict(detail), indent=1))
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
    """Every stored value through ``visible``: a page chose them."""
    article = detail.article
    click.secho(visible(article.title), bold=True)
    for name, value in row_dict(article).items():
        if name != "title":
            click.echo(f"  {name + ':':<21}{'' if value is None else visible(str(value))}")
    click.secho(f"\nAddresses ({len(detail.addresses)}):", bold=True)
    for address in detail.addresses:
        fetched = short_time(address.last_fetched_at)
        click.echo(
            f"  {visible(address.url)}\n    source {visible(address.source)}, first seen "
            f"{short_time(address.first_seen_at)}, last seen {short_time(address.last_seen_at)}, "
            f"last fetched {fetched}"
        )
    click.secho("\nBody:", bold=True)
    for paragraph in detail.body.split("\n\n"):
        click.echo(f"  {visible(paragraph, lines=True)}\n")
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
            shown = visible(line)
            click.secho(shown, fg=color if not line.startswith(("+++", "---")) else None)


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


def print_runs(
    engine: Engine, source: str | None, limit: int | None, fmt: Format, *, csv_raw: bool = False
) -> None:
    """Crawl runs, newest first, as a table (errors below it) or in a machine format."""
    rows = list_runs(engine, source=source, limit=limit or 1_000_000)
    if fmt is not Format.TABLE:
        write_rows((row_dict(r) for r in rows), fmt, RUN_FIELDS, sys.stdout, csv_raw=csv_raw)
        return
    if not rows:
        click.echo("No crawl runs yet.", err=True)
        return
    out = console()
    out.print(table(_RUN_COLUMNS, (_run_line(r) for r in rows), out.width))
    for run in rows:
        if run.error:
            click.echo(f"run {run.id} ({visible(run.source)}, {run.status}): {visible(run.error)}")


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
