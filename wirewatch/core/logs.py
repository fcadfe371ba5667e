"""Where wirewatch's processes log: stderr, one line per event.

The CLI and the crawl child (``crawler.child``) set logging up the same way, so
a crawl logs alike however it was started.
"""

import logging

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(verbosity: int) -> None:
    """Log to stderr; ``-v`` turns on debug for wirewatch's own loggers, ``-vv`` for all."""
    level = logging.DEBUG if verbosity > 0 else logging.INFO
    logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT, force=True)
    logging.getLogger("wirewatch").setLevel(level)
    if verbosity > 1:
        logging.getLogger().setLevel(logging.DEBUG)
