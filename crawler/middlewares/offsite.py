"""Scrapy's offsite filter, with ``allowed_domains`` entries that may name a port.

Scrapy's ``OffsiteMiddleware`` compares host names only, so ``127.0.0.1:18100``
would filter every request and ``127.0.0.1`` would let any port through. Its
documented extension point, ``should_follow``, asks ``wirewatch.core.urls.on_site``
instead: a host name covers every port, ``host:port`` that port alone.

Settings read: none (the spider's ``allowed_domains``).
"""

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware

from wirewatch.core.urls import on_site


class SiteOffsiteMiddleware(OffsiteMiddleware):
    def should_follow(self, request: Request, spider: Spider) -> bool:
        return on_site(request.url, list(getattr(spider, "allowed_domains", None) or []))
