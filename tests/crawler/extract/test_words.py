"""Story length in scripts written with and without spaces between words."""

import pytest

from tests.crawler.extract.checked import extract_checked
from wirewatch.core.record import ArticleRecord, Rejection, RejectReason
from wirewatch.crawler.extract.words import story_words

URL = "https://blog.example/ja/kindle-hotkey.html"
HTML = {"Content-Type": "text/html; charset=utf-8"}
JAPANESE = (
    "Kindle書籍を読む場合は、一般的にスマホやタブレットなどのモバイル端末で読むことが多いと思いますが、"
    "パソコンでそのまま読みたい時もあります。",
    "そんな用途を考慮してか、Kindleや楽天koboにはデスクトップアプリが用意されています。"
    "今回はそのデスクトップアプリに関する話です。",
    "このアプリは操作性があまりよくありません。設定で変更できる箇所も少なく、融通が効かない面も多々あります。",
)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("The council approved the plan.", 5),
        ("東京都", 1.5),
        ("ข่าว", 2),
        ("Kindle 書籍", 2),
        ("", 0),
    ],
)
def test_unspaced_scripts_count_half_a_word_a_character(text: str, words: float) -> None:
    assert story_words(text) == words


def _page(paragraphs: tuple[str, ...]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        "<html lang='ja'><head><title>Kindle for PCのホットキー</title></head><body>"
        f"<article><h1>Kindle for PCのホットキー</h1>{body}</article></body></html>"
    ).encode()


def test_a_japanese_article_is_long_enough_to_be_a_story() -> None:
    result = extract_checked(URL, _page(JAPANESE), HTML)
    assert isinstance(result, ArticleRecord), result
    assert result.paragraphs == JAPANESE


def test_a_japanese_page_of_one_sentence_is_still_too_short() -> None:
    result = extract_checked(URL, _page(("設定で変更できる箇所も少ない。",)), HTML)
    assert isinstance(result, Rejection)
    assert result.reason is RejectReason.NO_BODY
