"""Each rule of the data contract, on SQLite and PostgreSQL."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select

from tests.factories import T0, at_url, make_record, sighting
from wirewatch.core.record import Precision, QualityFlag
from wirewatch.storage.models import article_revisions, article_urls, articles
from wirewatch.storage.upsert import Outcome, store_batch


def count(engine: Engine, table: object) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def article(engine: Engine, article_id: int) -> dict[str, object]:
    with engine.connect() as connection:
        row = connection.execute(select(articles).where(articles.c.id == article_id)).one()
    return dict(row._mapping)


def test_same_wire_id_from_three_addresses_is_one_story_with_three_addresses(
    migrated_engine: Engine,
) -> None:
    record = make_record(1)
    urls = [f"https://site{i}.example/news/{i}" for i in range(3)]
    results = store_batch(migrated_engine, [sighting(at_url(record, url)) for url in urls])

    assert [r.outcome for r in results] == [Outcome.NEW, Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert len({r.article_id for r in results}) == 1
    assert count(migrated_engine, articles) == 1
    with migrated_engine.connect() as connection:
        stored = connection.execute(select(article_urls.c.url, article_urls.c.article_id)).all()
    assert sorted((row.url, row.article_id) for row in stored) == sorted(
        (url, results[0].article_id) for url in urls
    )
    assert article(migrated_engine, results[0].article_id)["canonical_url"] == urls[0]


def test_three_addresses_in_separate_batches_count_as_duplicates(migrated_engine: Engine) -> None:
    record = make_record(1)
    outcomes = [
        store_batch(migrated_engine, [sighting(at_url(record, f"https://s{i}.example/a"))])[
            0
        ].outcome
        for i in range(3)
    ]
    assert outcomes == [Outcome.NEW, Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert count(migrated_engine, articles) == 1
    assert count(migrated_engine, article_urls) == 3


def test_changed_body_makes_revision_two_and_keeps_revision_one(migrated_engine: Engine) -> None:
    first = make_record(1)
    changed = replace(first, paragraphs=(*first.paragraphs, "A correction was added."))
    (stored,) = store_batch(migrated_engine, [sighting(first, at=T0)])
    (result,) = store_batch(migrated_engine, [sighting(changed, at=T0 + timedelta(hours=1))])

    assert result.outcome is Outcome.UPDATED
    assert result.revision == 2
    row = article(migrated_engine, stored.article_id)
    assert row["revision"] == 2
    assert row["body"] == changed.body
    assert row["content_hash"] == changed.content_hash
    with migrated_engine.connect() as connection:
        kept = connection.execute(select(article_revisions)).one()._mapping
    assert kept["revision"] == 1
    assert kept["article_id"] == stored.article_id
    assert kept["body"] == first.body
    assert kept["content_hash"] == first.content_hash
    assert kept["captured_at"] == T0


def test_stale_copy_of_revision_one_afterwards_changes_nothing(migrated_engine: Engine) -> None:
    first = make_record(1)
    changed = replace(first, title="Story number 1, corrected")
    store_batch(migrated_engine, [sighting(first, at=T0)])
    (updated,) = store_batch(migrated_engine, [sighting(changed, at=T0 + timedelta(hours=1))])
    before = article(migrated_engine, updated.article_id)

    stale_at = T0 + timedelta(hours=2)
    (stale,) = store_batch(migrated_engine, [sighting(first, at=stale_at)])

    assert stale.outcome is Outcome.UNCHANGED
    assert stale.revision == 2
    assert article(migrated_engine, updated.article_id) == before
    assert count(migrated_engine, article_revisions) == 1
    with migrated_engine.connect() as connection:
        seen = connection.execute(select(article_urls.c.last_seen_at)).scalar_one()
    assert seen == stale_at


def test_stale_copy_at_a_new_address_is_a_duplicate_and_flips_nothing(
    migrated_engine: Engine,
) -> None:
    first = make_record(1)
    changed = replace(first, title="Story number 1, corrected")
    store_batch(migrated_engine, [sighting(first), sighting(changed, at=T0 + timedelta(hours=1))])
    (copy,) = store_batch(migrated_engine, [sighting(at_url(first, "https://mirror.example/1"))])

    assert copy.outcome is Outcome.DUPLICATE
    assert article(migrated_engine, copy.article_id)["title"] == "Story number 1, corrected"
    assert count(migrated_engine, article_urls) == 2


def test_one_batch_with_a_story_changing_twice_keeps_every_revision(
    migrated_engine: Engine,
) -> None:
    v1 = make_record(1)
    v2 = replace(v1, title="Second title")
    v3 = replace(v1, title="Third title")
    results = store_batch(migrated_engine, [sighting(v1), sighting(v2), sighting(v3), sighting(v1)])

    assert [r.outcome for r in results] == [
        Outcome.NEW,
        Outcome.UPDATED,
        Outcome.UPDATED,
        Outcome.UNCHANGED,
    ]
    assert [r.revision for r in results] == [1, 2, 3, 3]
    assert article(migrated_engine, results[0].article_id)["title"] == "Third title"
    with migrated_engine.connect() as connection:
        kept = connection.execute(
            select(article_revisions.c.revision, article_revisions.c.title).order_by("revision")
        ).all()
    assert [(k.revision, k.title) for k in kept] == [(1, v1.title), (2, "Second title")]


def test_date_only_published_at_is_replaced_by_matching_full_timestamp(
    migrated_engine: Engine,
) -> None:
    wire_day = datetime(2025, 11, 17, tzinfo=UTC)
    dated = make_record(
        1, published_at=wire_day, precision=Precision.DATE, flags=(QualityFlag.DATELINE_MISMATCH,)
    )
    exact = at_url(
        replace(
            dated,
            published_at=wire_day + timedelta(hours=9, minutes=41),
            published_precision=Precision.DATETIME,
            quality_flags=(),
        ),
        "https://other.example/1",
    )
    (first,) = store_batch(migrated_engine, [sighting(dated)])
    assert article(migrated_engine, first.article_id)["quality_flags"] == "dateline_mismatch"

    (second,) = store_batch(migrated_engine, [sighting(exact)])

    row = article(migrated_engine, first.article_id)
    assert row["published_at"] == wire_day + timedelta(hours=9, minutes=41)
    assert row["published_precision"] == "datetime"
    assert row["quality_flags"] == ""
    assert second.outcome is Outcome.DUPLICATE
    assert row["revision"] == 1


def test_full_timestamp_is_never_replaced_by_a_date_only_one(migrated_engine: Engine) -> None:
    exact_time = datetime(2025, 11, 17, 9, 41, tzinfo=UTC)
    exact = make_record(1, published_at=exact_time)
    dated = replace(
        exact, published_at=datetime(2025, 11, 17, tzinfo=UTC), published_precision=Precision.DATE
    )
    (first,) = store_batch(migrated_engine, [sighting(exact)])
    store_batch(migrated_engine, [sighting(dated, at=T0 + timedelta(hours=1))])

    row = article(migrated_engine, first.article_id)
    assert row["published_at"] == exact_time
    assert row["published_precision"] == "datetime"


def test_full_timestamp_on_another_day_does_not_replace_the_wire_date(
    migrated_engine: Engine,
) -> None:
    wire_day = datetime(2025, 11, 17, tzinfo=UTC)
    dated = make_record(1, published_at=wire_day, precision=Precision.DATE)
    wrong = replace(dated, published_at=datetime(2025, 3, 2, 8, 0, tzinfo=UTC))
    wrong = replace(wrong, published_precision=Precision.DATETIME)
    (first,) = store_batch(migrated_engine, [sighting(dated)])
    store_batch(migrated_engine, [sighting(wrong)])

    row = article(migrated_engine, first.article_id)
    assert row["published_at"] == wire_day
    assert row["published_precision"] == "date"


def test_later_sighting_fills_missing_fields_but_never_blanks_them(migrated_engine: Engine) -> None:
    sparse = make_record(1, language=None, published_at=None, provider="")
    (first,) = store_batch(migrated_engine, [sighting(sparse)])
    full = make_record(1, language="en", provider="Newsfile Corp")
    store_batch(migrated_engine, [sighting(full)])
    store_batch(migrated_engine, [sighting(sparse)])

    row = article(migrated_engine, first.article_id)
    assert row["language"] == "en"
    assert row["provider"] == "Newsfile Corp"
    assert row["published_at"] == full.published_at


def test_typographic_variants_hash_alike_and_change_nothing(migrated_engine: Engine) -> None:
    plain = make_record(1, title='He said "no" - twice', paragraphs=("It's over...",))
    curly = replace(
        plain, title="He said \u201cno\u201d \u2013 twice", paragraphs=("It\u2019s over\u2026",)
    )
    assert plain.content_hash == curly.content_hash

    (first,) = store_batch(migrated_engine, [sighting(plain)])
    (second,) = store_batch(migrated_engine, [sighting(curly)])

    assert second.outcome is Outcome.UNCHANGED
    assert article(migrated_engine, first.article_id)["title"] == plain.title
    assert count(migrated_engine, article_revisions) == 0


def test_wire_less_pages_are_keyed_by_content_hash(migrated_engine: Engine) -> None:
    page = make_record(7, wire=None)
    results = store_batch(
        migrated_engine,
        [
            sighting(at_url(page, "https://a.example/x")),
            sighting(at_url(page, "https://b.example/y")),
            sighting(make_record(8, wire=None)),
        ],
    )
    assert [r.outcome for r in results] == [Outcome.NEW, Outcome.DUPLICATE, Outcome.NEW]
    assert results[0].article_id == results[1].article_id != results[2].article_id
    assert count(migrated_engine, articles) == 2
    assert article(migrated_engine, results[0].article_id)["wire_id"] is None


def test_every_sighting_updates_its_address_fields(migrated_engine: Engine) -> None:
    record = make_record(1)
    store_batch(
        migrated_engine, [sighting(record, at=T0, etag='"v1"', last_modified="Mon, 17 Nov")]
    )
    later = T0 + timedelta(hours=3)
    (result,) = store_batch(
        migrated_engine, [sighting(record, at=later, etag='"v2"', last_modified="Tue, 18 Nov")]
    )

    assert result.outcome is Outcome.UNCHANGED
    with migrated_engine.connect() as connection:
        row = connection.execute(select(article_urls)).one()._mapping
    assert row["first_seen_at"] == T0
    assert row["last_seen_at"] == later
    assert row["last_fetched_at"] == later
    assert (row["etag"], row["last_modified"]) == ('"v2"', "Tue, 18 Nov")
    assert article(migrated_engine, result.article_id)["last_seen_at"] == later


def test_results_come_back_in_input_order(migrated_engine: Engine) -> None:
    records = [make_record(n) for n in (5, 3, 9, 1)]
    store_batch(migrated_engine, [sighting(records[1])])
    results = store_batch(migrated_engine, [sighting(r) for r in records])
    assert [r.url for r in results] == [r.canonical_url for r in records]
    assert [r.outcome for r in results] == [
        Outcome.NEW,
        Outcome.UNCHANGED,
        Outcome.NEW,
        Outcome.NEW,
    ]
