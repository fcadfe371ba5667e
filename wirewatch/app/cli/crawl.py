"""``wirewatch crawl`` and ``recrawl``: crawl configured sources once, now, with a live
progress line; or one page (``--url``); or stored addresses again (``--refresh``).

Each source's run is recorded with trigger ``manual``. (The daemon's scheduled
runs are crawled by ``python -m wirewatch.crawler.child``, not by this command.)
"""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click
from rich import box
from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from wirewatch.app.cli.options import AppContext, common_options, pass_app
from wirewatch.app.cli.output import console, parse_when
from wirewatch.app.cli.query import parse_limit
from wirewatch.core.errors import UsageError
from wirewatch.core.terminal import visible
from wirewatch.crawler.progress import RunSummary
from wirewatch.storage.ledger import RunCounts
from wirewatch.storage.models import RunStatus

F = TypeVar("F", bound=Callable[..., Any])


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


def refresh_options(command: F) -> F:
    """``--since`` and ``--limit``: which stored addresses a refresh re-fetches."""
    command = click.option(
        "--limit",
        default="100",
        show_default=True,
        callback=parse_limit,
        help="Refresh: at most N addresses per source, first seen newest first; 0: all.",
    )(command)
    command = click.option(
        "--since", metavar="DATE", help="Refresh: only addresses first seen at or after DATE."
    )(command)
    return command


@click.command()
@click.argument("sources", nargs=-1, metavar="[SOURCE ...]")
@click.option("--url", metavar="URL", help="Fetch, extract and store this one page now.")
@click.option("--source", "source_name", metavar="NAME", help="--url: the source it belongs to.")
@click.option(
    "--refresh",
    is_flag=True,
    help="Re-fetch stored addresses (conditionally) instead of discovering new ones.",
)
@refresh_options
@common_options
@pass_app
@click.pass_context
def crawl(
    ctx: click.Context,
    app: AppContext,
    sources: tuple[str, ...],
    url: str | None,
    source_name: str | None,
    refresh: bool,
    since: str | None,
    limit: int | None,
) -> None:
    """Crawl the named sources (all configured ones by default) once, now.

    Prints a progress line while it runs and a summary per source at the end.
    Exits 0 when every source's run succeeded, 1 otherwise.

    --url fetches one page now (robots.txt and the source's politeness apply),
    extracts and stores it, and says what became of it (exit 1 when it was not
    stored). --refresh re-fetches stored addresses of the sources with their
    ETag/Last-Modified, for stories changed without a newer feed date, bounded by
    --since and --limit.

    \b
    Examples:
      wirewatch crawl                    # every [[sources]] entry
      wirewatch crawl menafn-world -v    # one source, with more logging
      wirewatch crawl --url https://menafn.com/1110354612/some-story
      wirewatch crawl --refresh menafn-world --since 2025-11-17
    """
    if url is not None:
        if sources or refresh:
            raise UsageError("--url crawls one page: name its source with --source, not arguments")
        ctx.exit(_crawl_page(app, url, source_name))
    if source_name is not None:
        raise UsageError("--source goes with --url; name sources as arguments")
    limit_given = ctx.get_parameter_source("limit") is not click.core.ParameterSource.DEFAULT
    if not refresh and (since is not None or limit_given):
        raise UsageError("--since and --limit go with --refresh (or `wirewatch recrawl`)")
    ctx.exit(_crawl_sources(app, sources, refresh, since, limit))


@click.command()
@click.argument("sources", nargs=-1, metavar="[SOURCE ...]")
@refresh_options
@common_options
@pass_app
@click.pass_context
def recrawl(
    ctx: click.Context,
    app: AppContext,
    sources: tuple[str, ...],
    since: str | None,
    limit: int | None,
) -> None:
    """Re-fetch stored addresses of the named sources (all by default), conditionally.

    The same as `wirewatch crawl --refresh`: for when a site changed stories
    without a newer date in its feed. Unchanged pages cost a 304; changed ones
    are stored as new revisions.

    \b
    Examples:
      wirewatch recrawl menafn-world --since 2025-11-17
      wirewatch recrawl --limit 500
    """
    ctx.exit(_crawl_sources(app, sources, True, since, limit))


def _crawl_sources(
    app: AppContext,
    sources: Sequence[str],
    refresh: bool,
    since: str | None,
    limit: int | None,
) -> int:
    # Imported here: Scrapy and Twisted would slow every other command's start-up.
    from wirewatch.app.cli.refetch import refresh_targets
    from wirewatch.crawler.process import run_crawl, select_sources

    config = app.config
    targets = None
    if refresh:
        after = parse_when(since, "--since") if since else None
        engine = app.engine()
        targets = {
            source.name: refresh_targets(engine, source.name, after, limit)
            for source in select_sources(config, list(sources))
        }
    progress = ProgressLine(Console(stderr=True))
    with progress:
        summaries = run_crawl(
            config,
            list(sources),
            on_progress=progress.update,
            verbosity=app.log_options.verbosity,
            targets=targets,
        )
    _print_summaries(summaries)
    return 0 if all(s.succeeded for s in summaries) else 1


def _crawl_page(app: AppContext, url: str, source_name: str | None) -> int:
    from wirewatch.app.cli.refetch import page_fate, page_source
    from wirewatch.crawler.incremental import Visit
    from wirewatch.crawler.process import run_crawl

    config = app.config
    source = page_source(config, url.strip(), source_name)
    [summary] = run_crawl(
        config,
        [source.name],
        verbosity=app.log_options.verbosity,
        targets={source.name: [Visit(url.strip())]},
    )
    _print_summaries([summary])
    fate, stored = page_fate(app.engine(), summary, url.strip())
    console().print(Text(f"{visible(url.strip())}: {fate}"))
    return 0 if stored and summary.succeeded else 1


def _print_summaries(summaries: Sequence[RunSummary]) -> None:
    out = console()
    out.print(summary_table(summaries))
    for summary in summaries:
        if summary.error:
            out.print(error_line(summary))
