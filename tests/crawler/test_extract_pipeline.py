"""The extraction pipeline: fetched pages become records or rejections, huge pages off the reactor."""

import asyncio
from pathlib import Path

from scrapy.utils.test import get_crawler

from tests.factories import fetched_page
from wirewatch.core.record import ArticleRecord, Rejection, RejectReason
from wirewatch.crawler.items import Extracted, FetchedPage
from wirewatch.crawler.pipelines.extract import INLINE_MAX_BYTES, ExtractPipeline

TEMPLATES = Path(__file__).parent / "extract" / "templates"


def fetched(body: bytes) -> FetchedPage:
    return fetched_page("https://menafn.com/1110354612/Kremlin?src=RSS", body)


def run(pipeline: ExtractPipeline, item: object) -> object:
    return asyncio.run(pipeline.process_item(item))


def new_pipeline() -> ExtractPipeline:
    return ExtractPipeline.from_crawler(get_crawler())


def test_an_article_page_becomes_its_record() -> None:
    pipeline = new_pipeline()
    page = fetched((TEMPLATES / "menafn-article.html").read_bytes())
    result = run(pipeline, page)
    assert isinstance(result, Extracted) and result.page is page
    assert isinstance(result.result, ArticleRecord)
    assert str(result.result.wire) == "MENAFN17112025000045017169ID1110354612"
    assert pipeline.stats.get_value("wirewatch/extract/records") == 1
    assert pipeline.stats.get_value("wirewatch/extract/in_thread") is None


def test_a_page_that_is_no_article_becomes_a_counted_rejection() -> None:
    pipeline = new_pipeline()
    result = run(pipeline, fetched(b"<html><body><p>Not found</p></body></html>"))
    assert isinstance(result, Extracted) and isinstance(result.result, Rejection)
    reason = result.result.reason
    assert reason in (RejectReason.NOT_AN_ARTICLE, RejectReason.NO_TITLE, RejectReason.NO_BODY)
    assert pipeline.stats.get_value(f"wirewatch/extract/rejections/{reason}") == 1


def test_a_page_over_the_inline_limit_is_extracted_in_a_worker_thread() -> None:
    pipeline = new_pipeline()
    article = (TEMPLATES / "menafn-article.html").read_bytes()
    padding = b"<!-- " + b"x" * INLINE_MAX_BYTES + b" -->"
    result = run(pipeline, fetched(article.replace(b"</body>", padding + b"</body>")))
    assert isinstance(result, Extracted) and isinstance(result.result, ArticleRecord)
    assert pipeline.stats.get_value("wirewatch/extract/in_thread") == 1


def test_items_other_than_fetched_pages_pass_through_untouched() -> None:
    rejection = Rejection("http://127.0.0.1/x", RejectReason.HTTP_ERROR, "HTTP 404", 404)
    assert run(new_pipeline(), rejection) is rejection


def titled_page(title: str, number: int) -> bytes:
    story = "".join(
        f"<p>Paragraph {n} of story {number} tells how the port handled more containers this "
        "year than in any year before, officials said on Sunday.</p>"
        for n in range(4)
    )
    return (
        f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
        f"<div class='story'><p>(MENAFN- Levant Ledger) Lead of story {number}.</p>{story}"
        "</div></body></html>"
    ).encode()


def test_a_site_name_shared_by_a_host_titles_is_learnt_and_stripped_from_later_ones() -> None:
    pipeline = new_pipeline()
    titles = [f"Port Volumes Rise in Week {n} :: Levant Ledger" for n in range(1, 6)]

    stored = []
    for number, title in enumerate(titles, start=1):
        page = fetched_page(
            f"https://ledger.example/story.php?id={number}", titled_page(title, number)
        )
        result = run(pipeline, page)
        assert isinstance(result, Extracted) and isinstance(result.result, ArticleRecord)
        stored.append(result.result.title)
    other = fetched_page("https://other.example/a", titled_page(titles[0], 9))
    result = run(pipeline, other)

    assert stored[3:] == ["Port Volumes Rise in Week 4", "Port Volumes Rise in Week 5"]
    assert stored[:3] == titles[:3]
    assert isinstance(result, Extracted) and isinstance(result.result, ArticleRecord)
    assert result.result.title == titles[0]
