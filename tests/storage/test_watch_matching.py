"""Watches matched at store time, in the storing transaction, as ``articles --search`` finds."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.factories import T0, at_url, make_record, sighting
from wirewatch.core.config import WatchConfig
from wirewatch.storage.matching import Candidate, WatchRule, record_matches, watch_rules
from wirewatch.storage.models import MatchEvent, watch_matches
from wirewatch.storage.outbox import backfill, claim_due, stored_matches
from wirewatch.storage.queries import ArticleFilter, list_articles
from wirewatch.storage.upsert import store_batch


def rules(*watches: dict[str, Any]) -> tuple[WatchRule, ...]:
    return watch_rules(WatchConfig.model_validate(w) for w in watches)


def matches(engine: Engine) -> list[tuple[str, int, int, str, str]]:
    statement = select(
        watch_matches.c.watch,
        watch_matches.c.article_id,
        watch_matches.c.revision,
        watch_matches.c.event,
        watch_matches.c.status,
    ).order_by(watch_matches.c.watch, watch_matches.c.article_id, watch_matches.c.revision)
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(statement)]  # type: ignore[misc]


STORIES = [
    make_record(1, title="Kuwait oil output rises", paragraphs=("KUNA reports crude oil.",)),
    make_record(2, title="Kuwait gas field", paragraphs=("A football club sponsors gas.",)),
    make_record(3, title="Jordan solar park", paragraphs=("Investments in solar energy.",)),
    make_record(
        4, title="Kuwait budget", paragraphs=("Investors welcome the plan.",), provider="KUNA"
    ),
]
QUERIES = [
    "Kuwait (oil OR gas) -football",
    '"solar energy"',
    "invest*",
    "Kuwait",
    "oil OR solar -Jordan",
    "café",
]


def test_new_stories_match_what_articles_search_finds(migrated_engine: Engine) -> None:
    watches = rules(*({"name": f"w{i}", "query": q} for i, q in enumerate(QUERIES)))
    stored = store_batch(migrated_engine, [sighting(r) for r in STORIES], watches)
    ids = [s.article_id for s in stored]
    found = matches(migrated_engine)
    for index, query in enumerate(QUERIES):
        expected = {
            a.id for a in list_articles(migrated_engine, ArticleFilter(search=query, limit=None))
        }
        assert {article for watch, article, *_ in found if watch == f"w{index}"} == expected, query
    assert {(w, a) for w, a, *_ in found} >= {("w0", ids[0]), ("w2", ids[2]), ("w2", ids[3])}
    assert all(event == "new" and revision == 1 for _w, _a, revision, event, _s in found)
    assert all(status == "unsent" for *_rest, status in found)  # no webhook


TYPOGRAPHIC = [
    make_record(11, title="Kuwait\u2122 brand week", paragraphs=("Trademarks of the Gulf.",)),
    make_record(12, title="Kuwaiti investors", paragraphs=("Kuwait-based funds grow.",)),
    make_record(13, title="CAFÉ culture in Amman", paragraphs=("Café owners meet.",)),
    make_record(14, title="Cafe chains expand", paragraphs=("Coffee prices rise.",)),
    make_record(15, title="Die Straße", paragraphs=("Der ﬁnanzplatz wächst.",)),
    make_record(16, title="Die Strasse", paragraphs=("Der Finanzplatz waechst.",)),
    make_record(17, title="Oil 2.5% up", paragraphs=("Brent at $80; oil-gas ties.",)),
]
TYPOGRAPHIC_QUERIES = [
    "Kuwait",
    "kuwaiti",
    "café",
    "cafe",
    "straße",
    "finanzplatz",
    '"oil gas"',
    "Kuwait*",
    "2.5",
    "trade*",
]


def test_texts_with_typography_and_diacritics_match_what_articles_search_finds(
    migrated_engine: Engine,
) -> None:
    watches = rules(*({"name": f"t{i}", "query": q} for i, q in enumerate(TYPOGRAPHIC_QUERIES)))
    store_batch(migrated_engine, [sighting(r) for r in TYPOGRAPHIC], watches)
    found = matches(migrated_engine)
    for index, query in enumerate(TYPOGRAPHIC_QUERIES):
        expected = {
            a.id for a in list_articles(migrated_engine, ArticleFilter(search=query, limit=None))
        }
        assert {article for watch, article, *_ in found if watch == f"t{index}"} == expected, query
    assert len(found) >= 6  # the comparison is not between two empty sets


def test_revisions_of_stories_stored_far_apart_match_in_one_batch(migrated_engine: Engine) -> None:
    """Candidates whose ids are far apart (revisions of old stories among new ones) are
    matched together, each exactly once, and nothing outside the round matches."""
    watches = rules({"name": "revised", "query": "dredging", "on": ["new", "revised"]})
    first = [sighting(make_record(n)) for n in range(1, 41)]
    store_batch(migrated_engine, first, watches)
    assert matches(migrated_engine) == []
    revised = [
        sighting(
            replace(make_record(n), paragraphs=(f"Story {n}: dredging resumed.",)),
            at=T0 + timedelta(hours=1),
        )
        for n in (1, 17, 40)
    ]
    fresh = [sighting(make_record(n, title=f"Dredging {n}")) for n in (50, 51)]
    stored = store_batch(migrated_engine, [*revised, *fresh], watches)
    assert [(a, r, e) for _w, a, r, e, _s in matches(migrated_engine)] == sorted(
        (s.article_id, s.revision, "revised" if s.revision == 2 else "new") for s in stored
    )


def test_filters_narrow_a_watch(migrated_engine: Engine) -> None:
    watches = rules(
        {"name": "kuna", "query": "Kuwait", "providers": ["KUNA"]},
        {"name": "other-source", "query": "Kuwait", "sources": ["elsewhere"]},
        {"name": "arabic", "query": "Kuwait", "languages": ["ar"]},
        {
            "name": "english",
            "query": "Kuwait",
            "languages": ["en"],
            "webhook": "http://127.0.0.1:9/",
        },
    )
    stored = store_batch(migrated_engine, [sighting(r) for r in STORIES], watches)
    found = matches(migrated_engine)
    assert [(w, a) for w, a, *_ in found if w != "english"] == [("kuna", stored[3].article_id)]
    assert {a for w, a, *_ in found if w == "english"} == {
        stored[0].article_id,
        stored[1].article_id,
        stored[3].article_id,
    }
    assert {s for w, *_rest, s in found if w == "english"} == {"pending"}


def test_matches_are_written_with_their_time_and_are_due_from_it(migrated_engine: Engine) -> None:
    """The time a match is written with reads back exactly (microseconds too), and the
    delivery pass, comparing in SQL, finds a delivering watch's match due from then on."""
    watches = rules(
        {"name": "hooked", "query": "Kuwait", "webhook": "http://127.0.0.1:9/"},
        {"name": "feed", "query": "Kuwait"},
    )
    (stored,) = store_batch(migrated_engine, [sighting(STORIES[0])])
    now = datetime(2026, 12, 5, 9, 30, 15, 123456, tzinfo=UTC)
    candidate = Candidate(stored.article_id, stored.revision, MatchEvent.NEW)
    with migrated_engine.begin() as connection:
        assert record_matches(connection, watches, [candidate], now=now) == 2
    statement = select(
        watch_matches.c.watch,
        watch_matches.c.status,
        watch_matches.c.matched_at,
        watch_matches.c.next_attempt_at,
        watch_matches.c.attempts,
    ).order_by(watch_matches.c.watch)
    with migrated_engine.connect() as connection:
        assert [tuple(row) for row in connection.execute(statement)] == [
            ("feed", "unsent", now, None, 0),
            ("hooked", "pending", now, now, 0),
        ]
    early = now - timedelta(microseconds=1)
    assert claim_due(migrated_engine, ["hooked", "feed"], lease=60, now=early) is None
    claimed = claim_due(migrated_engine, ["hooked", "feed"], lease=60, now=now)
    assert claimed is not None
    assert (claimed.alert.watch, claimed.alert.matched_at) == ("hooked", now)


def test_copies_and_new_addresses_match_nothing_but_revisions_match_revised_watches(
    migrated_engine: Engine,
) -> None:
    watches = rules(
        {"name": "new-only", "query": "harbour"},
        {"name": "revised", "query": "harbour", "on": ["revised"]},
        {"name": "both", "query": "harbour", "on": ["new", "revised"]},
    )
    first = make_record(1)
    (stored,) = store_batch(migrated_engine, [sighting(first)], watches)
    store_batch(migrated_engine, [sighting(at_url(first, "https://mirror.example/1"))], watches)
    store_batch(migrated_engine, [sighting(first, at=T0 + timedelta(hours=1))], watches)
    assert [(w, r, e) for w, _a, r, e, _s in matches(migrated_engine)] == [
        ("both", 1, "new"),
        ("new-only", 1, "new"),
    ]
    revised = replace(first, paragraphs=("The harbour cranes were replaced.",))
    (again,) = store_batch(
        migrated_engine, [sighting(revised, at=T0 + timedelta(hours=2))], watches
    )
    assert again.revision == 2
    assert [(w, r, e) for w, _a, r, e, _s in matches(migrated_engine)] == [
        ("both", 1, "new"),
        ("both", 2, "revised"),
        ("new-only", 1, "new"),
        ("revised", 2, "revised"),
    ]
    assert {a for _w, a, *_ in matches(migrated_engine)} == {stored.article_id}


def test_a_revision_that_no_longer_matches_is_not_a_match(migrated_engine: Engine) -> None:
    watches = rules({"name": "cranes", "query": "cranes", "on": ["new", "revised"]})
    first = make_record(1)
    store_batch(migrated_engine, [sighting(first)], watches)
    gone = replace(first, title="Story number 1", paragraphs=("Now about ships.",))
    store_batch(migrated_engine, [sighting(gone, at=T0 + timedelta(hours=1))], watches)
    assert [(r, e) for _w, _a, r, e, _s in matches(migrated_engine)] == [(1, "new")]


def test_a_failed_batch_keeps_neither_stories_nor_matches(migrated_engine: Engine) -> None:
    watches = rules({"name": "all", "query": "harbour"})
    bad = replace(make_record(2), title=None)  # type: ignore[arg-type]
    with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises for NOT NULL
        store_batch(migrated_engine, [sighting(make_record(1)), sighting(bad)], watches)
    assert matches(migrated_engine) == []
    assert list_articles(migrated_engine) == []


def test_backfill_matches_stored_stories_once(migrated_engine: Engine) -> None:
    store_batch(migrated_engine, [sighting(r) for r in STORIES])
    (rule,) = rules({"name": "kuwait", "query": "Kuwait", "webhook": "http://127.0.0.1:9/"})
    assert len(stored_matches(migrated_engine, rule)) == 3
    assert backfill(migrated_engine, rule, None) == 3
    assert backfill(migrated_engine, rule, None) == 0
    store_batch(migrated_engine, [sighting(make_record(9, title="Kuwait port"))], [rule])
    assert backfill(migrated_engine, rule, None) == 0
    assert len(matches(migrated_engine)) == 4
    assert backfill(migrated_engine, rule, T0 + timedelta(days=1)) == 0
