"""Normalisation both extraction and storage rely on."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirewatch.core.text import (
    clean_text,
    content_hash,
    fold_for_hash,
    has_controls,
    word_count,
)
from wirewatch.core.urls import canonicalise_parts, canonicalise_url, on_site, site_of


def test_typographic_variants_hash_alike() -> None:
    curly = content_hash(
        "Trump\u2019s \u201cwasted meeting\u201d", "Talks \u2014 stalled\u2026  again"
    )
    straight = content_hash('Trump\'s "wasted meeting"', "Talks - stalled... again")
    assert curly == straight


def test_case_and_spacing_do_not_change_the_hash() -> None:
    assert content_hash("Title", "A  body\n\nhere") == content_hash("TITLE", "a body here")


def test_a_changed_word_changes_the_hash() -> None:
    assert content_hash("Title", "Oil rose") != content_hash("Title", "Oil fell")


def test_title_and_body_are_kept_apart_in_the_hash() -> None:
    assert content_hash("A B", "C") != content_hash("A", "B C")


def test_fold_applies_nfkc() -> None:
    assert fold_for_hash("\ufb01nance \u2460") == "finance 1"


def test_word_count_counts_words_across_paragraphs() -> None:
    assert word_count("One two.\n\nThree") == 3


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Head\x00line", "Headline"),
        ("\x1b[2J\x1b]0;owned\x07Title", "[2J]0;ownedTitle"),
        ("one\r\ntwo\rthree", "one\ntwo\nthree"),
        ("col\x0bumn\x0cbreak\x1fhere", "col umn break here"),
        ("tab\tand\nnewline stay", "tab\tand\nnewline stay"),
        ("DEL \x7f and C1 \x9b are not C0", "DEL \x7f and C1 \x9b are not C0"),
    ],
)
def test_clean_text_keeps_tab_and_newline_and_no_other_c0_control(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(max_codepoint=0x3FF) | st.sampled_from("\x00\r\n\t\x1b\x0b")))
def test_cleaned_text_has_no_c0_control_but_tab_and_newline_and_hashes_alike_when_spacing(
    text: str,
) -> None:
    cleaned = clean_text(text)
    assert has_controls(text) == any(ord(c) < 0x20 and c not in "\t\n" for c in text)
    assert not [c for c in cleaned if ord(c) < 0x20 and c not in "\t\n"]
    assert not has_controls(cleaned)
    assert clean_text(cleaned) == cleaned
    spacing_only = "".join(c for c in text if not ("\x00" <= c <= "\x08" or "\x0e" <= c <= "\x1b"))
    assert word_count(clean_text(spacing_only)) == word_count(spacing_only)
    assert fold_for_hash(clean_text(spacing_only)) == fold_for_hash(spacing_only)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://menafn.com/1110354612/Kremlin-Says?src=RSS",
            "https://menafn.com/1110354612/Kremlin-Says",
        ),
        (
            "HTTPS://MENAFN.com/1/x?src=RSS&utm_source=rss&id=3#comments",
            "https://menafn.com/1/x?id=3",
        ),
        ("http://example.com:80/a?fbclid=1&gclid=2&ref=x", "http://example.com/a"),
        ("http://127.0.0.2:8080/story?page=2", "http://127.0.0.2:8080/story?page=2"),
        ("https://example.com", "https://example.com/"),
    ],
)
def test_canonical_urls_drop_tracking_and_fragments(url: str, expected: str) -> None:
    assert canonicalise_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://[::1]:8080/story.php?id=7", "http://[::1]:8080/story.php?id=7"),
        ("http://[2001:DB8:0:0::1]/a#x", "http://[2001:db8::1]/a"),
        ("https://p.example/%7Eeditor/story", "https://p.example/~editor/story"),
        ("https://p.example/a/./b/../story-one-two", "https://p.example/a/story-one-two"),
        ("https://p.example/news/caf%c3%a9", "https://p.example/news/caf%C3%A9"),
        ("https://p.example/news/caf\u00e9", "https://p.example/news/caf%C3%A9"),
        (
            "https://P.example:443/story.php?id=3&cat=1&utm_medium=x",
            "https://p.example/story.php?id=3&cat=1",
        ),
        ("https://p.example/s.php?z=1&a=2&UTM%5FSource=x", "https://p.example/s.php?z=1&a=2"),
        ("http://user:secret@p.example:8080/x", "http://user@p.example:8080/x"),
    ],
)
def test_canonical_urls_are_normalised_by_w3lib_keeping_the_site_s_parameter_order(
    url: str, expected: str
) -> None:
    assert canonicalise_url(url) == expected


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(["http://", "https://", "HTTPS://", "ftp://"]),
    st.text(alphabet="abcXY09.-/:?#=&%_~@[]; \t", max_size=24),
)
def test_the_fast_path_for_plain_addresses_agrees_with_urllib(scheme: str, rest: str) -> None:
    url = scheme + rest
    try:
        expected: object = canonicalise_parts(url)
    except ValueError as error:
        expected = type(error)
    try:
        actual: object = canonicalise_url(url)
    except ValueError as error:
        actual = type(error)
    assert actual == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://a.example:80/x?id=1",
        "HTTPS://A.example:443/x",
        "http://a.example:8080/x?utm_source=y",
        "https://a.example:80/x",
        "http://a.example:65535/x",
        "http://a.example:99999/x",
        "http://a.example:0/x",
        "http://a.example:00080/x",
    ],
)
def test_the_fast_path_agrees_with_w3lib_on_ports(url: str) -> None:
    try:
        expected: object = canonicalise_parts(url)
    except ValueError as error:
        expected = type(error)
    try:
        actual: object = canonicalise_url(url)
    except ValueError as error:
        actual = type(error)
    assert actual == expected


QUERY_PARTS = ["src=RSS", "utm_source=x", "ref", "id=3", "UTM_Medium=y", "utm%5Fx=1", "a+b=1", "",
               "=x", "fbclid=a=b", "gclid", "x=%20y", "page", "k=v=w", "t=a~b.c-d_e", "q=caf\u00e9",
               "empty="]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(
        ["https://menafn.com/1110354612/Kremlin", "http://a.example", "https://a.b/x/"]
    ),
    st.lists(st.sampled_from(QUERY_PARTS), max_size=4),
    st.sampled_from(["", "#top"]),
)
def test_the_fast_path_for_tracking_queries_agrees_with_urllib(
    base: str, parts: list[str], fragment: str
) -> None:
    url = f"{base}?{'&'.join(parts)}{fragment}"
    assert canonicalise_url(url) == canonicalise_parts(url)


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("http://127.0.0.1:18100/feed.xml", "127.0.0.1:18100"),
        ("https://Menafn.com:443/rss", "menafn.com"),
        ("http://x.example:80/", "x.example"),
        ("https://x.example:80/", "x.example:80"),
        ("http://x.example/", "x.example"),
    ],
)
def test_a_site_is_its_host_with_a_port_only_when_not_the_schemes_own(url: str, site: str) -> None:
    assert site_of(url) == site


@pytest.mark.parametrize(
    ("url", "sites", "expected"),
    [
        ("http://127.0.0.1:18102/a", ["127.0.0.1"], True),
        ("http://127.0.0.1:18102/a", ["127.0.0.1:18100"], False),
        ("http://127.0.0.1:18100/a", ["127.0.0.1:18100"], True),
        ("http://www.menafn.com/a", ["menafn.com:80"], True),
        ("https://www.menafn.com/a", ["menafn.com:80"], False),
        ("https://notmenafn.com/a", ["menafn.com"], False),
        ("http://[broken/", ["menafn.com"], False),
        ("http://menafn.com:99999/", ["menafn.com"], False),
        ("http://anything.example/", [], True),
    ],
)
def test_a_domain_covers_every_port_and_a_host_with_a_port_that_port_alone(
    url: str, sites: list[str], expected: bool
) -> None:
    assert on_site(url, sites) is expected
