"""Entry point of the ``wirewatch`` console script."""

import sys

import click
from sqlalchemy.exc import OperationalError

from wirewatch import __version__
from wirewatch.app.cli.crawl import crawl
from wirewatch.app.cli.daemon import daemon, status
from wirewatch.app.cli.db import db
from wirewatch.app.cli.demo import demo
from wirewatch.app.cli.extract import extract
from wirewatch.app.cli.options import AppContext, common_options
from wirewatch.app.cli.query import articles, runs, show
from wirewatch.core.errors import WirewatchError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


cli.add_command(db)
cli.add_command(crawl)
cli.add_command(daemon)
cli.add_command(status)
cli.add_command(articles)
cli.add_command(show)
cli.add_command(runs)
cli.add_command(extract)
cli.add_command(demo)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; expected failures print one line to stderr, never a traceback."""
    app = AppContext()
    try:
        code = cli.main(args=argv, prog_name="wirewatch", obj=app, standalone_mode=False)
    except WirewatchError as exc:
        click.echo(f"wirewatch: error: {exc}", err=True)
        code = exc.exit_code
    except OperationalError as exc:
        click.echo(f"wirewatch: error: database unavailable: {exc.orig}", err=True)
        code = 1
    except click.exceptions.Abort:
        click.echo("wirewatch: aborted", err=True)
        code = 130
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    finally:
        app.close()
    sys.exit(code if isinstance(code, int) else 0)
