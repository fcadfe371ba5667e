"""``wirewatch extract`` on the shared sample pages."""

import json
from pathlib import Path

import pytest

from tests.wirewatch.app.cli.conftest import Run

SAMPLES = Path(__file__).resolve().parents[5] / "shared" / "samples"
PAGES = {
    "menafn-article": "https://menafn.com/1110354612/Kremlin-Says-Russia-Eager-for-Putin-Trump-Summit?src=RSS",
    "partner-article": "https://gulfbusinesswire.example/2025/11/kremlin-says-russia-eager-for-putin-trump-summit.html?utm_source=rss",
}

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"no shared samples at {SAMPLES}")


@pytest.mark.parametrize("name", sorted(PAGES))
def test_json_is_exactly_the_expected_record(run_cli: Run, name: str) -> None:
    result = run_cli("extract", str(SAMPLES / f"{name}.html"), "--url", PAGES[name])
    assert result.code == 0, result.err
    expected = json.loads((SAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    assert json.loads(result.out) == expected


def test_stdin_with_content_type_and_text_format(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = (SAMPLES / "menafn-article.html").read_bytes()
    monkeypatch.setattr("sys.stdin", _Stdin(page))
    result = run_cli(
        "extract", "-", "--format", "text", "--content-type", "text/html; charset=utf-8"
    )
    assert result.code == 0
    assert result.out.startswith("Kremlin Says Russia Eager for Putin-Trump Summit")
    assert "dateline_mismatch" in result.out
    assert "Prisoner exchanges\n" in result.out
    assert "Legal Disclaimer" not in result.out


def test_a_feed_is_rejected_with_its_reason_and_exit_1(run_cli: Run) -> None:
    result = run_cli("extract", str(SAMPLES / "menafn-feed.xml"), "--format", "text")
    assert result.code == 1
    assert result.out.startswith("rejected (not_an_article): ")
    as_json = run_cli("extract", str(SAMPLES / "menafn-feed.xml"))
    assert as_json.code == 1 and json.loads(as_json.out)["rejected"] == "not_an_article"


def test_missing_file_and_bad_format_exit_2(run_cli: Run, tmp_path: Path) -> None:
    missing = run_cli("extract", str(tmp_path / "nope.html"))
    assert missing.code == 2 and "cannot be read" in missing.err
    assert run_cli("extract", str(SAMPLES / "menafn-article.html"), "--format", "xml").code == 2


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = _Buffer(data)


class _Buffer:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self) -> bytes:
        return self.data
