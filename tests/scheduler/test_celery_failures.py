"""Celery mode when things break: a worker killed mid-crawl, a broker that goes away.

A leader and workers as processes, on PostgreSQL, with a Redis as broker: the
machine's (a queue and database number of the test's own), or one the test
starts and stops itself (``OwnRedis``).
"""

import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.scheduler.brokers import (
    OwnRedis,
    Start,
    redis_url_for,
    settings,
    unique_queue,
    worker_args,
)
from tests.scheduler.helpers import STOPPED, SlowSite, Source, all_runs, wait_until, write_config
from wirewatch.app.sampleweb import SampleWeb
from wirewatch.core.config import load_config
from wirewatch.scheduler.broker import celery_app, publish_crawl, queue_depth
from wirewatch.storage.ledger import RunRow, get_run, queue_run
from wirewatch.storage.models import RunStatus

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(240)]


def crawl_child_of(engine: Engine, worker: str) -> RunRow | None:
    """A run the worker crawls now, once its row names the crawl child's pid."""
    for row in all_runs(engine):
        if row.status is RunStatus.RUNNING and row.hostname == worker and row.pid:
            try:
                cmdline = Path(f"/proc/{row.pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"--run-id" in cmdline:
                return row
    return None


def ended(engine: Engine, run_id: int, status: RunStatus) -> RunRow | None:
    row = get_run(engine, run_id)
    return row if row is not None and row.status is status else None


def succeeded_after(engine: Engine, source: str, run_id: int) -> RunRow | None:
    for row in all_runs(engine):
        if row.source == source and row.id > run_id and row.status is RunStatus.SUCCEEDED:
            return row
    return None


def test_a_worker_lost_mid_crawl_leaves_its_run_interrupted_and_the_next_run_succeeds(
    start: Start,
    tmp_path: Path,
    postgres_url: str,
    postgres_engine: Engine,
    web: SampleWeb,
    slow_site: SlowSite,
) -> None:
    queue = unique_queue()
    feed = web.feed_url.removeprefix(web.wire_base)
    sources = [Source("slow", [slow_site.base + feed])]
    config = write_config(
        tmp_path / "wirewatch.toml", postgres_url, sources, settings(redis_url_for(queue), queue)
    )
    lost = start(config, *worker_args("wa", 1), command="worker", name="wa")
    leader = start(config, name="leader")
    row = wait_until(lambda: crawl_child_of(postgres_engine, "wa"), 60, "a crawl on wa")

    # The machine is lost: the crawl freezes, then worker and crawl vanish (kill -9),
    # so nothing closes the run but the leader, once its heartbeat is stale.
    os.kill(row.pid, signal.SIGSTOP)
    lost.send(signal.SIGKILL)
    os.kill(row.pid, signal.SIGKILL)
    interrupted = wait_until(
        lambda: ended(postgres_engine, row.id, RunStatus.INTERRUPTED), 30, "the run closed"
    )
    assert "no heartbeat from worker wa" in (interrupted.error or "")
    assert f"run={row.id}: no heartbeat from worker wa" in leader.log

    slow_site.delay = 0.05
    spare = start(config, *worker_args("wb", 1), command="worker", name="wb")
    following = wait_until(
        lambda: succeeded_after(postgres_engine, "slow", row.id), 90, "the next run"
    )
    assert following.hostname == "wb"

    # Its job delivered again (the broker's redelivery after the worker was lost): nothing.
    app = celery_app(load_config(config))
    try:
        publish_crawl(app, queue, row.id)
    finally:
        app.close()
    spare.wait_for_log(f"run {row.id} (slow): interrupted already: nothing to do")
    final = get_run(postgres_engine, row.id)
    assert final is not None and final.status is RunStatus.INTERRUPTED
    assert final.finished_at == interrupted.finished_at

    leader.send(signal.SIGTERM)
    assert leader.wait(30) == 0
    spare.send(signal.SIGTERM)
    assert spare.wait(30) == 0
    with postgres_engine.connect() as connection:
        duplicates = connection.execute(
            text("SELECT wire_id FROM articles GROUP BY wire_id HAVING count(*) > 1")
        ).all()
    assert not duplicates


def test_runs_due_while_the_broker_is_down_fail_with_the_reason_and_are_queued_once_it_is_back(
    start: Start,
    tmp_path: Path,
    postgres_url: str,
    postgres_engine: Engine,
    web: SampleWeb,
) -> None:
    broker = OwnRedis(tmp_path)
    broker.start()
    try:
        queue = unique_queue()
        sources = [Source("wire", [web.feed_url]), Source("partner", [web.partner_listing_url])]
        config = write_config(
            tmp_path / "wirewatch.toml", postgres_url, sources, settings(broker.url, queue)
        )
        worker = start(config, *worker_args("wa"), command="worker", name="wa")
        leader = start(config, name="leader")
        for source in ("wire", "partner"):
            wait_until(
                lambda source=source: succeeded_after(postgres_engine, source, 0), 90, source
            )

        broker.stop()
        down = leader.wait_for_log("could not enqueue the crawl")
        leader.wait_for_log("could not enqueue the crawl", after=down)
        failed = [row for row in all_runs(postgres_engine) if row.status is RunStatus.FAILED]
        assert failed
        assert all(f"broker {broker.url} unreachable" in (row.error or "") for row in failed)
        assert leader.process.poll() is None  # the leader keeps running

        broker.start()
        last_failed = max(row.id for row in failed)
        for source in ("wire", "partner"):
            wait_until(
                lambda source=source: succeeded_after(postgres_engine, source, last_failed),
                90,
                f"a run of {source} after the broker came back",
            )
        leader.send(signal.SIGTERM)
        assert leader.wait(30) == 0
        worker.send(signal.SIGTERM)
        assert worker.wait(30) == 0
    finally:
        broker.stop()


def test_sigterm_stops_a_worker_gracefully_its_crawl_interrupted_and_its_job_acknowledged(
    start: Start,
    tmp_path: Path,
    postgres_url: str,
    postgres_engine: Engine,
    web: SampleWeb,
    slow_site: SlowSite,
) -> None:
    queue = unique_queue()
    feed = web.feed_url.removeprefix(web.wire_base)
    config = write_config(
        tmp_path / "wirewatch.toml",
        postgres_url,
        [Source("slow", [slow_site.base + feed])],
        settings(redis_url_for(queue), queue),
    )
    worker = start(config, *worker_args("wa", 1), command="worker", name="wa")
    leader = start(config, name="leader")
    slow_site.delay = 1.0  # 21 pages, 4 at a time: the crawl outlasts the 3 s grace period
    leader.wait_for_log(": queued")
    leader.send(signal.SIGTERM)  # no more runs: one is enough
    assert leader.wait(30) == 0
    row = wait_until(lambda: crawl_child_of(postgres_engine, "wa"), 60, "a crawl on wa")

    worker.send(signal.SIGTERM)

    assert worker.wait(60) == 0, worker.log
    final = get_run(postgres_engine, row.id)
    assert final is not None and final.status is RunStatus.INTERRUPTED
    assert final.error in STOPPED  # closed by the crawl as it stopped, or else by the worker
    assert "stopping: no new jobs; up to 3 s for 1 running crawl(s)" in worker.log
    app = celery_app(load_config(config))
    try:
        assert queue_depth(app, queue) == 0  # acknowledged: not handed out again
    finally:
        app.close()


def running_crawl(engine: Engine, source: str) -> RunRow | None:
    return next(
        (r for r in all_runs(engine) if r.source == source and r.status is RunStatus.RUNNING),
        None,
    )


def test_a_worker_with_a_crawl_in_flight_survives_a_broker_outage(
    start: Start,
    tmp_path: Path,
    postgres_url: str,
    postgres_engine: Engine,
    web: SampleWeb,
    slow_site: SlowSite,
) -> None:
    """The broker goes away while the worker crawls, after it acknowledged another job (the
    case that stops Celery 5.7's worker with an "unrecoverable error"): the crawl finishes,
    and the same worker process takes jobs again once the broker is back. No leader: the
    test queues each run itself, so that exactly one job is in flight."""
    broker = OwnRedis(tmp_path)
    broker.start()
    queue = unique_queue()
    feed = web.feed_url.removeprefix(web.wire_base)
    sources = [Source("fast", [web.feed_url]), Source("slow", [slow_site.base + feed])]
    config = write_config(
        tmp_path / "wirewatch.toml", postgres_url, sources, settings(broker.url, queue)
    )
    app = celery_app(load_config(config))

    def crawl(source: str) -> int:
        run_id = queue_run(postgres_engine, source)
        assert run_id is not None
        publish_crawl(app, queue, run_id)
        return run_id

    try:
        worker = start(config, *worker_args("wa", 2), command="worker", name="wa")
        first = crawl("fast")
        wait_until(lambda: ended(postgres_engine, first, RunStatus.SUCCEEDED), 60, "fast")
        worker.wait_for_log(f"source=fast run={first}: succeeded after")
        time.sleep(0.5)  # its job acknowledged
        in_flight = crawl("slow")
        wait_until(lambda: running_crawl(postgres_engine, "slow"), 60, "a crawl of slow")

        broker.stop()
        finished = wait_until(
            lambda: ended(postgres_engine, in_flight, RunStatus.SUCCEEDED), 60, "the crawl"
        )
        assert finished.hostname == "wa"

        broker.start()
        again = crawl("fast")
        following = wait_until(
            lambda: ended(postgres_engine, again, RunStatus.SUCCEEDED), 90, "a run after it"
        )
        assert following.hostname == "wa"
        assert worker.process.poll() is None
        worker.send(signal.SIGTERM)
        assert worker.wait(30) == 0
    finally:
        app.close()
        broker.stop()
