"""One query language, one meaning: the same table of ``--search`` cases on SQLite and PostgreSQL."""

import pytest
from sqlalchemy import Engine

from tests.factories import article_number, make_record, sighting
from wirewatch.core.query import QuerySyntaxError, parse_query
from wirewatch.storage.queries import ArticleFilter, list_articles
from wirewatch.storage.search import fts5_query
from wirewatch.storage.upsert import store_batch

STORIES = {
    1: ("Kuwait raises oil output", "Crude production rose as investment flowed in."),
    2: ("Pakistan signs gas deal", "Liquefied natural gas supplies agreed. The price rose."),
    3: (
        "Kuwait and Pakistan discuss trade",
        "Ministers met in Islamabad on prisoner exchange talks.",
    ),
    4: (
        "Kuwait football league resumes",
        "The league is sponsored by an oil company; investors cheered.",
    ),
    5: (
        "Kremlin eager for Putin-Trump summit",
        "Brent gained 2.5 percent at the café, prices steady.",
    ),
}

CASES: list[tuple[str, set[int]]] = [
    # words are ANDed; case does not matter
    ("Kuwait", {1, 3, 4}),
    ("kuwait", {1, 3, 4}),
    ("KUWAIT", {1, 3, 4}),
    ("Kuwait Pakistan", {3}),
    ("prisoner exchange", {3}),
    # OR, in capitals; lower-case "or" and "AND" are words
    ("Kuwait OR Pakistan", {1, 2, 3, 4}),
    ("or", set()),
    ("Kuwait AND Pakistan", {3}),
    # -exclusion, wherever it stands
    ("Kuwait -Pakistan", {1, 4}),
    ("-Pakistan Kuwait", {1, 4}),
    ("Kuwait OR Pakistan -trade", {1, 2, 4}),
    ('Kuwait -"oil company"', {1, 3}),
    ("Kuwait -(oil OR football)", {3}),
    # OR binds tighter than the space; parentheses group
    ("Kuwait oil OR gas", {1, 4}),
    ("Kuwait (oil OR gas) -football", {1}),
    ("(Kuwait oil) OR gas", {1, 2, 4}),
    ("((Kuwait) (oil OR (gas)))", {1, 4}),
    # phrases: those words, in that order, next to each other
    ('"prisoner exchange"', {3}),
    ('"exchange prisoner"', set()),
    ("\u201cprisoner exchange\u201d", {3}),
    # no stemming, no stop words, on either database
    ("invest", set()),
    ("investor", set()),
    ("prices", {5}),
    ("price", {2}),
    ("the", {2, 4, 5}),
    # prefixes
    ("invest*", {1, 4}),
    ("Pak*", {2, 3}),
    ('"natural ga"*', {2}),
    # what counts as a word: letters and digits; punctuation separates
    ("Putin-Trump", {5}),
    ("trump", {5}),
    ('"Putin Trump summit"', {5}),
    ("2.5", {5}),
    ("café", {5}),
    ("cafe", set()),
    ("Kremlin !", {5}),
]

BAD_QUERIES = [
    ('"oil', "quote"),
    ("(oil", "not closed"),
    ("oil)", "without a matching"),
    (") oil", "without a matching"),
    ("(", "not closed"),
    ("OR", "OR needs a term"),
    ("oil OR", "OR needs a term"),
    ("OR oil", "OR needs a term"),
    ("oil OR OR gas", "OR needs a term"),
    ("-oil", "only excluded"),
    ("-oil -gas", "only excluded"),
    ("oil OR -gas", "cannot be one side of OR"),
    ("()", "empty parentheses"),
    ("oil ()", "empty parentheses"),
    ('""', "phrase without words"),
    ("-- ;", "no words"),
]


@pytest.fixture
def stories(migrated_engine: Engine) -> Engine:
    store_batch(
        migrated_engine,
        [
            sighting(make_record(number, title=title, paragraphs=(body,)))
            for number, (title, body) in STORIES.items()
        ],
    )
    return migrated_engine


def found(engine: Engine, query: str) -> set[int]:
    rows = list_articles(engine, ArticleFilter(search=query, limit=None))
    return {n for n in STORIES if article_number(n) in {row.article_number for row in rows}}


def test_every_query_case_finds_the_same_stories_on_this_database(stories: Engine) -> None:
    wrong = {
        query: (found(stories, query), expected)
        for query, expected in CASES
        if found(stories, query) != expected
    }
    assert wrong == {}, "query: (found, expected)"


@pytest.mark.parametrize(("query", "problem"), BAD_QUERIES)
def test_a_query_that_means_nothing_is_a_usage_error(query: str, problem: str) -> None:
    with pytest.raises(QuerySyntaxError, match=problem) as raised:
        parse_query(query)
    assert raised.value.exit_code == 2
    assert "\n" not in str(raised.value)


def test_bad_queries_never_reach_the_database(stories: Engine) -> None:
    for query, _problem in BAD_QUERIES:
        with pytest.raises(QuerySyntaxError):
            list_articles(stories, ArticleFilter(search=query))


def test_blank_search_filters_nothing_out(stories: Engine) -> None:
    assert len(list_articles(stories, ArticleFilter(search="  "))) == len(STORIES)


def test_fts5_query_carries_only_the_words_of_the_user_text() -> None:
    query = parse_query('NEAR(x y) title:z* "a b"* -c')
    assert fts5_query(query) == '("near" AND ("x" AND "y") AND "title z"* AND "a b"*) NOT "c"'
