"""The golden-fixture registry: stored pages, the address and headers they were served with.

``templates/manifest.json`` names each page; ``<name>.html`` is the page as served
and ``<name>.expected.json`` the record it must give. The shared samples folder
(``../shared/samples`` beside the repository) is read as well when present.
"""

import json
from dataclasses import dataclass
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"
REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED_SAMPLES = REPO_ROOT.parent / "shared" / "samples"
SHARED_NAMES = ("menafn-article", "partner-article")


@dataclass(frozen=True)
class Golden:
    """One stored page and what extraction must make of it."""

    name: str
    folder: Path
    url: str
    headers: dict[str, str]

    @property
    def html_path(self) -> Path:
        return self.folder / f"{self.name}.html"

    @property
    def expected_path(self) -> Path:
        return self.folder / f"{self.name}.expected.json"

    def body(self) -> bytes:
        return self.html_path.read_bytes()

    def expected(self) -> dict[str, object]:
        return json.loads(self.expected_path.read_text(encoding="utf-8"))


def _manifest() -> dict[str, dict[str, object]]:
    return json.loads((TEMPLATES / "manifest.json").read_text(encoding="utf-8"))


def template_goldens() -> list[Golden]:
    """Every page stored in ``templates/`` (the two shared samples included)."""
    return [
        Golden(name, TEMPLATES, str(entry["url"]), dict(entry["headers"]))  # type: ignore[call-overload]
        for name, entry in _manifest().items()
    ]


def shared_goldens() -> list[Golden]:
    """The shared samples, read from the folder beside the repository."""
    manifest = _manifest()
    return [
        Golden(name, SHARED_SAMPLES, str(manifest[name]["url"]), dict(manifest[name]["headers"]))  # type: ignore[call-overload]
        for name in SHARED_NAMES
    ]


def invented_goldens() -> list[Golden]:
    """Templates of our own invention (the ones ``regenerate.py`` may rewrite)."""
    return [golden for golden in template_goldens() if golden.name not in SHARED_NAMES]
