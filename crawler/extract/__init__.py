"""Extraction: from a fetched page to an ``ArticleRecord`` or a ``Rejection``.

``extract(url, body, headers)`` is pure (no Scrapy, no database) and never raises.
"""

from wirewatch.crawler.extract.page import extract

__all__ = ["extract"]
