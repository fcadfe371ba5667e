"""Read side: filters, full-text search, one story in full, run history and address lookups."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, event

from tests.factories import T0, article_number, at_url, make_record, sighting
from wirewatch.core.query import QuerySyntaxError, parse_query
from wirewatch.storage.addresses import (
    lookup_addresses,
    lookup_numbered_addresses,
    touch_addresses,
)
from wirewatch.storage.ledger import RunCounts, RunOutcome, add_counts, close_run, start_run
from wirewatch.storage.models import RunStatus, RunTrigger
from wirewatch.storage.queries import (
    ArticleFilter,
    UnknownCursor,
    get_article,
    list_articles,
    list_runs,
)
from wirewatch.storage.search import fts5_query
from wirewatch.storage.upsert import store_batch


def test_full_text_search_finds_a_word_of_the_body(migrated_engine: Engine) -> None:
    store_batch(
        migrated_engine,
        [
            sighting(make_record(1, paragraphs=("Shipping rates climbed in Jebel Ali.",))),
            sighting(make_record(2, paragraphs=("Oil output steady.",))),
        ],
    )
    found = list_articles(migrated_engine, ArticleFilter(search="Jebel"))
    assert [row.wire_id for row in found] == [str(make_record(1).wire)]
    assert list_articles(migrated_engine, ArticleFilter(search="nonexistentword")) == []


def test_search_follows_a_revised_body(migrated_engine: Engine) -> None:
    first = make_record(1, paragraphs=("Originally about walruses.",))
    store_batch(migrated_engine, [sighting(first)])
    store_batch(migrated_engine, [sighting(replace(first, paragraphs=("Now about narwhals.",)))])
    assert list_articles(migrated_engine, ArticleFilter(search="walruses")) == []
    assert len(list_articles(migrated_engine, ArticleFilter(search="narwhals"))) == 1


@pytest.mark.parametrize(
    "text", ["NEAR(a b)", "title:x*", "AND OR NOT", "x'; DROP TABLE articles; --", "a:* & !b"]
)
def test_search_syntax_in_user_text_is_harmless(migrated_engine: Engine, text: str) -> None:
    store_batch(migrated_engine, [sighting(make_record(1))])
    assert list_articles(migrated_engine, ArticleFilter(search=text)) == []
    assert len(list_articles(migrated_engine)) == 1


@pytest.mark.parametrize("text", ['"unbalanced', "NEAR(a b", "-- ;"])
def test_search_text_that_is_no_query_is_a_usage_error(migrated_engine: Engine, text: str) -> None:
    with pytest.raises(QuerySyntaxError):
        list_articles(migrated_engine, ArticleFilter(search=text))


def test_fts5_query_quotes_every_word() -> None:
    assert fts5_query(parse_query('say "hi" NEAR(x)')) == '"say" AND "hi" AND "near" AND "x"'


def test_list_articles_filters_and_orders_newest_first(migrated_engine: Engine) -> None:
    store_batch(
        migrated_engine,
        [
            sighting(make_record(1, published_at=T0 - timedelta(days=2))),
            sighting(make_record(2, published_at=None)),
            sighting(make_record(3, published_at=T0 - timedelta(hours=1), provider="Newsfile")),
        ],
    )
    numbers = [row.article_number for row in list_articles(migrated_engine)]
    assert numbers == [1_110_000_003, 1_110_000_001, 1_110_000_002]
    recent = list_articles(migrated_engine, ArticleFilter(since=T0 - timedelta(days=1)))
    assert [row.article_number for row in recent] == [1_110_000_003]
    assert len(list_articles(migrated_engine, ArticleFilter(provider="Newsfile"))) == 1
    assert len(list_articles(migrated_engine, ArticleFilter(until=T0 - timedelta(days=1)))) == 1
    assert list_articles(migrated_engine, ArticleFilter(source="elsewhere")) == []
    assert len(list_articles(migrated_engine, ArticleFilter(limit=2))) == 2


def test_get_article_returns_addresses_and_revisions(migrated_engine: Engine) -> None:
    first = make_record(4)
    store_batch(migrated_engine, [sighting(first), sighting(at_url(first, "https://b.example/4"))])
    store_batch(
        migrated_engine, [sighting(replace(first, title="Retitled"), at=T0 + timedelta(hours=1))]
    )

    detail = get_article(migrated_engine, str(first.wire))
    assert detail is not None
    assert detail.article.title == "Retitled"
    assert detail.body == first.body
    assert [a.url for a in detail.addresses] == [first.canonical_url, "https://b.example/4"]
    assert [(r.revision, r.title) for r in detail.revisions] == [(1, first.title)]
    assert get_article(migrated_engine, str(detail.article.id)) == detail
    assert get_article(migrated_engine, "MENAFN-nothing") is None


def test_list_runs_newest_first_optionally_of_one_source(migrated_engine: Engine) -> None:
    first = start_run(migrated_engine, "menafn", RunTrigger.MANUAL, pid=4242, hostname="box")
    add_counts(migrated_engine, first, RunCounts(pages_fetched=3, articles_new=2))
    close_run(migrated_engine, first, RunOutcome(RunStatus.FAILED, "boom"))
    other = start_run(migrated_engine, "partner", RunTrigger.SCHEDULE)
    second = start_run(migrated_engine, "menafn", RunTrigger.SCHEDULE)

    assert [r.id for r in list_runs(migrated_engine)] == [second, other, first]
    runs = list_runs(migrated_engine, source="menafn", limit=5)
    assert [r.id for r in runs] == [second, first]
    assert (runs[1].status, runs[1].error, runs[1].pid, runs[1].hostname) == (
        "failed",
        "boom",
        4242,
        "box",
    )
    assert (runs[1].pages_fetched, runs[1].articles_new) == (3, 2)
    assert [r.id for r in list_runs(migrated_engine, limit=1)] == [second]


def test_address_lookups_and_touch(migrated_engine: Engine) -> None:
    record = make_record(9)
    (stored,) = store_batch(migrated_engine, [sighting(record, etag='"e"', last_modified="Mon")])
    known = lookup_addresses(migrated_engine, [record.canonical_url, "https://unknown.example/"])
    assert list(known) == [record.canonical_url]
    assert (known[record.canonical_url].etag, known[record.canonical_url].article_id) == (
        '"e"',
        stored.article_id,
    )
    site = "https://menafn.com"
    numbered = lookup_numbered_addresses(migrated_engine, [(site, article_number(9)), (site, 5)])
    assert {key: address.url for key, address in numbered.items()} == {
        (site, article_number(9)): record.canonical_url
    }

    later = datetime(2025, 11, 20, tzinfo=UTC)
    touch_addresses(migrated_engine, [record.canonical_url], later)
    touched = lookup_addresses(migrated_engine, [record.canonical_url])[record.canonical_url]
    assert touched.last_fetched_at == later
    assert touched.etag == '"e"'


def test_pages_after_a_cursor_add_up_to_the_whole_listing(migrated_engine: Engine) -> None:
    """Ties on ``published_at`` and undated stories included: every story once, in order."""
    when = [T0, T0, T0 - timedelta(hours=1), None, T0 - timedelta(hours=1), None, T0, None]
    store_batch(
        migrated_engine,
        [sighting(make_record(n, published_at=w)) for n, w in enumerate(when, start=1)],
    )
    whole = list_articles(migrated_engine, ArticleFilter(limit=None))
    for size in (1, 2, 3):
        pages, after = [], None
        while page := list_articles(migrated_engine, ArticleFilter(limit=size, after=after)):
            pages.extend(page)
            after = page[-1].id
        assert pages == whole
    undated = [r for r in whole if r.published_at is None]
    after_undated = list_articles(migrated_engine, ArticleFilter(after=undated[0].id))
    assert after_undated == undated[1:]


def test_a_cursor_combines_with_the_other_filters(migrated_engine: Engine) -> None:
    store_batch(
        migrated_engine,
        [
            sighting(
                make_record(
                    n, provider="Other" if n % 2 else "MENAFN", published_at=T0 - timedelta(hours=n)
                )
            )
            for n in range(1, 7)
        ],
    )
    menafn = list_articles(migrated_engine, ArticleFilter(provider="MENAFN"))
    assert [r.article_number for r in menafn] == [article_number(n) for n in (2, 4, 6)]
    first_other = list_articles(migrated_engine, ArticleFilter(provider="Other", limit=1))[0]
    assert (
        list_articles(migrated_engine, ArticleFilter(provider="MENAFN", after=first_other.id))
        == menafn
    )
    assert (
        list_articles(migrated_engine, ArticleFilter(provider="MENAFN", after=menafn[0].id))
        == menafn[1:]
    )


@pytest.mark.parametrize("after", [0, 999_999, 2**63 - 1, 2**64])
def test_a_cursor_naming_no_story_is_a_usage_error(migrated_engine: Engine, after: int) -> None:
    with pytest.raises(
        UnknownCursor, match=f"--after {after}: no stored story has that id"
    ) as raised:
        list_articles(migrated_engine, ArticleFilter(after=after))
    assert raised.value.exit_code == 2


def listing_plan(engine: Engine, where: ArticleFilter) -> str:
    """The plan of the listing's query, with sequential and bitmap scans ruled out on
    PostgreSQL (a test table is too small for the planner to want an index otherwise)."""
    statements: list[tuple[str, object]] = []

    def keep(_c: object, _cur: object, statement: str, parameters: object, *_: object) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        list_articles(engine, where)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    statement, parameters = statements[-1]
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("SET enable_seqscan = off")
            connection.exec_driver_sql("SET enable_bitmapscan = off")
            explain = "EXPLAIN " + statement
        else:
            explain = "EXPLAIN QUERY PLAN " + statement
        rows = connection.exec_driver_sql(explain, parameters).all()  # type: ignore[arg-type]
    return "\n".join(" ".join(str(v) for v in row) for row in rows)


@pytest.mark.parametrize(
    ("where", "index"),
    [
        (ArticleFilter(), "ix_articles_published_order"),
        (ArticleFilter(since=T0 - timedelta(days=1)), "ix_articles_published_order"),
        (ArticleFilter(provider="MENAFN"), "ix_articles_provider_published"),
    ],
    ids=["newest", "since", "provider"],
)
def test_the_listing_order_is_read_from_an_index_without_sorting(
    migrated_engine: Engine, where: ArticleFilter, index: str
) -> None:
    store_batch(migrated_engine, [sighting(make_record(n)) for n in range(1, 4)])
    plan = listing_plan(migrated_engine, where)
    assert index in plan
    assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan
