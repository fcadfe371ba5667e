"""Read side: filters, full-text search, one story in full, runs and address lookups."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from storage_factory import T0, at_url, make_record, sighting

from wirewatch.core.record import Rejection, RejectReason
from wirewatch.storage.addresses import lookup_addresses, lookup_article_numbers, touch_addresses
from wirewatch.storage.queries import (
    ArticleFilter,
    count_articles,
    get_article,
    list_articles,
    list_runs,
)
from wirewatch.storage.runs import (
    add_run_counts,
    finish_run,
    get_run,
    mark_interrupted,
    record_rejections,
    running_runs,
    start_run,
)
from wirewatch.storage.search import fts5_query
from wirewatch.storage.upsert import store_batch


def test_full_text_search_finds_a_word_of_the_body(engine: Engine) -> None:
    store_batch(
        engine,
        [
            sighting(make_record(1, paragraphs=("Shipping rates climbed in Jebel Ali.",))),
            sighting(make_record(2, paragraphs=("Oil output steady.",))),
        ],
    )
    found = list_articles(engine, ArticleFilter(search="Jebel"))
    assert [row.wire_id for row in found] == [str(make_record(1).wire)]
    assert list_articles(engine, ArticleFilter(search="nonexistentword")) == []


def test_search_follows_a_revised_body(engine: Engine) -> None:
    first = make_record(1, paragraphs=("Originally about walruses.",))
    store_batch(engine, [sighting(first)])
    store_batch(engine, [sighting(replace(first, paragraphs=("Now about narwhals.",)))])
    assert list_articles(engine, ArticleFilter(search="walruses")) == []
    assert len(list_articles(engine, ArticleFilter(search="narwhals"))) == 1


@pytest.mark.parametrize("text", ['"unbalanced', "NEAR(a b", "title:x*", "AND OR NOT", "-- ;"])
def test_search_syntax_in_user_text_is_harmless(engine: Engine, text: str) -> None:
    store_batch(engine, [sighting(make_record(1))])
    assert list_articles(engine, ArticleFilter(search=text)) == []


def test_fts5_query_quotes_every_word() -> None:
    assert fts5_query('say "hi" NEAR(x)') == '"say" "hi" "NEAR" "x"'


def test_list_articles_filters_and_orders_newest_first(engine: Engine) -> None:
    store_batch(
        engine,
        [
            sighting(make_record(1, published_at=T0 - timedelta(days=2))),
            sighting(make_record(2, published_at=None)),
            sighting(make_record(3, published_at=T0 - timedelta(hours=1), provider="Newsfile")),
        ],
    )
    numbers = [row.article_number for row in list_articles(engine)]
    assert numbers == [1_110_000_003, 1_110_000_001, 1_110_000_002]
    recent = list_articles(engine, ArticleFilter(since=T0 - timedelta(days=1)))
    assert [row.article_number for row in recent] == [1_110_000_003]
    assert count_articles(engine, ArticleFilter(provider="Newsfile")) == 1
    assert count_articles(engine, ArticleFilter(until=T0 - timedelta(days=1))) == 1
    assert list_articles(engine, ArticleFilter(source="elsewhere")) == []
    assert len(list_articles(engine, ArticleFilter(limit=2))) == 2


def test_get_article_returns_addresses_and_revisions(engine: Engine) -> None:
    first = make_record(4)
    store_batch(engine, [sighting(first), sighting(at_url(first, "https://b.example/4"))])
    store_batch(engine, [sighting(replace(first, title="Retitled"), at=T0 + timedelta(hours=1))])

    detail = get_article(engine, str(first.wire))
    assert detail is not None
    assert detail.article.title == "Retitled"
    assert detail.body == first.body
    assert [a.url for a in detail.addresses] == [first.canonical_url, "https://b.example/4"]
    assert [(r.revision, r.title) for r in detail.revisions] == [(1, first.title)]
    assert get_article(engine, str(detail.article.id)) == detail
    assert get_article(engine, "MENAFN-nothing") is None


def test_run_lifecycle_counts_and_rejections(engine: Engine) -> None:
    run_id = start_run(engine, "menafn", "manual", pid=4242, hostname="box")
    add_run_counts(engine, run_id, pages_fetched=3, articles_new=2)
    add_run_counts(engine, run_id, pages_fetched=1, pages_rejected=1)
    record_rejections(
        engine, run_id, [Rejection("https://x.example/1", RejectReason.NO_BODY, "empty", 200)]
    )
    assert [run.id for run in running_runs(engine)] == [run_id]

    finish_run(engine, run_id, "failed", error="boom")

    run = get_run(engine, run_id)
    assert run is not None
    assert (run.pages_fetched, run.articles_new, run.pages_rejected) == (4, 2, 1)
    assert (run.status, run.error, run.pid, run.hostname) == ("failed", "boom", 4242, "box")
    assert run.finished_at is not None and run.finished_at.tzinfo is not None
    assert running_runs(engine) == []
    assert [r.id for r in list_runs(engine, source="menafn")] == [run_id]


def test_unknown_run_status_is_refused(engine: Engine) -> None:
    run_id = start_run(engine, "menafn", "schedule")
    with pytest.raises(ValueError):
        finish_run(engine, run_id, "exploded")


def test_mark_interrupted_touches_only_running_rows(engine: Engine) -> None:
    done = start_run(engine, "a", "schedule")
    finish_run(engine, done, "succeeded")
    stuck = start_run(engine, "b", "schedule", pid=1)
    mark_interrupted(engine, [done, stuck], "process gone")
    assert get_run(engine, done).status == "succeeded"  # type: ignore[union-attr]
    interrupted = get_run(engine, stuck)
    assert interrupted is not None
    assert (interrupted.status, interrupted.error) == ("interrupted", "process gone")


def test_address_lookups_and_touch(engine: Engine) -> None:
    record = make_record(9)
    (stored,) = store_batch(engine, [sighting(record, etag='"e"', last_modified="Mon")])
    known = lookup_addresses(engine, [record.canonical_url, "https://unknown.example/"])
    assert list(known) == [record.canonical_url]
    assert (known[record.canonical_url].etag, known[record.canonical_url].article_id) == (
        '"e"',
        stored.article_id,
    )
    assert lookup_article_numbers(engine, [1_110_000_009, 5]) == {1_110_000_009: stored.article_id}

    later = datetime(2025, 11, 20, tzinfo=UTC)
    touch_addresses(engine, [record.canonical_url], later, source="menafn")
    touched = lookup_addresses(engine, [record.canonical_url])[record.canonical_url]
    assert touched.last_fetched_at == later
    assert touched.etag == '"e"'
