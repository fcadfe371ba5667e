"""``wirewatch crawl``: crawl configured sources once, now, with a live progress line.

Each source's run is recorded with trigger ``manual``. (The daemon's scheduled
runs are crawled by ``python -m wirewatch.crawler.child``, not by this command.)
"""

from collections.abc import Sequence

import click
from rich import box
from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from wirewatch.app.cli.options import AppContext, common_options, pass_app
from wirewatch.app.cli.output import console
from wirewatch.core.terminal import visible
from wirewatch.crawler.progress import RunSummary
from wirewatch.storage.ledger import RunCounts
from wirewatch.storage.models import RunStatus


class ProgressLine:
    """One line on stderr, redrawn as the runs report their counts (terminals only)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.totals: dict[str, RunCounts] = {}
        self.live: Live | None = None

    def __enter__(self) -> "ProgressLine":
        if self.console.is_terminal:
            self.live = Live(self._render(), console=self.console, transient=True)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.__exit__(None, None, None)

    def update(self, summary: RunSummary) -> None:
        self.totals[summary.source] = summary.counts
        if self.live is not None:
            self.live.update(self._render())

    def _render(self) -> Text:
        total = RunCounts()
        for counts in self.totals.values():
            total += counts
        return Text(
            f"crawling: {total.pages_fetched} pages, {total.articles_new} new, "
            f"{total.articles_updated} updated, {total.articles_unchanged} unchanged, "
            f"{total.duplicates} dup, {total.pages_rejected} rejected",
            style="dim",
        )


def summary_table(summaries: Sequence[RunSummary]) -> Table:
    """One row per source; a failed run's error is printed below the table, in full
    (``error_line``). Short headings, as ``wirewatch runs``'s, keep it within 80 columns."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("source", overflow="fold")
    table.add_column("run", justify="right")
    table.add_column("status", no_wrap=True, min_width=max(map(len, RunStatus)))
    for column in ("pages", "new", "upd", "same", "dup", "rej"):
        table.add_column(column, justify="right")
    for s in summaries:
        style = "green" if s.succeeded else "red"
        table.add_row(
            Text(visible(s.source)),
            str(s.run_id),
            Text(s.status, style=style),
            *(str(n) for n in s.counts.as_dict().values()),
        )
    return table


def error_line(summary: RunSummary) -> Text:
    """``source (run N, status): error``, as text to show, never markup to obey."""
    return Text(
        visible(f"{summary.source} (run {summary.run_id}, {summary.status}): {summary.error}")
    )


@click.command()
@click.argument("sources", nargs=-1, metavar="[SOURCE ...]")
@common_options
@pass_app
@click.pass_context
def crawl(ctx: click.Context, app: AppContext, sources: tuple[str, ...]) -> None:
    """Crawl the named sources (all configured ones by default) once, now.

    Prints a progress line while it runs and a summary per source at the end.
    Exits 0 when every source's run succeeded, 1 otherwise.

    \b
    Examples:
      wirewatch crawl                    # every [[sources]] entry
      wirewatch crawl menafn-world -v    # one source, with Scrapy's log
    """
    # Imported here: Scrapy and Twisted would slow every other command's start-up.
    from wirewatch.crawler.process import run_crawl

    config = app.config
    progress = ProgressLine(Console(stderr=True))
    with progress:
        summaries = run_crawl(
            config, list(sources), on_progress=progress.update, verbosity=app.verbosity
        )
    out = console()
    out.print(summary_table(summaries))
    for summary in summaries:
        if summary.error:
            out.print(error_line(summary))
    ctx.exit(0 if all(s.succeeded for s in summaries) else 1)
