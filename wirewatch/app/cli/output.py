"""Parsing of query arguments and printing of rows: terminal tables and machine formats.

Machine formats (json, jsonl, csv) carry the exact stored values, with times as
UTC ISO 8601 (``2025-11-17T05:42:00+00:00``) and absent values as ``null`` (JSON)
or an empty cell (CSV). Two exceptions keep a hostile page from acting on whoever
reads them: JSON writes control and bidi characters as escapes (the same values
once parsed), and CSV cells a spreadsheet would run as a formula get a leading
``'`` unless the caller asks for raw cells. Tables are for people: cut to fit the
terminal, with control and bidi characters shown as escapes
(``wirewatch.core.terminal``).
"""

import csv
import dataclasses
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import IO, Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from wirewatch.core.errors import UsageError
from wirewatch.core.terminal import escape_json, visible

Column = tuple[str, dict[str, Any]]
"""A table column: its heading and rich ``add_column`` options."""

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

FIRST_DAY = date(1, 1, 2)
LAST_DAY = date(9999, 12, 30)
"""The days ``--since`` and ``--until`` accept: a day short of each end of ``datetime``'s range."""
_FIRST_MOMENT = datetime.combine(FIRST_DAY, time(), UTC)
_AFTER_LAST_DAY = datetime.combine(LAST_DAY + timedelta(days=1), time(), UTC)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a CSV cell as a formula (OWASP, "CSV Injection")."""


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    ATOM = "atom"
    """An Atom feed (``wirewatch matches``); not a ``write_rows`` format."""


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
    the start of the next one, so ``--until 2025-11-17`` includes the 17th. Days from
    ``FIRST_DAY`` to ``LAST_DAY`` (UTC) are accepted, so that neither that next day nor
    a conversion to UTC leaves what Python and the databases can represent.
    """
    text = value.strip()
    bare_date = _DATE_ONLY.match(text) is not None
    out_of_range = UsageError(
        f"{option} {value!r}: out of range: use a date from {FIRST_DAY} to {LAST_DAY}"
    )
    try:
        if bare_date:
            moment = datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(
                text.removesuffix("Z") + "+00:00" if text.endswith("Z") else text
            )
            moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except ValueError:
        if bare_date:
            raise UsageError(f"{option} {value!r}: not a real date") from None
        raise UsageError(
            f"{option} {value!r}: use YYYY-MM-DD or an ISO 8601 datetime such as "
            "2025-11-17T09:42:00+04:00"
        ) from None
    except OverflowError:
        raise out_of_range from None
    if not _FIRST_MOMENT <= moment < _AFTER_LAST_DAY:
        raise out_of_range
    return moment + timedelta(days=1) if end and bare_date else moment


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


def json_text(value: Any, *, indent: int | None = None) -> str:
    """``value`` as JSON, non-ASCII text as it is but control and bidi characters escaped."""
    return escape_json(json.dumps(value, ensure_ascii=False, indent=indent))


def csv_cell(value: Any, *, raw: bool = False) -> Any:
    """A value as a CSV cell: empty for None; a text a spreadsheet would run as a
    formula (``=``, ``+``, ``-``, ``@``, tab, carriage return first) gets a leading
    ``'``, which spreadsheets show as text, unless ``raw``."""
    if value is None:
        return ""
    if not raw and isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_rows(
    rows: Iterable[dict[str, Any]],
    fmt: Format,
    fields: Sequence[str],
    out: IO[str],
    *,
    csv_raw: bool = False,
) -> None:
    """Write dicts as json (one array), jsonl (one object a line) or csv (header + rows).

    CSV cells that start like a formula are neutralised (``csv_cell``) unless ``csv_raw``.
    """
    if fmt is Format.JSON:
        out.write(json_text(list(rows), indent=1) + "\n")
    elif fmt is Format.JSONL:
        for row in rows:
            out.write(json_text(row) + "\n")
    elif fmt is Format.CSV:
        _write_csv(
            ({k: csv_cell(v, raw=csv_raw) for k, v in row.items()} for row in rows), fields, out
        )
    else:
        raise ValueError(f"write_rows does not print {fmt}")


class OutputConsole(Console):
    """A rich console that lets a closed pipe raise ``BrokenPipeError`` (rich's own
    reaction is ``SystemExit(1)``), so the CLI ends every command's closed pipe alike."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


def _write_csv(rows: Iterable[dict[str, Any]], fields: Sequence[str], out: IO[str]) -> None:
    """CSV with ``\n`` line ends in which every cell holding a CR or LF is quoted.

    The csv module quotes only the characters of its line terminator: with ``\n``
    alone, a bare CR in a value would be written unquoted and break the row. So each
    row is written with ``\r\n`` (both quoted) and its terminator turned into ``\n``.
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(fields), lineterminator="\r\n")

    def copy_line() -> None:
        out.write(buffer.getvalue().removesuffix("\r\n") + "\n")
        buffer.seek(0)
        buffer.truncate()

    writer.writeheader()
    copy_line()
    for row in rows:
        writer.writerow(row)
        copy_line()


PIPED_WIDTH = 100_000
"""A table's width when stdout is no terminal and ``$COLUMNS`` says nothing: no cut at all."""


def console(**options: Any) -> Console:
    """A console on stdout (``OutputConsole``) that highlights nothing in what it prints.

    On a terminal it is the terminal's width; piped, it is ``$COLUMNS`` when set and
    otherwise unbounded, so that a table written to a file or a pager is neither cut
    nor wrapped (rich would assume 80 columns).
    """
    out = OutputConsole(highlight=False, **options)
    if "width" not in options and not out.is_terminal and not os.environ.get("COLUMNS"):
        out = OutputConsole(highlight=False, width=PIPED_WIDTH, **options)
    return out


def table(columns: Sequence[Column], rows: Iterable[Sequence[str]], width: int) -> Table:
    """A rich table ``width`` wide where only ``flex`` columns give way, cut with an ellipsis.

    Every other column keeps the width of its longest cell (up to its ``max_width``),
    so ids and dates stay whole; rich would otherwise squeeze every column alike.
    Cells are untrusted text: control and bidi characters are shown as escapes, and
    nothing in them is read as rich markup.
    """
    lines = [tuple(visible(cell) for cell in row) for row in rows]
    longest = [
        max([len(name), *(len(line[index]) for line in lines)])
        for index, (name, _options) in enumerate(columns)
    ]
    widths: list[int | None] = [
        None if options.get("flex") else min(longest[i], options.get("max_width", longest[i]))
        for i, (_name, options) in enumerate(columns)
    ]
    fixed = sum(w for w in widths if w is not None) + len(columns) - 1
    flexible = sorted((i for i, w in enumerate(widths) if w is None), key=lambda i: longest[i])
    remaining = width - fixed
    for count, index in enumerate(flexible):
        # The narrowest first: what a short column leaves goes to the wider ones.
        share = max(8, remaining // (len(flexible) - count))
        widths[index] = min(share, longest[index])
        remaining -= widths[index] or 0
    grid = Table(box=None, header_style="bold", pad_edge=False, padding=(0, 1, 0, 0))
    for index, (name, options) in enumerate(columns):
        column_width = widths[index]
        extra = {k: v for k, v in options.items() if k not in ("flex", "max_width", "overflow")}
        grid.add_column(name, width=column_width, no_wrap=True, overflow="ellipsis", **extra)
    for line in lines:
        grid.add_row(*(Text(cell) for cell in line))
    return grid


def short_time(value: datetime | None, precision: str = "datetime") -> str:
    """``2025-11-17 05:42`` (UTC), or only the date when that is all that is known."""
    if value is None:
        return "-"
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%d}" if precision == "date" else f"{value:%Y-%m-%d %H:%M}"
