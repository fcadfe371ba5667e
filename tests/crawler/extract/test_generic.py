"""The generic path's own rules, apart from trafilatura."""

from lxml import etree

from wirewatch.crawler.extract.document import parse_document
from wirewatch.crawler.extract.generic import without_link_lines


def _root(html: str) -> etree._Element:
    document = parse_document(html.encode("utf-8"))
    assert document is not None
    return document.root


def test_a_paragraph_that_is_one_links_text_is_dropped() -> None:
    root = _root(
        "<html><body><p>Story text with <a href='/x'>a link</a> inside.</p>"
        "<ul><li><a href='/r/1'>Port  delays new terminal</a></li></ul>"
        "<p><a href='/r/2'>Airline hires a new chief</a></p></body></html>"
    )
    paragraphs = [
        "Story text with a link inside.",
        "- Port delays new terminal",
        "Airline hires a new chief",
        "a link",
    ]
    assert without_link_lines(paragraphs, root) == ["Story text with a link inside."]


def test_a_subhead_that_links_is_kept() -> None:
    root = _root(
        "<html><body><h2><a href='/p/1'>Meal plan A</a></h2><p>Eat well.</p></body></html>"
    )
    assert without_link_lines(["Meal plan A", "Eat well."], root) == ["Meal plan A", "Eat well."]
