"""Extraction runs its tree walks compiled when ``_treewalk`` is built, in Python otherwise.

``walks`` runs a test both ways. The compiled way skips, saying why, where the
extension was not built, and fails instead when ``$CI`` is set: CI builds it.
"""

import os
from collections.abc import Iterator

import pytest

from crawler.extract import speedups


def require_compiled_walks() -> None:
    """Skip (or fail under CI) when the compiled tree walks are not built."""
    if speedups.treewalk is not None:
        return
    reason = "crawler.extract._treewalk is not built (no C compiler at install time?)"
    if os.environ.get("CI"):
        pytest.fail(f"CI is set, so this is an error, not a skip: {reason}")
    pytest.skip(reason)


@pytest.fixture(params=["compiled", "python"])
def walks(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Extraction with the compiled tree walks, then with the Python ones."""
    if request.param == "compiled":
        require_compiled_walks()
    else:
        monkeypatch.setattr(speedups, "treewalk", None)
    yield request.param
