"""Extraction end to end on pages built in memory: structure, boilerplate, rejections."""

from datetime import UTC, date, datetime

import pytest

from tests.crawler.extract.checked import extract_checked
from tests.factories import PAGE_STORY, PAGE_WIRE_ID, generic_page, wire_page
from wirewatch.core.record import ArticleRecord, Precision, Rejection, RejectReason
from wirewatch.core.wire_id import WireId
from wirewatch.crawler.extract.generic import looks_like_error_page

URL = "https://news.example/story?id=1&utm_source=x"
HTML = {"Content-Type": "text/html; charset=utf-8"}


def _record(html: str, url: str = URL) -> ArticleRecord:
    result = extract_checked(url, html.encode("utf-8"), HTML)
    assert isinstance(result, ArticleRecord), result
    return result


def _rejection(html: str | bytes, headers: dict[str, str] | None = None) -> Rejection:
    body = html.encode("utf-8") if isinstance(html, str) else html
    result = extract_checked(URL, body, HTML if headers is None else headers)
    assert isinstance(result, Rejection), result
    return result


def test_wire_page_record_has_every_field() -> None:
    record = _record(wire_page())
    assert record.wire == WireId(PAGE_WIRE_ID, date(2025, 11, 19), "000029011111", 1110361234)
    assert record.provider == "Jordan Times"
    assert record.title == "Jordan Exports Rise 6 Percent"
    assert record.paragraphs == PAGE_STORY
    assert record.canonical_url == "https://news.example/story?id=1"
    assert record.published_at == datetime(2025, 11, 19, tzinfo=UTC)
    assert record.published_precision is Precision.DATE
    assert record.language == "en"
    assert record.word_count == sum(len(p.split()) for p in PAGE_STORY)


def test_wire_id_only_in_a_script_is_not_a_marker() -> None:
    html = generic_page(extra=f"<script>var story = '{PAGE_WIRE_ID}';</script>")
    record = _record(html)
    assert record.wire is None
    assert record.provider == ""


def test_wire_page_is_located_among_teasers_with_their_own_attributions() -> None:
    teasers = "".join(
        f"<div class='teaser'><p>(MENAFN) Teaser number {n} about markets.</p></div>"
        for n in range(3)
    )
    record = _record(wire_page(around=f"<div class='rail'>{teasers}</div>"))
    assert record.paragraphs == PAGE_STORY
    assert record.provider == "Jordan Times"


def test_entities_are_decoded_and_text_is_nfc_and_collapsed() -> None:
    story = (
        "Caf&eacute; owners &ndash; and cafe\u0301 staff &#8211; said&nbsp;the   fund\n was "
        "&ldquo;welcome&rdquo; and would help many small businesses across the old city.",
        *PAGE_STORY[1:],
    )
    record = _record(wire_page(story=story))
    assert record.paragraphs[0] == (
        "Café owners – and café staff – said the fund was “welcome” and would help many small "
        "businesses across the old city."
    )


def test_boilerplate_inside_the_story_is_dropped() -> None:
    story = (
        PAGE_STORY[0],
        "<div class='share-buttons'>Share on Facebook</div>" + PAGE_STORY[1],
        "<span class='ad-label'>Advertisement</span>" + PAGE_STORY[2],
    )
    record = _record(wire_page(story=story))
    assert record.paragraphs == PAGE_STORY


def test_listing_of_wire_stories_is_not_an_article() -> None:
    items = "".join(
        f"<li><p>(MENAFN- Agency {n}) Story {n} summary text.</p>"
        f"<small>MENAFN1911202500002901111{n}ID111036123{n}</small></li>"
        for n in range(4)
    )
    html = f"<html><head><title>World News</title></head><body><ul>{items}</ul></body></html>"
    assert _rejection(html).reason is RejectReason.NOT_AN_ARTICLE


def test_teaser_list_without_wire_ids_is_not_an_article() -> None:
    items = "".join(f"<li>(MENAFN) Story {n} summary with a few words.</li>" for n in range(5))
    html = f"<html><head><title>Latest</title></head><body><ul>{items}</ul></body></html>"
    assert _rejection(html).reason is RejectReason.NOT_AN_ARTICLE


def test_wire_page_too_short_to_be_a_story_has_no_body() -> None:
    rejection = _rejection(wire_page(story=("Short text.",)))
    assert rejection.reason is RejectReason.NO_BODY
    assert "too short" in rejection.detail


def test_wire_page_without_headline_has_no_title() -> None:
    html = (
        f"<html><body><div><p>(MENAFN) {PAGE_STORY[0]}</p><p>{PAGE_STORY[1]}</p><p>{PAGE_WIRE_ID}</p></div>"
        "</body></html>"
    )
    assert _rejection(html).reason is RejectReason.NO_TITLE


@pytest.mark.parametrize(
    ("body", "headers", "reason"),
    [
        (b"", HTML, RejectReason.NO_BODY),
        (b"   \n", HTML, RejectReason.NO_BODY),
        (b"%PDF-1.7 binary", {"Content-Type": "application/pdf"}, RejectReason.NOT_AN_ARTICLE),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, {}, RejectReason.BAD_ENCODING),
        (
            b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>',
            {"Content-Type": "application/rss+xml"},
            RejectReason.NOT_AN_ARTICLE,
        ),
        (
            b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>',
            HTML,
            RejectReason.NOT_AN_ARTICLE,
        ),
    ],
    ids=["empty", "blank", "pdf", "binary", "rss-by-type", "rss-sniffed"],
)
def test_non_pages_are_rejected(body: bytes, headers: dict[str, str], reason: RejectReason) -> None:
    assert _rejection(body, headers).reason is reason


def test_error_template_is_not_an_article() -> None:
    html = (
        "<html><head><title>404 - Page Not Found | City Herald</title></head><body>"
        "<h1>Page not found</h1><p>Sorry, the page you requested could not be found. "
        "Try the search box or go back to the home page.</p></body></html>"
    )
    assert _rejection(html).reason is RejectReason.NOT_AN_ARTICLE


def test_empty_shell_has_no_body() -> None:
    html = (
        "<html><head><title>City Herald</title><script src='/app.js'></script></head>"
        "<body><div id='root'></div></body></html>"
    )
    assert _rejection(html).reason is RejectReason.NO_BODY


def test_section_front_of_links_is_not_an_article() -> None:
    links = "".join(
        f"<li><a href='/news/{n}'>Headline number {n} about the local economy today</a></li>"
        for n in range(40)
    )
    html = f"<html><head><title>Local News</title></head><body><ul>{links}</ul></body></html>"
    assert _rejection(html).reason is RejectReason.NOT_AN_ARTICLE


def test_page_without_markers_is_extracted_generically() -> None:
    record = _record(generic_page(), "https://cityherald.example/news/cycling-lanes")
    assert record.wire is None
    assert record.provider == ""
    assert record.title == "City Council Approves New Cycling Lanes"
    assert record.paragraphs[0].startswith("The city council on Tuesday approved")
    assert len(record.paragraphs) == 4
    assert record.published_at == datetime(2025, 11, 18, 15, 20, tzinfo=UTC)
    assert record.published_precision is Precision.DATETIME
    assert record.language == "en"
    assert record.canonical_url == "https://cityherald.example/news/cycling-lanes"


def test_generic_pages_are_keyed_by_content_hash() -> None:
    first = _record(generic_page())
    second = _record(generic_page().replace("city's", "city\u2019s"))
    assert first.content_hash == second.content_hash


def test_generic_page_too_short_is_rejected() -> None:
    html = (
        "<html><head><title>Brief</title></head><body><article><h1>Brief</h1>"
        "<p>The meeting was postponed until next week.</p></article></body></html>"
    )
    assert _rejection(html).reason is RejectReason.NO_BODY


def test_structured_date_beats_the_visible_one() -> None:
    head = "<meta property='article:published_time' content='2025-11-19T22:30:00-05:00'>"
    record = _record(wire_page(head=head, dateline="01 Jan 2020"))
    assert record.published_at == datetime(2025, 11, 20, 3, 30, tzinfo=UTC)
    assert record.published_precision is Precision.DATETIME
    assert record.quality_flags == ()


def test_json_ld_article_objects_are_read_before_other_objects() -> None:
    head = (
        '<script type="application/ld+json">[{"@type":"WebPage","headline":"Business News",'
        '"datePublished":"2020-01-01T00:00:00Z","inLanguage":"fr"},{"@type":["NewsArticle"],'
        '"headline":"Jordan Exports Rise 6 Percent","datePublished":"2025-11-19T06:00:00Z",'
        '"inLanguage":"ar"}]</script>'
    )
    record = _record(wire_page(head=head, title="Home").replace(" lang='en'", ""))
    assert record.title == "Jordan Exports Rise 6 Percent"
    assert record.published_at == datetime(2025, 11, 19, 6, 0, tzinfo=UTC)
    assert record.language == "ar"


def test_stale_structured_date_is_replaced_by_the_wire_date_and_flagged() -> None:
    head = (
        '<script type="application/ld+json">{"@type":"NewsArticle",'
        '"datePublished":"2020-01-01T00:00:00Z"}</script>'
    )
    record = _record(wire_page(head=head))
    assert record.published_at == datetime(2025, 11, 19, tzinfo=UTC)
    assert record.quality_flags_text == "dateline_mismatch"


def test_attribution_only_page_keeps_provider_without_wire_fields() -> None:
    record = _record(wire_page(wire_id=""))
    assert record.wire is None
    assert record.provider == "Jordan Times"
    assert record.paragraphs == PAGE_STORY


def test_wire_id_only_page_has_empty_provider() -> None:
    story = (PAGE_STORY[0].replace("The ministry", "The Jordanian ministry"), *PAGE_STORY[1:])
    record = _record(wire_page(attribution="", story=story))
    assert str(record.wire) == PAGE_WIRE_ID
    assert record.provider == ""
    assert record.paragraphs == story


@pytest.mark.parametrize(
    "title",
    ["404 Not Found", "Page not found - City Herald", "Error", "Oops! That page can't be found."],
)
def test_error_titles_are_recognised(title: str) -> None:
    assert looks_like_error_page(title)


@pytest.mark.parametrize(
    "title",
    [
        "Error in Vote Count Prompts Recount in Three Districts",
        "Court Rules Search Was Not Found to Breach Privacy Law",
        "Bank Posts 404 Million Dirham Profit",
    ],
)
def test_headlines_with_error_words_are_not_error_pages(title: str) -> None:
    assert not looks_like_error_page(title)


def test_article_with_a_large_menu_is_still_an_article() -> None:
    menu = "".join(
        f"<li><a href='/s/{n}'>Section number {n} of the site</a></li>" for n in range(80)
    )
    html = generic_page().replace("<header><nav>", f"<header><nav><ul>{menu}</ul>")
    record = _record(html)
    assert record.title == "City Council Approves New Cycling Lanes"


def test_html_served_as_octet_stream_is_sniffed() -> None:
    result = extract_checked(
        URL, wire_page().encode(), {"Content-Type": "application/octet-stream"}
    )
    assert isinstance(result, ArticleRecord)


def test_page_mentioning_feeds_is_not_taken_for_a_feed() -> None:
    head = "<link rel='alternate' type='application/rss+xml' href='/feed'><!-- <rss> -->"
    assert isinstance(extract_checked(URL, wire_page(head=head).encode(), HTML), ArticleRecord)


def test_attribution_split_over_elements_is_found_and_removed() -> None:
    record = _record(wire_page(attribution="(MENAFN- <a href='/jt'>Jordan Times</a>)"))
    assert record.provider == "Jordan Times"
    assert record.paragraphs == PAGE_STORY


# Issue 13: numeric datelines read in the order the site writes dates.
NO_WIRE_ID = "<!-- no wire id -->"


@pytest.mark.parametrize(
    ("url", "head", "expected", "flags"),
    [
        ("https://news.example/s", "", datetime(2026, 12, 4, tzinfo=UTC), ("date_ambiguous",)),
        ("https://news.jo/s", "", datetime(2026, 12, 4, tzinfo=UTC), ()),
        ("https://news.example/s", "<meta property='og:locale' content='en_US'>",
         datetime(2026, 4, 12, tzinfo=UTC), ()),
    ],
)  # fmt: skip
def test_a_numeric_dateline_is_read_as_the_site_writes_dates(
    url: str, head: str, expected: datetime, flags: tuple[str, ...]
) -> None:
    html = wire_page(wire_id=NO_WIRE_ID, dateline="04/12/2026", head=head)

    record = _record(html, url)

    assert record.published_at == expected
    assert [str(flag) for flag in record.quality_flags] == list(flags)


def test_other_dates_on_the_page_settle_an_ambiguous_dateline() -> None:
    related = "<aside><p>Earlier: Ports reopen (25/11/2026)</p></aside>"
    html = wire_page(wire_id=NO_WIRE_ID, dateline="04/12/2026", around=related)

    record = _record(html)

    assert record.published_at == datetime(2026, 12, 4, tzinfo=UTC)
    assert record.quality_flags == ()


def test_the_wire_date_settles_an_ambiguous_dateline() -> None:
    html = wire_page(dateline="11/19/2025")  # month-first, unambiguous, agrees with the wire ID
    assert _record(html).published_at == datetime(2025, 11, 19, tzinfo=UTC)
    wire_id = PAGE_WIRE_ID.replace("19112025", "04122025")
    html = wire_page(wire_id=wire_id, dateline="12/04/2025 10:30")

    record = _record(html)

    assert record.published_at == datetime(2025, 12, 4, 10, 30, tzinfo=UTC)
    assert record.quality_flags == ()
