"""Where wirewatch's processes log, and how: text or JSON lines, stderr or a file.

The CLI and the crawl child (``crawler.child``) set logging up the same way
(``LogOptions``), so a crawl logs alike however it was started; a daemon hands
its options to its crawl children (``LogOptions.child_args``).

- ``text``: ``TIME LEVEL logger: message``. Under systemd (``$JOURNAL_STREAM``
  names our stderr) the time is left out, journald stamps every line itself, and
  each line starts with its syslog priority (``<4>``) so that journald files it
  at the right level.
- ``json``: one object a line with ``time``, ``level``, ``logger``, ``source``,
  ``run_id`` and ``event`` (and whatever ``extra`` a call passed), for journald
  or a log shipper to index. ``source`` and ``run_id`` come from ``extra``, or
  from a Scrapy record's spider, or from the ``source=NAME run=N:`` prefix
  wirewatch's own messages start with.

Messages quote addresses, titles and errors that pages chose: in text, control
and bidi characters are written as escapes (``terminal.visible``), newlines kept
for tracebacks; JSON escapes them anyway.
"""

import contextlib
import json
import logging
import logging.handlers
import os
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from wirewatch.core.terminal import escape_json, visible

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JOURNAL_FORMAT = "%(levelname)s %(name)s: %(message)s"
LOG_FORMATS = ("text", "json")

_PREFIX = re.compile(r"^source=(?P<source>\S+?)(?: run=(?P<run_id>\d+))?:")
_SYSLOG_PRIORITY = {
    logging.CRITICAL: 2,
    logging.ERROR: 3,
    logging.WARNING: 4,
    logging.INFO: 6,
    logging.DEBUG: 7,
}
_STANDARD_ATTRIBUTES = frozenset(
    logging.makeLogRecord({}).__dict__.keys() | {"message", "asctime", "spider", "taskName"}
)


@dataclass(frozen=True)
class LogOptions:
    """``-v``/``-q``, ``--log-format`` and ``--log-file``, as every command takes them.

    ``verbosity``: -1 quiet (warnings and errors), 0 wirewatch's info, 1 its debug
    output too, 2 every library's debug output (Scrapy's below WARNING included).
    """

    verbosity: int = 0
    format: str = "text"
    file: Path | None = None

    def child_args(self) -> list[str]:
        """The same options on a child's command line (``crawler.child`` takes them too)."""
        args = ["-q"] if self.verbosity < 0 else ["-v"] * self.verbosity
        args += ["--log-format", self.format]
        if self.file is not None:
            args += ["--log-file", str(self.file)]
        return args


def record_context(record: logging.LogRecord) -> tuple[str | None, int | None]:
    """The source and run id a record is about, when it says."""
    source = getattr(record, "source", None)
    run_id = getattr(record, "run_id", None)
    spider = getattr(record, "spider", None)
    if source is None and spider is not None:
        source = getattr(spider, "name", None)
        settings = getattr(spider, "settings", None)
        if run_id is None and settings is not None:
            run_id = settings.getint("WIREWATCH_RUN_ID") or None
    if source is None:
        match = _PREFIX.match(record.getMessage())
        if match:
            source = match["source"]
            run_id = int(match["run_id"]) if match["run_id"] else run_id
    return (str(source) if source is not None else None), (
        int(run_id) if run_id is not None else None
    )


class VisibleFormatter(logging.Formatter):
    """Text lines with control and bidi characters shown as escapes.

    ``journal``: no time (journald has it) and a ``<N>`` syslog priority prefix.
    """

    def __init__(self, fmt: str = LOG_FORMAT, *, journal: bool = False) -> None:
        super().__init__(JOURNAL_FORMAT if journal else fmt)
        self.journal = journal

    def format(self, record: logging.LogRecord) -> str:
        text = visible(super().format(record), lines=True)
        if not self.journal:
            return text
        priority = _SYSLOG_PRIORITY.get(record.levelno, 6)
        return "\n".join(f"<{priority}>{line}" for line in text.splitlines())


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, source, run_id, event and any extra."""

    def format(self, record: logging.LogRecord) -> str:
        source, run_id = record_context(record)
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "source": source,
            "run_id": run_id,
            "event": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRIBUTES and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return escape_json(json.dumps(entry, ensure_ascii=False, default=str))


def under_journald(stream: TextIO) -> bool:
    """Whether ``stream`` is the journal systemd connected (``$JOURNAL_STREAM`` is ``dev:inode``)."""
    expected = os.environ.get("JOURNAL_STREAM", "")
    if not expected:
        return False
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError):
        return False
    return expected == f"{info.st_dev}:{info.st_ino}"


def make_handler(options: LogOptions) -> logging.Handler:
    """The handler ``options`` ask for: stderr, or a file logrotate may move (reopened then)."""
    handler: logging.Handler
    journal = False
    if options.file is not None:
        handler = logging.handlers.WatchedFileHandler(options.file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(sys.stderr)
        journal = under_journald(sys.stderr)
    if options.format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(VisibleFormatter(journal=journal))
    return handler


def configure_logging(options: LogOptions | int) -> None:
    """Log as ``options`` say; ``-v`` turns on debug for wirewatch's own loggers, ``-vv`` for all.

    An int is a verbosity with the default format and destination.
    """
    if isinstance(options, int):
        options = LogOptions(verbosity=options)
    if options.verbosity < 0:
        level = logging.WARNING
    else:
        level = logging.DEBUG if options.verbosity > 0 else logging.INFO
    logging.basicConfig(level=logging.WARNING, handlers=[make_handler(options)], force=True)
    logging.getLogger("wirewatch").setLevel(level)
    if options.verbosity > 1:
        logging.getLogger().setLevel(logging.DEBUG)


def record_from_json(line: str) -> logging.LogRecord | None:
    """A record another process wrote as a ``JsonFormatter`` line, to log here again; None
    for any other line (a traceback, a library's print)."""
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    if not isinstance(entry, dict) or "event" not in entry or "level" not in entry:
        return None
    level = logging.getLevelName(str(entry.pop("level")).upper())
    fields: dict[str, Any] = {
        "name": str(entry.pop("logger", "wirewatch")),
        "levelno": level if isinstance(level, int) else logging.INFO,
        "levelname": logging.getLevelName(level) if isinstance(level, int) else "INFO",
        "msg": str(entry.pop("event")),
        "args": None,
    }
    moment = entry.pop("time", None)
    with contextlib.suppress(ValueError):
        fields["created"] = datetime.fromisoformat(str(moment)).timestamp()
    exception = entry.pop("exception", None)
    if exception:
        fields["msg"] += "\n" + str(exception)
    fields.update({k: v for k, v in entry.items() if k not in _STANDARD_ATTRIBUTES})
    return logging.makeLogRecord(fields)
