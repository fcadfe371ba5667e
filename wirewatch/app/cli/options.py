"""Options every command accepts and the context they build.

``shared/spec/interface.md``: every command accepts ``--config PATH``,
``-v/--verbose``, ``-q/--quiet``, ``--log-format text|json`` and ``--log-file
PATH``, on the group (``wirewatch -v crawl``) and on the command (``wirewatch
crawl -v``) alike. Logging is set up again as each of them is read, so what was
given anywhere on the line holds.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from wirewatch.core.logs import LOG_FORMATS, LogOptions, configure_logging

if TYPE_CHECKING:  # for annotations only: storage loads when a command asks for an engine,
    # the config (pydantic: a tenth of a second) when a command reads it
    from wirewatch.core.config import Config
    from wirewatch.storage.engine import Engine

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class AppContext:
    """What a command needs: the config (loaded lazily, once) and an engine on its database."""

    config_path: Path | None = None
    verbosity: int = 0
    quiet: bool = False
    log_format: str = "text"
    log_file: Path | None = None
    _engine: "Engine | None" = field(default=None, repr=False)

    @cached_property
    def config(self) -> "Config":
        from wirewatch.core.config import load_config

        return load_config(self.config_path)

    def engine(self, *, upgrade: bool = True, read_only: bool = False) -> "Engine":
        """The configured database's engine; a new, empty database is upgraded first.

        ``read_only``: the command only reads, so a database that does not exist is
        an error (``DatabaseMissing``) rather than created empty. A database at the
        head revision costs one query (``storage.schema``); Alembic is loaded only
        to migrate a new one or to explain a mismatch.
        """
        if self._engine is None:
            # Imported here: only commands that use the database load storage, SQLAlchemy
            # and Alembic (start-up time of --help and of the offline commands).
            from wirewatch.storage.engine import make_engine, require_database
            from wirewatch.storage.schema import at_head

            url = self.config.database.url
            if read_only:
                require_database(url)
            self._engine = make_engine(url)
            if upgrade and not at_head(self._engine):
                from wirewatch.storage.migrate import ensure_schema

                ensure_schema(self._engine)
        return self._engine

    @property
    def log_options(self) -> LogOptions:
        verbosity = -1 if self.quiet and not self.verbosity else self.verbosity
        return LogOptions(verbosity=verbosity, format=self.log_format, file=self.log_file)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _remember_config(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.ensure_object(AppContext).config_path = value


def _remember_verbosity(ctx: click.Context, _param: click.Parameter, value: int) -> None:
    app = ctx.ensure_object(AppContext)
    app.verbosity = max(app.verbosity, value)
    configure_logging(app.log_options)


def _remember_quiet(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    app = ctx.ensure_object(AppContext)
    app.quiet = app.quiet or value
    configure_logging(app.log_options)


def _remember_log_format(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    app = ctx.ensure_object(AppContext)
    if value is not None:
        app.log_format = value
    configure_logging(app.log_options)


def _remember_log_file(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    app = ctx.ensure_object(AppContext)
    if value is not None:
        app.log_file = value
    configure_logging(app.log_options)


def common_options(command: F) -> F:
    """Add ``--config``, ``-v/--verbose``, ``-q/--quiet``, ``--log-format`` and ``--log-file``."""
    command = click.option(
        "--log-file",
        type=click.Path(path_type=Path, dir_okay=False, writable=True),
        expose_value=False,
        callback=_remember_log_file,
        help="Append log lines to this file instead of stderr (reopened after logrotate moves it).",
    )(command)
    command = click.option(
        "--log-format",
        type=click.Choice(LOG_FORMATS),
        expose_value=False,
        callback=_remember_log_format,
        help="Log lines as text (default) or JSON (time, level, source, run_id, event).",
    )(command)
    command = click.option(
        "-q",
        "--quiet",
        is_flag=True,
        expose_value=False,
        callback=_remember_quiet,
        help="Log only warnings and errors.",
    )(command)
    command = click.option(
        "-v",
        "--verbose",
        count=True,
        expose_value=False,
        callback=_remember_verbosity,
        help="More logging (-vv for library debug output too).",
    )(command)
    command = click.option(
        "--config",
        type=click.Path(path_type=Path, dir_okay=False),
        expose_value=False,
        is_eager=True,
        callback=_remember_config,
        help="Config file (default: $WIREWATCH_CONFIG, else ./wirewatch.toml).",
    )(command)
    return command


pass_app = click.make_pass_decorator(AppContext, ensure=True)
