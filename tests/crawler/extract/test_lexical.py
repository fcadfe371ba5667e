"""The lexical reader reads a page exactly as the tree reader would, or declines it."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extract import extract
from crawler.extract.encoding import decode_body
from crawler.extract.lexical import read_wire_page
from tests.crawler.extract.golden import Golden, template_goldens
from tests.crawler.extract.pages import WIRE_ID, wire_page
from wirewatch.record import ArticleRecord

GOLDENS = template_goldens()
URL = "https://news.example/a"
HTML = {"Content-Type": "text/html; charset=utf-8"}


def _text(golden: Golden) -> str:
    decoded = decode_body(golden.body(), golden.headers.get("Content-Type", ""))
    assert decoded is not None
    return decoded.text


def _both_readers_agree(body: bytes, headers: dict[str, str] = HTML) -> None:
    assert extract(URL, body, headers) == extract(URL, body, headers, lexical=False)


# The AMP page's inline <amp-ad> holds a <div>: nesting libxml2 may repair, left to the tree.
TREE_ONLY = {"amp"}


@pytest.mark.parametrize("golden", GOLDENS, ids=lambda golden: golden.name)
def test_golden_templates_are_read_lexically_unless_their_markup_needs_the_tree(
    golden: Golden,
) -> None:
    assert (read_wire_page(_text(golden)) is None) == (golden.name in TREE_ONLY)


@pytest.mark.parametrize("golden", GOLDENS, ids=lambda golden: golden.name)
def test_lexical_and_tree_readers_give_the_same_golden_record(golden: Golden) -> None:
    lexical = extract(golden.url, golden.body(), golden.headers)
    tree = extract(golden.url, golden.body(), golden.headers, lexical=False)
    assert isinstance(lexical, ArticleRecord)
    assert lexical == tree


def test_plain_built_page_is_read_lexically() -> None:
    assert read_wire_page(wire_page()) is not None


@pytest.mark.parametrize(
    ("name", "page"),
    [
        (
            "a second attribution inside the story",
            wire_page(story=("Exports rose.", "(MENAFN) A second one.", "And more text.")),
        ),
        (
            "an attribution split over elements",
            wire_page(attribution="(<b>MENAFN</b>- Jordan Times)"),
        ),
        (
            "a quoted > in an attribute",
            wire_page(around="<a title='a > b' href='/x'>x</a>"),
        ),
        (
            "a block inside an inline element in the story",
            wire_page(story=("Exports rose <span><div>boxed</div></span> in Asia.", "More.")),
        ),
        (
            "a paragraph left open in the story",
            wire_page(story=("Exports rose.<p>Unclosed paragraph", "More text.")),
        ),
        (
            "a self-closed div in the story",
            wire_page(story=("Exports rose.<div/>then more", "More text.")),
        ),
        (
            "the wire ID inside a share box",
            wire_page().replace(WIRE_ID, f"<i class='share'>{WIRE_ID}</i>"),
        ),
        ("no body tag", wire_page().replace("<body>", "")),
        ("text before the body", wire_page().replace("<body>", "stray<body>")),
        (
            "a legacy reference that decodes differently in attributes",
            wire_page(around="<a href='?a&copy=1'>x</a>"),
        ),
        ("a NUL character", wire_page(around="\x00")),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 80 else "",
)
def test_markup_only_a_tree_reads_exactly_is_declined(name: str, page: str) -> None:
    assert read_wire_page(page) is None, name
    _both_readers_agree(page.encode())


def test_a_teaser_attribution_outside_the_story_container_is_passed_over() -> None:
    teasers = "<aside><div>(MENAFN) Gold steadied.</div><div>(MENAFN- KUNA) Oil rose.</div></aside>"
    page = wire_page(around=teasers)
    lexical = read_wire_page(page)
    assert lexical is not None
    assert lexical.provider == "Jordan Times"
    _both_readers_agree(page.encode())


def test_an_attribution_after_the_wire_id_is_left_to_the_tree() -> None:
    page = wire_page().replace("</body>", "<div>(MENAFN) A teaser after the story.</div></body>")
    assert read_wire_page(page) is None
    _both_readers_agree(page.encode())


def test_comments_and_scripts_inside_the_story_are_cut_out_as_the_tree_strips_them() -> None:
    story = (
        "Exports rose 6 percent, the ministry said on Monday in a statement to reporters.",
        "Imports fell <!-- an editor's note --> 2 percent, the <script>var x = '<p>';</script>"
        "figures showed, narrowing the trade deficit to its lowest level in five years.",
    )
    page = wire_page(story=story)
    assert read_wire_page(page) is not None
    _both_readers_agree(page.encode())


_MARKUP = st.sampled_from(
    [
        "<br>", "<br><br>", "<b>", "</b>", "<strong>Sub</strong><br>", "<p>", "</p>", "<div>",
        "</div>", "<span class='share'>", "</span>", "<i>", "</i>", "&amp;", "&nbsp;", "&copy",
        "&#8217;", "<!-- c -->", "<script>x<y</script>", "<h2>Head</h2>", "<td>", "<hr>",
        "(MENAFN)", "(", "MENAFN", WIRE_ID, "<a href='x'>", "</a>", "<div class='ad'>ad</div>",
        "Legal Disclaimer:", "19 Nov 2025 10:15", "All times are GMT+4", "<", ">", "'", '"',
        "<P>", "</P>", "<BR>", "<noscript><p>x</p></noscript>", "<textarea>t</textarea>",
        "<title>x</title>", "<body>", "</body>", "<time itemprop='datePublished'>2025-11-19</time>",
        "<meta property='og:title' content='Other'>", "\r\n", "\u00a0", "\u200b",
    ]
)  # fmt: skip


@st.composite
def edited_pages(draw: st.DrawFn) -> bytes:
    """A golden page with markup, markers and references inserted or text cut out."""
    golden = draw(st.sampled_from(GOLDENS))
    text = _text(golden)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(_MARKUP) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
    return text.encode("utf-8")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_pages())
def test_both_readers_agree_on_edited_pages(body: bytes) -> None:
    _both_readers_agree(body)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(_MARKUP, st.text(alphabet="ab (<>/=&;'\"", max_size=6)), min_size=1, max_size=12
    )
)
def test_both_readers_agree_on_generated_story_markup(pieces: list[str]) -> None:
    story = ("Exports rose " + "".join(pieces) + " in the first nine months of the year.", "More.")
    _both_readers_agree(wire_page(story=story).encode())
