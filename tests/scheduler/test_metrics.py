"""The daemon's Prometheus metrics: read from the run ledger, served over real HTTP."""

import json
import re
import signal
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from tests.scheduler.helpers import (
    Daemon,
    DaemonSettings,
    Source,
    all_runs,
    wait_until,
    write_config,
)
from wirewatch.app.sampleweb import SampleWeb
from wirewatch.core.record import Rejection, RejectReason
from wirewatch.scheduler.metrics import DURATION_BUCKETS, LedgerCollector
from wirewatch.storage.ledger import (
    RunCounts,
    RunOutcome,
    add_counts,
    close_run,
    record_rejections,
    start_run,
)
from wirewatch.storage.models import RunStatus, RunTrigger

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples_of(text: str) -> Samples:
    """Every sample of an exposition as (name, sorted labels) -> value."""
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def collected(collector: LedgerCollector) -> Samples:
    found: Samples = {}
    for family in collector.collect():
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_run_metrics_add_up_closed_runs_of_the_ledger(migrated_engine: Engine) -> None:
    engine = migrated_engine
    first = start_run(engine, "wire", RunTrigger.SCHEDULE)
    add_counts(
        engine, first, RunCounts(pages_fetched=10, articles_new=4, duplicates=1, pages_rejected=2)
    )
    record_rejections(
        engine,
        first,
        [
            Rejection("http://x/1", RejectReason.NOT_AN_ARTICLE, "menu page"),
            Rejection("http://x/2", RejectReason.HTTP_ERROR, "404", 404),
        ],
    )
    close_run(engine, first, RunOutcome(RunStatus.SUCCEEDED))
    second = start_run(engine, "wire", RunTrigger.SCHEDULE)
    add_counts(engine, second, RunCounts(pages_fetched=3, articles_updated=2, articles_unchanged=1))
    close_run(engine, second, RunOutcome(RunStatus.FAILED, "boom"))
    running = start_run(engine, "wire", RunTrigger.SCHEDULE)
    add_counts(engine, running, RunCounts(pages_fetched=99, articles_new=99))

    found = collected(LedgerCollector(engine, cache_seconds=0))

    wire = (("source", "wire"),)
    assert found[("wirewatch_ledger_up", ())] == 1
    assert found[("wirewatch_runs_total", (("source", "wire"), ("status", "succeeded")))] == 1
    assert found[("wirewatch_runs_total", (("source", "wire"), ("status", "failed")))] == 1
    assert found[("wirewatch_runs_running", wire)] == 1
    assert found[("wirewatch_pages_fetched_total", wire)] == 13  # the running run's 99 wait
    stories = {
        dict(labels)["outcome"]: value
        for (name, labels), value in found.items()
        if name == "wirewatch_stories_total"
    }
    assert stories == {"new": 4, "updated": 2, "unchanged": 1, "duplicate_address": 1}
    rejected = {
        dict(labels)["reason"]: value
        for (name, labels), value in found.items()
        if name == "wirewatch_pages_rejected_total"
    }
    assert rejected == {"not_an_article": 1, "http_error": 1}
    assert found[("wirewatch_run_duration_seconds_count", wire)] == 2
    inf = (("le", "+Inf"), ("source", "wire"))
    assert found[("wirewatch_run_duration_seconds_bucket", inf)] == 2
    first_bound = (("le", str(float(DURATION_BUCKETS[0]))), ("source", "wire"))
    assert found[("wirewatch_run_duration_seconds_bucket", first_bound)] == 2  # ms-long runs
    rows = {row.id: row for row in all_runs(engine)}
    assert rows[first].finished_at is not None
    assert found[("wirewatch_last_success_timestamp_seconds", wire)] == pytest.approx(
        rows[first].finished_at.timestamp()
    )


def test_an_unreadable_ledger_is_reported_as_down_not_as_a_failed_scrape(tmp_path: Path) -> None:
    from wirewatch.storage.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'no-tables.db'}")
    try:
        found = collected(LedgerCollector(engine, cache_seconds=0))
    finally:
        engine.dispose()
    assert found == {("wirewatch_ledger_up", ()): 0}


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_a_daemon_serves_metrics_that_agree_with_crawl_runs(
    tmp_path: Path,
    start_daemon: Callable[..., Daemon],
    sqlite_url: str,
    sqlite_engine: Engine,
) -> None:
    with SampleWeb(stories=8, bad_pages=True) as web:
        source = Source("wire", [web.feed_url, web.listing_url])
        settings = DaemonSettings(metrics_address="127.0.0.1:0")
        config = write_config(tmp_path / "wirewatch.toml", sqlite_url, [source], settings)
        daemon = start_daemon(config, "--log-format", "json")
        daemon.wait_for_log("metrics: serving ")
        match = re.search(r"metrics: serving (http://[0-9.:]+/metrics)", daemon.log)
        assert match is not None
        url = match.group(1)
        wait_until(
            lambda: sum(r.status is RunStatus.SUCCEEDED for r in all_runs(sqlite_engine)) >= 2,
            90,
            "two successful runs",
        )
        # No more runs: drop the source, then compare the scrape with the settled ledger.
        write_config(config, sqlite_url, [], settings)
        daemon.send(signal.SIGHUP)
        daemon.wait_for_log("config reloaded: 0 source(s)")
        wait_until(
            lambda: all(r.status is not RunStatus.RUNNING for r in all_runs(sqlite_engine)),
            60,
            "the last run to close",
        )
        runs = all_runs(sqlite_engine)

        def scrape() -> Samples:
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200
                return samples_of(response.read().decode())

        def agrees() -> Samples | None:
            found = scrape()
            wire = (("source", "wire"),)
            succeeded = sum(r.status is RunStatus.SUCCEEDED for r in runs)
            ok = (
                found.get(("wirewatch_runs_total", (*wire, ("status", "succeeded")))) == succeeded
                and found.get(("wirewatch_pages_fetched_total", wire))
                == sum(r.pages_fetched for r in runs)
                and found.get(("wirewatch_stories_total", (("outcome", "new"), *wire)))
                == sum(r.articles_new for r in runs)
                and sum(
                    value
                    for (name, labels), value in found.items()
                    if name == "wirewatch_pages_rejected_total"
                )
                == sum(r.pages_rejected for r in runs)
                and found.get(("wirewatch_run_duration_seconds_count", wire)) == len(runs)
            )
            return found if ok else None

        found = wait_until(agrees, 30, "the scrape to agree with crawl_runs")
        assert found[("wirewatch_daemon_leader", ())] == 1
        assert sum(r.pages_rejected for r in runs) > 0  # the site's bad pages were counted
        daemon.send(signal.SIGTERM)
        assert daemon.wait(60) == 0

    # The daemon logged JSON lines, its crawl children's relayed through it.
    entries = [json.loads(line) for line in daemon.log.splitlines()]
    summaries = [
        e for e in entries if e.get("logger") == "wirewatch.crawler.process" and "counts" in e
    ]
    assert {e["run_id"] for e in summaries} == {
        r.id for r in runs if r.status is RunStatus.SUCCEEDED
    }
    assert all(e["source"] == "wire" for e in summaries)


def test_watch_metrics_count_the_outbox_by_delivery_state(migrated_engine: Engine) -> None:
    from tests.factories import make_record, sighting
    from wirewatch.core.config import WatchConfig
    from wirewatch.scheduler.metrics import WatchCollector
    from wirewatch.storage.matching import watch_rules
    from wirewatch.storage.models import watch_matches
    from wirewatch.storage.outbox import record_delivered
    from wirewatch.storage.upsert import store_batch

    watches = watch_rules(
        [
            WatchConfig.model_validate(
                {"name": "oil", "query": "oil", "webhook": "http://127.0.0.1:9/hook"}
            ),
            WatchConfig.model_validate({"name": "gas", "query": "gas"}),
        ]
    )
    records = [
        make_record(1, title="Oil output rises", paragraphs=("Crude oil and gas.",)),
        make_record(2, title="Oil price", paragraphs=("Brent crude oil.",)),
    ]
    store_batch(migrated_engine, [sighting(r) for r in records], watches)
    with migrated_engine.connect() as connection:
        first = connection.execute(
            watch_matches.select()
            .where(watch_matches.c.watch == "oil")
            .order_by(watch_matches.c.id)
        ).first()
    assert first is not None
    record_delivered(migrated_engine, first.id)

    found: Samples = {}
    for family in WatchCollector(migrated_engine).collect():
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value

    def state(watch: str, name: str) -> float:
        return found[("wirewatch_watch_matches", (("state", name), ("watch", watch)))]

    assert (state("oil", "delivered"), state("oil", "pending")) == (1, 1)
    assert (state("gas", "unsent"), state("gas", "pending")) == (1, 0)
