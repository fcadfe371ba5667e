"""Bytes to text: a BOM, then the HTTP charset, then ``<meta charset>``/``http-equiv``, then UTF-8.

A declared charset is trusted when the bytes decode under it with at most a few
errors (``_few_errors``; each becomes U+FFFD); otherwise the next source is
tried. Bytes that read as UTF-8 with multi-byte sequences outnumbering the bad
bytes win over a declared single-byte charset (a server's default ``latin-1``
on a UTF-8 page) and over detection: one stray byte in a UTF-8 page becomes one
U+FFFD, never a page of mojibake. A detector runs only when neither a
declaration nor UTF-8 fits. Labels browsers treat as windows-1252
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
_FEW_ERRORS = 3
_BYTES_PER_TOLERATED_ERROR = 10_000
_BAD_CHARS = re.compile("[\ufffd\x00-\x08\x0b\x0e-\x1f]")
_C0_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f]")
_C0_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20)])


class Decoded(NamedTuple):
    """The page's text and the codec it was decoded with (``source`` says which rule chose it)."""

    text: str
    encoding: str
    source: str
    exact: bool = True
    """Whether every byte decoded (no U+FFFD stands for an undecodable byte)."""


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
    if decoded.exact and decoded.encoding == "utf-8":
        return decoded  # strict UTF-8 decoding already rules out binary data
    return None if _looks_binary(decoded, body) else decoded


def _choose(body: bytes, content_type: str) -> Decoded:
    bom = _bom(body)
    if bom is not None:
        return _from_bom(body, bom)  # a byte order mark outranks any label, as in browsers
    utf8 = _Utf8Reading(body)
    declarations: tuple[tuple[str, Callable[[], str | None]], ...] = (
        ("http", lambda: _http_charset(content_type)),
        ("meta", lambda: _meta_charset(body)),
    )
    for source, declared in declarations:
        encoding = declared()
        if encoding is None:
            continue
        if encoding != "utf-8" and _single_byte(encoding) and utf8.mostly_valid(multibyte=True):
            return utf8.decoded(source)  # UTF-8 bytes under a legacy label: the label is wrong
        decoded = _decode_tolerant(body, encoding, source)
        if decoded is not None:
            return decoded
    if utf8.mostly_valid():
        return utf8.decoded("utf-8")
    detected = _detect(body)
    encoding = detected or "cp1252"
    text = body.decode(encoding, "replace")
    return Decoded(text, encoding, "detected" if detected else "fallback", _exact(text, body))


def _decode_tolerant(body: bytes, encoding: str, source: str) -> Decoded | None:
    """The body under a declared charset, when it decodes with at most a few errors."""
    strict = _try_decode(body, encoding)
    if strict is not None:
        return Decoded(strict.lstrip("\ufeff"), encoding, source, True)
    try:
        text = body.decode(encoding, "replace")
    except LookupError:
        return None
    errors = text.count("\ufffd")
    if errors > _few_errors(len(body)):
        return None
    return Decoded(text.lstrip("\ufeff"), encoding, source, False)


def _few_errors(size: int) -> int:
    """How many undecodable bytes a declared charset may leave and still be trusted."""
    return max(_FEW_ERRORS, size // _BYTES_PER_TOLERATED_ERROR)


class _Utf8Reading:
    """The body read as UTF-8, undecodable bytes as U+FFFD; computed once, when first asked."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self._text: str | None = None
        self._exact = False

    def _read(self) -> str:
        if self._text is None:
            strict = _try_decode(self._body, "utf-8")
            self._exact = strict is not None
            self._text = strict if strict is not None else self._body.decode("utf-8", "replace")
        return self._text

    def mostly_valid(self, *, multibyte: bool = False) -> bool:
        """Valid UTF-8, or multi-byte sequences at least as many as the bytes that are not.

        With ``multibyte``, at least one multi-byte sequence is required too (an
        ASCII page reads the same under any label but UTF-16's).

        A legacy single-byte page almost never holds a valid multi-byte sequence
        (it would take a letter such as ``Ã`` followed by a symbol such as ``©``),
        so one stray byte in a UTF-8 page is told from a windows-1252 page with
        a few accents. Pure ASCII counts as valid UTF-8.
        """
        text = self._read()
        if self._exact and not multibyte:
            return True
        errors = 0 if self._exact else text.count("\ufffd")
        sequences = len(text) - len(text.encode("ascii", "ignore")) - errors
        return sequences >= errors and (sequences > 0 or not multibyte)

    def decoded(self, source: str) -> Decoded:
        return Decoded(self._read().lstrip("\ufeff"), "utf-8", source, self._exact)


@lru_cache(maxsize=64)
def _single_byte(encoding: str) -> bool:
    """Whether a codec maps each byte to one character (windows-1252, ISO 8859, KOI8...)."""
    try:
        return len(bytes(range(256)).decode(encoding, "replace")) == 256
    except LookupError:
        return False


def _exact(text: str, body: bytes) -> bool:
    return "\ufffd" not in text or b"\xef\xbf\xbd" in body


def _from_bom(body: bytes, bom: tuple[str, int]) -> Decoded:
    encoding, skip = bom
    text = body[skip:].decode(encoding, "replace")
    return Decoded(text.lstrip("\ufeff"), encoding, "bom", _exact(text, body))


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
