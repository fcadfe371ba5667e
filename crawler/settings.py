"""``Config`` → Scrapy settings: the only place crawl settings come from.

Read from ``CrawlConfig``: ``user_agent``, ``obey_robots``, ``concurrency``,
``per_host_concurrency``, ``download_delay``, ``timeout`` (capped below half of
``daemon.grace_period`` so a graceful stop finishes in time), ``max_page_bytes``,
``max_sitemap_bytes``, ``max_discovery_pages``, ``retries``, ``max_depth``,
``batch_size``, ``batch_seconds``, ``storage_retry_seconds``; from
``DatabaseConfig``: ``url``; the ``[[watches]]`` (matched as stories are stored); from
``SourceConfig``: ``name``, ``max_pages``.

wirewatch's own settings are prefixed ``WIREWATCH_``. Scrapy's HTTP cache and
cookies are off (unchanged pages are detected with stored ETag/Last-Modified),
and so is the telnet console. Scrapy's redirect, meta-refresh, decompression,
offsite and URL-length middlewares are replaced by subclasses in
``crawler.middlewares`` that turn what they drop into rejections with a reason.
"""

import logging
from typing import Any

from wirewatch.core.config import Config, SourceConfig

MIN_TIMEOUT = 1.0
CONCURRENT_ITEMS = 4
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
SCRAPER_HEADROOM = 5_000_000
"""Scrapy's default ``SCRAPER_SLOT_MAX_ACTIVE_SIZE``, kept on top of the largest discovery document."""
URLLENGTH_LIMIT = 2083
"""Scrapy's default, the longest address old browsers took: longer ones are ``bad_url``."""

_SCRAPY_DOWNLOADER = "scrapy.downloadermiddlewares"
_OURS = "wirewatch.crawler.middlewares"
DOWNLOADER_MIDDLEWARES = {
    # Scrapy's, replaced at their own positions by subclasses that reject with a reason.
    f"{_SCRAPY_DOWNLOADER}.offsite.OffsiteMiddleware": None,
    f"{_OURS}.offsite.SiteOffsiteMiddleware": 50,
    f"{_SCRAPY_DOWNLOADER}.redirect.MetaRefreshMiddleware": None,
    f"{_OURS}.redirects.SiteMetaRefreshMiddleware": 580,
    f"{_SCRAPY_DOWNLOADER}.httpcompression.HttpCompressionMiddleware": None,
    f"{_OURS}.limits.BoundedHttpCompressionMiddleware": 590,
    f"{_SCRAPY_DOWNLOADER}.redirect.RedirectMiddleware": None,
    f"{_OURS}.redirects.SiteRedirectMiddleware": 600,
}
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    f"{_OURS}.limits.UrlLengthRejectMiddleware": 800,
}


def download_timeout(config: Config) -> float:
    """The configured timeout, kept under half the daemon's grace period where that is possible."""
    grace = config.daemon.grace_period
    if grace <= 0:
        return config.crawl.timeout
    return max(MIN_TIMEOUT, min(config.crawl.timeout, grace / 2))


def log_level(verbosity: int) -> str:
    """Scrapy's own lines: warnings and errors, everything with ``-vv``."""
    return "DEBUG" if verbosity >= 2 else "WARNING"


def process_settings(config: Config, *, verbosity: int = 0) -> dict[str, Any]:
    """Settings shared by every source's crawler in one process."""
    crawl = config.crawl
    return {
        "BOT_NAME": "wirewatch",
        "SPIDER_MODULES": [],
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "ROBOTSTXT_USER_AGENT": crawl.user_agent,
        "CONCURRENT_REQUESTS": crawl.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.per_host_concurrency,
        # Scrapy starts this many asyncio tasks for the output of every response; an
        # article page yields one item, so its default of 100 only adds idle tasks
        # that every response pays for.
        "CONCURRENT_ITEMS": CONCURRENT_ITEMS,
        "DOWNLOAD_DELAY": crawl.download_delay,
        "RANDOMIZE_DOWNLOAD_DELAY": crawl.download_delay > 0,
        "DOWNLOAD_TIMEOUT": download_timeout(config),
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        # The engine stops taking requests from the scheduler while this many bytes of
        # responses wait in the scraper: a discovery document being read must not stop
        # it, or reading, which waits for the scheduler to drain, would wait forever.
        "SCRAPER_SLOT_MAX_ACTIVE_SIZE": max(crawl.max_sitemap_bytes, crawl.max_page_bytes)
        + SCRAPER_HEADROOM,
        "URLLENGTH_LIMIT": URLLENGTH_LIMIT,
        "RETRY_ENABLED": crawl.retries > 0,
        "RETRY_TIMES": crawl.retries,
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        "RETRY_GIVE_UP_LOG_LEVEL": "INFO",
        "HTTPCACHE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOGSTATS_INTERVAL": 0,
        "LOG_LEVEL": log_level(verbosity),
        "LOG_INSTALL_ROOT_HANDLER": False,
        "DEPTH_LIMIT": 0,
        "DOWNLOADER_MIDDLEWARES": DOWNLOADER_MIDDLEWARES,
        "SPIDER_MIDDLEWARES": SPIDER_MIDDLEWARES,
        "ITEM_PIPELINES": {
            "wirewatch.crawler.pipelines.extract.ExtractPipeline": 300,
            "wirewatch.crawler.pipelines.store.StoragePipeline": 800,
        },
        "EXTENSIONS": {
            "scrapy.extensions.telnet.TelnetConsole": None,
            "scrapy.extensions.remote_control.RemoteControl": None,
            "wirewatch.crawler.extensions.run_record.RunRecorder": 500,
        },
        "WIREWATCH_DATABASE_URL": config.database.url,
        "WIREWATCH_BATCH_SIZE": crawl.batch_size,
        "WIREWATCH_BATCH_SECONDS": crawl.batch_seconds,
        "WIREWATCH_STORAGE_RETRY_SECONDS": crawl.storage_retry_seconds,
        "WIREWATCH_MAX_DEPTH": crawl.max_depth,
        "WIREWATCH_MAX_SITEMAP_BYTES": crawl.max_sitemap_bytes,
        "WIREWATCH_MAX_DISCOVERY_PAGES": crawl.max_discovery_pages,
        "WIREWATCH_VERBOSITY": verbosity,
        "WIREWATCH_WATCHES": tuple(config.watches),
    }


def source_settings(
    config: Config, source: SourceConfig, run_id: int, *, verbosity: int = 0
) -> dict[str, Any]:
    """One source's crawler: the shared settings plus its run and its page cap."""
    return {
        **process_settings(config, verbosity=verbosity),
        "WIREWATCH_SOURCE": source.name,
        "WIREWATCH_RUN_ID": run_id,
        "WIREWATCH_MAX_PAGES": source.max_pages or 0,
    }


def quiet_scrapy_logging(verbosity: int) -> None:
    """Scrapy logs through the stdlib (wirewatch's handler): warnings and errors, all with ``-vv``.

    A failed robots.txt download is logged by Scrapy as an error with a traceback,
    though the page it guarded is retried and recorded as a rejection anyway: it
    shows only with ``-v``.
    """
    level = getattr(logging, log_level(verbosity))
    for name in ("scrapy", "twisted"):
        logging.getLogger(name).setLevel(level)
    # Libraries' deprecation warnings are for developers: only with -vv.
    logging.getLogger("py.warnings").setLevel(logging.DEBUG if verbosity >= 2 else logging.ERROR)
    robots = logging.CRITICAL if verbosity <= 0 else level
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(robots)
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, ScrapyLogFilter)]:
            handler.removeFilter(old)
        handler.addFilter(ScrapyLogFilter(level))


class ScrapyLogFilter(logging.Filter):
    """Drops Scrapy's records below ``level`` at the handler.

    ``CrawlerProcess`` re-applies Scrapy's default logger levels (``scrapy`` at
    DEBUG) when it starts and logs its banner right away, so logger levels alone
    cannot keep the default output quiet.
    """

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "scrapy" or record.name.startswith("scrapy."):
            return record.levelno >= self.level
        return True
