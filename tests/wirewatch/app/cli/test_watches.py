"""``wirewatch watches`` and ``matches`` end to end: a crawl of the sample web, real receivers."""

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from sqlalchemy import Engine, select

from tests.cli import run_wirewatch
from tests.factories import make_record, migrated, sighting
from tests.receivers import Receiver, closed_port_url
from tests.wirewatch.app.cli.conftest import Run
from wirewatch.app.sampleweb import SampleWeb
from wirewatch.core.config import WatchConfig
from wirewatch.storage.matching import watch_rules
from wirewatch.storage.models import watch_matches
from wirewatch.storage.queries import ArticleFilter, list_articles
from wirewatch.storage.upsert import store_batch

SECRET = "hook-secret-for-tests"
FAST_DELIVERY = "\n[delivery]\ntimeout = 3\nbackoff_initial = 0.001\nbackoff_max = 0.002\n"


def watch_toml(name: str, query: str, webhook: str | None = None, **extra: object) -> str:
    lines = ["", "[[watches]]", f"name = {json.dumps(name)}", f"query = {json.dumps(query)}"]
    if webhook:
        lines.append(f"webhook = {json.dumps(webhook)}")
    lines += [f"{key} = {json.dumps(value)}" for key, value in extra.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    hosts = ("127.0.0.5", "127.0.0.7", "127.0.0.8", "127.0.0.9")
    started = [Receiver(host).__enter__() for host in hosts]
    yield started
    for receiver in started:
        receiver.__exit__(None, None, None)


@pytest.mark.slow
def test_a_crawl_delivers_each_watch_exactly_its_stories_once_signed(
    web: SampleWeb, sqlite_url: str, tmp_path: Path, receivers: list[Receiver]
) -> None:
    watches = {
        "iraq-exports": ("Iraq exports", {}),
        "fintech": ('"fintech lending"', {"on": ["new", "revised"]}),
        "aviation-mining": ("aviation OR mining", {"providers": ["PR Newswire", "Gulf Times"]}),
        "nothing": ("zeppelinophone", {}),
    }
    config = tmp_path / "wirewatch.toml"
    text = web.config_toml(sqlite_url) + FAST_DELIVERY
    for (name, (query, extra)), receiver in zip(watches.items(), receivers, strict=True):
        text += watch_toml(name, query, receiver.url, secret_env="HOOK_SECRET", **extra)
    config.write_text(text, encoding="utf-8")
    env = {"HOOK_SECRET": SECRET}

    crawled = run_wirewatch("crawl", config=config, env=env)
    assert crawled.returncode == 0, crawled.stderr
    assert all(not r.requests for r in receivers)  # crawling delivers nothing
    delivered = run_wirewatch("watches", "deliver", config=config, env=env)
    assert delivered.returncode == 0, delivered.stderr

    engine = migrated(sqlite_url)
    stored = len(list_articles(engine, ArticleFilter(limit=None)))
    for (name, (query, extra)), receiver in zip(watches.items(), receivers, strict=True):
        providers = extra.get("providers") or [None]
        expected = {
            article.id
            for provider in providers
            for article in list_articles(
                engine, ArticleFilter(search=query, provider=provider, limit=None)
            )
        }
        got = [r.json["story"]["id"] for r in receiver.requests]
        assert sorted(got) == sorted(expected), name
        assert len(got) == len(set(got)), name
        if name == "nothing":
            assert not got
        else:
            assert 0 < len(got) < stored, name
        for request in receiver.requests:
            digest = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
            assert request.headers["x-wirewatch-signature"] == f"sha256={digest}"
            assert request.json["watch"] == name
    assert "delivered" in delivered.stdout

    listed = run_wirewatch("watches", "--format", "json", config=config, env=env)
    counts = {w["watch"]: w for w in json.loads(listed.stdout)}
    for name, receiver in zip(watches, receivers, strict=True):
        assert counts[name]["matched"] == counts[name]["delivered"] == len(receiver.requests)
        assert counts[name]["pending"] == counts[name]["failed"] == 0

    again = run_wirewatch("crawl", config=config, env=env)
    assert again.returncode == 0, again.stderr
    run_wirewatch("watches", "deliver", config=config, env=env)
    total = sum(len(r.requests) for r in receivers)
    with engine.connect() as connection:
        assert len(connection.execute(select(watch_matches)).all()) == total

    feed = run_wirewatch("matches", "--format", "atom", "--limit", "0", config=config, env=env)
    parsed = feedparser.parse(feed.stdout)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert len(parsed.entries) == total
    assert len({entry.id for entry in parsed.entries}) == total
    assert all(entry.link.startswith("http://127.0.0.") for entry in parsed.entries)
    engine.dispose()


def _fill(database_url: str, *watches: WatchConfig) -> Engine:
    engine = migrated(database_url)
    records = [
        make_record(1, title="Kuwait oil output rises"),
        make_record(2, title="Kuwait gas field <b>opens</b> & grows"),
        make_record(3, title="Jordan solar park"),
    ]
    store_batch(engine, [sighting(r) for r in records], watch_rules(watches))
    return engine


def test_watches_lists_counts_and_the_last_error(
    run_cli: Run, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = closed_port_url()
    config = tmp_path / "wirewatch.toml"
    config.write_text(
        f"[database]\nurl = {json.dumps(sqlite_url)}\n"
        + FAST_DELIVERY
        + watch_toml("kuwait", "Kuwait", down, max_attempts=2)
        + watch_toml("listed", "Jordan OR Kuwait"),
        encoding="utf-8",
    )
    monkeypatch.setenv("WIREWATCH_CONFIG", str(config))
    monkeypatch.delenv("WIREWATCH_DATABASE_URL", raising=False)
    from wirewatch.core.config import load_config

    _fill(sqlite_url, *load_config(config).watches).dispose()
    assert run_cli("watches", "deliver").out.strip() == "delivered 0, to retry 2, failed 0"
    first = json.loads(run_cli("watches", "--format", "json").out)
    assert [(w["watch"], w["matched"], w["pending"], w["failed"]) for w in first] == [
        ("kuwait", 2, 2, 0),
        ("listed", 3, 0, 0),
    ]
    assert run_cli("watches", "deliver").out.strip() == "delivered 0, to retry 0, failed 2"
    shown = run_cli("watches")
    assert shown.code == 0
    kuwait = next(line for line in shown.out.splitlines() if line.startswith("kuwait"))
    assert kuwait.split()[3:7] == ["2", "0", "0", "2"]
    assert "watch kuwait: last error (" in shown.out
    assert "UTC): connection refused or unreachable" in shown.out
    table = run_cli("matches", "--watch", "kuwait")
    assert table.code == 0 and "failed" in table.out and "Kuwait gas field" in table.out
    assert len(json.loads(run_cli("matches", "--format", "json").out)) == 5


def test_watches_test_and_backfill(
    run_cli: Run, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "wirewatch.toml"
    config.write_text(
        f"[database]\nurl = {json.dumps(sqlite_url)}\n" + watch_toml("kuwait", "Kuwait -gas"),
        encoding="utf-8",
    )
    monkeypatch.setenv("WIREWATCH_CONFIG", str(config))
    monkeypatch.delenv("WIREWATCH_DATABASE_URL", raising=False)
    _fill(sqlite_url).dispose()  # stored before the watch existed: no matches
    tested = run_cli("watches", "test", "kuwait", "--format", "json")
    assert [a["title"] for a in json.loads(tested.out)] == ["Kuwait oil output rises"]
    assert json.loads(run_cli("matches", "--format", "json").out) == []
    assert run_cli("watches", "backfill", "kuwait", "--since", "2020-01-01").code == 0
    assert run_cli("watches", "backfill", "kuwait", "--since", "2020-01-01").code == 0
    found = json.loads(run_cli("matches", "--format", "json").out)
    assert [(m["watch"], m["title"], m["status"]) for m in found] == [
        ("kuwait", "Kuwait oil output rises", "unsent")
    ]
    unknown = run_cli("watches", "test", "nope")
    assert unknown.code == 2 and "no watch is named 'nope'" in unknown.err


def test_the_atom_feed_escapes_titles_and_validates(
    run_cli: Run, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIREWATCH_DATABASE_URL", sqlite_url)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WIREWATCH_CONFIG", raising=False)
    _fill(sqlite_url, WatchConfig(name="kuwait", query="Kuwait")).dispose()
    feed = run_cli("matches", "--watch", "kuwait", "--format", "atom")
    parsed = feedparser.parse(feed.out)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "wirewatch: kuwait"
    assert sorted(e.title for e in parsed.entries) == [
        "Kuwait gas field <b>opens</b> & grows",
        "Kuwait oil output rises",
    ]
    assert all(e.id.startswith("urn:wirewatch:match:") for e in parsed.entries)


@pytest.mark.parametrize(
    ("entry", "env", "message"),
    [
        (
            watch_toml("bad-query", "Kuwait (oil"),
            {},
            "watches[1] (bad-query).query: 'Kuwait (oil': a parenthesis '(' is not closed",
        ),
        (
            watch_toml("chat", "oil", "http://127.0.0.1:9/", format="teams"),
            {},
            "watches[1] (chat).format: Input should be 'json' or 'slack'",
        ),
        (
            watch_toml("signed", "oil", "http://127.0.0.1:9/", secret_env="NOT_SET_ANYWHERE"),
            {},
            "watches[1] (signed).secret_env: the environment variable NOT_SET_ANYWHERE is not set",
        ),
        (
            watch_toml("Bad Name", "oil"),
            {},
            "watches[1] (Bad Name).name: 'Bad Name': use lower-case letters, digits and '-'",
        ),
        (
            watch_toml("twice", "oil") + watch_toml("twice", "gas"),
            {},
            "watches: two watches are named 'twice'",
        ),
    ],
)
def test_config_errors_name_the_watch_and_key_before_anything_runs(
    tmp_path: Path, entry: str, env: dict[str, str], message: str
) -> None:
    config = tmp_path / "wirewatch.toml"
    config.write_text(f"[database]\nurl = 'sqlite:///{tmp_path}/w.db'\n" + entry, encoding="utf-8")
    result = run_wirewatch("articles", config=config, env=env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr
    assert not (tmp_path / "w.db").exists()
