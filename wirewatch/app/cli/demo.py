"""``wirewatch demo``: crawl the bundled sample web twice into a local SQLite file."""

from pathlib import Path

import click

from wirewatch.app.cli.options import common_options
from wirewatch.app.cli.output import console
from wirewatch.app.demo import DEFAULT_DB, run_demo


@click.command()
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=DEFAULT_DB,
    show_default=True,
    help="SQLite file to write; replaced by a fresh one on every run.",
)
@click.option(
    "--stories",
    type=click.IntRange(1, 20_000),
    default=40,
    show_default=True,
    help="Wire stories on the sample site.",
)
@common_options
@click.pass_context
def demo(ctx: click.Context, db_path: Path, stories: int) -> None:
    """Show the whole pipeline with no network and no config.

    Serves a sample MENAFN-style wire site (feed, sitemaps, paginated listings) and
    a partner site that syndicates some of its stories under another template on
    127.0.0.1 and 127.0.0.2, crawls both into ./wirewatch-demo.db, changes the site
    (new and edited stories), crawls again, and reports what was stored: stories,
    merged syndicated copies, revisions, rejected pages and a few stories.
    Exits 0 when both crawls succeeded and every story was stored.

    \b
    Examples:
      wirewatch demo
      wirewatch demo --stories 500 --db /tmp/demo.db
    """
    result = run_demo(db_path, stories, console())
    ctx.exit(0 if result.ok else 1)
