"""The wheel: pure Python, one top-level name (``wirewatch``), every module and migration in it."""

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "-w",
        str(out),
        str(ROOT),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=240)
    (built,) = out.glob("wirewatch-*.whl")
    return zipfile.ZipFile(built)


def _package_folder(package: str) -> Path:
    mapping: dict[str, str] = SETUPTOOLS["package-dir"]
    parts = package.split(".")
    for cut in range(len(parts), 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in mapping:
            return ROOT / mapping[prefix] / Path(*parts[cut:])
    raise AssertionError(f"{package} has no package-dir entry")


@pytest.mark.slow
def test_the_wheel_is_pure_python(wheel: zipfile.ZipFile) -> None:
    assert Path(wheel.filename or "").name.endswith("-py3-none-any.whl")
    assert not [name for name in wheel.namelist() if name.endswith((".so", ".pyd", ".c", ".pyx"))]


@pytest.mark.slow
def test_the_wheel_installs_one_top_level_name(wheel: zipfile.ZipFile) -> None:
    top_level = {name.split("/")[0] for name in wheel.namelist()}
    assert {name for name in top_level if not name.endswith(".dist-info")} == {"wirewatch"}


@pytest.mark.slow
def test_the_wheel_carries_every_module_and_the_migrations(wheel: zipfile.ZipFile) -> None:
    expected = set()
    for package in SETUPTOOLS["packages"]:
        prefix = package.replace(".", "/")
        for path in _package_folder(package).iterdir():
            if path.suffix in {".py", ".mako", ".typed"}:
                expected.add(f"{prefix}/{path.name}")
    assert expected - set(wheel.namelist()) == set()
    assert any(name.startswith("wirewatch/storage/_alembic/versions/") for name in expected)


def test_every_package_folder_is_listed_in_pyproject() -> None:
    """A new package folder must be added to ``[tool.setuptools] packages`` to be installed."""
    listed = {_package_folder(package).resolve() for package in SETUPTOOLS["packages"]}
    on_disk = set()
    for folder in SETUPTOOLS["package-dir"].values():
        for path in (ROOT / folder).rglob("*.py"):
            if "__pycache__" not in path.parts:
                on_disk.add(path.parent.resolve())
    assert on_disk - listed == set()
