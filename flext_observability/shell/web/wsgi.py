"""The WSGI middleware: request metrics and a server span for every request of a WSGI application.

>>> from flext_observability.shell.metrics.service import FlextMetricsService
>>> from flext_observability.shell.tracing.service import FlextTracingService
>>> from flext_observability.shell.web.routes import set_route
>>> def app(environ, start_response):
...     set_route(environ, "/orders/{id}")
...     start_response("200 OK", [("Content-Type", "text/plain")])
...     return [b"order 7"]
>>> metrics, tracing = FlextMetricsService(), FlextTracingService(service_name="orders")
>>> served = FlextWsgiMiddleware(app, metrics=metrics, tracing=tracing)
>>> body = served({"REQUEST_METHOD": "GET", "PATH_INFO": "/orders/7"}, lambda status, headers, exc_info=None: None)
>>> list(body), body.close()
([b'order 7'], None)
>>> metrics.snapshot().family("http_server_requests_total").state(
...     http_request_method="GET", http_route="/orders/{id}", http_response_status_code="200")
CounterState(value=1.0)
>>> tracing.shutdown(5)
True

What is recorded, and when:

- ``http_server_request_duration_seconds`` and ``http_server_requests_total``
  by method, route and status code, once the response is over: when the
  server calls the body's ``close()`` (PEP 3333 requires it to, whether the
  response ended normally, failed or was cut short). A streamed body is
  timed until then; having given its last chunk is not the end.
- ``http_server_active_requests`` by method, from the call until that end.
- A ``server`` span continuing the caller's ``traceparent``, ``tracestate``
  and ``baggage``, named ``"{method} {route}"`` (``"{method}"`` while the
  route is not known, ``HTTP`` for an unknown method). It is current while
  the application runs: in the call, in each step of the body and in its
  ``close()``. The application runs in a copy of the server's context, so
  nothing it leaves current reaches the server's next request.

The status recorded is the one given to ``start_response`` (the last, after
a second call with ``exc_info``). An exception escaping the application
before any body was sent is recorded as ``500``, what the server answers,
and marks the span as failed; it reaches the server unchanged. A 5xx status
marks the span as failed too. The middleware's own troubles are counted in
``flext_observability_web_refusals_total`` and never reach the application
or the server.
"""

from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING, Any, cast

from flext_observability.core.values import SpanKind
from flext_observability.shell.web.routes import (
    DEFAULT_MAX_ROUTES,
    OTHER,
    SERVER_ERROR,
    UNMATCHED,
    ServerRecorder,
    checked_app,
    method_label,
    remote_context,
    status_label,
    wsgi_route,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from types import TracebackType

    from flext_observability.shell.clock import Clock
    from flext_observability.shell.metrics.service import FlextMetricsService
    from flext_observability.shell.tracing.service import FlextTracingService, SpanScope
    from flext_observability.shell.tracing.span import AnySpan

    ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]
    StartResponse = Callable[..., Callable[[bytes], object]]
    WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class FlextWsgiMiddleware:
    """Wraps a WSGI application: ``app = FlextWsgiMiddleware(app, metrics=..., tracing=...)``.

    See the module documentation for what is recorded. The wrapped
    application is called with the very ``environ`` the server gave, so
    :func:`~flext_observability.shell.web.routes.set_route` reaches the
    middleware.
    """

    __slots__ = ("_app", "_served")

    def __init__(
        self,
        app: WsgiApp,
        *,
        metrics: FlextMetricsService,
        tracing: FlextTracingService,
        max_routes: int = DEFAULT_MAX_ROUTES,
        record_path: bool = False,
        clock: Clock | None = None,
    ) -> None:
        """Record ``app``'s requests in ``metrics`` and ``tracing``.

        ``max_routes`` bounds the distinct route templates recorded (later
        ones are ``_OTHER``). With ``record_path=True`` spans carry
        ``url.path`` (passed through the span limits' redaction); it is off
        by default, since paths may hold identifiers and tokens. The query
        string is never recorded. Durations are read from ``clock``'s
        monotonic time. Set-up mistakes raise ``TypeError`` or
        ``ValueError`` naming the argument.
        """
        self._app = cast("WsgiApp", checked_app(app, "WSGI"))
        self._served = ServerRecorder(metrics, tracing, max_routes=max_routes, record_path=record_path, clock=clock)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Serve one request through the application, recording it."""
        try:
            request = _Request(self._served, environ, start_response)
        except Exception:  # noqa: BLE001 - an environ we cannot read is served, just not recorded
            self._served.refuse("unreadable_request", "a request could not be read and was served unrecorded")
            return self._app(environ, start_response)
        try:
            request.body = request.context.run(self._app, environ, request.start_response)
        except BaseException as error:
            request.finish(error)
            raise
        return request


class _Request:
    """One request being served: the body handed to the server, and what is recorded when it closes."""

    __slots__ = (
        "_environ",
        "_error",
        "_finished",
        "_iterator",
        "_method",
        "_scope",
        "_sent",
        "_served",
        "_server_start_response",
        "_span",
        "_start",
        "_status",
        "body",
        "context",
    )

    def __init__(self, served: ServerRecorder, environ: dict[str, Any], start_response: StartResponse) -> None:
        self._finished = True  # until the span and the gauge are started, there is nothing to finish
        self._start = served.monotonic()
        self._served = served
        self._environ = environ
        self._server_start_response = start_response
        self._status: object = None
        self._error: BaseException | None = None
        self._sent = False
        self._iterator: Iterator[bytes] | None = None
        self.body: Iterable[bytes] = ()
        get = environ.get
        method = method_label(get("REQUEST_METHOD"))
        self._method = method
        tracing = served.tracing
        self._scope: SpanScope = tracing.start_span(
            served.span_name(method, UNMATCHED),
            kind=SpanKind.SERVER,
            attributes=_attributes(environ, method, record_path=served.record_path),
            # The server joined repeated lines of a header with commas (PEP 3333), as RFC 9110 combines them.
            parent=remote_context(get("HTTP_TRACEPARENT"), get("HTTP_TRACESTATE"), get("HTTP_BAGGAGE")),
        )
        self.context = contextvars.copy_context()
        self._span: AnySpan = self.context.run(self._scope.__enter__)
        served.active.labels(method).inc()
        self._finished = False

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
    ) -> Callable[[bytes], object]:
        """The server's ``start_response``, remembering the status it accepted."""
        if exc_info is None:
            write = self._server_start_response(status, headers)
        else:
            write = self._server_start_response(status, headers, exc_info)
        self._status = status
        return write

    # --- the body, as the server sees it -----------------------------------

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        try:
            iterator = self._iterator
            if iterator is None:
                iterator = self._iterator = self.context.run(iter, self.body)
            chunk = self.context.run(next, iterator)
        except StopIteration:
            raise
        except BaseException as error:
            if self._error is None:
                self._error = error
            raise
        if not self._sent and type(chunk) is bytes and chunk:
            self._sent = True
        return chunk

    def __len__(self) -> int:
        # A server sets Content-Length for a body of one block; only lists and tuples say how long they are.
        body = self.body
        if type(body) is list or type(body) is tuple:
            return len(body)
        raise TypeError

    def __bool__(self) -> bool:
        return True

    def close(self) -> None:
        """Close the application's body, then record the request (once, however often this is called)."""
        if self._finished:
            return
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                self.context.run(close)
        except BaseException as error:
            self.finish(error)
            raise
        self.finish(self._error)

    def __del__(self) -> None:
        try:
            if not self._finished:
                self._served.refuse(
                    "not_closed",
                    "a response body was dropped without close(); the request was recorded when it was "
                    "collected (the server breaks PEP 3333)",
                )
                self.finish(self._error)
        except Exception:  # noqa: BLE001, S110 - a finalizer must not raise
            pass

    # --- the end -------------------------------------------------------------

    def finish(self, error: BaseException | None) -> None:
        """Record the request and end its span; never raises."""
        if self._finished:
            return
        self._finished = True
        served = self._served
        answered = self._status is not None and (error is None or self._sent)
        status = status_label(self._status) if answered else SERVER_ERROR  # status_label never raises
        # Observed in the request's context, where its span is current: a sampled request is its bucket's exemplar.
        served.record(
            self._method,
            self._start,
            wsgi_route,
            self._environ,
            status,
            self._span,
            error=error,
            observe_in=self.context.run,
        )
        try:
            if error is None:
                self.context.run(self._scope.__exit__, None, None, None)
            else:
                self.context.run(self._scope.__exit__, type(error), error, error.__traceback__)
        except Exception:  # noqa: BLE001 - same
            served.refuse("internal_error", "ending a request's span failed")


def _attributes(environ: dict[str, Any], method: str, *, record_path: bool) -> dict[str, object]:
    """The span's attributes known when the request arrives: those the semantic conventions require.

    Each attribute costs its checks and redaction on every request, so the
    recommended ones (client address, protocol version, user agent) are left
    out; ``url.path`` only on request.
    """
    get = environ.get
    attributes: dict[str, object] = {"http.request.method": method, "url.scheme": get("wsgi.url_scheme", "http")}
    if method == OTHER:
        attributes["http.request.method_original"] = get("REQUEST_METHOD")
    if record_path:
        attributes["url.path"] = f"{get('SCRIPT_NAME', '')}{get('PATH_INFO', '')}"
    return attributes
