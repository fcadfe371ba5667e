"""Run the command line in a child process, as a user would.

``run_wirewatch`` runs ``python -m wirewatch ARGS`` to the end; ``start_wirewatch``
starts it and hands back the process (for daemons and signals); ``wirewatch_imports``
runs it in a fresh interpreter that reports every module it loaded. ``run_crawl_child``
runs the daemon's crawl child, ``python -m wirewatch.crawler.child``. The child's
environment is this one without any ``WIREWATCH_*`` variable (so a developer's
own settings never leak in), plus ``env``, and a wide terminal, so lines do not wrap.

In-process runs of the click commands: the ``run_cli`` fixture of
``tests/wirewatch/app/cli/conftest.py``.
"""

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

DEFAULT_TIMEOUT = 180.0
COLUMNS = "200"

Output = int | IO[Any] | None
"""Where a started process's stdout or stderr goes: ``subprocess.PIPE``, a file, ..."""


def child_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """This environment without ``WIREWATCH_*`` variables, plus ``env``."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    return {**inherited, "COLUMNS": COLUMNS, **(env or {})}


def wirewatch_command(*args: str, config: Path | None = None) -> list[str]:
    """``python -m wirewatch ARGS [--config CONFIG]``."""
    return _module_command("wirewatch", args, config)


def run_wirewatch(
    *args: str,
    config: Path | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run ``wirewatch ARGS [--config CONFIG]`` to its end; its exit code, stdout and stderr."""
    return _run(wirewatch_command(*args, config=config), env, cwd, timeout)


def start_wirewatch(
    *args: str,
    config: Path | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stdout: Output = subprocess.PIPE,
    stderr: Output = subprocess.PIPE,
) -> "subprocess.Popen[str]":
    """Start ``wirewatch ARGS [--config CONFIG]``; the caller waits for it (or kills it)."""
    return subprocess.Popen(
        wirewatch_command(*args, config=config),
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        text=True,
        env=child_env(env),
        cwd=cwd,
    )


@dataclass(frozen=True)
class Imports:
    """How a ``wirewatch`` run exited, and every module it had imported by then."""

    code: int | str | None
    modules: frozenset[str]


_IMPORTS_PROBE = """
import json, sys
from wirewatch.app.cli.main import main

report, sys.argv = sys.argv[1], ["wirewatch", *sys.argv[2:]]
code = 0
try:
    main()
except SystemExit as exit:
    code = exit.code
with open(report, "w") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""


def wirewatch_imports(
    *args: str,
    config: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 60,
) -> Imports:
    """Run ``wirewatch ARGS [--config CONFIG]`` in a fresh interpreter; what it imported."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "imports.json"
        command = [sys.executable, "-c", _IMPORTS_PROBE, str(report), *args]
        if config is not None:
            command += ["--config", str(config)]
        finished = _run(command, env, None, timeout)
        assert report.exists(), f"wirewatch {' '.join(args)} died:\n{finished.stderr}"
        found = json.loads(report.read_text(encoding="utf-8"))
    return Imports(found["code"], frozenset(found["modules"]))


def run_crawl_child(
    *args: str,
    config: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m wirewatch.crawler.child ARGS [--config CONFIG]`` to its end."""
    return _run(_module_command("wirewatch.crawler.child", args, config), env, None, timeout)


def _module_command(module: str, args: tuple[str, ...], config: Path | None) -> list[str]:
    command = [sys.executable, "-m", module, *args]
    return command if config is None else [*command, "--config", str(config)]


def _run(
    command: list[str], env: Mapping[str, str] | None, cwd: Path | None, timeout: float
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=child_env(env),
        cwd=cwd,
        timeout=timeout,
        check=False,
    )
