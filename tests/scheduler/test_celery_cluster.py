"""End-to-end, Celery mode: a leader (``wirewatch daemon``) and ``wirewatch worker`` processes
on PostgreSQL, with Redis or RabbitMQ as the broker, crawling local sites on ``every 2s``.

Sources are spread over five hosts (proxies of the sample web's wire site on
127.0.0.11-15), four sources a host, so that politeness (one run per host at a
time, cluster-wide) still leaves work for both workers. Assertions are on
``crawl_runs``, ``articles`` and the processes' logs.
"""

import contextlib
import itertools
import json
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.cli import run_wirewatch
from tests.scheduler.brokers import (
    Start,
    rabbit_url,
    redis_url_for,
    settings,
    unique_queue,
    worker_args,
)
from tests.scheduler.helpers import (
    STOPPED,
    SlowSite,
    Source,
    all_runs,
    assert_no_overlap,
    wait_until,
    write_config,
)
from wirewatch.app.sampleweb import SampleWeb
from wirewatch.core.config import load_config
from wirewatch.scheduler.broker import celery_app
from wirewatch.storage.ledger import RunRow
from wirewatch.storage.models import RunStatus

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(300)]

HOSTS = [f"127.0.0.{n}" for n in range(11, 16)]
FINAL = {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.INTERRUPTED}


@pytest.fixture
def mirrors(web: SampleWeb) -> Iterator[list[SlowSite]]:
    """The wire site on five more hosts, each answer 20 ms late."""
    sites = [SlowSite(web.wire_base, delay=0.02, host=host) for host in HOSTS]
    for site in sites:
        threading.Thread(target=site.serve_forever, args=(0.05,), daemon=True).start()
    yield sites
    for site in sites:
        site.shutdown()
        site.server_close()


def cluster_sources(web: SampleWeb, mirrors: list[SlowSite]) -> list[Source]:
    paths = [web.feed_url, web.listing_url, web.sitemap_url, web.feed_url]
    paths = [url.removeprefix(web.wire_base) for url in paths]
    return [
        Source(f"h{host}-{kind}", [site.base + path])
        for host, site in enumerate(mirrors, 1)
        for kind, path in enumerate(paths, 1)
    ]


def host_of(source: str) -> str:
    return source.split("-", 1)[0]


def assert_no_host_overlap(rows: list[RunRow]) -> None:
    """No two runs of sources that share a host were in flight at once, on any worker."""
    by_host: dict[str, list[RunRow]] = {}
    for row in rows:
        if row.status is RunStatus.SUCCEEDED:
            by_host.setdefault(host_of(row.source), []).append(row)
    for host, runs in by_host.items():
        runs.sort(key=lambda run: run.started_at)
        for earlier, later in itertools.pairwise(runs):
            assert earlier.finished_at is not None
            assert earlier.finished_at <= later.started_at, (
                f"host {host}: run {later.id} ({later.source} on {later.hostname}) started before "
                f"run {earlier.id} ({earlier.source} on {earlier.hostname}) finished"
            )


def stored_wire_ids(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        query = text("SELECT wire_id FROM articles WHERE wire_id IS NOT NULL")
        return list(connection.execute(query).scalars())


def succeeded_sources(engine: Engine) -> set[str]:
    return {row.source for row in all_runs(engine) if row.status is RunStatus.SUCCEEDED}


def open_runs(engine: Engine) -> list[RunRow]:
    return [row for row in all_runs(engine) if row.status not in FINAL]


def purge(config: Path) -> None:
    """Drop the jobs left in the test's queue (runs still queued when the cluster stopped)."""
    app = celery_app(load_config(config))
    try:
        with app.connection_for_write() as connection:
            app.amqp.queues[load_config(config).dispatch.queue].bind(
                connection.default_channel
            ).purge()
    finally:
        app.close()


def run_cluster(
    start: Start,
    tmp_path: Path,
    postgres_url: str,
    postgres_engine: Engine,
    web: SampleWeb,
    mirrors: list[SlowSite],
    broker: str,
    seconds: float,
    drain: float = 15,
) -> None:
    """A leader and two workers for ``seconds`` (and until every source had a run: a
    loaded machine crawls slower); then every guarantee is checked.

    Runs still queued when the leader stops get ``drain`` seconds, then SIGTERM
    stops the workers: a crawl that does not finish within the grace period ends
    ``interrupted``, a run never claimed stays ``queued``; all are accounted for.
    """
    queue = unique_queue()
    sources = cluster_sources(web, mirrors)
    config = write_config(
        tmp_path / "wirewatch.toml", postgres_url, sources, settings(broker, queue)
    )
    workers = [
        start(config, *worker_args(name), command="worker", name=name) for name in ("wa", "wb")
    ]
    leader = start(config, name="leader")
    leader.wait_for_log("celery mode: due runs are queued")
    time.sleep(seconds)
    names = {source.name for source in sources}
    try:
        wait_until(lambda: succeeded_sources(postgres_engine) == names, 120, "every source's run")
    except AssertionError:
        missing = names - succeeded_sources(postgres_engine)
        statuses = [
            (row.id, row.source, row.status, row.hostname)
            for row in all_runs(postgres_engine)
            if row.source in missing
        ]
        logs = "\n".join(worker.log[-4000:] for worker in workers)
        raise AssertionError(f"no run succeeded of {sorted(missing)}: {statuses}\n{logs}") from None
    shown = run_wirewatch("status", "--format", "json", config=config)
    assert shown.returncode == 0, shown.stderr
    cluster = json.loads(shown.stdout)["cluster"]
    assert cluster["queue"] == queue and cluster["broker_error"] is None
    assert isinstance(cluster["queue_depth"], int)
    assert {worker["name"] for worker in cluster["workers"]} == {"wa", "wb"}
    assert all(worker["concurrency"] == 2 for worker in cluster["workers"])
    leader.send(signal.SIGTERM)
    assert leader.wait(30) == 0, leader.log
    with contextlib.suppress(AssertionError):  # what is left gets the workers' grace period
        wait_until(lambda: not open_runs(postgres_engine), drain, "the queued runs")
    for worker in workers:
        worker.send(signal.SIGTERM)
    for worker in workers:
        assert worker.wait(30) == 0, worker.log
    purge(config)

    rows = all_runs(postgres_engine)
    queued = leader.log.count(": queued")
    assert len(rows) == queued, f"{len(rows)} runs in the ledger, {queued} queued by the leader"
    unexpected = [
        (row.id, row.source, row.status, row.error)
        for row in rows
        if row.status not in (RunStatus.SUCCEEDED, RunStatus.QUEUED)
        and not (row.status is RunStatus.INTERRUPTED and row.error in STOPPED)
    ]
    assert not unexpected, "runs that neither succeeded nor were stopped by SIGTERM nor wait"
    crawled = [row for row in rows if row.status is not RunStatus.QUEUED]
    assert {row.hostname for row in crawled} == {"wa", "wb"}
    assert all(row.queued_at is not None and row.heartbeat_at is not None for row in crawled)
    succeeded = {row.source for row in rows if row.status is RunStatus.SUCCEEDED}
    assert succeeded == {source.name for source in sources}
    assert_no_overlap(crawled)
    assert_no_host_overlap(rows)
    stored = stored_wire_ids(postgres_engine)
    assert len(stored) == len(set(stored))
    assert set(stored) == web.expected_wire_ids()
    assert "coalesced" in leader.log  # every 2 s is shorter than a busy host's turn


def test_a_leader_and_two_workers_on_redis_share_the_crawls_and_keep_every_guarantee(
    start: Start,
    tmp_path: Path,
    postgres_url: str,
    postgres_engine: Engine,
    web: SampleWeb,
    mirrors: list[SlowSite],
) -> None:
    broker = redis_url_for(queue := unique_queue())
    del queue
    run_cluster(start, tmp_path, postgres_url, postgres_engine, web, mirrors, broker, 20)


def test_the_same_cluster_on_rabbitmq(
    start: Start,
    tmp_path: Path,
    postgres_url: str,
    postgres_engine: Engine,
    web: SampleWeb,
    mirrors: list[SlowSite],
) -> None:
    run_cluster(start, tmp_path, postgres_url, postgres_engine, web, mirrors, rabbit_url(), 10)
