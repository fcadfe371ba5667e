"""A copy must never degrade a stored story (issue 13), on SQLite and PostgreSQL.

A wire site titling its pages ``Headline :: Levant Ledger``, crawled after a
partner's clean copy, used to make a revision 2 of every syndicated story whose
only change was the worse title; a copy decoded as the wrong charset
(``CafÃ©``) became a revision over the clean text.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from tests.factories import T0, at_url, make_record, sighting
from wirewatch.core.record import Precision, QualityFlag
from wirewatch.storage.models import article_revisions, articles
from wirewatch.storage.upsert import (
    Difference,
    Outcome,
    StoredText,
    compare_text,
    store_batch,
)

HEADLINE = "Levant Exports Rise for a Third Quarter"
PARAGRAPHS = ("Café owners in Beirut welcome the fund.", "Exports rose 6 percent.")
LATER = T0 + timedelta(hours=1)


def stored_story(engine: Engine) -> dict[str, object]:
    with engine.connect() as connection:
        return dict(connection.execute(select(articles)).one()._mapping)


def revisions(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(article_revisions)).scalar_one()
        )


def store_two(engine: Engine, first_title: str, second_title: str) -> Outcome:
    first = make_record(1, title=first_title, paragraphs=PARAGRAPHS)
    second = at_url(replace(first, title=second_title), "https://wire.example/1")
    store_batch(engine, [sighting(first, at=T0)])
    (result,) = store_batch(engine, [sighting(second, at=LATER)])
    return result.outcome


@pytest.mark.parametrize(
    "affixed",
    [
        f"{HEADLINE} :: Levant Ledger",
        f"{HEADLINE} | Levant Ledger",
        f"Levant Ledger \u00bb {HEADLINE}",
        f"Levant Ledger - {HEADLINE} - Business",
        f"{HEADLINE} \u2013 Levant Ledger",
    ],
)
def test_a_copy_adding_a_site_name_to_the_title_is_the_same_revision(
    migrated_engine: Engine, affixed: str
) -> None:
    outcome = store_two(migrated_engine, HEADLINE, affixed)

    assert outcome is Outcome.DUPLICATE
    story = stored_story(migrated_engine)
    assert (story["title"], story["revision"]) == (HEADLINE, 1)
    assert revisions(migrated_engine) == 0


def test_a_copy_changing_the_site_name_keeps_the_stored_title(migrated_engine: Engine) -> None:
    outcome = store_two(migrated_engine, f"{HEADLINE} | Gulf Partner", f"{HEADLINE} :: Ledger")

    assert outcome is Outcome.DUPLICATE
    assert stored_story(migrated_engine)["title"] == f"{HEADLINE} | Gulf Partner"
    assert revisions(migrated_engine) == 0


def test_a_copy_without_the_stored_site_name_cleans_the_title_in_place(
    migrated_engine: Engine,
) -> None:
    outcome = store_two(migrated_engine, f"{HEADLINE} :: Levant Ledger", HEADLINE)

    assert outcome is Outcome.DUPLICATE
    story = stored_story(migrated_engine)
    assert (story["title"], story["revision"]) == (HEADLINE, 1)
    assert (
        story["content_hash"] == make_record(1, title=HEADLINE, paragraphs=PARAGRAPHS).content_hash
    )
    assert revisions(migrated_engine) == 0


def test_a_changed_headline_is_still_a_revision(migrated_engine: Engine) -> None:
    outcome = store_two(migrated_engine, HEADLINE, "Levant Exports Fall for a Third Quarter")

    assert outcome is Outcome.UPDATED
    assert stored_story(migrated_engine)["revision"] == 2


@pytest.mark.parametrize("garbled", ["CafÃ© owners", "Caf√© owners", "Caf\ufffd owners"])
def test_a_badly_decoded_copy_never_becomes_a_revision(
    migrated_engine: Engine, garbled: str
) -> None:
    clean = make_record(1, title=HEADLINE, paragraphs=PARAGRAPHS)
    paragraphs = (PARAGRAPHS[0].replace("Café owners", garbled), PARAGRAPHS[1])
    copy = at_url(replace(clean, paragraphs=paragraphs), "https://wire.example/1")
    store_batch(migrated_engine, [sighting(clean, at=T0)])

    (result,) = store_batch(migrated_engine, [sighting(copy, at=LATER)])

    assert result.outcome is Outcome.DUPLICATE
    assert stored_story(migrated_engine)["body"] == clean.body
    assert revisions(migrated_engine) == 0


def test_a_clean_copy_revises_a_badly_decoded_story(migrated_engine: Engine) -> None:
    clean = make_record(1, title=HEADLINE, paragraphs=PARAGRAPHS)
    garbled = replace(clean, paragraphs=(PARAGRAPHS[0].replace("é", "Ã©"), PARAGRAPHS[1]))
    store_batch(migrated_engine, [sighting(garbled, at=T0)])

    (result,) = store_batch(migrated_engine, [sighting(clean, at=LATER)])

    assert result.outcome is Outcome.UPDATED
    assert stored_story(migrated_engine)["body"] == clean.body


def test_an_ambiguous_date_gives_way_to_one_read_without_doubt(migrated_engine: Engine) -> None:
    doubtful = make_record(
        1,
        wire=None,
        published_at=datetime(2026, 12, 4, tzinfo=UTC),
        precision=Precision.DATE,
        flags=(QualityFlag.DATE_AMBIGUOUS,),
    )
    settled = at_url(
        replace(doubtful, published_at=datetime(2026, 4, 12, tzinfo=UTC), quality_flags=()),
        "https://other.example/a",
    )
    store_batch(migrated_engine, [sighting(doubtful, at=T0)])

    store_batch(migrated_engine, [sighting(settled, at=LATER)])

    story = stored_story(migrated_engine)
    assert story["published_at"] == datetime(2026, 4, 12, tzinfo=UTC)
    assert story["quality_flags"] == ""


def test_compare_text_without_the_stored_text_calls_a_difference_a_revision() -> None:
    record = make_record(1)

    assert compare_text(None, record, True) is Difference.REVISION
    assert compare_text(StoredText(record.title, record.body), record, True) is Difference.SAME
