"""Bytes to text: HTTP charset, then ``<meta charset>``/``http-equiv``, then a BOM, then detection.

A declared charset is only trusted when the bytes decode under it without error;
otherwise the next source is tried. Labels browsers treat as windows-1252
(``iso-8859-1``, ``latin1``, ``us-ascii``) decode as windows-1252, as the WHATWG
Encoding standard requires, so curly quotes in "latin-1" pages come out right.
"""

import codecs
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import NamedTuple

from charset_normalizer import from_bytes

_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,500}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)
_META_WINDOW = 4096
_DETECTION_WINDOW = 200_000
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BOM_FIRST_BYTES = frozenset(mark[:1] for mark, _ in _BOMS)
_WINDOWS_1252_ALIASES = frozenset({"latin_1", "ascii", "iso8859_1", "cp1252"})
_MAX_BAD_CHAR_RATIO = 0.1
_HIGH_BYTES = bytes(range(128, 256))
_SPARSE_HIGH_BYTES = 0.05
_CHAOS_TIE = 0.01
_PREFERRED_CODE_PAGES = ("utf-8", "cp1252", "cp1256", "cp1251", "cp1250", "cp1254", "cp1253")
_BINARY_SAMPLE = 100_000
_BAD_CHARS = re.compile("[\ufffd\x00-\x08\x0b\x0e-\x1f]")
_C0_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f]")
_C0_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20)])


class Decoded(NamedTuple):
    """The page's text and the codec it was decoded with (``source`` says which rule chose it)."""

    text: str
    encoding: str
    source: str


def header_value(headers: Mapping[str, str] | None, name: str) -> str:
    """A header's value, looked up case-insensitively; bytes and lists (Scrapy style) tolerated."""
    if not headers:
        return ""
    wanted = name.lower()
    for key, value in headers.items():
        key_text = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if key_text.lower() != wanted:
            continue
        if isinstance(value, list | tuple):
            value = value[0] if value else ""
        return value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return ""


@lru_cache(maxsize=128)
def codec_name(label: str | bytes | None) -> str | None:
    """The Python codec for a charset label, or None when the label is unknown."""
    if not label:
        return None
    text = label.decode("ascii", "ignore") if isinstance(label, bytes) else label
    try:
        name = codecs.lookup(text.strip().lower()).name
    except LookupError:
        return None
    if name.replace("-", "_") in _WINDOWS_1252_ALIASES:
        return "cp1252"
    return name


def _try_decode(body: bytes, encoding: str | None) -> str | None:
    if encoding is None:
        return None
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _bom(body: bytes) -> tuple[str, int] | None:
    if body[:1] not in _BOM_FIRST_BYTES:
        return None
    for mark, encoding in _BOMS:
        if body.startswith(mark):
            return encoding, len(mark)
    return None


def _detect(body: bytes) -> str | None:
    """charset-normalizer's guess, steered towards the code pages news sites actually use.

    Text whose high-bit bytes are rare is Latin text with a few accents and curly
    quotes; detectors guess wildly on so little evidence, browsers assume
    windows-1252, and so do we. Among equally plausible guesses, a common Windows
    code page wins over e.g. a Mac or DOS one.
    """
    sample = body[:_DETECTION_WINDOW]
    high = len(sample) - len(sample.translate(None, _HIGH_BYTES))
    if high <= len(sample) * _SPARSE_HIGH_BYTES and _try_decode(sample, "cp1252") is not None:
        return "cp1252"
    matches = list(from_bytes(sample))
    if not matches:
        return None
    best_chaos = min(match.chaos for match in matches)
    plausible = {codec_name(m.encoding) for m in matches if m.chaos <= best_chaos + _CHAOS_TIE}
    for preferred in _PREFERRED_CODE_PAGES:
        if preferred in plausible:
            return preferred
    return codec_name(matches[0].encoding)


def _http_charset(content_type: str) -> str | None:
    """The codec of the ``Content-Type`` header's charset."""
    http = _HTTP_CHARSET.search(content_type)
    return codec_name(http.group(1)) if http else None


def _meta_charset(body: bytes) -> str | None:
    """The codec of a ``<meta charset>`` or ``http-equiv`` declaration near the top."""
    meta = _META_CHARSET.search(body, 0, _META_WINDOW)
    return codec_name(meta.group(1)) if meta else None


def decode_body(body: bytes, content_type: str = "") -> Decoded | None:
    """Decode a page; None when no rule yields text that looks like text (binary data)."""
    decoded = _choose(body, content_type)
    if decoded.encoding == "utf-8" and decoded.source != "fallback":
        return decoded  # strict UTF-8 decoding already rules out binary data
    return None if _looks_binary(decoded, body) else decoded


def _choose(body: bytes, content_type: str) -> Decoded:
    bom = _bom(body)
    if bom is not None and bom[0] != "utf-8":
        return _from_bom(body, bom)  # 16/32-bit text: an 8-bit label cannot be right
    declarations: tuple[tuple[str, Callable[[], str | None]], ...] = (
        ("http", lambda: _http_charset(content_type)),
        ("meta", lambda: _meta_charset(body)),
    )
    for source, declared in declarations:
        encoding = declared()
        text = _try_decode(body, encoding)
        if text is not None and encoding is not None:
            return Decoded(text.lstrip("\ufeff"), encoding, source)
    if bom is not None:
        return _from_bom(body, bom)
    text = _try_decode(body, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8", "utf-8")
    detected = _detect(body)
    encoding = detected or "cp1252"
    return Decoded(
        body.decode(encoding, "replace"), encoding, "detected" if detected else "fallback"
    )


def _from_bom(body: bytes, bom: tuple[str, int]) -> Decoded:
    encoding, skip = bom
    return Decoded(body[skip:].decode(encoding, "replace").lstrip("\ufeff"), encoding, "bom")


def _looks_binary(decoded: Decoded, body: bytes) -> bool:
    """Replacement characters or C0 controls in more than a tenth of the text (sampled)."""
    sample = decoded.text[:_BINARY_SAMPLE]
    if not sample:
        return False
    if len(decoded.text) == len(body) and _keeps_c0_controls(decoded.encoding):
        # One character per byte, controls as themselves: the controls are counted in
        # the bytes (bytes.translate), which spares a regex pass over the text.
        raw = body[:_BINARY_SAMPLE]
        bad = len(raw) - len(raw.translate(None, _C0_BYTES)) + sample.count("\ufffd")
    else:
        bad = len(_BAD_CHARS.findall(sample))
    return bad > len(sample) * _MAX_BAD_CHAR_RATIO


@lru_cache(maxsize=64)
def _keeps_c0_controls(encoding: str) -> bool:
    """Whether a codec decodes each byte below 0x20 to that control, and no other byte to one."""
    chars = [bytes([byte]).decode(encoding, "replace") for byte in range(256)]
    return chars[:32] == [chr(byte) for byte in range(32)] and not any(
        _C0_CONTROLS.search(char) for char in chars[32:]
    )
