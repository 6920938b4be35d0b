"""``/metrics`` over HTTP: a WSGI app to mount, and a small server in a thread.

The app wraps prometheus_client's, which picks the text format or OpenMetrics
from the scraper's ``Accept`` header and compresses when asked. Around it this
module adds an optional path, optional HTTP basic authentication (compared in
constant time) and a guarantee that a failure answers 500 instead of raising
into the server. :func:`serve_metrics` binds to loopback unless told otherwise.

``routes`` maps more exact paths to other WSGI apps served by the same server
and port (the health endpoints, ``/livez`` and the rest): basic
authentication and TLS apply to them as to ``/metrics``; each such app
answers its own methods and errors.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import selectors
import socket
import ssl
import threading
from collections.abc import Mapping
from socketserver import BaseRequestHandler, ThreadingMixIn
from typing import TYPE_CHECKING, Any, Final, Self
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app
from returns.result import Failure, Result, Success

from flext_observability.core.checks import as_number, describe
from flext_observability.core.errors import FlextExportError
from flext_observability.core.redaction import DEFAULT_POLICY, RedactionPolicy, redact_text
from flext_observability.shell.library_log import library_logger

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from prometheus_client.registry import Collector

    StartResponse = Callable[..., Any]
    WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_LOG: Final = library_logger("flext_observability.http")
_MAX_PORT: Final = 65535
_SHOWN_INT: Final = 10**18


def make_metrics_app(
    registry: Collector,
    *,
    path: str | None = "/metrics",
    basic_auth: tuple[str, str] | None = None,
    routes: Mapping[str, WSGIApp] | None = None,
) -> WSGIApp:
    """A WSGI app serving the registry at ``path`` (any path when ``None``), and ``routes`` beside it.

    With ``basic_auth=(user, password)``, requests without those credentials
    get 401, on ``routes`` too. Mount it under an existing WSGI app's
    ``/metrics`` with ``path=None``. A ``path`` that is neither text nor
    ``None``, or ``routes`` that is no mapping of paths (``/...``, not
    ``path``) to WSGI apps, raises ``ValueError`` (a set-up mistake).
    """
    path = _checked_path(path)
    extra = _checked_routes(routes, path)
    inner = make_wsgi_app(registry)
    expected = _expected_credentials(basic_auth)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        route = extra.get(environ.get("PATH_INFO", "")) if extra else None
        if route is not None:
            if expected is not None and not _authorized(environ.get("HTTP_AUTHORIZATION", ""), expected):
                return _unauthorized(start_response)
            return route(environ, start_response)
        if environ.get("REQUEST_METHOD") == "HEAD":
            # HEAD is GET without the body (RFC 9110 9.3.2); load balancers and probes send it.
            body = app({**environ, "REQUEST_METHOD": "GET"}, start_response)
            close = getattr(body, "close", None)
            if close is not None:
                close()
            return []
        if path is not None and environ.get("PATH_INFO", "") not in {path, path.rstrip("/") + "/"}:
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [f"metrics are served at {path}\n".encode()]
        if expected is not None and not _authorized(environ.get("HTTP_AUTHORIZATION", ""), expected):
            return _unauthorized(start_response)
        try:
            return inner(environ, start_response)  # type: ignore[no-any-return]
        except Exception:  # noqa: BLE001 - a failing scrape answers 500, it never takes the server down
            _LOG.exception("serving /metrics failed")
            start_response("500 Internal Server Error", [("Content-Type", "text/plain; charset=utf-8")], None)
            return [b"metrics are unavailable; see the application log\n"]

    return app


def _unauthorized(start_response: StartResponse) -> list[bytes]:
    start_response(
        "401 Unauthorized",
        [("Content-Type", "text/plain; charset=utf-8"), ("WWW-Authenticate", 'Basic realm="metrics"')],
    )
    return [b"authentication required\n"]


def _checked_routes(routes: object, path: str | None) -> dict[str, WSGIApp]:
    """``routes`` as a plain dict of exact paths to WSGI apps; a set-up mistake raises ``ValueError``."""
    if routes is None:
        return {}
    if not isinstance(routes, Mapping):
        message = f"routes must map paths such as '/livez' to WSGI apps, or be None, got {describe(routes)}"
        raise ValueError(message)  # noqa: TRY004 - the one exception type serve_metrics turns into a Failure
    try:
        pairs = list(routes.items())
    except Exception as error:  # noqa: BLE001 - a mapping that cannot be read is a set-up mistake like any other
        message = f"routes could not be read: {type(error).__name__}"
        raise ValueError(message) from None
    checked: dict[str, WSGIApp] = {}
    for route, target in pairs:
        if not isinstance(route, str) or not str.__str__(route).startswith("/") or not callable(target):
            message = f"routes must map paths starting with '/' to WSGI apps, got {describe(route)}"
            raise ValueError(message)
        plain = str.__str__(route)
        if path is not None and plain in {path, path.rstrip("/") + "/"}:
            message = f"routes must not hold the metrics path {path!r}"
            raise ValueError(message)
        checked[plain] = target
    return checked


def _checked_path(path: object) -> str | None:
    """``path`` as plain text (each scrape compares it), or ``None``."""
    if path is None:
        return None
    if not isinstance(path, str):
        message = f"path must be text such as '/metrics', or None, got {describe(path)}"
        raise ValueError(message)  # noqa: TRY004 - the one exception type serve_metrics turns into a Failure
    # str.__str__ reads a str subclass's text without calling its overrides.
    return str.__str__(path)


def _expected_credentials(basic_auth: object) -> bytes | None:
    """``user:password`` as bytes, from a (user, password) pair; a set-up mistake raises ``ValueError``."""
    if basic_auth is None:
        return None
    if (
        not isinstance(basic_auth, tuple)
        or len(basic_auth) != 2
        or not all(isinstance(part, str) and part for part in basic_auth)
    ):
        message = (
            "basic_auth must be a (user, password) pair of non-empty strings, "
            f"got {type(basic_auth).__name__}{'' if not isinstance(basic_auth, tuple) else f' of {len(basic_auth)}'}"
        )
        raise ValueError(message)
    user, password = basic_auth
    if ":" in user or any(character in user + password for character in "\r\n\0"):
        message = "basic_auth's user must not contain ':' (RFC 7617), and neither part a line break or NUL"
        raise ValueError(message)
    return f"{user}:{password}".encode()


def _authorized(header: str, expected: bytes) -> bool:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        given = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(given, expected)


class _QuietHandler(WSGIRequestHandler):
    """Requests are not logged: scrapes every few seconds would flood the log.

    A connection that sends nothing is closed after ``timeout`` seconds, in
    its own thread, so it never holds up other scrapers.
    """

    timeout = 10.0

    def setup(self) -> None:
        """Set the socket's timeout, then finish a TLS handshake here rather than in ``accept``."""
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        """Log nothing."""


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    """One thread per request, so a slow scraper does not block the others.

    Its loop waits on the listening socket and on a wake-up socket pair, so
    :meth:`stop` ends it at once: ``serve_forever`` would only notice a
    shutdown at its next half-second poll, which every close (and every
    container stop) would pay.
    """

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], handler: type[BaseRequestHandler]) -> None:
        """Make the pair of sockets that wakes the loop up, then bind and listen (a failure closes both)."""
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._stopping = False
        super().__init__(address, handler)

    def serve_until_stopped(self) -> None:
        """Accept and hand off requests until :meth:`stop`; the server thread's target."""
        with selectors.DefaultSelector() as selector:
            selector.register(self, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while not self._stopping:
                for key, _events in selector.select():
                    if key.fileobj is self and not self._stopping:
                        self._accept_one()

    def _accept_one(self) -> None:
        """Accept one connection and hand it to its own thread, as ``serve_forever`` does."""
        try:
            request, client_address = self.get_request()
        except OSError:
            return
        if not self.verify_request(request, client_address):
            self.shutdown_request(request)
            return
        try:
            self.process_request(request, client_address)
        except Exception:  # noqa: BLE001 - one failed hand-off must not end the server
            self.handle_error(request, client_address)
            self.shutdown_request(request)

    def stop(self) -> None:
        """Have the loop end now (from any thread); idempotent."""
        self._stopping = True
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"\0")

    def server_close(self) -> None:
        """Release the listening socket and the wake-up pair."""
        super().server_close()
        self._wake_reader.close()
        self._wake_writer.close()

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that fails its handshake or vanishes is not worth a traceback on stderr."""
        del request
        _LOG.debug("a /metrics request from %s failed", client_address, exc_info=True)


_DEFAULT_CLOSE_WAIT: Final = 5.0


def _wait_seconds(timeout: object) -> float:
    """``timeout`` as seconds ``threading`` accepts; the default for anything but a number of 0 or more."""
    seconds = as_number(timeout)
    if seconds is None or not seconds >= 0:  # NaN is not 0 or more
        return _DEFAULT_CLOSE_WAIT
    return min(seconds, threading.TIMEOUT_MAX)


class MetricsServer:
    """A running ``/metrics`` server: where it listens, and how to stop it."""

    def __init__(self, server: _ThreadingServer, thread: threading.Thread, scheme: str) -> None:
        """Wrap a started server and its thread."""
        self._server = server
        self._thread = thread
        host, self.port = server.server_address[:2]
        self.host = host.decode() if isinstance(host, bytes) else host
        self.url = f"{scheme}://{self.host}:{self.port}/metrics"

    def close(self, timeout: float = 5.0) -> None:
        """Stop serving and release the port; waits at most ``timeout`` seconds for the server's thread.

        A ``timeout`` that is not a number of 0 or more (NaN, text, ...) waits
        the default 5 seconds; closing never raises.
        """
        self._server.stop()
        self._thread.join(_wait_seconds(timeout))
        self._server.server_close()

    def __enter__(self) -> Self:
        """Use the server as a context manager that closes it."""
        return self

    def __exit__(self, *_exc: object) -> None:
        """Close the server."""
        self.close()


def serve_metrics(  # noqa: PLR0913 - where, how, and the redaction of its messages
    registry: Collector,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    path: str = "/metrics",
    tls: tuple[str, str] | ssl.SSLContext | None = None,
    basic_auth: tuple[str, str] | None = None,
    redaction: RedactionPolicy = DEFAULT_POLICY,
    routes: Mapping[str, WSGIApp] | None = None,
) -> Result[MetricsServer, FlextExportError]:
    """Serve the registry on ``host:port`` (port 0 picks a free one) in a daemon thread.

    ``routes`` adds more paths on the same server (see :func:`make_metrics_app`).
    ``tls`` is ``(certfile, keyfile)`` or a ready server-side ``SSLContext``.
    A failure's target and message pass ``redaction``; a ``host`` that is
    not text or a ``port`` that is not an integer from 0 to 65535 is a
    failure that names it.
    """
    address = _address(host, port)
    where = f"{address[0]}:{address[1]}" if isinstance(address, tuple) else "metrics server"
    given_path: object = path  # the annotation binds type checkers, not every caller
    shown_path = str.__str__(given_path) if isinstance(given_path, str) else describe(given_path)

    def failure(message: str) -> Failure[FlextExportError]:
        return Failure(FlextExportError(target=redact_text(redaction, where), message=redact_text(redaction, message)))

    if isinstance(address, str):
        return failure(f"cannot serve {shown_path}: {address}")
    host, port = address
    try:
        app = make_metrics_app(registry, path=path, basic_auth=basic_auth, routes=routes)
    except ValueError as error:
        return failure(f"cannot serve {shown_path}: {error}")
    server: WSGIServer | None = None
    try:
        server = make_server(
            host,
            port,
            app,
            server_class=_ThreadingServer,
            handler_class=_QuietHandler,
        )
        if tls is not None:
            context = tls if isinstance(tls, ssl.SSLContext) else _server_context(*tls)
            # The handshake happens on first read, in the request's own thread, not in accept():
            # a client that connects and stays silent must not stop the server from accepting others.
            server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    except Exception as error:  # noqa: BLE001 - a taken port or a bad certificate becomes a Failure
        if server is not None:
            server.server_close()
        reason = (
            error.strerror.lower()
            if isinstance(error, OSError) and error.strerror
            else f"{type(error).__name__}: {error}"
        )
        return failure(f"cannot serve {shown_path} on {where}: {reason}")
    thread = threading.Thread(target=server.serve_until_stopped, name="flext-metrics-http", daemon=True)
    thread.start()
    return Success(MetricsServer(server, thread, "https" if tls is not None else "http"))


def _address(host: object, port: object) -> tuple[str, int] | str:
    """``(host, port)`` as plain values, or what is wrong with them (the failure's target too)."""
    if not isinstance(host, str):
        return f"host must be text (a name or an address), got {describe(host)}"
    # Plain values only: a subclass's str() and comparisons are the caller's code.
    text = str.__str__(host)
    number = int.__int__(port) if isinstance(port, int) and not isinstance(port, bool) else -1
    if not 0 <= number <= _MAX_PORT:
        shown = str(port) if type(port) is int and abs(port) < _SHOWN_INT else describe(port)
        return f"port must be an integer from 0 to {_MAX_PORT} (0 picks a free one), got {shown}"
    return text, number


def _server_context(certfile: str, keyfile: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile, keyfile)
    return context
