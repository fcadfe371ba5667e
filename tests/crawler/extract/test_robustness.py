"""Extraction never raises and never hangs, whatever the bytes."""

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.crawler.extract.golden import template_goldens
from tests.crawler.extract.pages import WIRE_ID, generic_page, wire_page
from wirewatch.core.record import ArticleRecord, Rejection, RejectReason
from wirewatch.crawler.extract import extract, generic, page

GOLDENS = template_goldens()
URL = "https://news.example/a"
HTML = {"Content-Type": "text/html"}


def _is_outcome(result: object) -> bool:
    return isinstance(result, ArticleRecord | Rejection)


@st.composite
def mutated_pages(draw: st.DrawFn) -> tuple[bytes, dict[str, str]]:
    """A golden page cut, spliced with junk, or with bytes flipped."""
    golden = draw(st.sampled_from(GOLDENS))
    body = bytearray(golden.body())
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["truncate", "insert", "delete", "flip"]))
        at = draw(st.integers(0, max(len(body) - 1, 0)))
        if kind == "truncate":
            del body[at:]
        elif kind == "insert":
            junk = draw(
                st.sampled_from([b"<", b"</div>", b"<p>", b"&", b"\x00", b"\xff\xfe", b"<!--"])
            )
            body[at:at] = junk + draw(st.binary(max_size=20))
        elif kind == "delete":
            del body[at : at + draw(st.integers(1, 200))]
        elif body:
            body[at] = draw(st.integers(0, 255))
    return bytes(body), golden.headers


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_pages())
def test_mutated_and_truncated_pages_give_a_record_or_a_rejection(
    page: tuple[bytes, dict[str, str]],
) -> None:
    assert _is_outcome(extract(URL, *page))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=4096), st.sampled_from(["text/html", "", "text/html; charset=utf-16"]))
def test_random_bytes_give_a_record_or_a_rejection(body: bytes, content_type: str) -> None:
    assert _is_outcome(extract(URL, body, {"Content-Type": content_type}))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=2000))
def test_random_text_gives_a_record_or_a_rejection(text: str) -> None:
    assert _is_outcome(extract(URL, text.encode("utf-8", "surrogatepass"), HTML))


def test_odd_urls_and_headers_do_not_raise() -> None:
    body = wire_page().encode()
    for url in ("", "not a url", "http://[::1", "https://h:99999/x"):
        assert _is_outcome(extract(url, body, {"Content-Type": "text/html"}))
    assert _is_outcome(extract(URL, body, None))
    assert _is_outcome(extract(URL, body, {"content-type": "text/html; charset=bogus"}))


def test_a_ten_megabyte_page_is_handled_quickly() -> None:
    filler = "<div class='x'><p>Lorem ipsum dolor sit amet, consectetur adipiscing.</p></div>"
    story = wire_page()
    padding = filler * (10_000_000 // len(filler))
    body = (story.replace("</body>", padding + "</body>")).encode()
    assert len(body) > 10_000_000
    start = time.perf_counter()
    result = extract(URL, body, HTML)
    assert time.perf_counter() - start < 30
    assert isinstance(result, ArticleRecord)
    assert str(result.wire) == WIRE_ID


def test_deeply_nested_markup_is_handled() -> None:
    depth = 100_000
    body = ("<div>" * depth + wire_page() + "</div>" * depth).encode()
    start = time.perf_counter()
    assert _is_outcome(extract(URL, body, HTML))
    assert time.perf_counter() - start < 30


def test_deeply_nested_story_still_gives_its_record() -> None:
    depth = 200
    html = wire_page().replace("<div class='body'>", "<div>" * depth + "<div class='body'>")
    result = extract(URL, html.encode(), HTML)
    assert isinstance(result, ArticleRecord)


def test_pages_over_the_size_limit_are_too_large() -> None:
    result = extract(URL, b"<p>" + b"a" * 25_000_000, HTML)
    assert isinstance(result, Rejection)
    assert result.reason is RejectReason.TOO_LARGE


def test_unexpected_errors_become_parse_error_rejections(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(page, "locate", explode)
    result = page.extract(URL, wire_page().encode(), HTML)
    assert isinstance(result, Rejection)
    assert result.reason is RejectReason.PARSE_ERROR
    assert "boom" in result.detail


def test_a_generic_extractor_failure_is_a_parse_error_that_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def trip(*_: object, **__: object) -> None:
        raise AssertionError  # what htmldate's lxml drop_tree raises on some mangled trees

    monkeypatch.setattr(generic.trafilatura, "bare_extraction", trip)
    result = extract(URL, generic_page().encode(), HTML)
    assert isinstance(result, Rejection)
    assert result.reason is RejectReason.PARSE_ERROR
    assert result.detail == "the generic extractor failed on this page: AssertionError"


def test_a_ten_megabyte_page_without_markers_is_handled_quickly() -> None:
    filler = "<div class='x'><p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p></div>"
    html = generic_page().replace("</body>", filler * (10_000_000 // len(filler)) + "</body>")
    start = time.perf_counter()
    result = extract(URL, html.encode(), HTML)
    assert time.perf_counter() - start < 30
    assert isinstance(result, ArticleRecord)
    assert result.paragraphs[0].startswith("The city council on Tuesday approved")


def test_deep_nesting_without_markers_is_handled() -> None:
    body = ("<div>" * 100_000 + generic_page() + "</div>" * 100_000).encode()
    assert _is_outcome(extract(URL, body, HTML))
    body = generic_page().replace("<p>", "<p>" + "<span>" * 5000, 1).encode()
    assert _is_outcome(extract(URL, body, HTML))
