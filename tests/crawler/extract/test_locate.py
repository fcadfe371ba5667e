from lxml import etree

from crawler.extract.document import parse_document
from crawler.extract.locate import text_before


def _anchor(html: str) -> etree._Element:
    document = parse_document(html.encode())
    assert document is not None
    found = document.root.xpath("//*[@id='story']")
    assert isinstance(found, list) and isinstance(found[0], etree._Element)
    return found[0]


def test_text_before_reads_back_from_the_story_to_the_body_start() -> None:
    html = (
        "<html><head><title>Head title</title></head><body><nav>Home News</nav>"
        "<div><h1>Headline</h1><span>18 Nov 2025</span><span>10:15 GMT</span></div>"
        "<div><p id='story'>(MENAFN) Text.</p></div></body></html>"
    )
    assert text_before(_anchor(html), 1000) == "Home News Headline 18 Nov 2025 10:15 GMT"


def test_text_before_stops_once_it_has_enough_text() -> None:
    menu = "".join(f"<li>Section {n}</li>" for n in range(500))
    html = (
        f"<html><body><ul>{menu}</ul><div><div class='date'>18 Nov 2025</div>"
        f"<p>{'Intro words. ' * 100}</p><p id='story'>(MENAFN) Text.</p></div></body></html>"
    )
    text = text_before(_anchor(html), 1000)
    assert text.endswith("18 Nov 2025 " + ("Intro words. " * 100).strip())
    assert "Section" not in text
