"""``wirewatch rejected``: the rejected pages, filtered, in every format."""

import json

import pytest

from tests.wirewatch.app.cli.conftest import Run

pytestmark = pytest.mark.usefixtures("filled_db")


def test_rejected_pages_show_their_source_reason_and_address(run_cli: Run) -> None:
    table = run_cli("rejected")
    assert table.code == 0
    header, row = table.out.splitlines()
    assert header.split()[:5] == ["SEEN", "(UTC)", "RUN", "SOURCE", "REASON"]
    assert "menafn-world" in row and "http_error" in row and "404" in row
    assert "https://menafn.com/9/x" in row
    [page] = json.loads(run_cli("rejected", "--format", "json").out)
    assert page["source"] == "menafn-world" and page["reason"] == "http_error"
    assert page["url"] == "https://menafn.com/9/x" and page["http_status"] == 404


@pytest.mark.parametrize(
    ("args", "found"),
    [
        ((), 1),
        (("--source", "menafn-world"), 1),
        (("--source", "partner"), 0),
        (("--reason", "http_error"), 1),
        (("--reason", "timeout"), 0),
        (("--since", "2000-01-01"), 1),
        (("--since", "9999-01-01"), 0),
    ],
)
def test_filters_select_the_pages(run_cli: Run, args: tuple[str, ...], found: int) -> None:
    result = run_cli("rejected", *args, "--format", "jsonl")
    assert result.code == 0
    assert len(result.out.splitlines()) == found


def test_an_unknown_reason_is_refused_with_the_known_ones(run_cli: Run) -> None:
    result = run_cli("rejected", "--reason", "bogus")
    assert result.code == 2
    assert "--reason 'bogus': use one of http_error, timeout" in result.err
