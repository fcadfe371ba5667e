"""The crawl child: ``python -m wirewatch.crawler.child --run-id N [--config PATH]``.

A launcher (the daemon's ``scheduler.launcher``, the demo) records each run in
the ledger, then starts this process to crawl it: the run's row names the
source, the config says how to crawl it. ``--run-id`` may be repeated to crawl
several recorded runs in one process. The command line carrying ``--run-id N``
is also how the daemon tells a run's child from a recycled pid.

Prints one line per run on stdout. Exit codes: 0 when every run succeeded; 1
when one did not, or for a run id that is unknown, already closed or of a source
the config does not have, or a database that does not answer; 2 for bad
arguments or a bad config. Those errors are one line on stderr, no traceback.
"""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from wirewatch.core.config import Config, SourceConfig, load_config
from wirewatch.core.errors import WirewatchError
from wirewatch.core.logs import LOG_FORMATS, LogOptions, configure_logging
from wirewatch.core.processes import RUN_ID_FLAG
from wirewatch.core.terminal import visible
from wirewatch.crawler.database import dispose_engines, shared_engine
from wirewatch.crawler.process import crawl_recorded_runs
from wirewatch.crawler.progress import RunSummary
from wirewatch.storage.engine import Engine, OperationalError
from wirewatch.storage.ledger import get_run
from wirewatch.storage.migrate import ensure_schema
from wirewatch.storage.models import RunStatus

PROG = "python -m wirewatch.crawler.child"


class RunNotCrawlable(WirewatchError):
    """A run id the child cannot crawl: unknown, closed already, or of an unconfigured source."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """Bad arguments: one line (argparse's default adds the usage), exit code 2."""
        self.exit(2, f"{self.prog}: error: {message}\n")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = _Parser(prog=PROG, description="Crawl runs recorded in the ledger (crawl_runs).")
    parser.add_argument(
        RUN_ID_FLAG,
        dest="run_ids",
        type=int,
        action="append",
        required=True,
        metavar="N",
        help="a running crawl_runs row to crawl (repeat for several)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help="config file (default: $WIREWATCH_CONFIG, else ./wirewatch.toml)",
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more logging (-vv for libraries too)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    parser.add_argument("--log-format", choices=LOG_FORMATS, default="text", help="text or json")
    parser.add_argument("--log-file", type=Path, metavar="PATH", help="log there, not to stderr")
    return parser.parse_args(argv)


def log_options(args: argparse.Namespace) -> LogOptions:
    verbosity = -1 if args.quiet and not args.verbose else args.verbose
    return LogOptions(verbosity=verbosity, format=args.log_format, file=args.log_file)


def recorded_runs(
    engine: Engine, config: Config, run_ids: Sequence[int]
) -> list[tuple[SourceConfig, int]]:
    """Each run id with its configured source; ``RunNotCrawlable`` for one that cannot be crawled."""
    configured = {source.name for source in config.sources}
    runs = []
    for run_id in dict.fromkeys(run_ids):
        row = get_run(engine, run_id)
        if row is None:
            database = engine.url.render_as_string(hide_password=True)
            raise RunNotCrawlable(f"no crawl run {run_id} in {database}")
        if row.status is not RunStatus.RUNNING:
            raise RunNotCrawlable(f"crawl run {run_id} is {row.status} already")
        if row.source not in configured:
            where = config.path or "the config"
            raise RunNotCrawlable(
                f"crawl run {run_id} is of source {row.source!r}, which {where} does not configure"
            )
        runs.append((config.source(row.source), run_id))
    return runs


def report(summary: RunSummary) -> str:
    """One line of how a run went, its error (which may quote an address a page chose) escaped."""
    counts = ", ".join(f"{value} {name}" for name, value in summary.counts.as_dict().items())
    line = f"run {summary.run_id} ({summary.source}): {summary.status}: {counts}"
    return visible(f"{line}: {summary.error}") if summary.error else line


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging_options = log_options(args)
    configure_logging(logging_options)
    try:
        config = load_config(args.config)
        engine = shared_engine(config.database.url)
        ensure_schema(engine)
        runs = recorded_runs(engine, config, args.run_ids)
        summaries = crawl_recorded_runs(config, runs, verbosity=logging_options.verbosity)
    except WirewatchError as exc:
        for line in exc.lines():
            _fail(line, exc.exit_code)
        return exc.exit_code
    except OperationalError as exc:
        return _fail(f"database unavailable: {exc.orig}", 1)
    finally:
        dispose_engines()
    for summary in summaries:
        print(report(summary), flush=True)
    return 0 if all(summary.succeeded for summary in summaries) else 1


def _fail(message: str, code: int) -> int:
    one_line = visible(" ".join(message.split()))
    print(f"{PROG}: error: {one_line}", file=sys.stderr, flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
