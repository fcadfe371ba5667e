"""Text normalisation shared by extraction and storage.

``content_hash`` is the storage key for pages without a wire ID and the test for
"is this a new revision", so typographic variants of one text must hash alike:
NFKC, curly quotes and dashes folded to ASCII, white space collapsed, case folded.

``clean_text`` is what storage applies to every text value it writes: stored text
never contains a C0 control character other than tab and newline. PostgreSQL
refuses NUL in text outright, and the others (ESC, BEL...) only ever reach a page
by accident or by malice.
"""

import hashlib
import re
import unicodedata

_TYPOGRAPHIC = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "\u0060": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u00a0": " ",
    }
)
_WHITESPACE = re.compile(r"\s+")

_LINE_BREAK = re.compile(r"\r\n?")
_SPACE_LIKE = re.compile(r"[\x0b\x0c\x1c-\x1f]")
_OTHER_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b]")
_UNWANTED_BYTES = bytes(code for code in range(0x20) if chr(code) not in "\t\n")


def clean_text(text: str) -> str:
    """``text`` without C0 control characters other than tab and newline.

    A carriage return (alone or in CRLF) becomes a newline; vertical tab, form
    feed and the separators U+001C to U+001F, which Python counts as white space,
    become a space, so words stay apart and word counts and content hashes do
    not change; every other one (NUL, ESC, BEL...) is removed. DEL and the C1
    range are kept: they are not C0, and human output escapes them.
    """
    if not has_controls(text):
        return text
    text = _LINE_BREAK.sub("\n", text)
    return _OTHER_CONTROLS.sub("", _SPACE_LIKE.sub(" ", text))


def has_controls(text: str) -> bool:
    """Whether ``text`` holds a C0 control character other than tab and newline.

    Checked on the UTF-8 bytes, where these characters are single bytes no other
    character contains: several times faster than a regular expression, which
    matters because storage checks every text it writes.
    """
    encoded = text.encode("utf-8", "surrogatepass")
    return len(encoded.translate(None, _UNWANTED_BYTES)) != len(encoded)


def collapse_whitespace(text: str) -> str:
    """Collapse every run of white space to one space and strip the ends."""
    return _WHITESPACE.sub(" ", text).strip()


def fold_for_hash(text: str) -> str:
    """The comparison form of a text: NFKC, typography folded to ASCII, spaces collapsed, casefolded."""
    folded = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHIC)
    return collapse_whitespace(folded).casefold()


def content_hash(title: str, body: str) -> str:
    """SHA-256 (hex) of the folded title and body; equal for typographic variants of one story."""
    payload = fold_for_hash(title) + "\n" + fold_for_hash(body)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def word_count(body: str) -> int:
    """Number of white-space separated words in a body."""
    return len(body.split())


TITLE_SEPARATORS = r"(?:[|\-\u2013\u2014:\u00bb\u2022]|::)"
"""What sets a site's name off a headline: ``|``, dashes, ``:``, ``::``, ``»``, ``•``."""
_TITLE_SEPARATOR = re.compile(r"\s+(" + TITLE_SEPARATORS + r")\s+")
_MAX_AFFIX_CHARS = 60
_MAX_AFFIXES = 2
_MIN_HEADLINE_WORDS = 3


def headline_variants(title: str) -> frozenset[str]:
    """The folded title, and the folded headlines left when up to two short affixes are cut.

    ``Oil Rises :: Levant Ledger`` -> ``oil rises :: levant ledger``, ``oil rises``
    (a cut title keeps at least three words, so ``Oil: Prices Rise`` never comes
    down to ``oil``). Two titles sharing a variant differ only by such affixes.
    """
    parts = _TITLE_SEPARATOR.split(title)
    texts, separators = parts[0::2], parts[1::2]
    count = len(texts)
    variants = {fold_for_hash(title)}
    for start in range(min(count, _MAX_AFFIXES + 1)):
        for end in range(count, max(start, count - _MAX_AFFIXES - 1), -1):
            if (start, end) == (0, count) or start >= end:
                continue
            if any(len(text) > _MAX_AFFIX_CHARS for text in (*texts[:start], *texts[end:])):
                continue
            kept = texts[start]
            for separator, text in zip(
                separators[start : end - 1], texts[start + 1 : end], strict=True
            ):
                kept += f" {separator} {text}"
            if len(kept.split()) >= _MIN_HEADLINE_WORDS:
                variants.add(fold_for_hash(kept))
    return frozenset(variants)


def only_affixes_differ(first: str, second: str) -> bool:
    """Whether two titles are one headline with different site-name affixes (or typography)."""
    return bool(headline_variants(first) & headline_variants(second))


def is_affix_stripped(title: str, of: str) -> bool:
    """Whether ``title`` is ``of`` with an affix cut off (not merely a typographic variant)."""
    folded = fold_for_hash(title)
    return folded != fold_for_hash(of) and folded in headline_variants(of)


# UTF-8 read in a single-byte code page: "Ã©" (windows-1252, latin-1), "â€™", "Â " and,
# read as Mac Roman, "√©". And U+FFFD, which stands for bytes no charset decoded.
_MOJIBAKE = re.compile(
    "\ufffd|[\u00c2\u00c3][\u0080-\u00bf\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u0152"
    "\u0153\u0160\u0161\u0178\u017d\u017e\u02c6\u02dc\u2122]|\u00e2\u20ac|\u221a[\u00a0-\u00ff]"
)


def suspect_characters(text: str) -> int:
    """How many replacement characters and mojibake sequences ``text`` holds."""
    if text.isascii():
        return 0
    return len(_MOJIBAKE.findall(text))
