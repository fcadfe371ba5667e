"""Delivery of watch matches to real HTTP receivers on 127.0.0.x: retries, failures, formats."""

import hashlib
import hmac
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.factories import T0, make_record, sighting
from tests.receivers import Receiver, closed_port_url
from wirewatch.core.config import DeliveryConfig, WatchConfig
from wirewatch.scheduler.delivery import deliver_pass
from wirewatch.storage.matching import watch_rules
from wirewatch.storage.models import watch_matches
from wirewatch.storage.upsert import store_batch

FAST = DeliveryConfig(timeout=2, backoff_initial=0.001, backoff_max=0.002)
SECRET = "s3cret-for-tests"


def watch(name: str, url: str, **extra: Any) -> WatchConfig:
    return WatchConfig.model_validate({"name": name, "query": "harbour", "webhook": url, **extra})


def store(engine: Engine, watches: list[WatchConfig], *numbers: int) -> list[int]:
    records = [make_record(n) for n in numbers or (1,)]
    stored = store_batch(engine, [sighting(r) for r in records], watch_rules(watches))
    return [s.article_id for s in stored]


def rows(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(select(watch_matches).order_by(watch_matches.c.id)))


def deliver(engine: Engine, watches: list[WatchConfig]) -> None:
    """One pass, once every retry FAST schedules is due (its longest wait is 2 ms)."""
    time.sleep(FAST.backoff_max * 5)
    deliver_pass(engine, watches, FAST)


def test_a_receiver_that_fails_three_times_gets_the_match_on_the_fourth_try(
    sqlite_engine: Engine,
) -> None:
    with Receiver(statuses=[500, 500, 500]) as receiver:
        watches = [watch("flaky", receiver.url)]
        store(sqlite_engine, watches)
        for _ in range(4):
            deliver(sqlite_engine, watches)
        (row,) = rows(sqlite_engine)
        assert (row.status, row.attempts, row.last_error) == ("delivered", 4, None)
        assert row.delivered_at is not None
        assert len(receiver.requests) == 4
        assert {r.key for r in receiver.requests} == {str(row.id)}
        assert len({r.body for r in receiver.requests}) == 1
        deliver(sqlite_engine, watches)
        assert len(receiver.requests) == 4


def test_a_failed_try_waits_for_its_backoff(sqlite_engine: Engine) -> None:
    with Receiver(statuses=[503]) as receiver:
        watches = [watch("slow-retry", receiver.url)]
        store(sqlite_engine, watches)
        deliver_pass(sqlite_engine, watches, DeliveryConfig(backoff_initial=600))
        deliver_pass(sqlite_engine, watches, DeliveryConfig(backoff_initial=600))
        (row,) = rows(sqlite_engine)
        assert (row.status, row.attempts, row.last_error) == ("pending", 1, "HTTP 503")
        assert row.next_attempt_at - row.last_attempt_at >= timedelta(seconds=300)
        assert len(receiver.requests) == 1


def test_a_receiver_that_is_down_leaves_matches_pending_then_failed(sqlite_engine: Engine) -> None:
    watches = [watch("down", closed_port_url(), max_attempts=3)]
    store(sqlite_engine, watches, 1, 2)
    deliver(sqlite_engine, watches)
    assert [(r.status, r.attempts) for r in rows(sqlite_engine)] == [("pending", 1)] * 2
    assert all("refused" in r.last_error for r in rows(sqlite_engine))
    deliver(sqlite_engine, watches)
    deliver(sqlite_engine, watches)
    assert [(r.status, r.attempts) for r in rows(sqlite_engine)] == [("failed", 3)] * 2
    deliver(sqlite_engine, watches)
    assert [r.attempts for r in rows(sqlite_engine)] == [3, 3]


def test_signed_json_bodies_carry_the_story(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    with Receiver() as receiver:
        watches = [watch("signed", receiver.url, secret_env="HOOK_SECRET")]
        (article_id,) = store(sqlite_engine, watches)
        deliver(sqlite_engine, watches)
        (request,) = receiver.requests
    expected = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-wirewatch-signature"] == f"sha256={expected}"
    assert request.headers["content-type"].startswith("application/json")
    document = request.json
    (row,) = rows(sqlite_engine)
    assert request.key == str(row.id) == str(document["match_id"])
    assert (document["watch"], document["event"]) == ("signed", "new")
    story = document["story"]
    record = make_record(1)
    assert story["id"] == article_id
    assert story["wire_id"] == record.wire.text  # type: ignore[union-attr]
    assert story["title"] == record.title
    assert story["provider"] == "MENAFN"
    assert story["canonical_url"] == record.canonical_url
    assert story["addresses"] == [record.canonical_url]
    assert story["revision"] == 1
    assert story["published_at"] == record.published_at.isoformat()  # type: ignore[union-attr]
    assert story["excerpt"].startswith("Paragraph one of story 1")


def test_slack_bodies_have_a_text(sqlite_engine: Engine) -> None:
    with Receiver() as receiver:
        watches = [watch("chat", receiver.url, format="slack")]
        store(sqlite_engine, watches)
        deliver(sqlite_engine, watches)
        (request,) = receiver.requests
    assert set(request.json) == {"text"}
    assert "Story number 1 about harbour cranes" in request.json["text"]
    assert "*chat*" in request.json["text"]


def test_a_revision_is_delivered_with_its_own_text(sqlite_engine: Engine) -> None:
    with Receiver() as receiver:
        watches = [watch("edits", receiver.url, on=["new", "revised"])]
        store(sqlite_engine, watches)
        revised = replace(make_record(1), paragraphs=("The harbour was renamed.",))
        store_batch(
            sqlite_engine, [sighting(revised, at=T0 + timedelta(hours=1))], watch_rules(watches)
        )
        deliver(sqlite_engine, watches)
        stories = sorted((r.json["story"] for r in receiver.requests), key=lambda s: s["revision"])
    assert [(s["revision"], s["excerpt"]) for s in stories] == [
        (1, "Paragraph one of story 1 mentions zeppelins. Paragraph two."),
        (2, "The harbour was renamed."),
    ]
    assert sorted(r.json["event"] for r in receiver.requests) == ["new", "revised"]


def test_a_watch_without_a_webhook_records_and_sends_nothing(sqlite_engine: Engine) -> None:
    watches = [WatchConfig(name="listed", query="harbour")]
    store(sqlite_engine, watches)
    assert deliver_pass(sqlite_engine, watches, FAST).tries == 0
    assert [(r.status, r.attempts) for r in rows(sqlite_engine)] == [("unsent", 0)]


@pytest.mark.postgres
def test_delivery_works_on_postgresql(postgres_engine: Engine) -> None:
    with Receiver(statuses=[502]) as receiver:
        watches = [watch("pg", receiver.url)]
        store(postgres_engine, watches, 1, 2, 3)
        deliver(postgres_engine, watches)
        deliver(postgres_engine, watches)
        assert [(r.status, r.attempts) for r in rows(postgres_engine)].count(("delivered", 1)) == 2
        assert {r.status for r in rows(postgres_engine)} == {"delivered"}
        assert len(receiver.processed) == 3
