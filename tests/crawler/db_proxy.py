"""A TCP proxy in front of the PostgreSQL server that can make it vanish for a while.

Tests cannot restart the shared server, so they point a crawl at this proxy
instead (127.0.0.6, a free port). ``outage(seconds)`` cuts every open connection
and refuses new ones (accepted, then closed at once) until the time is up, as a
server restart does; afterwards connections pass again.
"""

import contextlib
import selectors
import socket
import threading
import time
from types import TracebackType
from typing import Self, cast

from sqlalchemy.engine import make_url

HOST = "127.0.0.6"


class DatabaseProxy:
    def __init__(self, upstream_url: str) -> None:
        url = make_url(upstream_url)
        self.url = url
        self.upstream = (url.host or "127.0.0.1", url.port or 5432)
        self._listener = socket.create_server((HOST, 0))
        self.port = self._listener.getsockname()[1]
        self._down_until = 0.0
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self.refused = 0
        """Connections turned away during outages: proof that the crawl tried to reach the database."""
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def proxied_url(self) -> str:
        """The upstream URL with this proxy as its host and port."""
        return self.url.set(host=HOST, port=self.port).render_as_string(hide_password=False)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopped.set()
        self._listener.close()
        self._cut_all()

    def outage(self, seconds: float) -> None:
        """Start an outage of ``seconds`` now (returns at once)."""
        with self._lock:
            self._down_until = time.monotonic() + seconds
        self._cut_all()

    @property
    def down(self) -> bool:
        return time.monotonic() < self._down_until

    def _cut_all(self) -> None:
        with self._lock:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.down:
                self.refused += 1
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._open |= {client, server}
            threading.Thread(target=self._pipe, args=(client, server), daemon=True).start()

    def _pipe(self, client: socket.socket, server: socket.socket) -> None:
        """Copy bytes both ways until either side closes or an outage cuts them."""
        with selectors.DefaultSelector() as selector:
            selector.register(client, selectors.EVENT_READ, server)
            selector.register(server, selectors.EVENT_READ, client)
            while not self._stopped.is_set() and client.fileno() >= 0 and server.fileno() >= 0:
                try:
                    events = selector.select(timeout=1)
                    chunks = [
                        (key.data, cast(socket.socket, key.fileobj).recv(65536))
                        for key, _ in events
                    ]
                    if any(not data for _, data in chunks):
                        break
                    for peer, data in chunks:
                        peer.sendall(data)
                except (OSError, ValueError):  # cut by an outage, or closed by the other side
                    break
        with self._lock:
            self._open -= {client, server}
        for sock in (client, server):
            sock.close()
