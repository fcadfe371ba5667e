"""Entry point of the ``wirewatch`` console script.

Each command's module is imported only when that command runs or shows its
help (click's lazy-loading group): ``wirewatch articles`` never imports the
crawler, and ``wirewatch --help`` imports no command at all. The command list
therefore carries each command's one-line summary, the first sentence of its
docstring (``tests/wirewatch/app/cli/test_main.py`` holds the two equal).
"""

import importlib
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import click

from wirewatch import __version__
from wirewatch.app.cli.options import AppContext, common_options
from wirewatch.core.errors import WirewatchError
from wirewatch.core.terminal import visible


@dataclass(frozen=True)
class LazyCommand:
    """Where a command lives (``module:attribute``) and the summary ``--help`` lists."""

    target: str
    summary: str

    def load(self) -> click.Command:
        module_name, _, attribute = self.target.partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.target} is not a click command")
        return command


COMMANDS: Mapping[str, LazyCommand] = {
    "db": LazyCommand(
        "wirewatch.app.cli.db:db", "Manage the database schema (Alembic migrations)."
    ),
    "crawl": LazyCommand(
        "wirewatch.app.cli.crawl:crawl",
        "Crawl the named sources (all configured ones by default) once, now.",
    ),
    "recrawl": LazyCommand(
        "wirewatch.app.cli.crawl:recrawl",
        "Re-fetch stored addresses of the named sources (all by default), conditionally.",
    ),
    "daemon": LazyCommand(
        "wirewatch.app.cli.daemon:daemon",
        "Run every source on its schedule until SIGTERM/SIGINT; log to stderr.",
    ),
    "worker": LazyCommand(
        "wirewatch.app.cli.worker:worker",
        'Run a Celery worker that crawls the runs the leader queues ([dispatch] engine = "celery").',
    ),
    "status": LazyCommand(
        "wirewatch.app.cli.status:status",
        "Show whether a daemon holds the schedule (pid, host, since), and per source"
        " the last run and the next one.",
    ),
    "articles": LazyCommand(
        "wirewatch.app.cli.query:articles", "List stored stories, newest first."
    ),
    "show": LazyCommand(
        "wirewatch.app.cli.query:show",
        "Show one story: its fields, every address it was seen at, and its revisions.",
    ),
    "runs": LazyCommand(
        "wirewatch.app.cli.query:runs",
        "Show crawl history, newest first, with the counts of each run.",
    ),
    "rejected": LazyCommand(
        "wirewatch.app.cli.rejected:rejected",
        "Show the pages crawls rejected, newest first, with the reason of each.",
    ),
    "watches": LazyCommand(
        "wirewatch.app.cli.watches:watches",
        "List each watch with its matches (matched, delivered, pending, failed) and last error.",
    ),
    "matches": LazyCommand(
        "wirewatch.app.cli.watches:matches", "List the stories watches matched, newest match first."
    ),
    "extract": LazyCommand(
        "wirewatch.app.cli.extract:extract",
        "Extract the story from a saved page (FILE, or - for stdin) and print it.",
    ),
    "demo": LazyCommand(
        "wirewatch.app.cli.demo:demo", "Show the whole pipeline with no network and no config."
    ),
}


class ReaderGone(Exception):
    """stdout's reader closed the pipe. Not an ``OSError``: click would exit 1 on one."""


class LazyGroup(click.Group):
    """A group whose commands are imported by name, on first use."""

    def __init__(self, *args: Any, lazy_commands: Mapping[str, LazyCommand], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            self.add_command(self.lazy_commands[cmd_name].load(), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            raise ReaderGone from exc

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List every command with its summary, shortened as click shortens a docstring."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            command = self.commands.get(name) or click.Command(
                name, help=self.lazy_commands[name].summary
            )
            if not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="wirewatch")
@common_options
def cli() -> None:
    """wirewatch: crawl MENAFN-style wire news into one clean database.

    Every story is stored once, keyed by its wire ID, with every address it was
    seen at and its revisions.

    \b
    Examples:
      wirewatch db upgrade
      wirewatch crawl menafn-world
      wirewatch articles --provider "Jordan Times" --since 2025-11-01
    """


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; expected failures print one line to stderr, never a traceback.

    A usage error adds a second line, where to find help. Output whose reader went
    away (``wirewatch articles | head -1``) ends quietly with exit code 0.
    """
    app = AppContext()
    try:
        code = _run(app, argv)
    except (BrokenPipeError, ReaderGone):
        code = _reader_gone()
    finally:
        app.close()
    sys.exit(code)


def _run(app: AppContext, argv: list[str] | None) -> int:
    try:
        code = cli.main(args=argv, prog_name="wirewatch", obj=app, standalone_mode=False)
        sys.stdout.flush()
    except WirewatchError as exc:
        for line in exc.lines()[:-1]:
            _error(line, exc.exit_code)
        return _error(exc.lines()[-1], exc.exit_code)
    except click.exceptions.Abort:
        click.echo("wirewatch: aborted", err=True)
        return 130
    except click.exceptions.NoArgsIsHelpError as exc:
        exc.show()  # `wirewatch` or `wirewatch db` alone: the help, as always
        return exc.exit_code
    except click.UsageError as exc:
        hint = f"Try '{exc.ctx.command_path} -h' for help." if exc.ctx is not None else None
        return _error(exc.format_message(), exc.exit_code, hint)
    except click.ClickException as exc:
        return _error(exc.format_message(), exc.exit_code)
    except Exception as exc:
        unavailable = database_unavailable(exc)
        if unavailable is None:
            raise
        return _error(f"database unavailable: {unavailable}", 1)
    return code if isinstance(code, int) else 0


def _error(message: str, code: int, hint: str | None = None) -> int:
    """``wirewatch: error: MESSAGE`` on one line (and a hint on a second one)."""
    one_line = visible(" ".join(message.split()))
    click.echo(f"wirewatch: error: {one_line}", err=True)
    if hint:
        click.echo(hint, err=True)
    return code


def _reader_gone() -> int:
    """stdout's reader closed the pipe: point stdout at /dev/null so the interpreter's
    last flush at exit fails no more (Python's docs, "Note on SIGPIPE"), and succeed:
    the reader had what it wanted."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 0


def database_unavailable(exc: Exception) -> str | None:
    """Why the database could not be used, when ``exc`` says so (and the fix, when
    known: a PostgreSQL database that does not exist); else None."""
    # Imported here: only commands that use the database load SQLAlchemy (start-up time).
    from wirewatch.storage.engine import OperationalError, missing_database

    if not isinstance(exc, OperationalError):
        return None
    fix = missing_database(exc)
    return f"{exc.orig}; {fix}" if fix else str(exc.orig)
