"""Lay the packages out as the wheel installs them, as a tree of links, for the linters.

The repository keeps ``crawler/``, ``storage/``, ``scheduler/`` and ``alembic/`` at
the top level and ``pyproject.toml`` maps them under ``wirewatch`` (its
``[tool.setuptools]`` ``packages`` and ``package-dir``). Python follows the
mapping through the editable install's import hook; mypy and import-linter read
directories instead. This script builds ``build/layout/wirewatch/...``: real
directories, one symbolic link per source file, from that same mapping, so the
linters check the package names Python imports.

Run: ``python tools/package_layout.py`` (``make lint`` does); prints the layout's root.
"""

import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYOUT = ROOT / "build" / "layout"


def package_directory(package: str, mapping: dict[str, str]) -> Path:
    """Where ``package``'s files live in the repository (the longest mapped prefix wins)."""
    parts = package.split(".")
    for cut in range(len(parts), 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in mapping:
            return ROOT / mapping[prefix] / Path(*parts[cut:])
    return ROOT / Path(*parts)


def build_layout() -> Path:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapping: dict[str, str] = setuptools.get("package-dir", {})
    shutil.rmtree(LAYOUT, ignore_errors=True)
    for package in setuptools["packages"]:
        target = LAYOUT / Path(*package.split("."))
        target.mkdir(parents=True, exist_ok=True)
        for source in package_directory(package, mapping).iterdir():
            if source.is_file() and source.suffix in {".py", ".pyi", ".typed"}:
                (target / source.name).symlink_to(source)
    return LAYOUT


if __name__ == "__main__":
    sys.stdout.write(f"{build_layout()}\n")
