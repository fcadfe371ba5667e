"""Install wirewatch the way the README says, and check that the install works.

README's "Installing for real" is ``python3 -m venv DIR && DIR/bin/pip install .``:
the interpreter's own bundled pip, never upgraded, and no dev extras. An old pip
resolves dependencies differently (pip 23.2 skipped jusText's ``lxml[html_clean]``
and every extraction died on an ImportError), and only a real install shows it.

Steps, all in a temporary directory:

1. ``python3 -m venv`` (the bundled pip: its version is printed, never upgraded);
2. ``pip wheel --no-deps`` of a copy of this repository (without ``build/``,
   whose leftovers setuptools would pack), with that pip;
3. ``pip install`` of the wheel, without extras;
4. from a directory outside the repository (from its root, ``import wirewatch``
   would find the checkout's ``wirewatch/`` instead of the installed package):
   ``wirewatch`` must be the installed one; ``wirewatch extract`` of the shared
   sample pages must print their expected records; ``wirewatch demo`` must exit 0
   with every story stored.

The samples are ``../shared/samples`` beside the repository. Without them the
extract step is skipped with a message, except under CI (``$CI`` set), where it
is an error. Run by ``make check-install`` (CI: ``.ci/run``, after ``make test``)::

    python3 tools/check_install.py [--samples DIR] [--keep]

Exit code 0 when every check passed, 1 when one failed (what failed is printed).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SAMPLES = REPO_ROOT.parent / "shared" / "samples"
MANIFEST = REPO_ROOT / "tests" / "crawler" / "extract" / "templates" / "manifest.json"
SAMPLE_PAGES = ("menafn-article", "partner-article")
STEP_TIMEOUT = 900
_NOT_SOURCE = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "*.db*")
_STORED = re.compile(r"stories stored\s+(\d+)\s+the site holds (\d+)")


class CheckFailed(Exception):
    """A step of the install check did not give what it must."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=Path, default=DEFAULT_SAMPLES, metavar="DIR")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="wirewatch-install-"))
    try:
        check_install(work, args.samples)
    except CheckFailed as failure:
        print(f"check-install: FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"check-install: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("check-install: the wheel installs with the bundled pip and works")
    return 0


def check_install(work: Path, samples: Path) -> None:
    venv, wheels, outside = work / "venv", work / "wheels", work / "outside"
    outside.mkdir()
    run("create a venv with the bundled pip", [sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    pip = run("the bundled pip's version", [str(python), "-m", "pip", "--version"]).stdout
    print(f"check-install: {pip.strip()}")
    source = work / "source"  # a copy: no stale build/ of the checkout can reach the wheel
    shutil.copytree(REPO_ROOT, source, ignore=shutil.ignore_patterns(*_NOT_SOURCE))
    build = [str(python), "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(wheels)]
    run("build the wheel", [*build, str(source)])
    (wheel,) = wheels.glob("wirewatch-*.whl")
    run("install the wheel (no extras)", [str(python), "-m", "pip", "install", str(wheel)])

    where = "import wirewatch; print(wirewatch.__file__)"
    found = run("import wirewatch", [str(python), "-c", where], cwd=outside).stdout.strip()
    if not Path(found).is_relative_to(venv):
        raise CheckFailed(f"import wirewatch found {found}, not the package installed in {venv}")
    command = str(venv / "bin" / "wirewatch")
    check_extract(command, samples, outside)
    check_demo(command, outside)


def check_extract(command: str, samples: Path, cwd: Path) -> None:
    """``wirewatch extract`` of each shared sample prints the record it must give."""
    if not samples.is_dir():
        message = f"the shared samples are not at {samples}"
        if os.environ.get("CI"):
            raise CheckFailed(f"{message} (CI is set, so this is an error, not a skip)")
        print(f"check-install: SKIPPED wirewatch extract: {message}")
        return
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    for name in SAMPLE_PAGES:
        entry = manifest[name]
        argv = [command, "extract", str(samples / f"{name}.html"), "--url", entry["url"]]
        for header, value in entry["headers"].items():
            if header.lower() == "content-type":
                argv += ["--content-type", value]
        printed = run(f"wirewatch extract {name}.html", argv, cwd=cwd).stdout
        expected = json.loads((samples / f"{name}.expected.json").read_text(encoding="utf-8"))
        if json.loads(printed) != expected:
            raise CheckFailed(f"wirewatch extract {name}.html printed another record:\n{printed}")
        print(f"check-install: wirewatch extract {name}.html: the expected record")


def check_demo(command: str, cwd: Path) -> None:
    """``wirewatch demo`` exits 0 and reports every story of the sample site stored."""
    result = run("wirewatch demo", [command, "demo", "--db", str(cwd / "demo.db")], cwd=cwd)
    stored = _STORED.search(result.stdout)
    if stored is None or stored[1] != stored[2] or "Traceback" in result.stderr:
        raise CheckFailed(f"wirewatch demo did not report every story stored:\n{result.stdout}")
    print(f"check-install: wirewatch demo: {stored[1]} of {stored[2]} stories stored")


def run(step: str, argv: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run one step in a clean environment: nothing of the checkout, the caller's venv or config."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
        and not name.startswith("WIREWATCH_")
    }
    env["COLUMNS"] = "120"
    started = time.monotonic()
    try:
        result = subprocess.run(
            argv,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"{step}: no answer after {STEP_TIMEOUT} s") from None
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise CheckFailed(f"{step}: exit code {result.returncode}:\n{output[-4000:]}")
    print(f"check-install: {step}: ok ({time.monotonic() - started:.0f} s)")
    return result


if __name__ == "__main__":
    sys.exit(main())
