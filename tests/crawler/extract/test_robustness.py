"""Extraction never raises, never hangs and never breaks, whatever the bytes.

Every page here goes through ``extract_checked``: a rejection is fine, but one that
says extraction itself broke ("unexpected error") fails the test.
"""

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.crawler.extract.checked import broke, extract_checked
from tests.crawler.extract.golden import template_goldens
from tests.factories import PAGE_WIRE_ID, generic_page, wire_page
from wirewatch.core.record import ArticleRecord, Rejection, RejectReason
from wirewatch.crawler.extract import generic, page
from wirewatch.crawler.extract.page import UNEXPECTED_ERROR

GOLDENS = template_goldens()
URL = "https://news.example/a"
HTML = {"Content-Type": "text/html"}


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
def test_mutated_and_truncated_pages_give_a_record_or_a_rejection_for_a_reason(
    page: tuple[bytes, dict[str, str]],
) -> None:
    extract_checked(URL, *page)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=4096), st.sampled_from(["text/html", "", "text/html; charset=utf-16"]))
def test_random_bytes_give_a_record_or_a_rejection_for_a_reason(
    body: bytes, content_type: str
) -> None:
    extract_checked(URL, body, {"Content-Type": content_type})


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=2000))
def test_random_text_gives_a_record_or_a_rejection_for_a_reason(text: str) -> None:
    extract_checked(URL, text.encode("utf-8", "surrogatepass"), HTML)


def test_odd_urls_and_headers_do_not_raise() -> None:
    body = wire_page().encode()
    for url in ("", "not a url", "http://[::1", "https://h:99999/x"):
        extract_checked(url, body, {"Content-Type": "text/html"})
    extract_checked(URL, body, None)
    extract_checked(URL, body, {"content-type": "text/html; charset=bogus"})


def test_a_page_whose_address_does_not_parse_is_rejected_saying_so() -> None:
    result = extract_checked("http://[::1", wire_page().encode(), HTML)
    assert isinstance(result, Rejection)
    assert result.reason is RejectReason.PARSE_ERROR
    assert result.detail == "the address does not parse: Invalid IPv6 URL"


def test_a_ten_megabyte_page_is_handled_quickly() -> None:
    filler = "<div class='x'><p>Lorem ipsum dolor sit amet, consectetur adipiscing.</p></div>"
    story = wire_page()
    padding = filler * (10_000_000 // len(filler))
    body = (story.replace("</body>", padding + "</body>")).encode()
    assert len(body) > 10_000_000
    start = time.perf_counter()
    result = extract_checked(URL, body, HTML)
    assert time.perf_counter() - start < 30
    assert isinstance(result, ArticleRecord)
    assert str(result.wire) == PAGE_WIRE_ID


def test_deeply_nested_markup_is_handled() -> None:
    depth = 100_000
    body = ("<div>" * depth + wire_page() + "</div>" * depth).encode()
    start = time.perf_counter()
    extract_checked(URL, body, HTML)
    assert time.perf_counter() - start < 30


def test_deeply_nested_story_still_gives_its_record() -> None:
    depth = 200
    html = wire_page().replace("<div class='body'>", "<div>" * depth + "<div class='body'>")
    result = extract_checked(URL, html.encode(), HTML)
    assert isinstance(result, ArticleRecord)


def test_pages_over_the_size_limit_are_too_large() -> None:
    result = extract_checked(URL, b"<p>" + b"a" * 25_000_000, HTML)
    assert isinstance(result, Rejection)
    assert result.reason is RejectReason.TOO_LARGE


def test_unexpected_errors_become_parse_error_rejections(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(page, "locate", explode)
    result = page.extract(URL, wire_page().encode(), HTML)
    assert isinstance(result, Rejection)
    assert result.reason is RejectReason.PARSE_ERROR
    assert result.detail == f"{UNEXPECTED_ERROR}: RuntimeError: boom"
    assert broke(result)


def test_a_generic_extractor_failure_is_a_parse_error_that_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def trip(*_: object, **__: object) -> None:
        raise AssertionError  # what htmldate's lxml drop_tree raises on some mangled trees

    monkeypatch.setattr(generic.trafilatura, "bare_extraction", trip)
    result = extract_checked(URL, generic_page().encode(), HTML)
    assert isinstance(result, Rejection)
    assert result.reason is RejectReason.PARSE_ERROR
    assert result.detail == "the generic extractor failed on this page: AssertionError"


def test_a_ten_megabyte_page_without_markers_is_handled_quickly() -> None:
    filler = "<div class='x'><p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p></div>"
    html = generic_page().replace("</body>", filler * (10_000_000 // len(filler)) + "</body>")
    start = time.perf_counter()
    result = extract_checked(URL, html.encode(), HTML)
    assert time.perf_counter() - start < 30
    assert isinstance(result, ArticleRecord)
    assert result.paragraphs[0].startswith("The city council on Tuesday approved")


def test_a_page_made_heavy_by_its_scripts_is_extracted_like_the_light_one() -> None:
    """Megabytes of inline script are no reason to skip trafilatura: it is the element
    count that costs it time."""
    promo = "<div class='promo'><p>Subscribe to our newsletter for the latest local news.</p></div>"
    light = generic_page(extra=promo)
    script = "<script>var state = '" + "x" * 3_000_000 + "';</script>"
    heavy = light.replace("</head>", script + "</head>")
    light_result = extract_checked(URL, light.encode(), HTML)
    heavy_result = extract_checked(URL, heavy.encode(), HTML)
    assert isinstance(light_result, ArticleRecord)
    assert isinstance(heavy_result, ArticleRecord)
    assert heavy_result.paragraphs == light_result.paragraphs
    assert not any("newsletter" in p for p in heavy_result.paragraphs)


def test_deep_nesting_without_markers_is_handled() -> None:
    body = ("<div>" * 100_000 + generic_page() + "</div>" * 100_000).encode()
    extract_checked(URL, body, HTML)
    body = generic_page().replace("<p>", "<p>" + "<span>" * 5000, 1).encode()
    extract_checked(URL, body, HTML)
