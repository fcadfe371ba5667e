import codecs

import pytest

from wirewatch.crawler.extract.encoding import codec_name, decode_body, header_value

TEXT = "<p>Café owners welcome a €12 million fund — “finally”, they say.</p>"


@pytest.mark.parametrize("label", ["windows-1252", "ISO-8859-1", "latin1", "us-ascii", "cp1252"])
def test_latin_labels_decode_as_windows_1252(label: str) -> None:
    decoded = decode_body(TEXT.encode("cp1252"), f"text/html; charset={label}")
    assert decoded is not None
    assert decoded.text == TEXT
    assert decoded.encoding == "cp1252"
    assert decoded.source == "http"


def test_http_charset_comes_first() -> None:
    body = ('<meta charset="utf-8">' + TEXT).encode("cp1252")
    decoded = decode_body(body, 'text/html; charset="windows-1252"')
    assert decoded is not None
    assert decoded.source == "http"
    assert TEXT in decoded.text


def test_meta_charset_when_http_has_none() -> None:
    decoded = decode_body(('<meta charset="windows-1252">' + TEXT).encode("cp1252"), "text/html")
    assert decoded is not None
    assert (decoded.source, decoded.encoding) == ("meta", "cp1252")
    assert TEXT in decoded.text


def test_meta_http_equiv_charset() -> None:
    head = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
    decoded = decode_body((head + TEXT).encode("cp1252"), "")
    assert decoded is not None
    assert decoded.source == "meta"
    assert TEXT in decoded.text


def test_a_wrong_declaration_falls_through() -> None:
    page = (
        f"<html><head><title>News</title></head><body><div class='story'>{TEXT}</div></body></html>"
    )
    decoded = decode_body(page.encode("cp1252"), "text/html; charset=utf-8")
    assert decoded is not None
    assert decoded.text == page
    assert decoded.encoding == "cp1252"


def test_utf8_bom_is_used_and_removed() -> None:
    decoded = decode_body(codecs.BOM_UTF8 + TEXT.encode("utf-8"), "text/html")
    assert decoded is not None
    assert decoded.text == TEXT


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_bom_wins_over_an_8_bit_label(codec: str) -> None:
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    decoded = decode_body(bom + TEXT.encode(codec), "text/html; charset=utf-8")
    assert decoded is not None
    assert decoded.text == TEXT
    assert decoded.source == "bom"


def test_undeclared_utf8_is_recognised() -> None:
    decoded = decode_body(TEXT.encode("utf-8"), "text/html")
    assert decoded is not None
    assert decoded.text == TEXT


def test_undeclared_legacy_text_is_detected() -> None:
    text = "<p>Привет, мир! Это проверка кодировки страницы новостей.</p>" * 5
    decoded = decode_body(text.encode("cp1251"), "")
    assert decoded is not None
    assert decoded.source == "detected"
    assert decoded.text == text


def test_undeclared_arabic_code_page_is_detected() -> None:
    text = "<p>أعلنت وزارة السياحة اليوم عن صندوق جديد لدعم المقاهي والمطاعم</p>" * 3
    decoded = decode_body(text.encode("cp1256"), "")
    assert decoded is not None
    assert decoded.text == text


def test_binary_data_does_not_decode() -> None:
    noise = bytes(range(256)) * 40
    assert decode_body(noise, "text/html") is None


@pytest.mark.parametrize("charset", ["windows-1252", "utf-16-le", "cp037"])
def test_binary_data_declared_in_any_code_page_does_not_decode(charset: str) -> None:
    controls = "".join(chr(code) for code in range(32) if chr(code) not in "\t\n\f\r")
    noise = (controls * 3 + "abc" * 10).encode(charset)
    assert decode_body(noise, f"text/html; charset={charset}") is None


@pytest.mark.parametrize("charset", ["windows-1252", "utf-16-le", "cp037"])
def test_text_with_a_few_control_characters_still_decodes(charset: str) -> None:
    text = "<p>Caf\u00e9 \x07 owners \x1b welcome a new fund.</p>" * 3
    decoded = decode_body(text.encode(charset), f"text/html; charset={charset}")
    assert decoded is not None
    assert decoded.text == text


def test_unknown_labels_are_ignored() -> None:
    assert codec_name("no-such-charset") is None
    decoded = decode_body(TEXT.encode("utf-8"), "text/html; charset=no-such-charset")
    assert decoded is not None
    assert decoded.text == TEXT


def test_headers_are_read_case_insensitively() -> None:
    assert header_value({"content-type": "text/html"}, "Content-Type") == "text/html"
    assert header_value({b"Content-Type": [b"text/html"]}, "content-type") == "text/html"  # type: ignore[dict-item]
    assert header_value(None, "Content-Type") == ""


# Issue 13: a short UTF-8 page with one stray byte was decoded as a legacy code page
# (mac-iceland, windows-1252): "CafÃ©" stored over the clean text.
STRAY = "<html><body><p>Café owners welcome a new fund.</p>".encode() + b"\x92 stray</body></html>"


@pytest.mark.parametrize(
    "content_type", ["text/html", "text/html; charset=utf-8", "text/html; charset=no-such"]
)
def test_a_utf8_page_with_one_stray_byte_reads_as_utf8_with_one_replacement(
    content_type: str,
) -> None:
    decoded = decode_body(STRAY, content_type)

    assert decoded is not None
    assert decoded.encoding == "utf-8"
    assert "Café owners" in decoded.text
    assert decoded.text.count("\ufffd") == 1
    assert not decoded.exact


def test_a_utf8_meta_declaration_with_a_stray_byte_is_trusted() -> None:
    decoded = decode_body(b'<meta charset="utf-8">' + STRAY, "text/html")

    assert decoded is not None
    assert (decoded.encoding, decoded.source) == ("utf-8", "meta")
    assert "Café" in decoded.text


@pytest.mark.parametrize("label", ["iso-8859-1", "windows-1252", "koi8-r"])
def test_utf8_bytes_under_a_wrong_single_byte_label_read_as_utf8(label: str) -> None:
    page = "<html><body><p>Café owners welcome a fund - “finally”, they say.</p></body></html>"

    decoded = decode_body(page.encode("utf-8"), f"text/html; charset={label}")

    assert decoded is not None
    assert decoded.text == page
    assert decoded.encoding == "utf-8"


def test_a_declared_legacy_page_with_an_undefined_byte_keeps_its_charset() -> None:
    body = TEXT.encode("cp1252") + b"\x81"

    decoded = decode_body(body, "text/html; charset=windows-1252")

    assert decoded is not None
    assert decoded.encoding == "cp1252"
    assert decoded.text.startswith(TEXT)


def test_a_legacy_page_with_a_few_accents_and_no_declaration_is_not_read_as_utf8() -> None:
    filler = "<p>The council met on Sunday and agreed the plan for the coming year.</p>" * 4
    page = f"<html><body>{filler}{TEXT}{filler}</body></html>"

    decoded = decode_body(page.encode("cp1252"), "text/html")

    assert decoded is not None
    assert decoded.text == page
