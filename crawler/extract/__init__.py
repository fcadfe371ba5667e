"""Extraction: from a fetched page to an ``ArticleRecord`` or a ``Rejection``.

``extract(url, body, headers)`` is pure (no Scrapy, no database) and never raises.
"""

from wirewatch.crawler.extract.page import extract
from wirewatch.crawler.extract.wire_id import WireId, find_wire_id, parse_wire_id

__all__ = ["WireId", "extract", "find_wire_id", "parse_wire_id"]
