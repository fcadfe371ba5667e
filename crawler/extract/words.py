"""Counting a story's words in any script.

Chinese, Japanese, Thai, Lao, Khmer and Burmese are written without spaces
between words, so counting white-space separated words makes a whole Japanese
article "three words long". Each character of those scripts counts as half a
word here (a word in them averages about two characters), on top of the
white-space separated words of the rest.
"""

import re

_UNSPACED_SCRIPTS = re.compile(
    "[\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"  # CJK ideographs
)


def story_words(text: str) -> float:
    """Half a word per character of unspaced scripts, plus the white-space separated words
    of the rest."""
    rest, unspaced = _UNSPACED_SCRIPTS.subn(" ", text)
    return len(rest.split()) + unspaced / 2
