"""One raw-TCP test server on 127.0.0.1 and the handlers that make it misbehave on purpose.

A :class:`LoopbackServer` listens on a free port and serves every connection in a
thread of its own: it reads the request head, records it, and hands the connection
to a handler that answers with raw bytes: a canned answer, nothing at all, a
trickle, a late answer, an endless stream, a huge body. Nothing of it outlives
:meth:`LoopbackServer.stop`, so a test that ends early leaves no thread and no
socket behind.

Start one with ``with LoopbackServer(handler) as server:``, several with
:func:`serving`, or in a test through the ``serve`` fixture of ``conftest.py``.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Protocol, Self

Handler = Callable[[socket.socket, bytes, threading.Event], None]
"""What a server does with one connection: ``(connection, request head, stop)``."""

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
HANG_LIMIT = 5.0
"""Seconds a handler that never finishes on its own keeps going: a test's patience."""


def _read_request(conn: socket.socket) -> bytes:
    """The request's bytes up to and with the blank line after its headers (or whatever came first)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(64 * KIB)
        if not chunk:
            break
        data += chunk
    return data


class LoopbackServer:
    """A TCP server on 127.0.0.1 that runs ``handler`` in a thread of its own for each connection.

    The request head of each connection is read and recorded first (unless
    ``read_request`` is off), then ``handler(connection, head, stop)`` runs.
    ``rcvbuf`` sets the receive buffer of the connections, so that a server
    that never reads blocks a sender after a few MiB.
    :meth:`stop` wakes every handler, shuts any connection still served and
    joins every thread, so nothing of the server outlives it. Used as a context
    manager, the server is stopped on leaving the block.
    """

    def __init__(self, handler: Handler, *, read_request: bool = True, rcvbuf: int | None = None) -> None:
        self._handler = handler
        self._read_request = read_request
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            # Set before listen, so every accepted connection has it (and no autotuning).
            self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(256)
        self._listener.settimeout(0.02)
        self.port: int = self._listener.getsockname()[1]
        self.requests: list[bytes] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._served: list[tuple[threading.Thread, socket.socket]] = []
        self._acceptor = threading.Thread(target=self._accept, name=f"accept-{self.port}", daemon=True)
        self._acceptor.start()

    @property
    def origin(self) -> str:
        """The server's ``http://127.0.0.1:port``, without a path."""
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/x", *, scheme: str = "http", userinfo: str = "") -> str:
        """The URL of ``path`` on this server."""
        at = f"{userinfo}@" if userinfo else ""
        return f"{scheme}://{at}127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            with self._lock:
                self.connections += 1
                self._served.append((thread, conn))
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        # OSError: the client hung up, which is what most attacks expect of it.
        with conn, contextlib.suppress(OSError):
            conn.settimeout(5.0)
            request = _read_request(conn) if self._read_request else b""
            with self._lock:
                self.requests.append(request)
            self._handler(conn, request, self._stop)

    def stop(self) -> None:
        """Stop accepting, wake and join every handler, close every socket (calling it again does nothing more)."""
        self._stop.set()
        self._acceptor.join(timeout=5.0)
        self._listener.close()
        with self._lock:
            served = list(self._served)
        for thread, conn in served:
            thread.join(timeout=1.0)
            if thread.is_alive():
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                thread.join(timeout=5.0)
            conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


class Serve(Protocol):
    """Start a :class:`LoopbackServer`, stopped when the test (or the :func:`serving` block) ends."""

    def __call__(self, handler: Handler, *, read_request: bool = True, rcvbuf: int | None = None) -> LoopbackServer: ...


@contextlib.contextmanager
def serving() -> Iterator[Serve]:
    """Give a function that starts loopback servers; every one of them is stopped on leaving, whatever happened."""
    started: list[LoopbackServer] = []

    def start(handler: Handler, *, read_request: bool = True, rcvbuf: int | None = None) -> LoopbackServer:
        server = LoopbackServer(handler, read_request=read_request, rcvbuf=rcvbuf)
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()


def answer(raw: bytes) -> Handler:
    """A handler that sends ``raw`` and hangs up."""

    def handle(conn: socket.socket, _request: bytes, _stop: threading.Event) -> None:
        conn.sendall(raw)

    return handle


def black_hole(_conn: socket.socket, _request: bytes, stop: threading.Event) -> None:
    """Accept, read the request, and write nothing for ``HANG_LIMIT`` seconds (a test's patience), then hang up."""
    stop.wait(HANG_LIMIT)


def trickle(prefix: bytes, period: float = 0.2, piece: bytes = b"x") -> Handler:
    """A handler that sends ``prefix`` and then ``piece`` every ``period`` seconds, for as long as a test may wait.

    It hangs up after ``HANG_LIMIT`` seconds, so that a client without a
    deadline fails its test (late, with the wrong error) instead of hanging it.
    """

    def handle(conn: socket.socket, _request: bytes, stop: threading.Event) -> None:
        conn.sendall(prefix)
        ends = time.monotonic() + HANG_LIMIT
        while not stop.wait(period) and time.monotonic() < ends:
            conn.sendall(piece)

    return handle


def slow(raw: bytes, delay: float) -> Handler:
    """A handler that waits ``delay`` seconds, then sends ``raw``."""

    def handle(conn: socket.socket, _request: bytes, stop: threading.Event) -> None:
        if not stop.wait(delay):
            conn.sendall(raw)

    return handle


class Stream:
    """A handler that sends ``head``, then ``piece`` again and again until the client hangs up; counts what it sent.

    With ``limit`` it stops once that many bytes followed the head (the last
    piece cut to fit), as a body of that length would.
    """

    def __init__(self, head: bytes, piece: bytes, *, limit: int | None = None) -> None:
        self.head = head
        self.piece = piece
        self.limit = limit
        self.sent = 0

    def __call__(self, conn: socket.socket, _request: bytes, stop: threading.Event) -> None:
        conn.sendall(self.head)
        while not stop.is_set() and (self.limit is None or self.sent < self.limit):
            piece = self.piece if self.limit is None else self.piece[: self.limit - self.sent]
            conn.sendall(piece)
            self.sent += len(piece)


def huge_body(size: int = GIB, content_type: str = "application/json") -> Stream:
    """A handler answering 200 with a ``size``-byte body (1 GiB unless told), streamed until the client hangs up."""
    head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {size}\r\n\r\n".encode()
    return Stream(head, b"0" * (64 * KIB), limit=size)
