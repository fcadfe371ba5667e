"""The compiled tree walks give exactly what their Python references give."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from crawler.extract.document import (
    _NON_TEXT_TAGS,
    _PARSER,
    _STRIPPED,
    PageMetadata,
    _json_ld_objects,
    collect_metadata,
    search_marker_texts,
)
from crawler.extract.locate import Chain, walk_texts_near
from crawler.extract.paragraphs import _COMPILED_RULES, marker_path, walk_paragraphs
from crawler.extract.speedups import treewalk
from tests.crawler.extract.conftest import require_compiled_walks
from tests.crawler.extract.golden import template_goldens

TAGS = ["p", "div", "span", "b", "strong", "i", "a", "td", "tr", "table", "h2", "li", "ul", "font",
        "section", "nav", "aside", "figure", "amp-ad", "x-share", "amp-img", "blockquote", "center",
        "noscript", "svg", "template", "body"]  # fmt: skip
ATTRIBUTES = ["", ' class="share-bar"', ' class="story body"', ' id="related"', ' role="navigation"',
              ' class="x_comment"', ' data-x="ad"', " hidden", ' class=""', ' ID="Sidebar"']  # fmt: skip
TEXTS = ["(MENAFN- Jordan Times) The ministry said", "(MENAFN)", "MENAFN", " ", "\n  ",
         "MENAFN19112025000029011111ID1110361234", "MENAFN31022025000029011111ID1110361234",
         "&amp; co", "&nbsp;", "caf\u00e9", "e\u0301", "\u200b", "Share", "word " * 9,
         "<!-- a comment -->", "<![CDATA[x]]>", "MENA<b>FN</b>", "\u00a0\u2003",
         " a\x1c\x1fb \x0b\x0cc\t\r\x7f\x01 d ", "<script>var x = 'MENAFN';</script>MENAFN tail"]  # fmt: skip
METADATA = ['<meta property="og:title" content=" Big News - Wire ">', '<meta name="OG:Title" content="x">',
            '<meta itemprop="datePublished" content="2025-11-19">', '<meta http-equiv="Content-Language" content="ar">',
            '<meta content="orphan">', '<meta name="description">', '<meta name="" property="" content="empty key">',
            '<script type="application/ld+json">{"@type":"NewsArticle","headline":"H"}</script>',
            '<script type="Application/LD+JSON">[{"@type":"WebPage"},{"@graph":[{"@type":"Article"}]}]</script>',
            '<script type="application/ld+json">not json</script>', "<script>var x = 1;</script>",
            "<title>First &amp; title</title>", "<title>Second</title>", "<title></title>",
            '<time itemprop="datePublished" datetime=" 2025-11-18T10:00:00Z ">18 Nov</time>',
            '<time itemprop="datePublished">  19 Nov 2025 </time>', '<time datetime="2020-01-01">x</time>',
            '<span itemprop="datePublished">2021-01-01</span>', "<noscript><p>MENAFN</p></noscript>"]  # fmt: skip


@st.composite
def markup(draw: st.DrawFn, depth: int = 0) -> str:
    """Nested story-like markup: blocks, inline and bold runs, line breaks, boilerplate."""
    pieces = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["text", "text", "br", "element"] if depth < 5 else ["text"]))
        if kind == "text":
            pieces.append(draw(st.sampled_from(TEXTS)))
        elif kind == "br":
            pieces.append("<br>" * draw(st.integers(1, 3)))
        else:
            tag = draw(st.sampled_from(TAGS))
            inner = draw(markup(depth + 1))
            close = "" if draw(st.integers(0, 19)) == 0 else f"</{tag}>"
            pieces.append(f"<{tag}{draw(st.sampled_from(ATTRIBUTES))}>{inner}{close}")
    return "".join(pieces)


def _survey_both(html: bytes) -> etree._Element:
    """Survey a page compiled, then collect, strip and search it in Python: the same
    metadata and marker texts come out. Returns the stripped tree."""
    assert treewalk is not None
    root = etree.fromstring(html, _PARSER)
    compiled, reference = PageMetadata(), PageMetadata()
    compiled_markers, present = treewalk.survey(root, compiled, _json_ld_objects, _STRIPPED, 200)
    collect_metadata(root, reference)
    assert present == {element.tag for element in root.iterdescendants(*_NON_TEXT_TAGS)}
    etree.strip_elements(root, *_NON_TEXT_TAGS, with_tail=False)
    assert compiled == reference
    assert compiled_markers == search_marker_texts(root)
    return root


def _root(body_markup: str) -> etree._Element:
    return _survey_both(f"<html><body>{body_markup}</body></html>".encode())


def _compare_everywhere(root: etree._Element) -> None:
    """For every element of a surveyed page: its paragraphs with and without markers
    inside, the texts near it inside the page, its parent and itself, and where its
    ancestry meets that of the page's first and last elements."""
    assert treewalk is not None and _COMPILED_RULES is not None
    elements = list(root.iter())
    for element in elements:
        inside = list(element.iterdescendants())
        for markers in ([], inside[:1] + inside[-1:]):
            compiled = treewalk.raw_paragraphs(element, markers, _COMPILED_RULES)
            assert compiled == walk_paragraphs(element, marker_path(markers))
        parent = element.getparent()
        for container in (root, element if parent is None else parent, element):
            compiled_texts = list(treewalk.texts_near(element, container, 200))
            assert compiled_texts == list(walk_texts_near(element, container))
        for other in (elements[0], elements[-1]):
            assert treewalk.common_ancestor(element, other) == Chain(element).meet(other)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markup())
def test_compiled_walks_match_python_on_generated_markup(body_markup: str) -> None:
    require_compiled_walks()
    _compare_everywhere(_root(body_markup))


def test_compiled_walks_match_python_on_every_golden_page() -> None:
    require_compiled_walks()
    for golden in template_goldens():
        _compare_everywhere(_survey_both(golden.body()))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(METADATA), max_size=8), st.lists(st.sampled_from(METADATA), max_size=4)
)
def test_compiled_survey_collects_what_python_does(head: list[str], body: list[str]) -> None:
    require_compiled_walks()
    _survey_both(
        f"<html><head>{''.join(head)}</head><body><p>x</p>{''.join(body)}</body></html>".encode()
    )


def test_compiled_marker_search_stops_at_its_limit() -> None:
    require_compiled_walks()
    assert treewalk is not None
    html = "".join(f"<p>MENAFN teaser {n}</p>" for n in range(250))
    root = etree.fromstring(f"<html><body>{html}</body></html>".encode(), _PARSER)
    found, _ = treewalk.survey(root, PageMetadata(), _json_ld_objects, _STRIPPED, 200)
    assert [text for _, text in found] == [f"MENAFN teaser {n}" for n in range(200)]
    _root(html)


def test_compiled_survey_reads_markers_in_the_body_only_and_never_in_scripts() -> None:
    require_compiled_walks()
    assert treewalk is not None
    html = (
        b"<html><head><title>MENAFN head</title></head><body><p>MENAFN in body</p>"
        b"<script>var id='MENAFN19112025000029011111ID1110361234'</script>MENAFN tail"
        b"<noscript><p>MENAFN hidden</p></noscript></body></html>"
    )
    root = etree.fromstring(html, _PARSER)
    found, present = treewalk.survey(root, PageMetadata(), _json_ld_objects, _STRIPPED, 200)
    assert [text for _, text in found] == ["MENAFN in body", "MENAFN tail"]
    assert present == {"script", "noscript"}
    _survey_both(html)


def test_compiled_paragraph_walk_survives_deep_nesting() -> None:
    require_compiled_walks()
    assert treewalk is not None and _COMPILED_RULES is not None
    depth = 5000
    root = _root("<div>" * depth + "deep (MENAFN) text" + "</div>" * depth)
    body = root.find("body")
    assert body is not None
    assert treewalk.raw_paragraphs(body, [], _COMPILED_RULES) == walk_paragraphs(body, set())


def test_compiled_texts_near_stop_at_the_budget_as_the_python_ones_do() -> None:
    require_compiled_walks()
    assert treewalk is not None
    root = _root("<p>x 2019</p>" * 250 + "<p id='a'>(MENAFN) story</p>" + "<p>y 2020</p>" * 250)
    anchor = root.find(".//p[@id='a']")
    assert anchor is not None
    compiled = list(treewalk.texts_near(anchor, anchor, 200))
    assert compiled == list(walk_texts_near(anchor, anchor))
    assert compiled == ["x 2019"] * 200 + ["y 2020"] * 200


def test_texts_without_a_year_are_passed_over_but_count_against_the_budget() -> None:
    require_compiled_walks()
    assert treewalk is not None
    markup = "<p>in 2019</p>" * 100 + "<p>x</p>" * 149 + "<p>1</p><p>9 and <b>2</b>0</p>"
    root = _root(markup + "<p id='a'>(MENAFN) story</p>")
    anchor = root.find(".//p[@id='a']")
    assert anchor is not None
    compiled = list(treewalk.texts_near(anchor, anchor, 200))
    assert compiled == list(walk_texts_near(anchor, anchor))
    assert compiled == ["9 and 20", *["in 2019"] * 49]  # "1" alone holds no year's digits


def test_compiled_common_ancestor_of_elements_in_different_pages_is_the_first_ones_top() -> None:
    require_compiled_walks()
    assert treewalk is not None
    first, second = _root("<div><p>a</p></div>"), _root("<p>b</p>")
    paragraph = first.find(".//p")
    assert paragraph is not None
    assert (
        treewalk.common_ancestor(paragraph, second) == Chain(paragraph).meet(second) == (0, first)
    )


def test_compiled_walk_normalises_paragraphs_longer_than_its_stack_buffer() -> None:
    require_compiled_walks()
    assert treewalk is not None and _COMPILED_RULES is not None
    ascii_text = "word \n\t " * 1500
    other_text = "caf\u00e9 \u200b\u00a0 e\u0301 " * 900
    root = _root(f"<div><p>{ascii_text}</p><p>{other_text}</p></div>")
    body = root.find("body")
    assert body is not None
    compiled = treewalk.raw_paragraphs(body, [], _COMPILED_RULES)
    assert compiled == walk_paragraphs(body, set())
    assert [len(paragraph) > 2048 for paragraph in compiled] == [True, True]
