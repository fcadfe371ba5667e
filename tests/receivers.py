"""Webhook receivers for the watch tests: real HTTP servers on 127.0.0.x, with a log.

``Receiver`` answers each POST with the next status of ``statuses`` (then
``then``), records every request (headers, body), and can dedupe by
``Idempotency-Key`` as a careful receiver would. ``hold_on`` makes the n-th
request wait until ``release()``: a delivery caught in the middle.
"""

import json
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def key(self) -> str:
        return self.headers.get("idempotency-key", "")

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        receiver = self.server.receiver
        status = receiver.arrived(Received({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, receiver: "Receiver", host: str) -> None:
        self.receiver = receiver
        super().__init__((host, 0), _Handler)


class Receiver:
    """A webhook on ``host`` that answers ``statuses`` in turn, then ``then``."""

    def __init__(
        self,
        host: str = "127.0.0.5",
        *,
        statuses: Iterable[int] = (),
        then: int = 200,
        hold_on: int | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._statuses = list(statuses)
        self._then = then
        self._hold_on = hold_on
        self.held = threading.Event()
        self._release = threading.Event()
        self.requests: list[Received] = []
        self.processed: dict[str, Received] = {}
        """What a receiver deduping by ``Idempotency-Key`` acted on: the first of each key."""
        self._server = _Server(self, host)
        self.url = f"http://{host}:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def arrived(self, request: Received) -> int:
        with self._lock:
            self.requests.append(request)
            number = len(self.requests)
            status = self._statuses.pop(0) if self._statuses else self._then
        if 200 <= status < 300:
            with self._lock:
                self.processed.setdefault(request.key, request)
        if self._hold_on is not None and number == self._hold_on:
            self.held.set()  # acted on, but the answer is late: the sender may be gone by then
            self._release.wait(60)
        return status

    def release(self) -> None:
        self._release.set()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()


def closed_port_url(host: str = "127.0.0.6") -> str:
    """The address of a port on ``host`` where nothing listens (a receiver that is down)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port = probe.getsockname()[1]
    return f"http://{host}:{port}/hook"
