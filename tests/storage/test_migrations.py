"""Migrations: empty to head and back on both databases; models and migrations agree."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from tests.factories import article_number, make_record, sighting
from wirewatch.storage.engine import make_engine
from wirewatch.storage.migrate import (
    SchemaMismatch,
    current_revision,
    downgrade,
    ensure_schema,
    head_revision,
    include_name,
    upgrade,
)
from wirewatch.storage.models import metadata
from wirewatch.storage.queries import ArticleFilter, list_articles
from wirewatch.storage.schema import SCHEMA_HEAD, at_head
from wirewatch.storage.search import FTS5_TOKENIZER
from wirewatch.storage.upsert import store_batch

CONTRACT_TABLES = {"articles", "article_urls", "article_revisions", "crawl_runs", "rejected_pages"}


def test_upgrade_from_empty_to_head_and_back_down(database_url: str) -> None:
    engine = make_engine(database_url)
    assert current_revision(engine) is None

    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert set(inspect(engine).get_table_names()) >= CONTRACT_TABLES

    downgrade(engine, "base")
    assert current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_every_contract_column_exists(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    columns = {c["name"] for c in inspect(engine).get_columns("articles")}
    assert {"wire_id", "article_number", "wire_date", "provider_code", "published_precision"} <= (
        columns
    )
    assert {"quality_flags", "content_hash", "canonical_url", "revision", "updated_at"} <= columns
    run_columns = {c["name"] for c in inspect(engine).get_columns("crawl_runs")}
    assert {"pages_fetched", "articles_unchanged", "duplicates", "pid", "hostname"} <= run_columns
    engine.dispose()


def test_models_and_migrations_agree(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_name": include_name, "target_metadata": metadata},
        )
        assert compare_metadata(context, metadata) == []
    engine.dispose()


def test_comparison_notices_a_column_the_models_lack(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE articles ADD COLUMN stray TEXT"))
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "target_metadata": metadata}
        )
        diff = compare_metadata(context, metadata)
    assert [entry[0] for entry in diff] == ["remove_column"]
    engine.dispose()


def test_ensure_schema_is_idempotent(database_url: str) -> None:
    engine = make_engine(database_url)
    ensure_schema(engine)
    ensure_schema(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_sqlite_search_table_uses_the_tokenizer_watch_matching_uses(sqlite_url: str) -> None:
    """Watches index candidates with ``FTS5_TOKENIZER`` (storage.matching): it must be the
    tokenizer the head migration gave ``articles_fts``, or watches and search disagree."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    query = text("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'")
    with engine.connect() as connection:
        definition = connection.execute(query).scalar_one()
    assert f"tokenize='{FTS5_TOKENIZER}'" in definition
    engine.dispose()


def test_sqlite_search_table_and_triggers_come_and_go(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    query = text("SELECT name FROM sqlite_master WHERE name LIKE 'articles_fts%' ORDER BY name")
    with engine.connect() as connection:
        names = set(connection.execute(query).scalars())
    assert {"articles_fts", "articles_fts_insert", "articles_fts_update"} <= names
    downgrade(engine, "base")
    with engine.connect() as connection:
        assert list(connection.execute(query)) == []
    engine.dispose()


def test_sqlite_connections_use_wal_and_foreign_keys(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    engine.dispose()


FIRST_REVISION = "a1f3c9e20b01"


def test_ensure_schema_leaves_an_older_database_to_db_upgrade(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, FIRST_REVISION)
    with pytest.raises(SchemaMismatch, match="older than this wirewatch") as raised:
        ensure_schema(engine)
    assert raised.value.exit_code == 2
    assert current_revision(engine) == FIRST_REVISION
    engine.dispose()


def test_a_database_newer_than_the_code_is_never_touched(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
    for step in (ensure_schema, upgrade, lambda e: downgrade(e, "base")):
        with pytest.raises(SchemaMismatch, match="newer than this wirewatch"):
            step(engine)
    assert current_revision(engine) == "ffffffffffff"
    assert set(inspect(engine).get_table_names()) >= CONTRACT_TABLES
    engine.dispose()


def test_stories_stored_before_the_search_migration_are_found_after_it(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    upgrade(engine, FIRST_REVISION)
    store_batch(engine, [sighting(make_record(1, paragraphs=("Caf\u00e9 owners invest.",)))])
    upgrade(engine)
    assert [row.article_number for row in list_articles(engine, ArticleFilter(search="café"))] == [
        article_number(1)
    ]
    assert list_articles(engine, ArticleFilter(search="cafe")) == []  # no accent folding
    indexes = {index["name"] for index in inspect(engine).get_indexes("articles")}
    if engine.dialect.name == "postgresql":
        assert {"ix_articles_search", "ix_articles_search_simple"} <= indexes
    downgrade(engine, FIRST_REVISION)
    assert "ix_articles_search_simple" not in {
        index["name"] for index in inspect(engine).get_indexes("articles")
    }
    engine.dispose()


def test_schema_head_names_the_newest_migration() -> None:
    assert head_revision() == SCHEMA_HEAD, "storage/schema.py: set SCHEMA_HEAD to the new head"


def test_the_cheap_check_tells_head_from_anything_else(database_url: str) -> None:
    engine = make_engine(database_url)
    assert not at_head(engine)  # empty: no alembic_version
    upgrade(engine, FIRST_REVISION)
    assert not at_head(engine)
    upgrade(engine)
    assert at_head(engine)
    engine.dispose()


SCALE_REVISION = "c3e5a7f10d42"
ORDER_INDEXES = {"ix_articles_published_order", "ix_articles_provider_published"}
EXPRESSION_INDEXES = {"ix_articles_search", "ix_articles_search_simple"}


def test_postgresql_stores_the_search_vector_and_keeps_the_documented_expression_indexes(
    postgres_url: str,
) -> None:
    engine = make_engine(postgres_url)
    upgrade(engine, "b7d2e4f19a30")
    store_batch(engine, [sighting(make_record(1, title="Quokka sighted"))])
    upgrade(engine, SCALE_REVISION)
    with engine.connect() as connection:
        column = connection.execute(
            text(
                "SELECT is_generated, generation_expression FROM information_schema.columns "
                "WHERE table_name = 'articles' AND column_name = 'search_vector'"
            )
        ).one()
        filled = connection.execute(
            text("SELECT count(*) FROM articles WHERE search_vector @@ 'quokka'::tsquery")
        ).scalar_one()
    assert column.is_generated == "ALWAYS"
    assert "to_tsvector('simple'::regconfig" in column.generation_expression
    assert filled == 1  # rows stored before the migration got their vector
    indexes = {index["name"] for index in inspect(engine).get_indexes("articles")}
    assert {*ORDER_INDEXES, *EXPRESSION_INDEXES, "ix_articles_search_vector"} <= indexes
    assert not {"ix_articles_published_at", "ix_articles_provider"} & indexes

    downgrade(engine, "b7d2e4f19a30")
    columns = {c["name"] for c in inspect(engine).get_columns("articles")}
    indexes = {index["name"] for index in inspect(engine).get_indexes("articles")}
    assert "search_vector" not in columns
    assert {"ix_articles_published_at", "ix_articles_provider", *EXPRESSION_INDEXES} <= indexes
    assert not ORDER_INDEXES & indexes
    engine.dispose()


def test_sqlite_gets_the_ordering_indexes_and_gives_them_back(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    indexes = {index["name"] for index in inspect(engine).get_indexes("articles")}
    assert indexes >= ORDER_INDEXES
    downgrade(engine, "b7d2e4f19a30")
    indexes = {index["name"] for index in inspect(engine).get_indexes("articles")}
    assert {"ix_articles_published_at", "ix_articles_provider"} <= indexes
    assert not ORDER_INDEXES & indexes
    engine.dispose()


def search_vector_statistics(engine: Engine) -> int | None:
    """The column's own statistics target (None: the server's default)."""
    with engine.connect() as connection:
        target = connection.execute(
            text(
                "SELECT attstattarget FROM pg_attribute "
                "WHERE attrelid = 'articles'::regclass AND attname = 'search_vector'"
            )
        ).scalar_one()
    return None if target is None or target < 0 else int(target)


def test_postgresql_keeps_ten_thousand_lexemes_of_statistics_on_the_search_vector(
    postgres_url: str,
) -> None:
    engine = make_engine(postgres_url)
    upgrade(engine, "e5a7c9b32f64")
    assert search_vector_statistics(engine) is None
    upgrade(engine)
    assert search_vector_statistics(engine) == 1000
    downgrade(engine, "e5a7c9b32f64")
    assert search_vector_statistics(engine) is None
    engine.dispose()
