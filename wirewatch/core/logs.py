"""Where wirewatch's processes log: stderr, one line per event.

The CLI and the crawl child (``crawler.child``) set logging up the same way, so
a crawl logs alike however it was started. Messages quote addresses, titles and
errors that pages chose: control and bidi characters are written as escapes
(``terminal.visible``), newlines kept for tracebacks.
"""

import logging

from wirewatch.core.terminal import visible

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class VisibleFormatter(logging.Formatter):
    """``LOG_FORMAT`` with control and bidi characters shown as escapes."""

    def format(self, record: logging.LogRecord) -> str:
        return visible(super().format(record), lines=True)


def configure_logging(verbosity: int) -> None:
    """Log to stderr; ``-v`` turns on debug for wirewatch's own loggers, ``-vv`` for all."""
    level = logging.DEBUG if verbosity > 0 else logging.INFO
    handler = logging.StreamHandler()
    handler.setFormatter(VisibleFormatter(LOG_FORMAT))
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
    logging.getLogger("wirewatch").setLevel(level)
    if verbosity > 1:
        logging.getLogger().setLevel(logging.DEBUG)
