"""Stored text never contains a C0 control character other than tab and newline, on either database.

Control characters go in through every writing path (a story's fields, its
address and headers, a rejection, a run's error) and a raw read of every text
column finds none; the story's hash and word count describe the text stored.
"""

from sqlalchemy import Engine, String, Text, text

from tests.factories import make_record, sighting
from wirewatch.core.record import Rejection, RejectReason
from wirewatch.core.text import content_hash, word_count
from wirewatch.storage.ledger import RunOutcome, close_run, record_rejections, start_run
from wirewatch.storage.models import RunStatus, RunTrigger, metadata
from wirewatch.storage.upsert import Outcome, store_batch

HOSTILE = "\x00\x01\x07\x1b[31m\x1b]0;title\x07\r\n\x0b\x7f"
CONTROLS = {chr(c) for c in range(0x20)} - {"\t", "\n"}


def stored_texts(engine: Engine) -> dict[str, list[str]]:
    """Every non-null value of every text column of the contract's tables, by ``table.column``."""
    found: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, Text | String):
                    values = connection.execute(
                        text(f"SELECT {column.name} FROM {table.name}")
                    ).scalars()
                    found[f"{table.name}.{column.name}"] = [v for v in values if v is not None]
    return found


def test_no_writing_path_stores_a_control_character(migrated_engine: Engine) -> None:
    engine = migrated_engine
    record = make_record(
        1,
        url=f"https://menafn.com/1110000001/story{HOSTILE}",
        title=f"Head{HOSTILE}line",
        paragraphs=(f"First{HOSTILE}paragraph.", "Second\x00 paragraph."),
        provider=f"Jordan{HOSTILE}Times",
    )
    [result] = store_batch(
        engine, [sighting(record, source="wire", etag=f'"e{HOSTILE}"', last_modified=HOSTILE)]
    )
    run_id = start_run(engine, "wire", RunTrigger.MANUAL)
    record_rejections(
        engine,
        run_id,
        [Rejection(f"https://x.example/{HOSTILE}", RejectReason.PARSE_ERROR, f"bad {HOSTILE}")],
    )
    close_run(engine, run_id, RunOutcome(RunStatus.FAILED, f"redirected to {HOSTILE}"))

    texts = stored_texts(engine)
    dirty = {key: v for key, values in texts.items() for v in values if CONTROLS & set(v)}
    assert dirty == {}
    assert result.outcome is Outcome.NEW
    with engine.connect() as connection:
        title, body, stored_hash, words = connection.execute(
            text("SELECT title, body, content_hash, word_count FROM articles")
        ).one()
    assert title == "Head[31m]0;title\n \x7fline"
    assert stored_hash == content_hash(title, body)
    assert words == word_count(body)
    assert texts["crawl_runs.error"] == ["redirected to [31m]0;title\n \x7f"]
    assert texts["article_urls.etag"] == ['"e[31m]0;title\n \x7f"']


def test_a_page_seen_again_with_the_same_control_characters_is_unchanged(
    migrated_engine: Engine,
) -> None:
    engine = migrated_engine
    record = make_record(2, title=f"Head{HOSTILE}line")
    store_batch(engine, [sighting(record)])

    [again] = store_batch(engine, [sighting(record)])

    assert again.outcome is Outcome.UNCHANGED
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM article_revisions")).scalar() == 0
