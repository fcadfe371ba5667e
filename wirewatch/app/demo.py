"""``wirewatch demo``: the whole pipeline against the bundled sample web, with no setup.

Serves ``SampleWeb`` on 127.0.0.1/127.0.0.2, writes a temporary config pointing at
a fresh SQLite file, crawls twice with the site changing in between, and reports
what was stored next to what the site says a correct crawl stores. The demo is
a launcher, like the daemon: each round it records a run per source (trigger
``demo``) in the ledger and crawls them in a crawl child (``crawler.child``), a
process of its own because a Twisted reactor cannot be restarted within one.
"""

import os
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine

from wirewatch.app.cli.crawl import error_line, summary_table
from wirewatch.app.sampleweb import SampleWeb
from wirewatch.core.config import DATABASE_URL_ENV, load_config
from wirewatch.core.logs import LogOptions
from wirewatch.core.terminal import visible
from wirewatch.crawler.progress import RunSummary
from wirewatch.scheduler.child_process import ChildExit, crawl_command
from wirewatch.scheduler.launcher import settle_run
from wirewatch.storage.engine import make_engine
from wirewatch.storage.export import list_rejections, totals
from wirewatch.storage.ledger import attach_pid, get_run, start_run
from wirewatch.storage.migrate import ensure_schema
from wirewatch.storage.models import RunTrigger
from wirewatch.storage.queries import ArticleFilter, get_article, list_articles, list_runs

DEFAULT_DB = Path("wirewatch-demo.db")
CRAWL_TIMEOUT = 120


@dataclass(frozen=True)
class DemoResult:
    """How the demo went: the crawls' exit codes and whether the store matches the site."""

    crawl_codes: tuple[int, ...]
    stored: int
    expected: int

    @property
    def ok(self) -> bool:
        return all(code == 0 for code in self.crawl_codes) and self.stored == self.expected


def run_demo(db_path: Path, stories: int, console: Console) -> DemoResult:
    """Serve, crawl, change, crawl again, report. ``db_path`` is replaced by a fresh file."""
    db_path = db_path.resolve()
    _remove_database(db_path)
    db_url = f"sqlite:///{db_path}"
    console.print(
        f"[bold]wirewatch demo[/]: storing into [bold]{_shown(str(db_path))}[/] (a fresh file)"
    )
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    with (
        SampleWeb(stories=stories, end_date=yesterday) as web,
        tempfile.TemporaryDirectory() as tmp,
    ):
        config = web.write_config(Path(tmp) / "wirewatch.toml", db_url)
        console.print(
            f"Serving a wire site at {web.wire_base} and a syndicating partner at "
            f"{web.partner_base}: {stories} wire stories, {web.expected_count_without_wire_id()} "
            "without a wire ID, and a few broken pages."
        )
        console.rule("Round 1: first crawl")
        first = _crawl(config, db_url, console)
        web.advance()
        console.rule("Round 2: the site changed, crawl again")
        console.print(
            f"Published {len(web.expected_new_wire_ids())} new stories and edited "
            f"{len(web.expected_edited_wire_ids())}; unchanged stories should not be downloaded again."
        )
        web.clear_log()
        second = _crawl(config, db_url, console)
        redownloads = len(web.unchanged_downloads())
        result = _report(web, db_url, console, redownloads)
    return DemoResult((first, second), result, web.expected_article_count())


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _crawl(config_path: Path, db_url: str, console: Console) -> int:
    """One round: a ``demo`` run per source, crawled in a child; its summary table printed."""
    engine = make_engine(db_url)
    try:
        ensure_schema(engine)
        host = socket.gethostname()
        run_ids = [
            start_run(engine, source.name, RunTrigger.DEMO, pid=os.getpid(), hostname=host)
            for source in load_config(config_path).sources
        ]
        code, ended = _run_child(
            engine, crawl_command(run_ids, config_path, LogOptions(verbosity=-1)), run_ids
        )
        for run_id in run_ids:
            settle_run(engine, run_id, ended)
        summaries = [RunSummary.of(row) for run_id in run_ids if (row := get_run(engine, run_id))]
        console.print(summary_table(summaries))
        for summary in summaries:
            if summary.error:
                console.print(error_line(summary))
        return code
    finally:
        engine.dispose()


def _run_child(engine: Engine, argv: list[str], run_ids: list[int]) -> tuple[int, ChildExit]:
    """Run the crawl child (its stderr passed through) and tell how it ended."""
    env = {k: v for k, v in os.environ.items() if k != DATABASE_URL_ENV}
    started = time.monotonic()
    with subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL) as child:
        for run_id in run_ids:
            attach_pid(engine, run_id, child.pid)
        try:
            code = child.wait(CRAWL_TIMEOUT)
        except subprocess.TimeoutExpired:
            child.kill()
            raise
    return code, ChildExit(code, time.monotonic() - started)


def _report(web: SampleWeb, db_url: str, console: Console, redownloads: int) -> int:
    engine = make_engine(db_url)
    try:
        figures = totals(engine)
        console.rule("What was stored")
        rows = [
            ("stories stored", figures.articles, f"the site holds {web.expected_article_count()}"),
            ("addresses", figures.addresses, f"the site has {web.expected_url_count()}"),
            (
                "syndicated copies merged",
                figures.syndicated,
                "stories at 2+ addresses, stored once",
            ),
            ("revisions kept", figures.revisions, "earlier texts of stories edited in round 2"),
            ("wrong datelines flagged", figures.flagged, "dated by their wire ID instead"),
            ("unchanged pages re-downloaded", redownloads, "in round 2"),
        ]
        summary = Table(box=None, show_header=False, pad_edge=False)
        summary.add_column(style="bold", no_wrap=True)
        summary.add_column(justify="right", no_wrap=True)
        summary.add_column(style="dim", no_wrap=True, overflow="ellipsis")
        for label, value, note in rows:
            summary.add_row(label, str(value), note)
        console.print(summary)
        _print_rejections(engine, console)
        _print_stories(engine, web, console, db_url)
        return figures.articles
    finally:
        engine.dispose()


def _print_rejections(engine: Engine, console: Console) -> None:
    rejections = list_rejections(engine)
    distinct = len({r.url for r in rejections})
    console.print(
        f"\n[bold]Rejected pages[/]: {distinct}, rejected again in each round they were linked:"
    )
    seen: set[str] = set()
    for rejection in sorted(rejections, key=lambda r: r.url):
        if rejection.url in seen:
            continue
        seen.add(rejection.url)
        status = f" (HTTP {rejection.http_status})" if rejection.http_status else ""
        console.print(f"  {rejection.reason}{status}: {_shown(rejection.url)}", soft_wrap=True)
        console.print(f"    [dim]{_shown(rejection.detail)}[/]", soft_wrap=True)


def _print_stories(engine: Engine, web: SampleWeb, console: Console, db_url: str) -> None:
    rows = list_articles(engine, ArticleFilter(limit=5))
    console.print("\n[bold]Newest stored stories:[/]")
    for row in rows:
        when = f"{row.published_at:%Y-%m-%d %H:%M}" if row.published_at else "-"
        provider = _shown(row.provider) or "(no provider)"
        console.print(f"  {when}  {provider}: {_shown(row.title)}", soft_wrap=True)
    edited = sorted(web.expected_edited_wire_ids())
    if edited:
        detail = get_article(engine, edited[0])
        if detail is not None:
            console.print(f"\nAn edited story is at revision {detail.article.revision}.")
    runs = list_runs(engine, limit=10)
    prefix = f"WIREWATCH_DATABASE_URL={db_url} wirewatch"
    hints = [f"{prefix} articles --search investment", f"{prefix} runs"]
    if edited:
        hints.append(f"{prefix} show {edited[0]}")
    console.print(f"\n{len(runs)} crawl runs recorded. Explore the database, for example:")
    for hint in hints:
        console.print(f"  {_shown(hint)}", soft_wrap=True, highlight=False)


def _shown(text: str) -> str:
    """Stored text inside rich markup: escapes shown, brackets not read as markup."""
    return escape(visible(text))
