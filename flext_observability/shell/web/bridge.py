"""Serve a WSGI app to ASGI servers: each request runs in a bounded thread pool, off the event loop.

The platform's routes (``/metrics``, the health endpoints, ``/status``) are
WSGI apps; a health check may take its whole timeout, so the loop must never
run them itself. :func:`wsgi_to_asgi` wraps one as an ASGI 3 app:

- ``http``: the request body is read (at most ``max_body`` bytes, else
  413), the WSGI app runs in one of ``max_workers`` threads, and its answer
  is sent back. At most ``max_pending`` requests are in the pool or waiting
  for it; one more is answered 503 at once, and counted
  (:attr:`WsgiBridge.refused`).
- ``lifespan``: startup and shutdown are acknowledged; the pool stops at shutdown.
- any other scope (``websocket``) is closed without being served.

The pool is made on first use; after ``os.fork()`` the child makes its own
(the parent's threads do not exist there). A WSGI app that raises answers
500 and is logged; nothing reaches the server.
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Final

from flext_observability.core.checks import describe
from flext_observability.shell.counts import check_count
from flext_observability.shell.library_log import library_logger
from flext_observability.shell.locks import fork_safe_lock

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, MutableMapping

    Scope = MutableMapping[str, Any]
    Message = MutableMapping[str, Any]
    Receive = Callable[[], Awaitable[Message]]
    Send = Callable[[Message], Awaitable[None]]
    AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]
    WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_LOG: Final = library_logger("flext_observability.web")

DEFAULT_MAX_BODY: Final = 64 * 1024
"""Bytes of request body read at most (the platform's routes read none)."""
_MAX_WORKERS: Final = 64
_MAX_PENDING: Final = 10_000
_BRIDGES: Final[weakref.WeakSet[WsgiBridge]] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for bridge in list(_BRIDGES):
        bridge._pool = None  # noqa: SLF001 - this module's own fork hook


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class _Answer:
    """What the WSGI app answered: status, headers and body."""

    __slots__ = ("body", "headers", "status")

    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = b""


def _status_code(status: object) -> int:
    text = str(status)
    head = text[:3]
    return int(head) if head.isdigit() else 500


def _environ(scope: Scope, body: bytes) -> dict[str, Any]:
    server = scope.get("server") or ("127.0.0.1", 80)
    client = scope.get("client") or ("", 0)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": str(scope.get("method", "GET")),
        "SCRIPT_NAME": str(scope.get("root_path", "")),
        "PATH_INFO": str(scope.get("path", "/")),
        "QUERY_STRING": bytes(scope.get("query_string", b"")).decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "REMOTE_ADDR": str(client[0]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": str(scope.get("scheme", "http")),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
    }
    for raw_name, raw_value in scope.get("headers", ()):
        name = bytes(raw_name).decode("latin-1").upper().replace("-", "_")
        value = bytes(raw_value).decode("latin-1")
        if name == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif name != "CONTENT_LENGTH":
            key = f"HTTP_{name}"
            environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


def _run(app: WSGIApp, environ: dict[str, Any]) -> _Answer:
    """Call the WSGI app in a worker thread; never raises (a failure is a 500)."""
    answer = _Answer()

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> Callable[[bytes], None]:
        del exc_info
        answer.status = _status_code(status)
        answer.headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]
        return lambda _data: None

    try:
        result = app(environ, start_response)
        try:
            answer.body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if callable(close):
                close()
    except Exception:  # noqa: BLE001 - a failing route answers 500, the server never sees it
        _LOG.exception("a WSGI route served over ASGI raised")
        answer.status = 500
        answer.headers = [(b"content-type", b"text/plain; charset=utf-8")]
        answer.body = b"internal error; see the application log\n"
    return answer


class WsgiBridge:
    """An ASGI 3 app serving a WSGI app from a bounded thread pool; see the module."""

    def __init__(self, app: WSGIApp, *, max_workers: int, max_pending: int, max_body: int) -> None:
        """Hold the app and the bounds (checked by :func:`wsgi_to_asgi`)."""
        self._app = app
        self.max_workers = max_workers
        self.max_pending = max_pending
        self.max_body = max_body
        self._pool: ThreadPoolExecutor | None = None
        self._lock = fork_safe_lock()
        self._pending = 0
        self.refused = 0
        """Requests answered 503 because ``max_pending`` were in flight already."""
        _BRIDGES.add(self)

    def _take(self) -> ThreadPoolExecutor | None:
        with self._lock:
            if self._pending >= self.max_pending:
                self.refused += 1
                return None
            self._pending += 1
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.max_workers, thread_name_prefix="flext-asgi-bridge")
            return self._pool

    def _give_back(self) -> None:
        with self._lock:
            self._pending -= 1

    def close(self) -> None:
        """Stop the pool (requests running finish; none waits for them)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection."""
        kind = scope.get("type")
        if kind == "lifespan":
            await self._lifespan(receive, send)
            return
        if kind != "http":
            if kind == "websocket":
                await send({"type": "websocket.close", "code": 1000})
            return
        body = await self._body(receive)
        if body is None:
            await _send_plain(send, 413, b"the request body is too large\n")
            return
        pool = self._take()
        if pool is None:
            await _send_plain(send, 503, b"too many requests in flight; try again\n")
            return
        try:
            loop = asyncio.get_running_loop()
            answer = await loop.run_in_executor(pool, _run, self._app, _environ(scope, body))
        except RuntimeError:  # the pool was shut down under the request
            await _send_plain(send, 503, b"shutting down\n")
            return
        finally:
            self._give_back()
        await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
        await send({"type": "http.response.body", "body": answer.body, "more_body": False})

    async def _body(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message.get("type") != "http.request":
                break
            chunk = bytes(message.get("body", b""))
            size += len(chunk)
            if size > self.max_body:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            kind = message.get("type")
            if kind == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif kind == "lifespan.shutdown":
                self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return
            else:
                return


async def _send_plain(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def wsgi_to_asgi(
    app: WSGIApp, *, max_workers: int = 4, max_pending: int = 64, max_body: int = DEFAULT_MAX_BODY
) -> WsgiBridge:
    """``app`` as an ASGI 3 app (see the module); a bad bound raises ``ValueError`` naming it.

    >>> import asyncio
    >>> def hello(environ, start_response):
    ...     start_response("200 OK", [("Content-Type", "text/plain")])
    ...     return [b"hello from " + environ["PATH_INFO"].encode()]
    >>> bridge = wsgi_to_asgi(hello)
    >>> sent = []
    >>> async def receive():
    ...     return {"type": "http.request", "body": b""}
    >>> async def send(message):
    ...     sent.append(message)
    >>> asyncio.run(bridge({"type": "http", "method": "GET", "path": "/livez", "headers": []}, receive, send))
    >>> sent[0]["status"], sent[1]["body"]
    (200, b'hello from /livez')
    >>> bridge.close()
    """
    given: object = app  # callers outside the type checker may pass anything
    if not callable(given):
        message = f"app must be a WSGI app (a callable), not {describe(given)}"
        raise TypeError(message)
    return WsgiBridge(
        app,
        max_workers=check_count("max_workers", max_workers, most=_MAX_WORKERS, not_an_int=ValueError),
        max_pending=check_count("max_pending", max_pending, most=_MAX_PENDING, not_an_int=ValueError),
        max_body=check_count("max_body", max_body, most=64 * 1024 * 1024, not_an_int=ValueError),
    )
