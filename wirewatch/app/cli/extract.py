"""``wirewatch extract``: run extraction alone on a saved page, offline."""

import sys
from pathlib import Path

import click

from wirewatch.app.cli.options import common_options
from wirewatch.app.cli.output import json_text
from wirewatch.core.errors import UsageError
from wirewatch.core.record import ArticleRecord, Rejection
from wirewatch.core.terminal import visible
from wirewatch.crawler.extract import extract as run_extraction

STDIN_URL = "file:///dev/stdin"


@click.command()
@click.argument("file", metavar="FILE")
@click.option("--url", help="The address the page came from (default: the file's file:// URL).")
@click.option(
    "--content-type",
    metavar="TYPE",
    help='Its HTTP Content-Type, e.g. "text/html; charset=windows-1252".',
)
@click.option(
    "--format",
    "fmt",
    default="json",
    show_default=True,
    metavar="json|text",
    help="json: the shape of the shared samples' *.expected.json; text: for reading.",
)
@common_options
def extract(file: str, url: str | None, content_type: str | None, fmt: str) -> None:
    """Extract the story from a saved page (FILE, or - for stdin) and print it.

    Nothing is fetched or stored. A page that is not a story prints the rejection's
    reason and exits with code 1.

    \b
    Examples:
      wirewatch extract saved.html --url "https://menafn.com/1110354612/Kremlin-Says"
      curl -s https://menafn.com/1110354612/x | wirewatch extract - --format text
    """
    if fmt not in ("json", "text"):
        raise UsageError(f"--format {fmt!r}: use one of json, text")
    body, default_url = _read(file)
    headers = {"Content-Type": content_type} if content_type else {}
    result = run_extraction(url or default_url, body, headers)
    if isinstance(result, Rejection):
        _print_rejection(result, fmt)
        raise click.exceptions.Exit(1)
    if fmt == "json":
        click.echo(json_text(result.to_expected_json(), indent=1))
    else:
        _print_text(result)


def _read(file: str) -> tuple[bytes, str]:
    if file == "-":
        return sys.stdin.buffer.read(), STDIN_URL
    path = Path(file)
    try:
        return path.read_bytes(), path.resolve().as_uri()
    except OSError as exc:
        raise UsageError(f"{file}: cannot be read: {exc.strerror}") from None


def _print_rejection(rejection: Rejection, fmt: str) -> None:
    if fmt == "json":
        payload = {
            "rejected": str(rejection.reason),
            "detail": rejection.detail,
            "url": rejection.url,
        }
        click.echo(json_text(payload, indent=1))
    else:
        click.echo(f"rejected ({rejection.reason}): {visible(rejection.detail)}")


def _print_text(record: ArticleRecord) -> None:
    """The record for reading: every value from the page through ``visible``."""
    click.secho(visible(record.title), bold=True)
    for name, value in record.to_expected_json().items():
        if name not in ("title", "paragraphs"):
            shown = ", ".join(value) if isinstance(value, list) else value
            click.echo(f"  {name + ':':<21}{'' if shown is None else visible(str(shown))}")
    click.echo(f"  {'word_count:':<21}{record.word_count}\n")
    for paragraph in record.paragraphs:
        click.echo(f"{visible(paragraph, lines=True)}\n")
