"""The config contract: wirewatch.toml, --config, $WIREWATCH_CONFIG, $WIREWATCH_DATABASE_URL."""

from pathlib import Path

import pytest

from tests.cli import run_wirewatch
from wirewatch.core.config import config_from_mapping, load_config
from wirewatch.core.errors import ConfigError
from wirewatch.core.schedule import CronSchedule

SPEC_EXAMPLE = """
[database]
url = "sqlite:///wirewatch.db"

[crawl]
user_agent = "wirewatch/0.1 (+https://example.org/bot)"
obey_robots = true
concurrency = 16
per_host_concurrency = 4
download_delay = 0.0
timeout = 30
max_page_bytes = 5_000_000

[[sources]]
name = "menafn-world"
start_urls = ["https://menafn.com/rss/menafn_world.xml"]
schedule = "*/15 * * * *"
allowed_domains = ["menafn.com"]
max_pages = 500
"""


def write(tmp_path: Path, text: str, name: str = "wirewatch.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_spec_example_loads_into_typed_values(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, SPEC_EXAMPLE))
    assert config.crawl.max_page_bytes == 5_000_000
    assert config.crawl.obey_robots is True
    source = config.source("menafn-world")
    assert source.max_pages == 500
    assert source.parsed_schedule == CronSchedule("*/15 * * * *")


def test_a_crawl_waits_two_minutes_for_the_database_unless_told_otherwise() -> None:
    assert config_from_mapping({}, "test.toml").crawl.storage_retry_seconds == 120
    configured = config_from_mapping({"crawl": {"storage_retry_seconds": 0}}, "test.toml")
    assert configured.crawl.storage_retry_seconds == 0


def test_allowed_domains_default_to_the_hosts_of_start_urls() -> None:
    config = config_from_mapping(
        {"sources": [{"name": "s", "start_urls": ["https://A.example/rss", "http://b.example/x"]}]},
        "w.toml",
    )
    assert config.sources[0].allowed_domains == ["a.example", "b.example"]


def test_a_start_url_on_a_port_of_its_own_makes_that_port_part_of_the_default_site() -> None:
    start_urls = [
        "http://127.0.0.1:18100/feed.xml",
        "https://menafn.com:443/rss",
        "http://x.example:80/",
    ]
    config = config_from_mapping({"sources": [{"name": "s", "start_urls": start_urls}]}, "w.toml")
    assert config.sources[0].allowed_domains == ["127.0.0.1:18100", "menafn.com", "x.example"]


def test_discovery_limits_have_their_defaults() -> None:
    crawl = config_from_mapping({}, "w.toml").crawl
    assert (crawl.max_sitemap_bytes, crawl.max_discovery_pages) == (50_000_000, 1000)


def test_explicit_path_wins_over_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "WIREWATCH_CONFIG", str(write(tmp_path, "[crawl]\nconcurrency = 3\n", "env.toml"))
    )
    explicit = write(tmp_path, "[crawl]\nconcurrency = 5\n", "explicit.toml")
    assert load_config(explicit).crawl.concurrency == 5
    assert load_config(None).crawl.concurrency == 3


def test_current_directory_file_is_the_fallback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WIREWATCH_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "[crawl]\nconcurrency = 7\n")
    assert load_config(None).crawl.concurrency == 7


def test_without_any_file_defaults_apply(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WIREWATCH_CONFIG", raising=False)
    monkeypatch.delenv("WIREWATCH_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    config = load_config(None)
    assert config.sources == []
    assert config.database.url == "sqlite:///wirewatch.db"
    assert config.path is None


def test_database_url_environment_overrides_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIREWATCH_DATABASE_URL", "postgresql+psycopg://db.example/news")
    config = load_config(write(tmp_path, SPEC_EXAMPLE))
    assert config.database.url == "postgresql+psycopg://db.example/news"


def test_a_missing_explicit_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml: no such file"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("toml", "key", "problem"),
    [
        ("[crawl]\nconcurency = 3\n", "crawl.concurency", "unknown key"),
        ('[[sources]]\nstart_urls = ["https://x.example/"]\n', "sources[1].name", "required key"),
        (
            '[[sources]]\nname = "a"\nstart_urls = ["https://x.example/"]\nschedule = "*/61 * * * *"\n',
            "sources[1] (a).schedule",
            "bad cron expression",
        ),
        (
            '[[sources]]\nname = "a"\nstart_urls = ["https://x.example/"]\nschedule = "every ten minutes"\n',
            "sources[1] (a).schedule",
            "not an interval",
        ),
        (
            '[[sources]]\nname = "a"\nstart_urls = ["ftp://x.example/"]\n',
            "sources[1] (a).start_urls",
            "http",
        ),
        ("[crawl]\nconcurrency = 0\n", "crawl.concurrency", "greater than or equal to 1"),
        (
            '[[sources]]\nname = "a"\nstart_urls = ["https://x.example/"]\n'
            'allowed_domains = ["https://x.example/"]\n',
            "sources[1] (a).allowed_domains",
            "not a host name",
        ),
        ("[crawl]\nmax_discovery_pages = 0\n", "crawl.max_discovery_pages", "greater than"),
        (
            "[crawl]\nstorage_retry_seconds = -1\n",
            "crawl.storage_retry_seconds",
            "greater than or equal to 0",
        ),
        ('[database]\nurl = "mysql://x/y"\n', "database.url", "sqlite:///"),
        (
            '[[sources]]\nname = "a"\nstart_urls = ["https://x.example/"]\n'
            '[[sources]]\nname = "a"\nstart_urls = ["https://y.example/"]\n',
            "sources",
            "unique",
        ),
    ],
)
def test_config_errors_name_file_key_and_problem(
    tmp_path: Path, toml: str, key: str, problem: str
) -> None:
    path = write(tmp_path, toml)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.path == str(path)
    assert caught.value.key == key
    assert problem in caught.value.problem


def test_invalid_toml_is_reported_with_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[crawl\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_cli_reports_a_config_error_in_one_line_with_exit_code_2(tmp_path: Path) -> None:
    path = write(tmp_path, "[crawl]\nconcurency = 3\n")
    result = run_wirewatch("db", "upgrade", config=path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{path}: crawl.concurency: unknown key" in result.stderr


def test_dispatch_defaults_to_the_local_engine() -> None:
    dispatch = config_from_mapping({}, "wirewatch.toml").dispatch
    assert (dispatch.engine, dispatch.queue) == ("local", "wirewatch")
    assert dispatch.broker_url == "redis://127.0.0.1:6379/0"


def test_the_broker_url_comes_from_the_environment_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "wirewatch.toml"
    config.write_text('[dispatch]\nbroker_url = "redis://10.0.0.1:6379/0"\n', encoding="utf-8")
    monkeypatch.setenv("WIREWATCH_BROKER_URL", "amqp://guest:guest@10.0.0.2:5672//")
    assert load_config(config).dispatch.broker_url == "amqp://guest:guest@10.0.0.2:5672//"


@pytest.mark.parametrize(
    ("dispatch", "key"),
    [
        ({"engine": "rq"}, "dispatch.engine"),
        ({"broker_url": "http://broker"}, "dispatch.broker_url"),
        ({"heartbeat_interval": 10, "heartbeat_timeout": 15}, "dispatch"),
    ],
)
def test_a_bad_dispatch_section_names_its_key(dispatch: dict[str, object], key: str) -> None:
    raw = {"database": {"url": "postgresql+psycopg://db/wirewatch"}, "dispatch": dispatch}
    with pytest.raises(ConfigError) as caught:
        config_from_mapping(raw, "wirewatch.toml")
    assert caught.value.key == key


def test_celery_on_sqlite_is_refused_in_one_line_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "wirewatch.toml"
    config.write_text(
        '[database]\nurl = "sqlite:///w.db"\n\n[dispatch]\nengine = "celery"\n', encoding="utf-8"
    )
    result = run_wirewatch("worker", config=config, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"wirewatch: error: {config}: dispatch.engine: ")
    assert "PostgreSQL" in result.stderr


def test_celery_on_postgresql_is_accepted() -> None:
    raw = {
        "database": {"url": "postgresql+psycopg://db/wirewatch"},
        "dispatch": {"engine": "celery", "broker_url": "amqp://guest:guest@rabbit:5672//"},
    }
    config = config_from_mapping(raw, "wirewatch.toml")
    assert config.dispatch.engine == "celery"
