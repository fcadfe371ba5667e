"""The run ledger on SQLite and PostgreSQL: start, attach, count, close (first close wins), override."""

import ast
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, text

from wirewatch.core.record import Rejection, RejectReason
from wirewatch.storage.ledger import (
    COUNTERS,
    RunCounts,
    RunOutcome,
    account_batch,
    add_counts,
    attach_pid,
    close_run,
    close_timed_out_run,
    get_run,
    latest_runs,
    record_rejections,
    running_runs,
    start_run,
)
from wirewatch.storage.models import RunStatus, RunTrigger

REPOSITORY = Path(__file__).resolve().parents[2]
SUCCEEDED = RunOutcome(RunStatus.SUCCEEDED)


def test_start_records_source_trigger_pid_and_host_as_running(migrated_engine: Engine) -> None:
    run_id = start_run(migrated_engine, "menafn", RunTrigger.SCHEDULE, pid=4242, hostname="box")

    run = get_run(migrated_engine, run_id)
    assert run is not None
    assert (run.source, run.trigger, run.status) == ("menafn", RunTrigger.SCHEDULE, "running")
    assert (run.pid, run.hostname, run.finished_at, run.error) == (4242, "box", None, None)
    assert run.started_at.tzinfo is not None
    assert run.counts == RunCounts()
    assert [r.id for r in running_runs(migrated_engine)] == [run_id]


def test_an_unknown_trigger_is_refused(migrated_engine: Engine) -> None:
    with pytest.raises(ValueError):
        start_run(migrated_engine, "menafn", "cron")  # type: ignore[arg-type]


def test_the_first_close_wins_and_a_second_changes_nothing(migrated_engine: Engine) -> None:
    run_id = start_run(migrated_engine, "menafn", RunTrigger.MANUAL)

    assert close_run(migrated_engine, run_id, RunOutcome(RunStatus.FAILED, "boom"))
    first = get_run(migrated_engine, run_id)
    assert not close_run(migrated_engine, run_id, SUCCEEDED)
    assert not close_run(migrated_engine, run_id, RunOutcome(RunStatus.INTERRUPTED, "signal"))

    assert get_run(migrated_engine, run_id) == first
    assert first is not None and (first.status, first.error) == ("failed", "boom")
    assert first.finished_at is not None and first.finished_at.tzinfo is not None
    assert running_runs(migrated_engine) == []


def test_closing_an_unknown_run_closes_nothing(migrated_engine: Engine) -> None:
    assert not close_run(migrated_engine, 12345, SUCCEEDED)


def test_an_outcome_must_be_a_final_status() -> None:
    with pytest.raises(ValueError):
        RunOutcome("exploded")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        RunOutcome(RunStatus.RUNNING)
    assert RunOutcome("failed", "x").status is RunStatus.FAILED  # type: ignore[arg-type]


@pytest.mark.parametrize("closed_as", [None, RunStatus.INTERRUPTED])
def test_a_timeout_fails_a_run_still_running_or_already_interrupted(
    migrated_engine: Engine, closed_as: RunStatus | None
) -> None:
    run_id = start_run(migrated_engine, "menafn", RunTrigger.SCHEDULE)
    if closed_as is not None:
        close_run(migrated_engine, run_id, RunOutcome(closed_as, "stopped by a signal"))

    assert close_timed_out_run(migrated_engine, run_id, "timed out after 10 s (run_timeout)")

    run = get_run(migrated_engine, run_id)
    assert run is not None
    assert (run.status, run.error) == ("failed", "timed out after 10 s (run_timeout)")


@pytest.mark.parametrize("status", [RunStatus.SUCCEEDED, RunStatus.FAILED])
def test_a_timeout_leaves_a_run_that_ended_on_its_own(
    migrated_engine: Engine, status: RunStatus
) -> None:
    run_id = start_run(migrated_engine, "menafn", RunTrigger.SCHEDULE)
    close_run(
        migrated_engine, run_id, RunOutcome(status, "own error" if status == "failed" else None)
    )
    before = get_run(migrated_engine, run_id)

    assert not close_timed_out_run(migrated_engine, run_id, "timed out")
    assert get_run(migrated_engine, run_id) == before


def test_attaching_a_pid_touches_only_running_rows(migrated_engine: Engine) -> None:
    running = start_run(migrated_engine, "a", RunTrigger.SCHEDULE, pid=1, hostname="box")
    closed = start_run(migrated_engine, "b", RunTrigger.SCHEDULE, pid=1, hostname="box")
    close_run(migrated_engine, closed, SUCCEEDED)

    assert attach_pid(migrated_engine, running, 4242)
    assert not attach_pid(migrated_engine, closed, 4242)

    assert [(r.id, r.pid) for r in running_runs(migrated_engine)] == [(running, 4242)]
    closed_row = get_run(migrated_engine, closed)
    assert closed_row is not None and closed_row.pid == 1


def test_counts_add_up_and_zeros_change_nothing(migrated_engine: Engine) -> None:
    run_id = start_run(migrated_engine, "menafn", RunTrigger.MANUAL)
    add_counts(migrated_engine, run_id, RunCounts(pages_fetched=3, articles_new=2))
    add_counts(migrated_engine, run_id, RunCounts(pages_fetched=1, pages_rejected=1, duplicates=4))
    add_counts(migrated_engine, run_id, RunCounts())

    run = get_run(migrated_engine, run_id)
    assert run is not None
    assert run.counts == RunCounts(pages_fetched=4, articles_new=2, duplicates=4, pages_rejected=1)
    assert list(run.counts.as_dict()) == list(COUNTERS)


class SentUpdates:
    """Counts the ``UPDATE crawl_runs`` statements an engine has sent to its database.

    A statement counted here has left the ledger: if it has not returned a while
    later, the database is holding it.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0
        self._changed = threading.Condition()
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: Any) -> None:
        statement = str(args[2])
        if statement.lstrip().upper().startswith("UPDATE CRAWL_RUNS"):
            with self._changed:
                self.count += 1
                self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = 30) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.count >= count, timeout)

    def stop(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def hold_increment(connection: Connection, run_id: int) -> None:
    """Add one page to the run in ``connection``'s open transaction: its row stays locked."""
    connection.execute(
        text("UPDATE crawl_runs SET pages_fetched = pages_fetched + 1 WHERE id = :id"),
        {"id": run_id},
    )


def test_counts_are_added_in_sql_so_a_writer_in_flight_loses_nothing(
    migrated_engine: Engine,
) -> None:
    """Another connection holds an uncommitted increment while ``add_counts`` runs: the
    ledger's update waits for it and adds to its result (a read-then-write would lose it).

    The other transaction commits only once the ledger's update was sent and is seen
    waiting, so the two writes overlap every time.
    """
    run_id = start_run(migrated_engine, "menafn", RunTrigger.MANUAL)
    done = threading.Event()
    errors: list[BaseException] = []

    def add() -> None:
        try:
            add_counts(migrated_engine, run_id, RunCounts(pages_fetched=10, articles_new=1))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            done.set()

    with migrated_engine.connect() as other:
        transaction = other.begin()
        hold_increment(other, run_id)
        sent = SentUpdates(migrated_engine)
        writer = threading.Thread(target=add)
        writer.start()
        try:
            assert sent.wait_for(1), "add_counts never sent its update"
            assert not done.wait(0.3), "add_counts did not wait for the other writer"
        finally:
            transaction.commit()
            sent.stop()
    writer.join(30)

    assert errors == []
    run = get_run(migrated_engine, run_id)
    assert run is not None
    assert (run.pages_fetched, run.articles_new) == (11, 1)


def test_counts_from_several_threads_all_arrive(migrated_engine: Engine) -> None:
    """Every thread's first update is sent while another transaction holds the row, so all
    of them wait on it at once, and are let go together."""
    run_id = start_run(migrated_engine, "menafn", RunTrigger.MANUAL)
    threads, adds = 4, 20
    errors: list[BaseException] = []

    def add() -> None:
        try:
            for _ in range(adds):
                add_counts(
                    migrated_engine, run_id, RunCounts(pages_fetched=1, articles_unchanged=2)
                )
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    workers = [threading.Thread(target=add) for _ in range(threads)]
    with migrated_engine.connect() as other:
        transaction = other.begin()
        hold_increment(other, run_id)
        sent = SentUpdates(migrated_engine)
        for worker in workers:
            worker.start()
        try:
            waiting = sent.wait_for(threads)
            at_release = sent.count
        finally:
            transaction.commit()
    for worker in workers:
        worker.join(60)
    sent.stop()

    assert waiting, f"only {at_release} of {threads} threads reached the held row"
    assert at_release == threads, "a thread's update went through while the row was held"
    assert errors == []
    run = get_run(migrated_engine, run_id)
    assert run is not None
    assert run.counts == RunCounts(
        pages_fetched=threads * adds + 1, articles_unchanged=2 * threads * adds
    )
    assert sent.count == threads * adds


def test_rejections_are_stored_for_their_run(migrated_engine: Engine) -> None:
    run_id = start_run(migrated_engine, "menafn", RunTrigger.MANUAL)
    record_rejections(
        migrated_engine,
        run_id,
        [Rejection("https://x.example/1", RejectReason.NO_BODY, "empty", 200)],
    )
    record_rejections(migrated_engine, run_id, [])

    with migrated_engine.connect() as connection:
        rows = connection.execute(
            text("SELECT crawl_run_id, url, reason, http_status FROM rejected_pages")
        ).all()
    assert [dict(row._mapping) for row in rows] == [
        {
            "crawl_run_id": run_id,
            "url": "https://x.example/1",
            "reason": "no_body",
            "http_status": 200,
        }
    ]


def test_latest_runs_gives_each_sources_newest_run(migrated_engine: Engine) -> None:
    old = start_run(migrated_engine, "wire", RunTrigger.SCHEDULE)
    close_run(migrated_engine, old, RunOutcome(RunStatus.FAILED, "boom"))
    new = start_run(migrated_engine, "wire", RunTrigger.SCHEDULE)
    other = start_run(migrated_engine, "partner", RunTrigger.MANUAL)
    start_run(migrated_engine, "elsewhere", RunTrigger.MANUAL)

    latest = latest_runs(migrated_engine, ["wire", "partner", "never"])

    assert {source: run.id for source, run in latest.items()} == {"wire": new, "partner": other}
    assert latest_runs(migrated_engine, []) == {}


# Nothing but the ledger writes crawl_runs.

_WRITE_SQL = re.compile(r"\b(insert\s+into|update|delete\s+from)\s+\"?crawl_runs\b", re.IGNORECASE)
_RUN_TABLE_NAMES = {"crawl_runs", "CrawlRun"}


def _source_files() -> list[Path]:
    return [
        path
        for package in ("wirewatch", "crawler", "scheduler", "storage")
        for path in sorted((REPOSITORY / package).rglob("*.py"))
    ]


def _names_run_table(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id in _RUN_TABLE_NAMES
    if isinstance(node, ast.Attribute):
        return node.attr in _RUN_TABLE_NAMES or _names_run_table(node.value)
    return False


def run_table_writes(path: Path) -> list[str]:
    """Where a module writes crawl_runs: insert/update/delete on the table, or such SQL text."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and node.args:
            function = node.func
            name = (
                function.attr
                if isinstance(function, ast.Attribute)
                else getattr(function, "id", "")
            )
            if name in ("insert", "update", "delete") and _names_run_table(node.args[0]):
                found.append(f"{path.name}:{node.lineno}: {name}()")
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _WRITE_SQL.search(node.value)
        ):
            found.append(f"{path.name}:{node.lineno}: SQL")
    return found


def run_table_imports(path: Path) -> list[str]:
    """Where a module imports the crawl_runs table or its model."""
    return [
        f"{path.name}:{node.lineno}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom)
        and any(alias.name in _RUN_TABLE_NAMES for alias in node.names)
    ]


def test_no_module_but_the_ledger_writes_crawl_runs() -> None:
    ledger = REPOSITORY / "storage" / "ledger.py"
    assert len(run_table_writes(ledger)) >= 5, "the scan no longer sees the ledger's own writes"
    others = {
        str(path.relative_to(REPOSITORY)): writes
        for path in _source_files()
        if path != ledger and (writes := run_table_writes(path))
    }
    assert others == {}


def test_outside_storage_no_module_touches_the_crawl_runs_table() -> None:
    outside = {
        str(path.relative_to(REPOSITORY)): imports
        for path in _source_files()
        if path.parts[len(REPOSITORY.parts)] != "storage" and (imports := run_table_imports(path))
    }
    assert outside == {}


def _rejected_urls(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT url FROM rejected_pages")).scalars())


def test_a_batch_accounted_again_after_a_lost_commit_answer_is_recorded_once(
    migrated_engine: Engine,
) -> None:
    run_id = start_run(migrated_engine, "menafn", RunTrigger.MANUAL)
    first = RunCounts(pages_fetched=3, articles_new=2, pages_rejected=1)
    refused = [Rejection("https://x.example/bad", RejectReason.NO_BODY, "empty", 200)]
    second = RunCounts(pages_fetched=1, articles_unchanged=1)

    assert account_batch(migrated_engine, run_id, first, refused, counted_before=RunCounts())
    # The pipeline never heard that commit's answer and tries the same batch again.
    assert not account_batch(migrated_engine, run_id, first, refused, counted_before=RunCounts())
    assert account_batch(migrated_engine, run_id, second, [], counted_before=first)

    run = get_run(migrated_engine, run_id)
    assert run is not None and run.counts == first + second
    assert _rejected_urls(migrated_engine) == ["https://x.example/bad"]


def test_accounting_refuses_counters_another_writer_changed(migrated_engine: Engine) -> None:
    run_id = start_run(migrated_engine, "menafn", RunTrigger.MANUAL)
    add_counts(migrated_engine, run_id, RunCounts(pages_fetched=5))

    with pytest.raises(RuntimeError, match="not what its storage pipeline counted"):
        account_batch(
            migrated_engine, run_id, RunCounts(pages_fetched=1), [], counted_before=RunCounts()
        )
    run = get_run(migrated_engine, run_id)
    assert run is not None and run.counts == RunCounts(pages_fetched=5)
