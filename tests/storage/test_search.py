"""One query language, one meaning: the same table of ``--search`` cases on SQLite and PostgreSQL."""

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, event, text

from tests.factories import T0, article_number, make_record, sighting
from wirewatch.core.query import QuerySyntaxError, parse_query
from wirewatch.storage.queries import ArticleFilter, SearchPlan, list_articles
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


@pytest.mark.parametrize("limit", [1, 2, 3, 5])
@pytest.mark.parametrize("window", [1, 2, 4, 100])
def test_a_limited_search_finds_the_newest_of_what_an_unlimited_one_finds(
    stories: Engine, limit: int, window: int
) -> None:
    """Whichever step answers (PostgreSQL's window, or the full match), the meaning is one."""
    wrong = {}
    for query, _expected in CASES:
        everything = list_articles(stories, ArticleFilter(search=query, limit=None))
        limited = list_articles(
            stories, ArticleFilter(search=query, limit=limit), plan=SearchPlan(window)
        )
        if limited != everything[:limit]:
            wrong[query] = ([r.id for r in limited], [r.id for r in everything[:limit]])
    assert wrong == {}, "query: (found, expected)"


# -- PostgreSQL's two-step search, at the boundary of its window --------------------------------

WINDOW = 4
LIMIT = 2
EVERY_WINDOW = SearchPlan(WINDOW, by_statistics=False)
"""The first step taken whenever the limit fits the window, whatever the statistics say."""


@pytest.fixture
def dated(migrated_engine: Engine) -> Engine:
    """Stories 1 to 8, story 1 the newest, an hour apart; 9 undated; 10 from another provider."""
    records = [
        make_record(n, title=f"Story {n}", published_at=T0 - timedelta(hours=n))
        for n in range(1, 9)
    ]
    records.append(make_record(9, title="Story 9", published_at=None))
    records.append(make_record(10, title="Story 10", provider="Other", published_at=T0))
    store_batch(migrated_engine, [sighting(r) for r in records])
    return migrated_engine


def mark(engine: Engine, numbers: set[int], word: str = "quokka") -> None:
    """Put ``word`` in the titles of stories ``numbers`` (a revision: the search follows it)."""
    store_batch(
        engine,
        [
            sighting(make_record(n, title=f"Story {n} {word}", published_at=_when(n)))
            for n in numbers
        ],
    )


def _when(number: int) -> datetime | None:
    return None if number == 9 else T0 if number == 10 else T0 - timedelta(hours=number)


def searched(
    engine: Engine, where: ArticleFilter, plan: SearchPlan = EVERY_WINDOW
) -> tuple[list[int], int]:
    """The stories found (by number) and how many SELECTs it took."""
    statements: list[str] = []

    def count(_c: object, _cur: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        rows = list_articles(engine, where, plan=plan)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    numbers = [row.article_number - article_number(0) for row in rows if row.article_number]
    return numbers, len([s for s in statements if s.lstrip().startswith("SELECT")])


@pytest.mark.parametrize(
    ("matching", "expected", "steps"),
    [
        # the window: the newest four, stories 10, 1, 2 and 3
        ({1, 2}, [1, 2], 1),  # the newest two match: the window answers
        ({2, 3}, [2, 3], 1),  # exactly the limit inside the window, at its end
        ({1, 2, 3}, [1, 2], 1),  # more than the limit inside the window
        ({3, 4}, [3, 4], 2),  # one inside, one just past it: the GIN step
        ({5, 6}, [5, 6], 2),  # none inside
        ({1}, [1], 2),  # fewer than the limit anywhere
        ({2, 9}, [2, 9], 2),  # an undated story comes last
        ({3, 10}, [10, 3], 1),  # another provider's story counts in the window
    ],
)
def test_the_first_step_answers_only_when_the_window_holds_the_limit(
    dated: Engine, matching: set[int], expected: list[int], steps: int
) -> None:
    mark(dated, matching)
    numbers, selects = searched(dated, ArticleFilter(search="quokka", limit=LIMIT))
    assert numbers == expected
    assert selects == (steps if dated.dialect.name == "postgresql" else 1)


def test_the_window_counts_only_stories_that_pass_the_other_filters(dated: Engine) -> None:
    mark(dated, {3, 4, 10})
    anyone = ArticleFilter(search="quokka", limit=LIMIT)
    assert searched(dated, anyone)[0] == [10, 3]
    # one provider's newest four are stories 1 to 4: both of its matches lie inside
    assert searched(dated, replace(anyone, provider="MENAFN")) == ([3, 4], 1)
    # until two hours ago: stories 2 to 5 (and 6, 7, 8 past the window)
    until = replace(anyone, until=T0 - timedelta(hours=1, minutes=30))
    assert searched(dated, until) == ([3, 4], 1)


def test_the_window_starts_after_the_cursor(dated: Engine) -> None:
    mark(dated, {1, 2, 4, 5, 6})
    first = list_articles(dated, ArticleFilter(search="quokka", limit=LIMIT), plan=EVERY_WINDOW)
    second, _ = searched(dated, ArticleFilter(search="quokka", limit=LIMIT, after=first[-1].id))
    third, _ = searched(dated, ArticleFilter(search="quokka", limit=LIMIT, after=_id(dated, 5)))
    assert (
        [r.article_number - article_number(0) for r in first if r.article_number],
        second,
        third,
    ) == (
        [1, 2],
        [4, 5],
        [6],
    )


def _id(engine: Engine, number: int) -> int:
    rows = list_articles(engine, ArticleFilter(limit=None))
    return next(r.id for r in rows if r.article_number == article_number(number))


def test_a_limit_beyond_the_window_skips_the_first_step(dated: Engine) -> None:
    mark(dated, set(range(1, 10)))
    numbers, selects = searched(dated, ArticleFilter(search="quokka", limit=WINDOW + 1))
    assert numbers == [1, 2, 3, 4, 5]
    assert selects == 1


# -- the planner's statistics steer the first step -----------------------------------------------


@pytest.fixture
def analysed(postgres_engine: Engine) -> Engine:
    """300 stories, newest first by number: "wire" in every one, "quokka" in stories 150 and
    290 only; then ANALYZE, so the planner knows which words are common."""
    records = [
        make_record(
            n,
            title=f"Story {n} wire" + (" quokka" if n in (150, 290) else ""),
            published_at=T0 - timedelta(minutes=n),
        )
        for n in range(1, 301)
    ]
    store_batch(postgres_engine, [sighting(r) for r in records])
    with postgres_engine.begin() as connection:
        connection.execute(text("ANALYZE articles"))
    return postgres_engine


def planned(engine: Engine, query: str, by_statistics: bool = True) -> tuple[list[int], int]:
    """The stories a search with a limit of 10 and a window of 100 finds, and its SELECTs."""
    where = ArticleFilter(search=query, limit=10)
    return searched(engine, where, SearchPlan(100, by_statistics=by_statistics))


def test_a_word_the_statistics_call_rare_goes_straight_to_the_gin_step(analysed: Engine) -> None:
    assert planned(analysed, "quokka") == ([150, 290], 1)


def test_a_word_the_statistics_call_common_is_answered_by_the_window(analysed: Engine) -> None:
    assert planned(analysed, "wire") == (list(range(1, 11)), 1)


def test_without_statistics_a_rare_word_takes_both_steps(analysed: Engine) -> None:
    assert planned(analysed, "quokka", by_statistics=False) == ([150, 290], 2)
