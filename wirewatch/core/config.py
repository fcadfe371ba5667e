"""The one typed configuration object, loaded from ``wirewatch.toml``.

Lookup order (``shared/spec/interface.md``): ``--config PATH``, else
``$WIREWATCH_CONFIG``, else ``./wirewatch.toml``; ``$WIREWATCH_DATABASE_URL``
overrides ``[database].url`` and ``$WIREWATCH_BROKER_URL`` ``[dispatch].broker_url``.
Without any file the defaults apply (no sources), so ``wirewatch db upgrade``
works on a fresh checkout.

Validation is one pass: every mistake in the file is collected (pydantic gathers
the errors of every section and every ``[[sources]]`` entry) and raised as one
``ConfigError`` whose ``problems`` each name the file, the key and what to do. A
new section joins that pass by being a field of ``Config``. A value that came
from an environment variable is reported under the variable's name, not the
file's.
"""

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from wirewatch.core.errors import ConfigError, ConfigProblem
from wirewatch.core.query import Node, QuerySyntaxError, parse_query
from wirewatch.core.schedule import Schedule, parse_schedule
from wirewatch.core.urls import site_of

DEFAULT_CONFIG_PATH = Path("wirewatch.toml")
CONFIG_ENV = "WIREWATCH_CONFIG"
DATABASE_URL_ENV = "WIREWATCH_DATABASE_URL"
BROKER_URL_ENV = "WIREWATCH_BROKER_URL"

_SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ALLOWED_DOMAIN = re.compile(r"^[A-Za-z0-9_.-]+(:\d{1,5})?$")
_LISTEN_ADDRESS = re.compile(r"^(?P<host>[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\]):(?P<port>\d{1,5})$")
_WATCH_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(_Section):
    url: str = "sqlite:///wirewatch.db"

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, url: str) -> str:
        if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", url):
            raise ValueError(
                "use 'sqlite:///path/to/file.db' or 'postgresql+psycopg://user@host/dbname'"
            )
        return url


class CrawlConfig(_Section):
    user_agent: str = "wirewatch/0.1 (+https://example.org/bot)"
    obey_robots: bool = True
    concurrency: Annotated[int, Field(ge=1, le=1024)] = 16
    per_host_concurrency: Annotated[int, Field(ge=1, le=256)] = 4
    download_delay: Annotated[float, Field(ge=0)] = 0.0
    timeout: Annotated[float, Field(gt=0)] = 30
    max_page_bytes: Annotated[int, Field(gt=0)] = 5_000_000
    max_sitemap_bytes: Annotated[int, Field(gt=0)] = 50_000_000
    """Largest sitemap or feed, uncompressed (the sitemap protocol's own maximum)."""
    max_discovery_pages: Annotated[int, Field(ge=1)] = 1000
    """Feeds, sitemaps, indexes and listing pages fetched per run, at most."""
    retries: Annotated[int, Field(ge=0, le=20)] = 2
    max_depth: Annotated[int, Field(ge=0)] = 3
    """How many listing pages deep pagination is followed from a start URL."""
    batch_size: Annotated[int, Field(ge=1)] = 100
    batch_seconds: Annotated[float, Field(gt=0)] = 1.0
    storage_retry_seconds: Annotated[float, Field(ge=0)] = 120
    """How long a crawl waits out a database that is busy or gone before its run fails."""


class DaemonConfig(_Section):
    run_timeout: Annotated[float, Field(gt=0)] = 1800
    """Wall-clock seconds one crawl may take before its child process is killed."""
    grace_period: Annotated[float, Field(ge=0)] = 60
    """Seconds running crawls get to finish after SIGTERM/SIGINT."""
    misfire_grace_time: Annotated[float, Field(gt=0)] = 300
    jitter: Annotated[float, Field(ge=0)] = 5
    metrics_address: str = "127.0.0.1:9464"
    """Where the daemon serves Prometheus metrics (``host:port``); an empty string turns them off."""
    stale_after: Annotated[float, Field(gt=0)] | None = None
    """Seconds without a successful run before ``status --check`` calls a source stale
    (default: twice the source's schedule interval)."""

    @field_validator("metrics_address")
    @classmethod
    def _listen_address(cls, address: str) -> str:
        if address and not listen_address(address):
            raise ValueError(
                f"{address!r} is not host:port: write e.g. '127.0.0.1:9464', or '' to turn metrics off"
            )
        return address


def listen_address(address: str) -> tuple[str, int] | None:
    """``host:port`` as (host, port), or None when it is not one (``[::1]:9464`` for IPv6;
    port 0 for any free one)."""
    match = _LISTEN_ADDRESS.match(address)
    if match is None or not 0 <= int(match["port"]) < 65536:
        return None
    return match["host"].strip("[]"), int(match["port"])


class DispatchConfig(_Section):
    """Who crawls due runs: the daemon itself (``local``) or Celery workers (``celery``)."""

    engine: Literal["local", "celery"] = "local"
    broker_url: str = "redis://127.0.0.1:6379/0"
    queue: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")] = "wirewatch"
    heartbeat_interval: Annotated[float, Field(gt=0)] = 10
    """Seconds between a worker's heartbeats on the runs it crawls."""
    heartbeat_timeout: Annotated[float, Field(gt=0)] = 60
    """A running run silent this long is closed ``interrupted`` by the leader."""
    host_lock_retry: Annotated[float, Field(gt=0)] = 5
    """Seconds before a job whose hosts another run is crawling is tried again."""

    @field_validator("broker_url")
    @classmethod
    def _known_broker(cls, url: str) -> str:
        if not re.match(r"^(redis|rediss|amqp|amqps|pyamqp)://", url):
            raise ValueError("use 'redis://host:6379/0' or 'amqp://user:password@host:5672//'")
        return url

    @model_validator(mode="after")
    def _timeout_after_interval(self) -> "DispatchConfig":
        if self.heartbeat_timeout <= 2 * self.heartbeat_interval:
            raise ValueError(
                "heartbeat_timeout must be more than twice heartbeat_interval, or live runs "
                "would be taken for dead"
            )
        return self


class SourceConfig(_Section):
    name: str
    start_urls: Annotated[list[str], Field(min_length=1)]
    schedule: str = "every 1h"
    allowed_domains: list[str] = Field(default_factory=list)
    max_pages: Annotated[int, Field(ge=1)] | None = None

    @field_validator("name")
    @classmethod
    def _valid_name(cls, name: str) -> str:
        if not _SOURCE_NAME.match(name):
            raise ValueError(
                "use letters, digits, '-', '_' or '.', starting with a letter or digit"
            )
        return name

    @field_validator("start_urls")
    @classmethod
    def _http_urls(cls, urls: list[str]) -> list[str]:
        bad = [url for url in urls if not _is_http_url(url)]
        if bad:
            raise ValueError(f"{', '.join(map(repr, bad))}: not an http(s) address")
        return urls

    @field_validator("schedule")
    @classmethod
    def _valid_schedule(cls, schedule: str) -> str:
        parse_schedule(schedule)
        return schedule

    @field_validator("allowed_domains")
    @classmethod
    def _host_names(cls, domains: list[str]) -> list[str]:
        problems = [_domain_problem(domain) for domain in domains]
        found = [problem for problem in problems if problem]
        if found:
            raise ValueError("; ".join(found))
        return domains

    @model_validator(mode="after")
    def _default_domains(self) -> "SourceConfig":
        if not self.allowed_domains:
            sites = sorted({site_of(u) for u in self.start_urls})
            object.__setattr__(self, "allowed_domains", sites)
        return self

    @property
    def parsed_schedule(self) -> Schedule:
        return parse_schedule(self.schedule)


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def _domain_problem(domain: str) -> str | None:
    """Why an ``allowed_domains`` entry is not a host name, with the fix; None when it is one."""
    if _ALLOWED_DOMAIN.match(domain):
        return None
    if "://" in domain and _is_http_url(domain):
        parts = urlsplit(domain)
        host = parts.hostname or ""
        try:
            fix = f"{host}:{parts.port}" if parts.port else host
        except ValueError:
            fix = host
        return f"{domain!r} is an address, not a host name: use the host name: {fix}"
    return (
        f"{domain!r} is not a host name: write 'menafn.com' (any port) or "
        "'127.0.0.1:8080' (that port only), without a scheme or a path"
    )


class DeliveryConfig(_Section):
    """How matches of watches are posted to their webhooks (``[delivery]``)."""

    interval: Annotated[float, Field(gt=0)] = 10
    """Seconds between the daemon's delivery passes."""
    timeout: Annotated[float, Field(gt=0)] = 10
    """Seconds one POST may take before it counts as a failed try."""
    backoff_initial: Annotated[float, Field(gt=0)] = 30
    """Seconds before the second try; each later wait doubles, with jitter."""
    backoff_max: Annotated[float, Field(gt=0)] = 3600
    """The longest wait between two tries."""


WatchEvent = Literal["new", "revised"]


class WatchConfig(_Section):
    """One ``[[watches]]`` entry: a saved search whose matches are recorded and delivered."""

    name: str
    query: str
    providers: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    on: Annotated[list[WatchEvent], Field(min_length=1)] = Field(
        default_factory=lambda: list[WatchEvent](["new"])
    )
    webhook: str | None = None
    format: Literal["json", "slack"] = "json"
    secret_env: str | None = None
    max_attempts: Annotated[int, Field(ge=1, le=1000)] = 12

    @field_validator("name")
    @classmethod
    def _valid_name(cls, name: str) -> str:
        if not _WATCH_NAME.match(name):
            raise ValueError(
                f"{name!r}: use lower-case letters, digits and '-', starting with a letter or digit"
            )
        return name

    @field_validator("query")
    @classmethod
    def _valid_query(cls, query: str) -> str:
        try:
            parse_query(query)
        except QuerySyntaxError as exc:
            raise ValueError(str(exc).removeprefix("search ")) from None
        return query

    @field_validator("webhook")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url is not None:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"{url!r} is not an http(s) address")
        return url

    @field_validator("secret_env")
    @classmethod
    def _secret_is_set(cls, name: str | None) -> str | None:
        if name is None:
            return None
        if not _ENV_NAME.match(name):
            raise ValueError(f"{name!r} is not an environment variable name")
        if not os.environ.get(name):
            raise ValueError(
                f"the environment variable {name} is not set: set it to the webhook's secret"
            )
        return name

    @property
    def parsed_query(self) -> Node:
        return parse_query(self.query)


class Config(_Section):
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    crawl: CrawlConfig = Field(default_factory=CrawlConfig)
    daemon: DaemonConfig = Field(default_factory=DaemonConfig)
    dispatch: DispatchConfig = Field(default_factory=DispatchConfig)
    delivery: DeliveryConfig = Field(default_factory=DeliveryConfig)
    sources: list[SourceConfig] = Field(default_factory=list)
    watches: list[WatchConfig] = Field(default_factory=list)
    path: Path | None = Field(default=None, exclude=True)
    """The file this config was read from (None when only defaults apply)."""

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: list[SourceConfig]) -> list[SourceConfig]:
        seen: set[str] = set()
        for source in sources:
            if source.name in seen:
                raise ValueError(f"two sources are named {source.name!r}: names must be unique")
            seen.add(source.name)
        return sources

    @field_validator("watches")
    @classmethod
    def _unique_watches(cls, watches: list[WatchConfig]) -> list[WatchConfig]:
        seen: set[str] = set()
        for watch in watches:
            if watch.name in seen:
                raise ValueError(f"two watches are named {watch.name!r}: names must be unique")
            seen.add(watch.name)
        return watches

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)

    def watch(self, name: str) -> WatchConfig:
        for watch in self.watches:
            if watch.name == name:
                return watch
        raise KeyError(name)


def resolve_config_path(explicit: Path | None) -> tuple[Path, bool]:
    """Which file to read, and whether the user asked for it (so that its absence is an error)."""
    if explicit is not None:
        return explicit, True
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return Path(from_env), True
    return DEFAULT_CONFIG_PATH, False


def load_config(explicit: Path | None = None) -> Config:
    """Read, validate and return the configuration; raise ``ConfigError`` on any problem."""
    path, required = resolve_config_path(explicit)
    raw: dict[str, Any] = {}
    if path.exists():
        raw = _read_toml(path)
    elif required:
        raise ConfigError(
            str(path), "", "no such file: create it or point --config/$WIREWATCH_CONFIG elsewhere"
        )
    found = path if path.exists() else None
    database_url = os.environ.get(DATABASE_URL_ENV)
    from_environment: dict[tuple[str, ...], str] = {}
    if database_url:
        database = raw.get("database", {})
        raw = {**raw, "database": {**(database if isinstance(database, dict) else {})}}
        raw["database"]["url"] = database_url
        from_environment[("database", "url")] = f"${DATABASE_URL_ENV}"
    broker_url = os.environ.get(BROKER_URL_ENV)
    if broker_url:
        dispatch = raw.get("dispatch", {})
        raw = {**raw, "dispatch": {**(dispatch if isinstance(dispatch, dict) else {})}}
        raw["dispatch"]["broker_url"] = broker_url
        from_environment[("dispatch", "broker_url")] = f"${BROKER_URL_ENV}"
    return config_from_mapping(raw, str(path), found, from_environment=from_environment)


def config_from_mapping(
    raw: dict[str, Any],
    label: str,
    path: Path | None = None,
    *,
    from_environment: dict[tuple[str, ...], str] | None = None,
) -> Config:
    """Validate an already-parsed mapping; ``label`` names the file in errors.

    Every problem is collected and raised in one ``ConfigError``; a key listed in
    ``from_environment`` (its location -> the variable's name) is reported under
    that variable instead of the file.
    """
    try:
        config = Config.model_validate({**raw, "path": path})
    except ValidationError as exc:
        variables = from_environment or {}
        problems = []
        for error in exc.errors():
            variable = variables.get(tuple(str(part) for part in error["loc"]))
            if variable is not None:
                problems.append(ConfigProblem(variable, "", _problem(error)))
            else:
                problems.append(ConfigProblem(label, _key_path(raw, error["loc"]), _problem(error)))
        raise ConfigError.of(problems) from None
    if config.dispatch.engine == "celery" and config.database.url.startswith("sqlite"):
        raise ConfigError(
            label,
            "dispatch.engine",
            '"celery" needs PostgreSQL, shared by every machine, but [database].url is '
            'SQLite: set [database].url to postgresql+psycopg://... or engine = "local"',
        )
    return config


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), "", f"not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(str(path), "", f"cannot be read: {exc.strerror}") from None


def _key_path(raw: dict[str, Any], loc: tuple[int | str, ...]) -> str:
    """Turn pydantic's location into the TOML key a user would look for: ``sources[2].schedule``."""
    key = ""
    for part in loc:
        if isinstance(part, int):
            name = _entry_name(raw, key, part) if key in ("sources", "watches") else None
            key += f"[{part + 1}]" + (f" ({name})" if name else "")
        else:
            key += f".{part}" if key else part
    return key


def _entry_name(raw: dict[str, Any], table: str, index: int) -> str | None:
    """The ``name`` of the ``index``-th ``[[sources]]`` or ``[[watches]]`` entry, if it has one."""
    entries = raw.get(table)
    if isinstance(entries, list) and index < len(entries) and isinstance(entries[index], dict):
        name = entries[index].get("name")
        return str(name) if name else None
    return None


def _problem(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key: remove it or check its spelling against the README's config reference"
    if kind == "missing":
        return "required key is missing: add it"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")
