"""Locating the story when a marker sits alone in its own box (issue 13).

A page without a wire ID whose lead attribution has a ``<div>`` of its own, the
story's paragraphs in sibling ``<div class="txt-par">`` elements, used to be
located with the attribution's ``<div>`` as the container: the record held the
lead alone, or the page was rejected as too short.
"""

import pytest

from tests.crawler.extract.checked import extract_checked
from wirewatch.core.record import ArticleRecord

URL = "https://levant.example/news/story.php?id=77"
HTML = {"Content-Type": "text/html; charset=utf-8"}
STORY = tuple(
    f"Paragraph {n} says that trade between the two neighbours grew by a wide margin this "
    "year, according to figures the ministry published on Sunday."
    for n in range(1, 6)
)
LEAD = "Exports from Beirut to the Gulf rose again in the third quarter."
WIRE_ID = "MENAFN04122026000099011111ID1110400001"


def page(lead_box: str, wire_line: str = "", wrap: bool = False) -> str:
    paragraphs = "".join(f'<div class="txt-par">{p}</div>' for p in STORY)
    lead = lead_box.format(lead=f"(MENAFN- The Daily Star) {LEAD}")
    if wrap:
        lead = f'<div class="lead-wrap"><div class="inner">{lead}</div></div>'
    return (
        '<html lang="en"><head><title>Trade grows</title></head><body>'
        '<nav><a href="/">Home</a> <a href="/news/">News</a></nav>'
        '<div class="article"><h1>Trade between the neighbours grows</h1>'
        f"{lead}{paragraphs}{wire_line}"
        '<div class="share">Share this story with your friends on every network</div></div>'
        "<footer>All rights reserved by the Levant Ledger publishing company</footer>"
        "</body></html>"
    )


def record_of(html: str) -> ArticleRecord:
    result = extract_checked(URL, html.encode(), HTML)
    assert isinstance(result, ArticleRecord), result
    return result


@pytest.mark.parametrize(
    "lead_box",
    ['<div class="lead">{lead}</div>', '<div class="intro"><span>{lead}</span></div>'],
    ids=["div", "div-span"],
)
@pytest.mark.parametrize("wrap", [False, True], ids=["sibling", "wrapped"])
def test_an_attribution_in_its_own_box_is_followed_by_the_story_in_its_siblings(
    lead_box: str, wrap: bool
) -> None:
    record = record_of(page(lead_box, wrap=wrap))

    assert record.provider == "The Daily Star"
    assert record.paragraphs == (LEAD, *STORY)
    assert record.wire is None


def test_the_same_template_with_a_wire_id_reads_the_same_story() -> None:
    record = record_of(page('<div class="lead">{lead}</div>', f"<div>{WIRE_ID}</div>"))

    assert record.paragraphs == (LEAD, *STORY)
    assert record.wire is not None and record.wire.text == WIRE_ID


def test_a_wire_id_alone_in_its_box_after_the_story_finds_the_story_before_it() -> None:
    html = page("<p>{lead}</p>").replace("(MENAFN- The Daily Star) ", "")
    html = html.replace(
        '<div class="share">', f'<div class="wire">{WIRE_ID}</div><div class="share">'
    )

    record = record_of(html)

    assert record.paragraphs == (LEAD, *STORY)


def test_a_box_holding_the_whole_story_stays_the_container() -> None:
    body = " ".join(STORY)
    html = (
        "<html><head><title>Trade grows</title></head><body><h1>Trade grows</h1>"
        f'<div class="story">(MENAFN- The Daily Star) {body}</div>'
        '<div class="bio">The author has covered trade in the Levant for many years now.</div>'
        "</body></html>"
    )

    record = record_of(html)

    assert record.paragraphs == (body,)
