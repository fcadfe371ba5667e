"""A run's final status, as the crawl process decides it from how the spider closed."""

from wirewatch.crawler.outcome import SpiderClose, crawl_outcome
from wirewatch.storage.ledger import RunOutcome
from wirewatch.storage.models import RunStatus


def test_a_finished_crawl_succeeds() -> None:
    assert crawl_outcome(SpiderClose("finished", start_count=2)) == RunOutcome(RunStatus.SUCCEEDED)


def test_a_crawl_stopped_by_a_page_or_item_limit_succeeds() -> None:
    for reason in ("closespider_pagecount", "closespider_itemcount"):
        assert crawl_outcome(SpiderClose(reason, start_count=1)).status is RunStatus.SUCCEEDED


def test_a_crawl_whose_every_start_url_failed_fails_naming_each_one() -> None:
    errors = ["http://a/feed: refused", "http://b/x: HTTP 500"]
    outcome = crawl_outcome(SpiderClose("finished", None, errors, 2))
    assert outcome.status is RunStatus.FAILED
    assert outcome.error is not None
    assert "(2 start URLs)" in outcome.error
    assert "http://a/feed: refused" in outcome.error and "HTTP 500" in outcome.error


def test_a_finished_crawl_that_hit_a_discovery_cap_succeeds_saying_so() -> None:
    warnings = ["max_discovery_pages (50) reached: 3 not fetched", "sitemap indexes nested"]
    outcome = crawl_outcome(SpiderClose("finished", start_count=1, warnings=warnings))
    assert outcome == RunOutcome(RunStatus.SUCCEEDED, "; ".join(warnings))


def test_a_crawl_with_one_working_start_url_of_two_succeeds() -> None:
    outcome = crawl_outcome(SpiderClose("finished", None, ["http://a/feed: refused"], 2))
    assert outcome.status is RunStatus.SUCCEEDED


def test_a_storage_failure_fails_the_run_with_its_error() -> None:
    outcome = crawl_outcome(SpiderClose("storage_failed", "database is locked", [], 1))
    assert outcome == RunOutcome(RunStatus.FAILED, "database is locked")


def test_a_signal_interrupts_the_run() -> None:
    outcome = crawl_outcome(SpiderClose("shutdown", start_count=1))
    assert outcome.status is RunStatus.INTERRUPTED


def test_an_unexpected_close_reason_fails_the_run_naming_it() -> None:
    outcome = crawl_outcome(SpiderClose("cancelled", start_count=1))
    assert outcome == RunOutcome(RunStatus.FAILED, "crawl stopped: cancelled")


def test_a_run_its_spider_never_closed_is_interrupted_after_a_signal_else_failed() -> None:
    signalled = crawl_outcome(None, signalled=True)
    assert signalled == RunOutcome(
        RunStatus.INTERRUPTED, "stopped by a signal before the crawl started"
    )
    broken = crawl_outcome(None)
    assert broken.status is RunStatus.FAILED
    assert broken.error == "the crawler stopped without closing its run (see the log)"
