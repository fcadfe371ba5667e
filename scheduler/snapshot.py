"""The configuration the daemon runs on, frozen so its crawl children see the same one.

Children are started with ``--config``; pointing them at the user's file would
let an edit the daemon rejected on SIGHUP (a broken file) reach the next crawl.
So every accepted config is also written, byte for byte, to a private snapshot
file, and children read that.
"""

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psutil

from wirewatch.core.config import Config, load_config, resolve_config_path
from wirewatch.core.errors import ConfigError

_READ_ATTEMPTS = 3
_PREFIX = "wirewatch-daemon-"


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config and the exact bytes it was read from (None: defaults, no file)."""

    config: Config
    raw: bytes | None


def read_config(explicit: Path | None) -> LoadedConfig:
    """Load and validate the config, making sure the bytes kept are the bytes validated."""
    path, _ = resolve_config_path(explicit)
    for _ in range(_READ_ATTEMPTS):
        before = _read(path)
        config = load_config(explicit)
        if _read(path) == before:
            return LoadedConfig(config, before)
    raise ConfigError(str(path), "", "the file kept changing while being read: try again")


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


class SnapshotDir:
    """A private directory of config snapshots, removed when the daemon exits.

    A daemon killed with SIGKILL cannot remove its own: the next one sweeps the
    directories of daemons that are gone (their pid is in the name).
    """

    def __init__(self) -> None:
        _sweep_dead()
        self.path = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-"))
        self._count = 0

    def write(self, loaded: LoadedConfig) -> Path | None:
        """Write a new snapshot (older ones stay valid for children still starting)."""
        if loaded.raw is None:
            return None
        self._count += 1
        target = self.path / f"wirewatch-{self._count}.toml"
        target.write_bytes(loaded.raw)
        return target

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _sweep_dead() -> None:
    for leftover in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*-*"):
        pid = leftover.name.removeprefix(_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)
