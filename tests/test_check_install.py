"""``tools/check_install.py`` (``make check-install``): its rules, without the slow install.

The install itself runs in CI (``.ci/run``), where it takes a minute or two.
"""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "tools" / "check_install.py"


@pytest.fixture(scope="module")
def check_install() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_install", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_the_shared_samples_extract_is_skipped_saying_so(
    check_install: ModuleType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("CI", raising=False)
    check_install.check_extract("wirewatch", tmp_path / "missing", tmp_path)
    assert "SKIPPED wirewatch extract: the shared samples are not at" in capsys.readouterr().out


def test_under_ci_missing_samples_fail_the_check(
    check_install: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "1")
    with pytest.raises(check_install.CheckFailed, match="CI is set, so this is an error"):
        check_install.check_extract("wirewatch", tmp_path / "missing", tmp_path)


def test_steps_run_without_the_checkout_on_the_path_and_fail_with_their_output(
    check_install: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(SCRIPT.parents[1]))
    monkeypatch.setenv("WIREWATCH_DATABASE_URL", "sqlite:///elsewhere.db")
    show = (
        "import os; print(os.environ.get('PYTHONPATH'), os.environ.get('WIREWATCH_DATABASE_URL'))"
    )
    printed = check_install.run("show", [sys.executable, "-c", show], cwd=tmp_path).stdout
    assert printed.split() == ["None", "None"]

    fail = "import sys; print('what went wrong'); sys.exit(3)"
    with pytest.raises(
        check_install.CheckFailed, match=r"(?s)broken: exit code 3:.*what went wrong"
    ):
        check_install.run("broken", [sys.executable, "-c", fail], cwd=tmp_path)
