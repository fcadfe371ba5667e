"""The tree walks behind extraction: their limits, and what they never read."""

from lxml import etree

from wirewatch.crawler.extract.document import MAX_MARKER_TEXTS, parse_document
from wirewatch.crawler.extract.locate import Ancestry, texts_near
from wirewatch.crawler.extract.paragraphs import raw_paragraphs


def _body(markup: str) -> etree._Element:
    document = parse_document(f"<html><body>{markup}</body></html>".encode())
    assert document is not None
    body = document.root.find("body")
    assert body is not None
    return body


def test_marker_search_stops_at_its_limit() -> None:
    markup = "".join(f"<p>MENAFN teaser {n}</p>" for n in range(MAX_MARKER_TEXTS + 50))
    document = parse_document(f"<html><body>{markup}</body></html>".encode())
    assert document is not None
    texts = [text for _, text in document.marker_texts]
    assert texts == [f"MENAFN teaser {n}" for n in range(MAX_MARKER_TEXTS)]


def test_markers_are_read_in_the_body_only_and_never_in_scripts() -> None:
    document = parse_document(
        b"<html><head><title>MENAFN head</title></head><body><p>MENAFN in body</p>"
        b"<script>var id='MENAFN19112025000029011111ID1110361234'</script>MENAFN tail"
        b"<noscript><p>MENAFN hidden</p></noscript></body></html>"
    )
    assert document is not None
    assert [text for _, text in document.marker_texts] == ["MENAFN in body", "MENAFN tail"]
    assert document.metadata.title_tag == "MENAFN head"


def test_paragraph_walk_survives_nesting_deeper_than_the_stack() -> None:
    body = etree.Element("body")
    innermost = body
    for _ in range(5000):  # built by hand: libxml2's parser stops nesting at 256
        innermost = etree.SubElement(innermost, "div")
    innermost.text = "deep (MENAFN) text"
    assert raw_paragraphs(body) == ["deep (MENAFN) text"]


def test_paragraph_walk_normalises_long_paragraphs() -> None:
    ascii_text = "word \n\t " * 1500
    other_text = "caf\u00e9 \u200b\u00a0 e\u0301 " * 900
    body = _body(f"<div><p>{ascii_text}</p><p>{other_text}</p></div>")
    first, second = raw_paragraphs(body)
    assert first == " ".join(["word"] * 1500)
    assert second == " ".join(["caf\u00e9", "\u00e9"] * 900)


def test_texts_near_stop_at_their_budget() -> None:
    body = _body("<p>x 2019</p>" * 250 + "<p id='a'>(MENAFN) story</p>" + "<p>y 2020</p>" * 250)
    anchor = body.find(".//p[@id='a']")
    assert anchor is not None
    assert list(texts_near(anchor, anchor)) == ["x 2019"] * 200 + ["y 2020"] * 200


def test_texts_without_a_year_are_passed_over_but_count_against_the_budget() -> None:
    markup = "<p>in 2019</p>" * 100 + "<p>x</p>" * 149 + "<p>1</p><p>9 and <b>2</b>0</p>"
    body = _body(markup + "<p id='a'>(MENAFN) story</p>")
    anchor = body.find(".//p[@id='a']")
    assert anchor is not None
    assert list(texts_near(anchor, anchor)) == ["9 and 20", *["in 2019"] * 49]


def test_lowest_common_ancestor_is_the_deepest_shared_element_with_its_depth() -> None:
    body = _body("<div><p><b>a</b></p><p>b</p></div>")
    bold, second = body.find(".//b"), body.findall(".//p")[1]
    assert bold is not None and second is not None
    div = body.find("div")
    assert Ancestry(bold).lowest_common_ancestor(second) == (2, div)  # html 0, body 1, div 2
    paragraph = bold.getparent()
    assert paragraph is not None
    assert Ancestry(bold).lowest_common_ancestor(paragraph) == (3, paragraph)


def test_elements_of_different_pages_share_only_the_first_ones_root() -> None:
    first, second = _body("<div><p>a</p></div>"), _body("<p>b</p>")
    paragraph = first.find(".//p")
    assert paragraph is not None
    top = paragraph.getroottree().getroot()
    assert Ancestry(paragraph).lowest_common_ancestor(second) == (0, top)
