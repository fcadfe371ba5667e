"""Pages the HTML parser cannot read to the end are rejected, never stored without their end.

libxml2 stops building the tree where a page nests elements past its depth limit
(2,048 levels with the limit lifted, 256 without), and everything after that
point, the wire-ID line included, is missing from the tree. Such a page becomes
a ``parse_error`` rejection ("tree truncated ..."): stored, it would be a story
without its wire ID, a duplicate of its clean copy.
"""

import time

import pytest

from tests.crawler.extract.checked import extract_checked as extract
from tests.factories import PAGE_WIRE_ID as WIRE_ID
from tests.factories import generic_page, wire_page
from wirewatch.core.record import ArticleRecord, Rejection, RejectReason

URL = "https://partner.example/2025/11/jordan-exports"
HTML = {"Content-Type": "text/html; charset=utf-8"}


def nested(depth: int, inner: str = "x") -> str:
    return "<div>" * depth + inner + "</div>" * depth


def assert_truncated(result: ArticleRecord | Rejection) -> None:
    assert isinstance(result, Rejection), f"stored as a record: wire {result.wire}"
    assert result.reason is RejectReason.PARSE_ERROR
    assert result.detail.startswith("tree truncated: "), result.detail
    assert "the rest of the page is lost" in result.detail


def test_a_wire_id_past_100000_nested_divs_rejects_the_page_as_truncated() -> None:
    page = wire_page(wire_id=nested(100_000) + WIRE_ID)

    result = extract(URL, page.encode(), HTML)

    assert_truncated(result)
    assert isinstance(result, Rejection)
    assert "nested deeper than 2048 levels" in result.detail
    assert "XML_PARSE_HUGE" not in result.detail  # libxml2's advice is for programmers


@pytest.mark.parametrize(
    "depth", [10, 255, 256, 1_000, 2_000, 2_045, 2_046, 2_047, 2_048, 5_000, 100_000]
)
def test_a_page_whose_text_carries_a_wire_id_never_becomes_a_record_without_it(
    depth: int,
) -> None:
    page = wire_page(wire_id=nested(depth) + WIRE_ID)

    result = extract(URL, page.encode(), HTML)

    if isinstance(result, ArticleRecord):
        assert str(result.wire) == WIRE_ID
    else:
        assert_truncated(result)


def test_a_story_nested_past_libxml2s_default_depth_of_256_keeps_its_wire_id() -> None:
    page = wire_page(around=nested(1_500))  # deep markup before the story, closed again
    story_inside = "<html><body>" + nested(1_500, wire_page().split("<body>")[1]) + "</html>"

    for html in (page, story_inside):
        result = extract(URL, html.encode(), HTML)
        assert isinstance(result, ArticleRecord), result
        assert str(result.wire) == WIRE_ID


def test_a_page_without_markers_cut_by_its_nesting_is_rejected_too() -> None:
    html = generic_page().replace("<main>", "<main>" + "<div>" * 3_000)

    assert_truncated(extract(URL, html.encode(), HTML))


def test_a_million_nested_divs_are_rejected_in_well_under_a_second_or_two() -> None:
    page = wire_page(wire_id=nested(1_000_000) + WIRE_ID).encode()

    start = time.perf_counter()
    result = extract(URL, page, HTML)

    assert time.perf_counter() - start < 5  # about 0.05 s: the parser stops at the limit
    assert_truncated(result)


def test_a_script_over_libxml2s_default_ten_megabyte_text_limit_does_not_cut_the_page() -> None:
    head = "<script>var blob = '" + "x" * 11_000_000 + "';</script>"
    page = wire_page(head=head)

    result = extract(URL, page.encode(), HTML)

    assert isinstance(result, ArticleRecord), result
    assert str(result.wire) == WIRE_ID
