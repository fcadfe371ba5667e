"""The Config → Scrapy settings mapping: every politeness knob comes from wirewatch.toml."""

from wirewatch.core.config import config_from_mapping
from wirewatch.crawler.settings import download_timeout, process_settings, source_settings

RAW = {
    "database": {"url": "sqlite:///crawl.db"},
    "crawl": {
        "user_agent": "testbot/1.0",
        "obey_robots": False,
        "concurrency": 32,
        "per_host_concurrency": 3,
        "download_delay": 0.25,
        "timeout": 12,
        "max_page_bytes": 123_456,
        "max_sitemap_bytes": 7_000_000,
        "max_discovery_pages": 12,
        "retries": 4,
        "max_depth": 5,
        "batch_size": 50,
        "batch_seconds": 0.5,
        "storage_retry_seconds": 7.5,
    },
    "sources": [{"name": "wire", "start_urls": ["https://menafn.com/rss.xml"], "max_pages": 77}],
}


def test_crawl_settings_map_onto_scrapy_settings() -> None:
    settings = process_settings(config_from_mapping(RAW, "test.toml"))
    assert settings["USER_AGENT"] == "testbot/1.0"
    assert settings["ROBOTSTXT_OBEY"] is False
    assert settings["CONCURRENT_REQUESTS"] == 32
    assert settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == 3
    assert settings["DOWNLOAD_DELAY"] == 0.25
    assert settings["DOWNLOAD_TIMEOUT"] == 12
    assert settings["DOWNLOAD_MAXSIZE"] == 123_456
    assert settings["RETRY_TIMES"] == 4
    assert 500 in settings["RETRY_HTTP_CODES"]
    assert settings["WIREWATCH_MAX_DEPTH"] == 5
    assert settings["WIREWATCH_BATCH_SIZE"] == 50
    assert settings["WIREWATCH_BATCH_SECONDS"] == 0.5
    assert settings["WIREWATCH_STORAGE_RETRY_SECONDS"] == 7.5
    assert settings["WIREWATCH_DATABASE_URL"] == "sqlite:///crawl.db"
    assert settings["WIREWATCH_MAX_SITEMAP_BYTES"] == 7_000_000
    assert settings["WIREWATCH_MAX_DISCOVERY_PAGES"] == 12


def test_a_discovery_document_being_read_never_stops_the_engine_taking_requests() -> None:
    settings = process_settings(config_from_mapping(RAW, "test.toml"))
    assert settings["SCRAPER_SLOT_MAX_ACTIVE_SIZE"] > 7_000_000


def test_scrapy_middlewares_that_drop_requests_silently_are_replaced_by_ones_that_reject() -> None:
    settings = process_settings(config_from_mapping(RAW, "test.toml"))
    downloader, spider = settings["DOWNLOADER_MIDDLEWARES"], settings["SPIDER_MIDDLEWARES"]
    for name in (
        "offsite.OffsiteMiddleware",
        "redirect.RedirectMiddleware",
        "redirect.MetaRefreshMiddleware",
        "httpcompression.HttpCompressionMiddleware",
    ):
        assert downloader[f"scrapy.downloadermiddlewares.{name}"] is None
    assert spider["scrapy.spidermiddlewares.urllength.UrlLengthMiddleware"] is None
    ours = [path for path, order in {**downloader, **spider}.items() if order is not None]
    assert all(path.startswith("wirewatch.crawler.middlewares.") for path in ours)
    assert len(ours) == 5


def test_the_http_cache_cookies_and_telnet_console_are_off() -> None:
    settings = process_settings(config_from_mapping(RAW, "test.toml"))
    assert settings["HTTPCACHE_ENABLED"] is False
    assert settings["COOKIES_ENABLED"] is False
    assert settings["TELNETCONSOLE_ENABLED"] is False
    assert settings["EXTENSIONS"]["scrapy.extensions.telnet.TelnetConsole"] is None


def test_scrapy_logs_warnings_unless_asked_for_everything_with_vv() -> None:
    config = config_from_mapping(RAW, "test.toml")
    assert process_settings(config, verbosity=-1)["LOG_LEVEL"] == "WARNING"
    assert process_settings(config)["LOG_LEVEL"] == "WARNING"
    assert process_settings(config, verbosity=1)["LOG_LEVEL"] == "WARNING"
    assert process_settings(config, verbosity=2)["LOG_LEVEL"] == "DEBUG"


def test_a_source_crawler_gets_its_name_run_and_page_cap() -> None:
    config = config_from_mapping(RAW, "test.toml")
    settings = source_settings(config, config.source("wire"), 42)
    assert settings["WIREWATCH_SOURCE"] == "wire"
    assert settings["WIREWATCH_RUN_ID"] == 42
    assert settings["WIREWATCH_MAX_PAGES"] == 77


def test_the_download_timeout_stays_under_half_the_daemons_grace_period() -> None:
    raw = {**RAW, "crawl": {**RAW["crawl"], "timeout": 120}, "daemon": {"grace_period": 30}}
    assert download_timeout(config_from_mapping(raw, "test.toml")) == 15
    no_grace = {**raw, "daemon": {"grace_period": 0}}
    assert download_timeout(config_from_mapping(no_grace, "test.toml")) == 120
