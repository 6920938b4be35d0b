"""The ASGI middleware: request metrics and a server span for every HTTP request of an ASGI 3 application.

>>> import asyncio
>>> from flext_observability.shell.metrics.service import FlextMetricsService
>>> from flext_observability.shell.tracing.service import FlextTracingService
>>> from flext_observability.shell.web.routes import set_route
>>> async def app(scope, receive, send):
...     set_route(scope, "/orders/{id}")
...     await send({"type": "http.response.start", "status": 200, "headers": []})
...     await send({"type": "http.response.body", "body": b"order 7"})
>>> metrics, tracing = FlextMetricsService(), FlextTracingService(service_name="orders")
>>> served = FlextAsgiMiddleware(app, metrics=metrics, tracing=tracing)
>>> async def receive():
...     return {"type": "http.request", "body": b""}
>>> async def send(message):
...     pass
>>> asyncio.run(served({"type": "http", "method": "GET", "path": "/orders/7", "headers": []}, receive, send))
>>> metrics.snapshot().family("http_server_requests_total").state(
...     http_request_method="GET", http_route="/orders/{id}", http_response_status_code="200")
CounterState(value=1.0)
>>> tracing.shutdown(5)
True

Only ``http`` scopes are recorded; ``lifespan`` and ``websocket`` scopes
(and any other) reach the application untouched, with the server's own
``receive`` and ``send``. For an ``http`` scope the application gets the
very ``scope`` and ``receive`` the server gave, and a ``send`` that notes
what passes through it:

- the status is the one of ``http.response.start``;
- the response is complete once the last ``http.response.body``
  (``more_body`` false) was sent, or the last ``http.response.trailers``
  when the start announced trailers, or an ``http.response.pathsend``; the
  duration and the metrics are recorded then, and the span ends then. Work
  the application does after the response (background tasks) is not timed.
  An application that returns (or fails) without completing its response is
  recorded when it returns.

The span is current in the application's context from the call until it
returns. An exception escaping the application before its response started
is recorded as ``500`` (what servers answer), marks the span as failed, and
reaches the server unchanged; after the response was complete it is the
application's own business and changes nothing recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, cast

from flext_observability.core.values import SpanKind
from flext_observability.shell.web.routes import (
    DEFAULT_MAX_ROUTES,
    NO_PARENT,
    OTHER,
    SERVER_ERROR,
    UNMATCHED,
    ServerRecorder,
    asgi_route,
    checked_app,
    method_label,
    remote_context,
    status_label,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, MutableMapping

    from flext_observability.shell.clock import Clock
    from flext_observability.shell.metrics.service import FlextMetricsService
    from flext_observability.shell.tracing.propagation import RemoteContext
    from flext_observability.shell.tracing.service import FlextTracingService, SpanScope
    from flext_observability.shell.tracing.span import AnySpan

    Scope = MutableMapping[str, Any]
    Message = MutableMapping[str, Any]
    Receive = Callable[[], Awaitable[Message]]
    Send = Callable[[Message], Awaitable[None]]
    AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_PROPAGATION: Final = frozenset({b"traceparent", b"tracestate", b"baggage"})
_LENGTHS: Final = frozenset(len(name) for name in _PROPAGATION)


class FlextAsgiMiddleware:
    """Wraps an ASGI 3 application: ``app = FlextAsgiMiddleware(app, metrics=..., tracing=...)``.

    See the module documentation for what is recorded.
    """

    __slots__ = ("_app", "_served")

    def __init__(
        self,
        app: AsgiApp,
        *,
        metrics: FlextMetricsService,
        tracing: FlextTracingService,
        max_routes: int = DEFAULT_MAX_ROUTES,
        record_path: bool = False,
        clock: Clock | None = None,
    ) -> None:
        """Record ``app``'s HTTP requests in ``metrics`` and ``tracing``.

        The options are those of the WSGI middleware: ``max_routes`` bounds
        the distinct route templates recorded, ``record_path=True`` puts
        ``url.path`` on spans (redacted), ``clock`` times the requests.
        Set-up mistakes raise ``TypeError`` or ``ValueError`` naming the
        argument.
        """
        self._app = cast("AsgiApp", checked_app(app, "ASGI"))
        self._served = ServerRecorder(metrics, tracing, max_routes=max_routes, record_path=record_path, clock=clock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one connection's scope through the application, recording it when it is an HTTP request."""
        try:
            kind = scope["type"] if type(scope) is dict else None
        except Exception:  # noqa: BLE001 - a scope without a type is the server's problem, not ours
            kind = None
        if kind != "http":
            await self._app(scope, receive, send)
            return
        try:
            exchange = _Exchange(self._served, scope, send)
        except Exception:  # noqa: BLE001 - a scope we cannot read is served, just not recorded
            self._served.refuse("unreadable_request", "a request could not be read and was served unrecorded")
            await self._app(scope, receive, send)
            return
        try:
            await self._app(scope, receive, exchange.send)
        except BaseException as error:
            exchange.finish(error)
            exchange.leave(error)
            raise
        exchange.finish(None)
        exchange.leave(None)


class _Exchange:
    """One HTTP request being served: the ``send`` the application calls, and what is recorded at the end."""

    __slots__ = (
        "_finished",
        "_method",
        "_scope",
        "_served",
        "_server_send",
        "_span",
        "_span_scope",
        "_start",
        "_started",
        "_status",
        "_trailers",
    )

    def __init__(self, served: ServerRecorder, scope: Scope, send: Send) -> None:
        self._finished = True  # until the span and the gauge are started, there is nothing to finish
        self._start = served.monotonic()
        self._served = served
        self._scope = scope
        self._server_send = send
        self._status: object = None
        self._started = False
        self._trailers = False
        get = scope.get
        method = method_label(get("method"))
        self._method = method
        self._span_scope: SpanScope = served.tracing.start_span(
            served.span_name(method, UNMATCHED),
            kind=SpanKind.SERVER,
            attributes=_attributes(scope, method, record_path=served.record_path),
            parent=_parent(get("headers")),
        )
        self._span: AnySpan = self._span_scope.__enter__()
        served.active.labels(method).inc()
        self._finished = False

    async def send(self, message: Message) -> None:
        """Send ``message`` with the server's ``send``, noting the status and the end of the response."""
        try:
            kind = message.get("type") if type(message) is dict else None
            if kind == "http.response.start":
                status, trailers = message.get("status"), message.get("trailers", False)
        except Exception:  # noqa: BLE001 - a message we cannot read is the server's to refuse
            kind = None
        await self._server_send(message)
        if kind is None or self._finished:
            return
        try:
            if kind == "http.response.start":
                self._status, self._started, self._trailers = status, True, trailers is True
            elif self._completes(kind, message):
                self.finish(None)
        except Exception:  # noqa: BLE001 - the middleware's own failure is counted, never raised
            self._served.refuse("internal_error", "reading a response message failed")

    def _completes(self, kind: object, message: Message) -> bool:
        """Whether ``message``, just sent, was the last of the response."""
        if kind == "http.response.body":
            return not self._trailers and not message.get("more_body", False)
        if kind == "http.response.trailers":
            return not message.get("more_trailers", False)
        return kind == "http.response.pathsend"

    def finish(self, error: BaseException | None) -> None:
        """Record the request (once); without an error, end its span too. Never raises."""
        if self._finished:
            return
        self._finished = True
        served = self._served
        status = status_label(self._status) if self._started else SERVER_ERROR  # status_label never raises
        served.record(self._method, self._start, asgi_route, self._scope, status, self._span, error=error)
        if error is None:
            try:
                self._span.end()
            except Exception:  # noqa: BLE001 - same
                served.refuse("internal_error", "ending a request's span failed")

    def leave(self, error: BaseException | None) -> None:
        """End the span (if the response did not) and restore the context the application was called in."""
        try:
            if error is None:
                self._span_scope.__exit__(None, None, None)
            else:
                self._span_scope.__exit__(type(error), error, error.__traceback__)
        except Exception:  # noqa: BLE001 - same
            self._served.refuse("internal_error", "ending a request's span failed")


def _attributes(scope: Scope, method: str, *, record_path: bool) -> dict[str, object]:
    """The span's attributes known when the request arrives: those the semantic conventions require."""
    get = scope.get
    attributes: dict[str, object] = {"http.request.method": method, "url.scheme": get("scheme", "http")}
    if method == OTHER:
        attributes["http.request.method_original"] = get("method")
    if record_path:
        attributes["url.path"] = get("path", "")
    return attributes


def _parent(headers: object) -> RemoteContext:
    """The caller's context from the ``traceparent``, ``tracestate`` and ``baggage`` pairs of ``headers``.

    One pass over the pairs; a header sent on several lines keeps every
    line, in order. Headers that are not ``(bytes, bytes)`` pairs are skipped.
    """
    found: dict[bytes, list[object]] | None = None
    try:
        for pair in headers:  # type: ignore[attr-defined]
            name = pair[0]
            if type(name) is bytes and len(name) in _LENGTHS:
                name = name.lower()
                if name in _PROPAGATION:
                    if found is None:
                        found = {}
                    found.setdefault(name, []).append(pair[1])
    except Exception:  # noqa: BLE001 - headers that cannot be read bring no context
        return NO_PARENT
    if found is None:
        return NO_PARENT
    return remote_context(
        _lines(found.get(b"traceparent")), _lines(found.get(b"tracestate")), _lines(found.get(b"baggage"))
    )


def _lines(values: list[object] | None) -> object:
    """No line as ``None``, one as itself, several as a tuple (read as one list, RFC 9110)."""
    if values is None:
        return None
    return values[0] if len(values) == 1 else tuple(values)
