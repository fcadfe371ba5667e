"""Celery mode's side of the run ledger, on SQLite and PostgreSQL: queue, claim, beat, and
the database refusing a second run in flight of one source."""

from datetime import timedelta

import pytest
from sqlalchemy import Engine, text, update

from wirewatch.storage.ledger import (
    RunInFlight,
    RunOutcome,
    active_run,
    beat,
    claim_run,
    close_run,
    get_run,
    interrupt_silent_runs,
    queue_run,
    queue_runs,
    queued_runs,
    start_run,
    utcnow,
)
from wirewatch.storage.models import RunStatus, RunTrigger, crawl_runs


def test_a_queued_run_is_claimed_once_and_only_while_queued(migrated_engine: Engine) -> None:
    run_id = queue_run(migrated_engine, "menafn")
    assert run_id is not None
    queued = get_run(migrated_engine, run_id)
    assert queued is not None and queued.status is RunStatus.QUEUED
    assert queued.queued_at is not None and queued.started_at == queued.queued_at
    assert (queued.hostname, queued.pid, queued.heartbeat_at) == (None, None, None)

    assert claim_run(migrated_engine, run_id, hostname="wa", pid=11)
    assert not claim_run(migrated_engine, run_id, hostname="wb", pid=12)  # delivered twice

    claimed = get_run(migrated_engine, run_id)
    assert claimed is not None and claimed.status is RunStatus.RUNNING
    assert (claimed.hostname, claimed.pid) == ("wa", 11)
    assert claimed.heartbeat_at is not None and claimed.started_at >= queued.started_at


def test_a_source_has_one_run_in_flight_at_most(migrated_engine: Engine) -> None:
    first = queue_run(migrated_engine, "menafn")
    assert first is not None
    assert queue_run(migrated_engine, "menafn") is None  # coalesced
    with pytest.raises(RunInFlight, match=f"run {first}, queued"):
        start_run(migrated_engine, "menafn", RunTrigger.MANUAL)
    other = queue_run(migrated_engine, "partner")
    assert other is not None

    assert close_run(migrated_engine, first, RunOutcome(RunStatus.FAILED, "broker down"))
    row = get_run(migrated_engine, first)
    assert row is not None and (row.status, row.error) == (RunStatus.FAILED, "broker down")
    assert active_run(migrated_engine, "menafn") is None
    again = start_run(migrated_engine, "menafn", RunTrigger.MANUAL)
    assert queue_run(migrated_engine, "menafn") is None
    running = active_run(migrated_engine, "menafn")
    assert running is not None and running.id == again


def test_queueing_keeps_working_on_one_connection_past_psycopgs_prepared_statements(
    migrated_engine: Engine,
) -> None:
    """The leader queues on pooled connections all day: once psycopg prepares the statement
    and PostgreSQL plans it generically, the conflict target must still name the index."""
    sources = [f"s{n:02d}" for n in range(15)]
    inserted = [queue_run(migrated_engine, source) for source in sources]
    coalesced = [queue_run(migrated_engine, source) for source in sources]
    assert None not in inserted
    assert coalesced == [None] * len(sources)


def test_queueing_many_sources_at_once_skips_only_those_with_a_run_in_flight(
    migrated_engine: Engine,
) -> None:
    running = start_run(migrated_engine, "busy", RunTrigger.MANUAL)
    waiting = queue_run(migrated_engine, "waiting")

    queued = queue_runs(migrated_engine, ["a", "busy", "b", "waiting", "a"])

    assert sorted(queued) == ["a", "b"]
    assert running not in queued.values() and waiting not in queued.values()
    for source, run_id in queued.items():
        row = get_run(migrated_engine, run_id)
        assert row is not None and (row.source, row.status) == (source, RunStatus.QUEUED)
    assert queue_runs(migrated_engine, ["a", "b"]) == {}
    assert queue_runs(migrated_engine, []) == {}


def test_the_unique_index_itself_refuses_a_second_active_row(migrated_engine: Engine) -> None:
    queue_run(migrated_engine, "menafn")
    insert = text(
        "INSERT INTO crawl_runs (source, trigger, status, started_at) "
        "VALUES ('menafn', 'manual', 'running', CURRENT_TIMESTAMP)"
    )
    with pytest.raises(Exception, match=r"(?i)unique"), migrated_engine.begin() as connection:
        connection.execute(insert)


def test_runs_whose_heartbeat_went_stale_are_interrupted_and_no_others(
    migrated_engine: Engine,
) -> None:
    engine = migrated_engine
    silent, beating, local = (queue_run(engine, name) for name in ("silent", "beating", "local"))
    waiting = queue_run(engine, "waiting")
    assert silent and beating and local and waiting
    for run_id, host in ((silent, "wa"), (beating, "wb")):
        assert claim_run(engine, run_id, hostname=host, pid=1)
    local_run = start_run(engine, "daemon-run", RunTrigger.SCHEDULE, pid=1, hostname="box")
    old = utcnow() - timedelta(seconds=120)
    with engine.begin() as connection:
        connection.execute(
            update(crawl_runs)
            .where(crawl_runs.c.id.in_([silent, beating]))
            .values(heartbeat_at=old)
        )
    assert beat(engine, [beating, waiting, local_run]) == 2  # running ones only

    closed = interrupt_silent_runs(engine, silent_for=60)

    assert [row.id for row in closed] == [silent]
    row = get_run(engine, silent)
    assert row is not None and row.status is RunStatus.INTERRUPTED
    assert row.error is not None and row.error.startswith("no heartbeat from worker wa (pid 1)")
    for run_id, status in ((beating, RunStatus.RUNNING), (waiting, RunStatus.QUEUED)):
        kept = get_run(engine, run_id)
        assert kept is not None and kept.status is status
    kept = get_run(engine, local_run)
    assert kept is not None and kept.status is RunStatus.RUNNING  # no heartbeat: not the leader's


def test_queued_runs_lists_the_waiting_ones_oldest_first(migrated_engine: Engine) -> None:
    first, second = queue_run(migrated_engine, "a"), queue_run(migrated_engine, "b")
    assert first and second
    assert claim_run(migrated_engine, second, hostname="wa", pid=1)
    third = queue_run(migrated_engine, "c")
    assert [row.id for row in queued_runs(migrated_engine)] == [first, third]
    assert queued_runs(migrated_engine, queued_before=utcnow() - timedelta(hours=1)) == []
    assert [row.id for row in queued_runs(migrated_engine, limit=1)] == [first]
