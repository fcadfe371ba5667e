"""Untrusted text made safe to print on a terminal: control and bidi characters shown, not obeyed.

Titles, bodies, addresses, HTTP headers and the errors that quote them come from
pages a crawl fetched: a page chooses them. Printed raw, ESC starts sequences
that retitle the window, write the clipboard (OSC 52), draw hyperlinks, clear
the screen or recolour it; C1 controls (U+0080-U+009F) do the same on some
terminals; bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069)
reorder what follows, so ``gnp.exe`` can read ``exe.png``. Every human-readable
output path passes such text through ``visible``, which writes these characters
as escapes (``\\x1b``, ``\\u202e``) and leaves all other text alone. Machine
formats keep exact values: JSON escapes C0 controls itself (``escape_json``
adds the rest), CSV carries them as they are.
"""

import re

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Embeddings, overrides and isolates: the characters of "Trojan Source" (CVE-2021-42574)."""

_LINE_SEPARATORS = "\u2028\u2029"
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI_CONTROLS}{_LINE_SEPARATORS}]")
_UNSAFE_KEEPING_LINES = re.compile(
    f"[\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI_CONTROLS}{_LINE_SEPARATORS}]"
)
_UNSAFE_IN_JSON = re.compile(f"[\x7f-\x9f{BIDI_CONTROLS}{_LINE_SEPARATORS}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def visible(text: str, *, lines: bool = False) -> str:
    """``text`` with control and bidi characters written as escapes.

    One line unless ``lines``: then newlines and tabs stay (a body, a traceback).
    """
    return (_UNSAFE_KEEPING_LINES if lines else _UNSAFE).sub(_escape, text)


def escape_json(dumped: str) -> str:
    """JSON text (``json.dumps(..., ensure_ascii=False)``) with DEL, C1, bidi and line
    separators as ``\\uXXXX`` escapes: the same values once parsed, harmless on a terminal.

    Such characters can only stand inside JSON strings, where the escape means them.
    """
    return _UNSAFE_IN_JSON.sub(_json_escape, dumped)
