"""What ``wirewatch watches`` and ``wirewatch matches`` print, read through storage.

``watches`` (the commands) imports this module only when a command runs, so
that ``--help`` loads neither storage nor SQLAlchemy. Stored text (titles,
addresses, errors) reaches the terminal through ``wirewatch.core.terminal.visible``
(the table helper applies it to every cell); machine formats escape it as
``output`` does, and the Atom feed is XML that ElementTree escapes.
"""

import sys
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import click

from wirewatch.app.cli.atom import AtomEntry, write_feed
from wirewatch.app.cli.output import (
    Column,
    Format,
    console,
    plain,
    row_dict,
    short_time,
    table,
    write_rows,
)
from wirewatch.app.cli.reports import print_article_rows
from wirewatch.core.config import Config, WatchConfig
from wirewatch.core.terminal import visible
from wirewatch.scheduler.delivery import deliver_pass
from wirewatch.storage.engine import Engine
from wirewatch.storage.export import article_bodies
from wirewatch.storage.matching import WatchRule
from wirewatch.storage.outbox import (
    MatchRow,
    WatchCounts,
    backfill,
    list_matches,
    stored_matches,
    watch_counts,
)

WATCH_FIELDS = [
    "watch",
    "configured",
    "on",
    "webhook",
    "format",
    "matched",
    "delivered",
    "pending",
    "failed",
    "unsent",
    "last_error",
    "last_error_at",
]
MATCH_FIELDS = list(MatchRow.__dataclass_fields__)


def _watch_records(
    configured: Sequence[WatchConfig], counts: dict[str, WatchCounts]
) -> Iterator[dict[str, Any]]:
    """One record per configured watch, then one per watch that has matches but left the config."""
    names = [w.name for w in configured] + sorted(counts.keys() - {w.name for w in configured})
    by_name = {w.name: w for w in configured}
    for name in names:
        watch = by_name.get(name)
        found = counts.get(name, WatchCounts(name))
        yield {
            "watch": name,
            "configured": watch is not None,
            "on": ",".join(watch.on) if watch else None,
            "webhook": watch.webhook if watch else None,
            "format": watch.format if watch else None,
            "matched": found.matched,
            "delivered": found.delivered,
            "pending": found.pending,
            "failed": found.failed,
            "unsent": found.unsent,
            "last_error": found.last_error,
            "last_error_at": found.last_error_at,
        }


def print_watches(
    engine: Engine, configured: Sequence[WatchConfig], fmt: Format, *, csv_raw: bool = False
) -> None:
    records = [
        {key: plain(value) for key, value in record.items()}
        for record in _watch_records(configured, watch_counts(engine))
    ]
    if fmt is not Format.TABLE:
        write_rows(records, fmt, WATCH_FIELDS, sys.stdout, csv_raw=csv_raw)
        return
    if not records:
        click.echo("No watches are configured ([[watches]] in the config).", err=True)
        return
    columns: list[Column] = [
        ("WATCH", {"max_width": 24}),
        ("ON", {}),
        ("WEBHOOK", {"max_width": 28}),
        *((name, {"justify": "right"}) for name in ("MATCHED", "DELIVERED", "PENDING", "FAILED")),
        ("LAST ERROR", {"flex": True}),
    ]
    lines = [
        (
            r["watch"] if r["configured"] else f"{r['watch']} (not configured)",
            r["on"] or "-",
            _host(r["webhook"]) if r["webhook"] else "-",
            str(r["matched"]),
            str(r["delivered"]),
            str(r["pending"]),
            str(r["failed"]),
            r["last_error"] or "-",
        )
        for r in records
    ]
    out = console()
    out.print(table(columns, lines, out.width))
    for r in records:
        if r["last_error"]:
            when = (
                short_time(datetime.fromisoformat(r["last_error_at"]))
                if r["last_error_at"]
                else "-"
            )
            click.echo(
                f"watch {visible(r['watch'])}: last error ({when} UTC): {visible(r['last_error'])}"
            )


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def print_test(
    engine: Engine,
    watch: WatchConfig,
    since: datetime | None,
    limit: int | None,
    fmt: Format,
    *,
    csv_raw: bool = False,
) -> None:
    """The stored stories the watch matches now; nothing is recorded."""
    rows = stored_matches(engine, WatchRule.from_config(watch), since, limit)
    print_article_rows(engine, rows, fmt, body=False, csv_raw=csv_raw)


def deliver_once(engine: Engine, config: Config) -> None:
    """One delivery pass over every configured watch with a webhook; prints the tally."""
    if not any(watch.webhook for watch in config.watches):
        click.echo("No watch has a webhook: nothing to deliver.", err=True)
        return
    result = deliver_pass(engine, config.watches, config.delivery)
    click.echo(f"delivered {result.delivered}, to retry {result.retried}, failed {result.failed}")


def backfill_watch(engine: Engine, watch: WatchConfig, since: datetime) -> None:
    added = backfill(engine, WatchRule.from_config(watch), since)
    where = "to deliver" if watch.webhook else "listed by `wirewatch matches`"
    click.echo(f"watch {watch.name}: {added} stored stories matched ({where})")


def print_matches(
    engine: Engine,
    watch: str | None,
    since: datetime | None,
    limit: int | None,
    fmt: Format,
    *,
    csv_raw: bool = False,
) -> None:
    rows = list_matches(engine, watch, since, limit)
    if fmt is Format.ATOM:
        _write_atom(engine, rows, watch)
    elif fmt is not Format.TABLE:
        write_rows((row_dict(r) for r in rows), fmt, MATCH_FIELDS, sys.stdout, csv_raw=csv_raw)
    elif not rows:
        click.echo("No matches.", err=True)
    else:
        out = console()
        out.print(table(_MATCH_COLUMNS, (_match_line(r) for r in rows), out.width))


_MATCH_COLUMNS: list[Column] = [
    ("ID", {"justify": "right"}),
    ("WATCH", {"max_width": 20}),
    ("EVENT", {}),
    ("MATCHED (UTC)", {}),
    ("STATUS", {}),
    ("TRIES", {"justify": "right"}),
    ("STORY", {"justify": "right"}),
    ("TITLE", {"flex": True}),
]


def _match_line(row: MatchRow) -> tuple[str, ...]:
    event = row.event if row.revision == 1 else f"{row.event} r{row.revision}"
    return (
        str(row.id),
        row.watch,
        event,
        short_time(row.matched_at),
        row.status,
        str(row.attempts),
        str(row.article_id),
        row.title,
    )


def _write_atom(engine: Engine, rows: list[MatchRow], watch: str | None) -> None:
    bodies = article_bodies(engine, {row.article_id for row in rows})
    entries = [
        AtomEntry(
            match_id=row.id,
            watch=row.watch,
            event=row.event,
            revision=row.revision,
            matched_at=row.matched_at,
            title=row.title,
            url=row.canonical_url,
            provider=row.provider,
            published_at=row.published_at,
            body=bodies.get(row.article_id, ""),
        )
        for row in rows
    ]
    title = f"wirewatch: {watch}" if watch else "wirewatch: watch matches"
    feed_id = f"urn:wirewatch:watch:{watch}" if watch else "urn:wirewatch:matches"
    write_feed(entries, sys.stdout, title=title, feed_id=feed_id)
