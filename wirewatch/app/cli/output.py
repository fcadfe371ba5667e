"""Parsing of query arguments and printing of rows: terminal tables and machine formats.

Machine formats (json, jsonl, csv) carry the exact stored values, with times as
UTC ISO 8601 (``2025-11-17T05:42:00+00:00``) and absent values as ``null`` (JSON)
or an empty cell (CSV). Tables are for people: cut to fit the terminal.
"""

import csv
import dataclasses
import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import IO, Any

import click
from rich.console import Console
from rich.table import Table

from wirewatch.core.errors import UsageError

Column = tuple[str, dict[str, Any]]
"""A table column: its heading and rich ``add_column`` options."""

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"


def parse_format(
    allowed: Sequence[Format],
) -> Callable[[click.Context, click.Parameter, str], Format]:
    """A click callback turning ``--format`` into a ``Format``, or a one-line usage error."""

    def callback(_ctx: click.Context, _param: click.Parameter, value: str) -> Format:
        names = [str(f) for f in allowed]
        if value.lower() not in names:
            raise UsageError(f"--format {value!r}: use one of {', '.join(names)}")
        return Format(value.lower())

    return callback


def parse_when(value: str, option: str, *, end: bool = False) -> datetime:
    """``YYYY-MM-DD`` or an ISO 8601 datetime, as aware UTC.

    A bare date means the start of that UTC day; as an upper bound (``end``) it means
    the start of the next one, so ``--until 2025-11-17`` includes the 17th.
    """
    text = value.strip()
    if _DATE_ONLY.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise UsageError(f"{option} {value!r}: not a real date") from None
        moment = datetime.combine(day, time(), tzinfo=UTC)
        return moment + timedelta(days=1) if end else moment
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise UsageError(
            f"{option} {value!r}: use YYYY-MM-DD or an ISO 8601 datetime such as "
            "2025-11-17T09:42:00+04:00"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def plain(value: Any) -> Any:
    """A stored value as JSON/CSV carry it: times in UTC ISO 8601, dates ISO, the rest as is."""
    if isinstance(value, datetime):
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return aware.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def row_dict(row: Any) -> dict[str, Any]:
    """A query dataclass as an ordered dict of plain values."""
    return {name: plain(value) for name, value in dataclasses.asdict(row).items()}


def write_rows(
    rows: Iterable[dict[str, Any]], fmt: Format, fields: Sequence[str], out: IO[str]
) -> None:
    """Write dicts as json (one array), jsonl (one object a line) or csv (header + rows)."""
    if fmt is Format.JSON:
        json.dump(list(rows), out, ensure_ascii=False, indent=1)
        out.write("\n")
    elif fmt is Format.JSONL:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    elif fmt is Format.CSV:
        writer = csv.DictWriter(out, fieldnames=list(fields), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    else:
        raise ValueError(f"write_rows does not print {fmt}")


def console() -> Console:
    """A console on stdout; soft-wraps nothing, so each table row stays one line wide."""
    return Console(highlight=False)


def table(columns: Sequence[Column], rows: Iterable[Sequence[str]], width: int) -> Table:
    """A rich table ``width`` wide where only ``flex`` columns give way, cut with an ellipsis.

    Every other column keeps the width of its longest cell (up to its ``max_width``),
    so ids and dates stay whole; rich would otherwise squeeze every column alike.
    """
    lines = [tuple(row) for row in rows]
    longest = [
        max([len(name), *(len(line[index]) for line in lines)])
        for index, (name, _options) in enumerate(columns)
    ]
    widths: list[int | None] = [
        None if options.get("flex") else min(longest[i], options.get("max_width", longest[i]))
        for i, (_name, options) in enumerate(columns)
    ]
    fixed = sum(w for w in widths if w is not None) + len(columns) - 1
    flexible = [i for i, w in enumerate(widths) if w is None]
    spare = max(8, (width - fixed) // max(1, len(flexible)))
    grid = Table(box=None, header_style="bold", pad_edge=False, padding=(0, 1, 0, 0))
    for index, (name, options) in enumerate(columns):
        column_width = widths[index]
        if column_width is None:
            column_width = min(spare, longest[index])
        extra = {k: v for k, v in options.items() if k not in ("flex", "max_width", "overflow")}
        grid.add_column(name, width=column_width, no_wrap=True, overflow="ellipsis", **extra)
    for line in lines:
        grid.add_row(*line)
    return grid


def short_time(value: datetime | None, precision: str = "datetime") -> str:
    """``2025-11-17 05:42`` (UTC), or only the date when that is all that is known."""
    if value is None:
        return "-"
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%d}" if precision == "date" else f"{value:%Y-%m-%d %H:%M}"
