"""``extract`` for tests that feed it many or hostile pages.

A page may be rejected, but only for a reason: a ``parse_error`` whose detail
starts with ``UNEXPECTED_ERROR`` means extraction itself broke (a bug caught by
its last-resort handler), and fails the test.
"""

from collections.abc import Mapping

from wirewatch.core.record import ArticleRecord, Rejection
from wirewatch.crawler.extract import extract
from wirewatch.crawler.extract.page import UNEXPECTED_ERROR


def broke(result: ArticleRecord | Rejection) -> bool:
    """Whether extraction broke on the page instead of deciding about it."""
    return isinstance(result, Rejection) and result.detail.startswith(UNEXPECTED_ERROR)


def extract_checked(
    url: str, body: bytes, headers: Mapping[str, str] | None = None
) -> ArticleRecord | Rejection:
    """``extract(url, body, headers)``, failing the test when it is no record or rejection,
    or an unexpected-error rejection."""
    result = extract(url, body, headers)
    assert isinstance(result, ArticleRecord | Rejection), result
    assert not broke(result), f"extraction broke on {url!r}: {result}"
    return result
