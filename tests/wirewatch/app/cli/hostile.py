"""Text a hostile page chooses, and a site on 127.0.0.9 that serves it.

``TITLE`` carries every kind of terminal sequence a page could try: OSC (window
title, clipboard write, hyperlink), CSI (clear screen, colour), a C1 control,
bidi overrides and isolates, and rich markup. ``unsafe`` lists what of a text
would act on a terminal.
"""

import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.factories import wire_page

BIDI_CONTROLS = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
"""Embeddings, overrides (U+202A-U+202E) and isolates (U+2066-U+2069)."""

OSC_TITLE = "\x1b]0;pwned\x07"
OSC_CLIPBOARD = "\x1b]52;c;ZXZpbA==\x07"
OSC_LINK = "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"
CSI = "\x1b[2J\x1b[31m"
C1_CSI = "\x9b31m"
BIDI = "\u202egnp.exe\u202c \u2066isolated\u2069 \u202a\u202b\u202d\u2067\u2068"
MARKUP = "[bold]markup[/bold] [link=http://evil.example/]here[/link]"

TITLE = f"Oil {OSC_TITLE}{OSC_CLIPBOARD}{OSC_LINK} {CSI}red {C1_CSI} {BIDI} {MARKUP}"
BODY = f"First paragraph {CSI}cleared.\n\nSecond paragraph {BIDI} with a bell\x07."
RUN_ERROR = (
    "no start URL could be fetched (1 start URL): http://127.0.0.9/jump redirects (302) "
    f"off the allowed domains to http://127.0.0.1:1/{OSC_TITLE}{BIDI}"
)


def unsafe(text: str) -> list[str]:
    """The control (other than newline) and bidi characters in ``text``, as hex."""
    return sorted(
        {
            hex(ord(char))
            for char in text
            if (unicodedata.category(char) == "Cc" and char != "\n") or char in BIDI_CONTROLS
        }
    )


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        base = f"http://{self.headers['Host']}"
        if self.path == "/feed.xml":
            feed = (
                '<?xml version="1.0"?><rss version="2.0"><channel><title>wire</title>'
                f"<item><title>story</title><link>{base}/story/1</link></item></channel></rss>"
            )
            self._send(200, feed.encode(), "application/rss+xml")
        elif self.path == "/story/1":
            self._send(200, wire_page(title=TITLE).encode(), "text/html; charset=utf-8")
        elif self.path == "/jump":
            self.send_response(302)
            # Headers are Latin-1 on the wire: the UTF-8 bytes of the target, as they come.
            target = f"http://127.0.0.1:1/{OSC_TITLE}{BIDI}".encode().decode("latin-1")
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._send(404, b"not here", "text/plain")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def hostile_site() -> Iterator[str]:
    """Serve the hostile site on 127.0.0.9; yields its base URL.

    ``/feed.xml`` lists ``/story/1``, a wire story titled ``TITLE``; ``/jump``
    redirects off the site to an address carrying terminal sequences.
    """
    server = ThreadingHTTPServer(("127.0.0.9", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.9:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
