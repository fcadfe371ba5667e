"""Untrusted text on a terminal: control and bidi characters shown as escapes, the rest as is."""

import json
import logging

import pytest

from wirewatch.core.logs import configure_logging
from wirewatch.core.terminal import escape_json, visible


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b]0;owned\x07", "\\x1b]0;owned\\x07"),  # OSC: window title
        ("\x1b]52;c;ZXZpbA==\x07", "\\x1b]52;c;ZXZpbA==\\x07"),  # OSC 52: clipboard write
        (
            "\x1b]8;;http://evil/\x1b\\x\x1b]8;;\x1b\\",
            "\\x1b]8;;http://evil/\\x1b\\x\\x1b]8;;\\x1b\\",
        ),
        ("\x1b[2J\x1b[31mred", "\\x1b[2J\\x1b[31mred"),  # CSI: clear screen, colour
        ("\x9b31m", "\\x9b31m"),  # C1 CSI
        ("a\rb\x7f", "a\\x0db\\x7f"),
        ("invoice\u202egnp.exe", "invoice\\u202egnp.exe"),
        ("".join(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])), None),
        ("one\ntwo\tthree", "one\\x0atwo\\x09three"),
        ("Qatar \u0642\u0637\u0631 \u2014 caf\u00e9 \u201cquoted\u201d [bold]", None),
    ],
)
def test_visible_escapes_control_and_bidi_characters_only(text: str, shown: str | None) -> None:
    result = visible(text)
    if shown is not None:
        assert result == shown
    elif text.isprintable():
        assert result == text  # ordinary text, Arabic and typography included, is left alone
    else:
        assert result == "".join(f"\\u{ord(c):04x}" for c in text)
    assert result.isprintable()


def test_visible_keeps_lines_and_tabs_of_a_body_on_request() -> None:
    assert visible("one\n\ttwo\x1b[2J", lines=True) == "one\n\ttwo\\x1b[2J"


def test_escape_json_keeps_the_values_and_escapes_what_json_leaves_raw() -> None:
    value = {"title": "a\u202eb\x9b\x1b\u2028c", "plain": "caf\u00e9"}
    dumped = escape_json(json.dumps(value, ensure_ascii=False))
    assert json.loads(dumped) == value
    assert dumped.isprintable()
    assert "caf\u00e9" in dumped


def test_log_lines_show_control_characters_escaped_and_keep_traceback_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(0)
    log = logging.getLogger("wirewatch.test")
    log.warning("fetched %s", "http://x.example/\x1b]0;owned\x07\u202e")
    try:
        raise ValueError("bad\x1b[2J")
    except ValueError:
        log.exception("failed")
    err = capsys.readouterr().err
    assert "fetched http://x.example/\\x1b]0;owned\\x07\\u202e" in err
    assert "\x1b" not in err and "\u202e" not in err
    assert "Traceback (most recent call last):\n" in err and "ValueError: bad\\x1b[2J" in err
