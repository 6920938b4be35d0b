"""Outgoing HTTP calls, traced and measured: the standard library's ``urllib``, ``requests`` and ``httpx``.

One :class:`FlextHttpClientInstrumentation` is made with the services to
record in (constructor injection: the platform hands them over) and serves
every client of the process:

- ``instrumentation.urlopen(url_or_request, data, timeout=..., opener=...)``
  in place of ``urllib.request.urlopen`` or ``opener.open``;
- ``instrumentation.instrument_session(session)`` for a ``requests.Session``
  (its mounted adapters are wrapped), or
  ``session.mount(prefix, instrumentation.requests_adapter(adapter))`` for an
  adapter mounted later;
- ``httpx.Client(transport=instrumentation.httpx_transport(inner))`` and
  ``httpx.AsyncClient(transport=instrumentation.httpx_async_transport(inner))``.

``requests`` and ``httpx`` are imported only when their adapter is asked
for; without them the call raises ``ImportError`` naming the extra to
install (``flext-observability[requests]``, ``flext-observability[httpx]``).

Each exchange (each request sent and its response, or the failure to get
one) is one ``client`` span named after its method and recorded in
``http_client_request_duration_seconds``. The span is current while the
request is sent, and the request carries it: ``traceparent``, ``tracestate``
and ``baggage`` are written into its headers unless the caller set them
(a ``traceparent`` of the caller's keeps ``tracestate`` out too: the two
go together). Headers this instrumentation wrote earlier, which ``requests``
and ``httpx`` copy into the next request of a redirect, are replaced by the
new exchange's.

>>> import threading
>>> import urllib.request
>>> from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
>>> from flext_observability.shell.metrics.service import FlextMetricsService
>>> from flext_observability.shell.tracing.service import FlextTracingService
>>> class Hello(BaseHTTPRequestHandler):
...     def do_GET(self):
...         self.send_response(200)
...         self.send_header("Content-Length", "2")
...         self.end_headers()
...         self.wfile.write(b"hi")
...     def log_message(self, *args):
...         pass
>>> server = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
>>> threading.Thread(target=server.serve_forever, daemon=True).start()
>>> metrics, tracing = FlextMetricsService(), FlextTracingService(service_name="loader")
>>> client = FlextHttpClientInstrumentation(tracing=tracing, metrics=metrics)
>>> opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
>>> with client.urlopen(f"http://127.0.0.1:{server.server_port}/rows", opener=opener, timeout=5) as response:
...     response.read()
b'hi'
>>> metrics.snapshot().family("http_client_request_duration_seconds").state(
...     http_request_method="GET", server_address="127.0.0.1", server_port=str(server.server_port),
...     http_response_status_code="200", error_type="").count
1
>>> server.shutdown(); server.server_close(); tracing.shutdown(5)
True

What a span and a series carry follows the OpenTelemetry semantic
conventions for HTTP clients:

- span attributes ``http.request.method`` (``_OTHER`` with
  ``http.request.method_original`` for a method outside the known ones),
  ``server.address``, ``server.port`` (the scheme's default when the URL
  names none), ``url.full`` (with the URL's user and password, and the
  values of sensitive query parameters such as ``token`` or ``sig``,
  replaced through the tracing service's redaction policy; the fragment,
  never sent, is left out), then ``http.response.status_code`` and, for a
  failure, ``error.type``;
- status ``ERROR`` for a 4xx or 5xx response (a client asked for something
  it did not get) without a description (the status code says it), and for
  an exception raised instead of a response (recorded as an event);
- the histogram's labels ``http_request_method``, ``server_address``,
  ``server_port``, ``http_response_status_code`` (empty when no response
  came) and ``error_type`` (the status code of a 4xx or 5xx response, the
  exception's qualified type name when no response came, else empty).

Every label comes from a bounded set. Methods are the known ones or
``_OTHER``; at most ``max_addresses`` distinct (address, port) pairs are
recorded as they are, later ones as ``_OTHER``; at most
:data:`MAX_ERROR_TYPES` exception types, later ones as ``_OTHER``. Beyond
that, the histogram has the series cap of the metrics service it was defined
in (its ``max_series``): label sets past the cap go to the overflow series
(``otel_metric_overflow="true"``), counted in
``flext_observability_series_overflow_total``.

The duration is measured from the moment the request is handed to the
client until its response headers arrived (or the failure): ``urllib``
returns, and ``requests`` adapters and ``httpx`` transports hand back, the
response before its body is read. One ``urllib`` call is one span, even when
the opener follows redirects; ``requests`` and ``httpx`` send each hop of a
redirect through the adapter or transport, and each hop is a span. Retries
made inside a ``requests`` adapter (its ``max_retries``) are one exchange.

The call itself is never changed: the response returned and every exception
raised are the client library's own. A failure of the instrumentation (a
request whose headers cannot be read or written, for instance) is counted in
``flext_observability_http_client_refusals_total{reason}`` and logged once
per reason, and the request goes on unrecorded or partly recorded.
"""

from __future__ import annotations

import functools
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any, Final, Self, cast
from urllib.parse import urlsplit, urlunsplit

from returns.result import Failure

from flext_observability.core.checks import describe
from flext_observability.core.values import SpanKind, SpanStatusCode
from flext_observability.shell.clock import checked_clock
from flext_observability.shell.counts import check_count
from flext_observability.shell.library_log import library_logger
from flext_observability.shell.locks import fork_safe_lock
from flext_observability.shell.metrics.service import FlextMetricsService
from flext_observability.shell.tracing.service import FlextTracingService
from flext_observability.shell.web.routes import DURATION_BUCKETS, OTHER, method_label, status_label

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    import httpx
    import requests
    import requests.adapters

    from flext_observability.shell.clock import Clock
    from flext_observability.shell.metrics.series import Counter, Histogram
    from flext_observability.shell.tracing.service import SpanScope
    from flext_observability.shell.tracing.span import AnySpan

_LOG: Final = library_logger("flext_observability.web")

CLIENT_DURATION: Final = "http_client_request_duration_seconds"
"""The histogram of outgoing calls, in seconds (OpenTelemetry's ``http.client.request.duration``)."""

CLIENT_LABELS: Final = (
    "http_request_method",
    "server_address",
    "server_port",
    "http_response_status_code",
    "error_type",
)
"""The histogram's labels: Prometheus names of the semantic conventions' attributes."""

CLIENT_REFUSALS: Final = "flext_observability_http_client_refusals_total"
"""What the client instrumentation refused or could not do, by reason (each reason logged once)."""

DEFAULT_MAX_ADDRESSES: Final = 256
"""Distinct (server address, port) pairs recorded as they are; later ones are ``_OTHER``."""

MAX_ADDRESSES_CAP: Final = 100_000
"""The largest ``max_addresses`` taken."""

MAX_ERROR_TYPES: Final = 64
"""Distinct exception types recorded in ``error_type``; later ones are ``_OTHER``."""

MAX_ADDRESS_LENGTH: Final = 253
"""The longest server address recorded as a label (the longest DNS name); a longer one is ``_OTHER``."""

PROPAGATION_HEADERS: Final = ("traceparent", "tracestate", "baggage")
"""The headers written into every outgoing request (when the caller did not set them)."""

REQUESTS_EXTRA: Final = "flext-observability[requests]"
HTTPX_EXTRA: Final = "flext-observability[httpx]"

_DEFAULT_PORTS: Final = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_REMEMBERED_HEADERS: Final = 4096
"""Header values written recently, per generation, to tell them from the caller's in a redirect."""
_USE_DEFAULT: Final = object()


class FlextHttpClientInstrumentation:
    """Traces and measures outgoing HTTP calls of ``urllib``, ``requests`` and ``httpx``.

    ``FlextHttpClientInstrumentation(tracing=..., metrics=...)``; see the
    module documentation for what is recorded. One object serves any number
    of clients and threads.
    """

    __slots__ = ("_recorder",)

    def __init__(
        self,
        *,
        tracing: FlextTracingService,
        metrics: FlextMetricsService,
        max_addresses: int = DEFAULT_MAX_ADDRESSES,
        clock: Clock | None = None,
    ) -> None:
        """Record in ``tracing`` and ``metrics``; at most ``max_addresses`` distinct server addresses as labels.

        Durations are read from ``clock``'s monotonic time (the system's by
        default). Set-up mistakes raise ``TypeError`` or ``ValueError``
        naming the argument; a metrics service that holds a different
        definition of the histogram is a ``ValueError`` too.
        """
        given: tuple[object, object] = (tracing, metrics)  # callers outside the type checker may pass anything
        # type(), not isinstance(): an object cannot fake it with a __class__ property (which may raise).
        if not issubclass(type(given[0]), FlextTracingService):
            message = f"tracing must be a FlextTracingService, got {_described(given[0])}"
            raise TypeError(message)
        if not issubclass(type(given[1]), FlextMetricsService):
            message = f"metrics must be a FlextMetricsService, got {_described(given[1])}"
            raise TypeError(message)
        addresses, monotonic = _checked_max_addresses(max_addresses), checked_clock(clock).monotonic
        duration = metrics.histogram(
            CLIENT_DURATION,
            "Seconds from handing an outgoing request to the client until its response headers arrived or it failed.",
            unit="seconds",
            labels=CLIENT_LABELS,
            buckets=DURATION_BUCKETS,
        )
        refusals = metrics.counter(
            CLIENT_REFUSALS,
            "What the HTTP client instrumentation refused or could not do, by reason (each reason is logged once).",
            labels=("reason",),
        )
        for result in (duration, refusals):
            if isinstance(result, Failure):
                message = f"metrics refused a definition of the HTTP client instrumentation: {result.failure()}"
                raise ValueError(message)  # noqa: TRY004 - a value the service refused, not a wrong type
        self._recorder = _Recorder(
            tracing,
            duration.unwrap(),
            refusals.unwrap(),
            max_addresses=addresses,
            monotonic=monotonic,
        )

    # --- urllib --------------------------------------------------------------

    def urlopen(
        self,
        url: str | urllib.request.Request,
        data: Any = None,  # noqa: ANN401 - whatever urllib takes as a body
        *,
        timeout: object = _USE_DEFAULT,
        opener: urllib.request.OpenerDirector | None = None,
    ) -> Any:  # noqa: ANN401 - what the opener returns (http.client.HTTPResponse for HTTP)
        """``urllib.request.urlopen(url, data, timeout)`` (or ``opener.open``), traced and measured.

        ``url`` is a URL or a ``urllib.request.Request`` (which gets the
        propagation headers added). Without ``opener`` the opener
        ``urllib.request.urlopen`` uses is used (the installed one, if any);
        pass one from ``urllib.request.build_opener(...)`` for TLS settings,
        proxies or other handlers. Without ``timeout`` the socket default
        applies, as in ``urllib``. An ``HTTPError`` (a 4xx or 5xx answer) is
        recorded as that response and raised unchanged.
        """
        given: object = url
        if issubclass(type(given), urllib.request.Request):
            request = cast("urllib.request.Request", given)
        else:
            try:
                request = urllib.request.Request(cast("str", url))  # noqa: S310 - the caller's URL, as urllib takes it
            except Exception:  # noqa: BLE001 - urllib itself explains what is wrong with the URL, below
                return _open(opener, url, data, timeout)
        if data is not None:
            request.data = data  # what opener.open does with it
        call = self._begin_urllib(request)
        if call is None:
            return _open(opener, request, None, timeout)
        try:
            response = _open(opener, request, None, timeout)
        except urllib.error.HTTPError as error:
            call.finish(_status_of(error), None)
            raise
        except BaseException as error:
            call.finish(None, error)
            raise
        call.finish(_status_of(response), None)
        return response

    def _begin_urllib(self, request: urllib.request.Request) -> _Call | None:
        try:
            method = request.get_method()
            url = request.full_url

            def read(name: str) -> object:
                wanted = name.lower()
                for key, value in request.header_items():
                    if key.lower() == wanted:
                        return value
                return None

            write = request.add_header

        except Exception:  # noqa: BLE001 - a request we cannot read is sent unrecorded
            self._recorder.refuse("unreadable_request", "an outgoing request could not be read and was sent unrecorded")
            return None
        return self._recorder.begin(method, url, read, write)

    # --- requests ------------------------------------------------------------

    def instrument_session(self, session: requests.Session) -> requests.Session:
        """Trace and measure every request ``session`` sends: each mounted adapter is wrapped; returns ``session``.

        Adapters mounted later are not wrapped: mount them as
        ``session.mount(prefix, instrumentation.requests_adapter(adapter))``.
        An adapter already wrapped is left as it is. Raises ``ImportError``
        without ``requests`` (install ``flext-observability[requests]``) and
        ``TypeError`` for anything but a ``requests.Session``.
        """
        module = _import_requests()
        given: object = session
        if not issubclass(type(given), module.Session):
            message = f"session must be a requests.Session, got {_described(given)}"
            raise TypeError(message)
        adapters = session.adapters
        for prefix, adapter in list(adapters.items()):
            adapters[prefix] = self.requests_adapter(adapter)
        return session

    def requests_adapter(self, adapter: requests.adapters.BaseAdapter | None = None) -> requests.adapters.BaseAdapter:
        """``adapter`` (a new ``HTTPAdapter`` by default) wrapped to trace and measure what it sends.

        The wrapper hands every other attribute to ``adapter``
        (``max_retries``, ``init_poolmanager`` and so on). Raises
        ``ImportError`` without ``requests`` and ``TypeError`` for an
        ``adapter`` that has no ``send``.
        """
        module = _import_requests()
        traced = _requests_class()
        inner: object = module.adapters.HTTPAdapter() if adapter is None else adapter
        if issubclass(type(inner), traced):
            return cast("requests.adapters.BaseAdapter", inner)
        if not _has_methods(inner, "send", "close"):
            message = f"adapter must be a requests adapter (with send() and close()), got {_described(inner)}"
            raise TypeError(message)
        return cast("requests.adapters.BaseAdapter", traced(inner, self._recorder))

    # --- httpx -----------------------------------------------------------------

    def httpx_transport(self, transport: httpx.BaseTransport | None = None) -> httpx.BaseTransport:
        """A transport for ``httpx.Client(transport=...)`` sending through ``transport``, traced and measured.

        Pass the transport configured as you need (``httpx.HTTPTransport(verify=..., retries=...)``):
        a client given a transport ignores its own ``verify``, ``cert`` and
        proxy settings. A new ``httpx.HTTPTransport()`` by default. Raises
        ``ImportError`` without ``httpx`` (install ``flext-observability[httpx]``)
        and ``TypeError`` for a transport without ``handle_request``.
        """
        module = _import_httpx()
        inner: object = module.HTTPTransport() if transport is None else transport
        if not _has_methods(inner, "handle_request"):
            message = f"transport must be an httpx transport (with handle_request()), got {_described(inner)}"
            raise TypeError(message)
        return _httpx_transport_class()(cast("httpx.BaseTransport", inner), self._recorder)

    def httpx_async_transport(self, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncBaseTransport:
        """A transport for ``httpx.AsyncClient(transport=...)``, as :meth:`httpx_transport` for asyncio.

        A new ``httpx.AsyncHTTPTransport()`` by default; ``TypeError`` for a
        transport without ``handle_async_request``.
        """
        module = _import_httpx()
        inner: object = module.AsyncHTTPTransport() if transport is None else transport
        if not _has_methods(inner, "handle_async_request"):
            message = (
                f"transport must be an httpx async transport (with handle_async_request()), got {_described(inner)}"
            )
            raise TypeError(message)
        return _httpx_async_transport_class()(cast("httpx.AsyncBaseTransport", inner), self._recorder)


class _Recorder:
    """What every exchange of one instrumentation is recorded with: the services' handles and the bounded sets."""

    __slots__ = (
        "_addresses",
        "_errors",
        "_logged",
        "_max_addresses",
        "_recent",
        "_refusals",
        "_sent",
        "_tracing",
        "duration",
        "lock",
        "monotonic",
    )

    def __init__(
        self,
        tracing: FlextTracingService,
        duration: Histogram,
        refusals: Counter,
        *,
        max_addresses: int,
        monotonic: Callable[[], float],
    ) -> None:
        self._tracing = tracing
        self.duration = duration
        self._refusals = refusals
        self._max_addresses = max_addresses
        self.monotonic = monotonic
        self.lock = fork_safe_lock()
        self._addresses: set[tuple[str, str]] = set()
        self._errors: dict[type[BaseException], str] = {}
        self._logged: set[str] = set()
        # Two generations of the header values written: the older is dropped when the newer is full.
        self._sent: set[str] = set()
        self._recent: set[str] = set()

    def begin(
        self,
        method: object,
        url: object,
        read: Callable[[str], object],
        write: Callable[[str, str], None],
    ) -> _Call | None:
        """Start the span of one exchange and write its headers (``read``/``write`` reach the request's).

        ``None`` when the exchange cannot be recorded (counted and logged);
        never raises.
        """
        try:
            original = str.__str__(method) if isinstance(method, str) else ""
            label = method_label(original)
            address, port, full = self._target(url)
            attributes: dict[str, object] = {"http.request.method": label, "server.address": address}
            if port is not None:
                attributes["server.port"] = port
            attributes["url.full"] = full
            if label == OTHER:
                attributes["http.request.method_original"] = original
            scope = self._tracing.start_span(
                "HTTP" if label == OTHER else label, kind=SpanKind.CLIENT, attributes=attributes
            )
            address_label, port_label = self._address_label(address, port)
            call = _Call(self, scope, label, address_label, port_label)
        except Exception:  # noqa: BLE001 - the instrumentation's own failure is counted, never raised
            self.refuse("internal_error", "starting the span of an outgoing request failed; it was sent unrecorded")
            return None
        try:
            self._inject(call.span, read, write)
        except Exception:  # noqa: BLE001 - same; the request is sent without the headers
            self.refuse(
                "header_failure",
                "the propagation headers could not be written into an outgoing request; it was sent without them",
            )
        return call

    def _target(self, url: object) -> tuple[str, int | None, str]:
        """The server address, port and ``url.full`` of a URL (empty address when there is none)."""
        text = str.__str__(url) if isinstance(url, str) else str(url)
        parts = urlsplit(text)
        address = parts.hostname or ""
        try:
            port = parts.port
        except ValueError:
            port = None
        if port is None:
            port = _DEFAULT_PORTS.get(parts.scheme.lower())
        full = urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, "")) if parts.fragment else text
        # Redacted by the span: every attribute passes the redaction policy of the tracing service's limits.
        return address, port, full

    def _address_label(self, address: str, port: int | None) -> tuple[str, str]:
        """The (address, port) labels: as they are while fewer than ``max_addresses`` pairs were seen."""
        port_text = "" if port is None else str(port)
        key = (address, port_text)
        addresses = self._addresses
        if key in addresses:
            return key
        if len(address) > MAX_ADDRESS_LENGTH or not address.isprintable():
            self.refuse("invalid_address", "a server address was not taken as a label (too long or not printable)")
            return OTHER, OTHER
        with self.lock:
            if key in addresses:
                return key
            if len(addresses) < self._max_addresses:
                addresses.add(key)
                return key
        self.refuse(
            "address_limit",
            "more than %d distinct server addresses were called; new ones are recorded as %s "
            "(raise max_addresses if they are few and known)",
            self._max_addresses,
            OTHER,
        )
        return OTHER, OTHER

    def error_label(self, error: BaseException) -> str:
        """The ``error_type`` of an exception: its qualified type name, among at most :data:`MAX_ERROR_TYPES`."""
        kind = type(error)
        known = self._errors.get(kind)
        if known is not None:
            return known
        with self.lock:
            if len(self._errors) >= MAX_ERROR_TYPES:
                known = OTHER
            else:
                module = kind.__module__
                known = kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"
                self._errors[kind] = known
        if known == OTHER:
            self.refuse(
                "error_type_limit", "more than %d exception types were seen; new ones are %s", MAX_ERROR_TYPES, OTHER
            )
        return known

    def _inject(self, span: AnySpan, read: Callable[[str], object], write: Callable[[str, str], None]) -> None:
        """Write the propagation headers the caller did not set (or that are left from an earlier exchange)."""
        carrier: dict[str, str] = {}
        self._tracing.inject(carrier, span)
        theirs = read("traceparent")
        if theirs is None or self._wrote(theirs):
            for name in ("traceparent", "tracestate"):
                value = carrier.get(name)
                if value is not None:
                    write(name, value)
                    self._remember(value)
        baggage = carrier.get("baggage")
        if baggage is not None:
            theirs = read("baggage")
            if theirs is None or self._wrote(theirs):
                write("baggage", baggage)
                self._remember(baggage)

    def _wrote(self, value: object) -> bool:
        return type(value) is str and (value in self._sent or value in self._recent)

    def _remember(self, value: str) -> None:
        with self.lock:
            if len(self._sent) >= _REMEMBERED_HEADERS:
                self._recent, self._sent = self._sent, set()
            self._sent.add(value)

    def refuse(self, reason: str, message: str, *args: object) -> None:
        """Count a refusal under ``reason`` and log the first one of that reason; never raises."""
        try:
            self._refusals.labels(reason).inc()
            with self.lock:
                first = reason not in self._logged
                self._logged.add(reason)
            if first:
                _LOG.warning(
                    "http client instrumentation: " + message + " (later ones are only counted in %s)",
                    *args,
                    CLIENT_REFUSALS,
                )
        except Exception:  # noqa: BLE001, S110 - counting a refusal must not become a failure of its own
            pass


class _Call:
    """One exchange being recorded: its span (current while the request is sent) and its labels."""

    __slots__ = ("_address", "_method", "_owner", "_port", "_scope", "_start", "span")

    def __init__(self, owner: _Recorder, scope: SpanScope, method: str, address: str, port: str) -> None:
        self._owner = owner
        self._scope = scope
        self._method = method
        self._address = address
        self._port = port
        self.span: AnySpan = scope.__enter__()
        self._start = owner.monotonic()

    def finish(self, status: object, error: BaseException | None) -> None:
        """Record the response's ``status`` (``None`` when none came) or the ``error`` raised; never raises."""
        owner = self._owner
        try:
            duration = owner.monotonic() - self._start
            span = self.span
            status_text = ""
            error_type = ""
            if status is not None:
                status_text = status_label(status)
                if type(status) is int:
                    span.set_attribute("http.response.status_code", status)
                if status_text == OTHER or status_text[0] in "45":
                    error_type = status_text
            if error is not None:
                error_type = owner.error_label(error)
            if error_type:
                span.set_attribute("error.type", error_type)
                if error is None:
                    span.set_status(SpanStatusCode.ERROR)
            owner.duration.labels(self._method, self._address, self._port, status_text, error_type).observe(duration)
        except Exception:  # noqa: BLE001 - the instrumentation's own failure is counted, never raised
            owner.refuse("internal_error", "recording an outgoing request failed")
        try:
            if error is None:
                self._scope.__exit__(None, None, None)
            else:
                self._scope.__exit__(type(error), error, error.__traceback__)
        except Exception:  # noqa: BLE001 - same
            owner.refuse("internal_error", "ending the span of an outgoing request failed")


def _status_of(response: object) -> object:
    """The status code of a ``urllib`` response (``None`` for one without, such as ``file:`` or ``data:``)."""
    try:
        code = getattr(response, "status", None)
        if code is None:
            code = response.getcode()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a response that cannot tell has no status to record
        return None
    return code


def _open(opener: urllib.request.OpenerDirector | None, url: object, data: object, timeout: object) -> Any:  # noqa: ANN401 - what urllib returns
    """Open ``url`` as ``urllib`` would, passing ``timeout`` only when one was given."""
    open_url: Callable[..., Any] = urllib.request.urlopen if opener is None else opener.open
    if timeout is _USE_DEFAULT:
        return open_url(url, data)
    return open_url(url, data, timeout)


def _described(value: object) -> str:
    """``describe(value)``, reading the type with ``type()``: a hostile ``__class__`` property is never run."""
    return describe(value) if type(value) is str else f"a value of type {type(value).__name__}"


def _has_methods(value: object, *names: str) -> bool:
    """Whether ``value`` has each of these methods; ``False`` when looking raises."""
    try:
        return all(callable(getattr(value, name, None)) for name in names)
    except Exception:  # noqa: BLE001 - an object whose attributes raise has no usable methods
        return False


def _checked_max_addresses(value: object) -> int:
    """``value`` as a plain ``int`` from 1 to :data:`MAX_ADDRESSES_CAP`; ``TypeError``/``ValueError`` naming it."""
    return check_count("max_addresses", value, most=MAX_ADDRESSES_CAP)


# --- the optional clients ------------------------------------------------------


def _import_requests() -> Any:  # noqa: ANN401 - the requests module
    try:
        import requests  # noqa: PLC0415 - an optional dependency, imported when it is used
        import requests.adapters  # noqa: PLC0415
    except ImportError as error:
        message = f"the requests adapter needs requests: pip install '{REQUESTS_EXTRA}'"
        raise ImportError(message) from error
    return requests


def _import_httpx() -> Any:  # noqa: ANN401 - the httpx module
    try:
        import httpx  # noqa: PLC0415 - an optional dependency, imported when it is used
    except ImportError as error:
        message = f"the httpx transports need httpx: pip install '{HTTPX_EXTRA}'"
        raise ImportError(message) from error
    return httpx


@functools.cache
def _requests_class() -> type[Any]:
    """The adapter wrapper, made once ``requests`` is imported (it subclasses ``BaseAdapter``)."""
    from requests.adapters import BaseAdapter  # noqa: PLC0415 - an optional dependency

    class TracedAdapter(BaseAdapter):
        """A ``requests`` adapter that traces and measures each request its inner adapter sends."""

        def __init__(self, inner: BaseAdapter, instrumentation: _Recorder) -> None:
            # BaseAdapter.__init__ takes nothing and sets nothing; the inner adapter keeps its state.
            super().__init__()
            self._flext_inner = inner
            self._flext_instrumentation = instrumentation

        def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:  # noqa: ANN401 - requests' own arguments
            """Send through the inner adapter, in a client span, with the propagation headers."""
            instrumentation = self._flext_instrumentation
            try:
                headers = request.headers
                call = instrumentation.begin(request.method, request.url, headers.get, headers.__setitem__)
            except Exception:  # noqa: BLE001 - a request we cannot read is sent unrecorded
                instrumentation.refuse(
                    "unreadable_request", "an outgoing request could not be read and was sent unrecorded"
                )
                call = None
            if call is None:
                return self._flext_inner.send(request, *args, **kwargs)
            try:
                response = self._flext_inner.send(request, *args, **kwargs)
            except BaseException as error:
                call.finish(None, error)
                raise
            call.finish(getattr(response, "status_code", None), None)
            return response

        def close(self) -> None:
            """Close the inner adapter."""
            self._flext_inner.close()

        def __getattr__(self, name: str) -> Any:  # noqa: ANN401 - whatever the inner adapter holds
            if name.startswith(("_flext_", "__")):
                raise AttributeError(name)
            return getattr(self._flext_inner, name)

        def __repr__(self) -> str:
            return f"<traced {self._flext_inner!r}>"

    return TracedAdapter


@functools.cache
def _httpx_transport_class() -> Callable[[httpx.BaseTransport, _Recorder], httpx.BaseTransport]:
    """The transport wrapper, made once ``httpx`` is imported (it subclasses ``httpx.BaseTransport``)."""
    import httpx  # noqa: PLC0415 - an optional dependency

    class TracedTransport(httpx.BaseTransport):
        """An ``httpx`` transport that traces and measures each request its inner transport sends."""

        def __init__(self, inner: httpx.BaseTransport, instrumentation: _Recorder) -> None:
            self._inner = inner
            self._instrumentation = instrumentation

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            """Send through the inner transport, in a client span, with the propagation headers."""
            call = _httpx_begin(self._instrumentation, request)
            if call is None:
                return self._inner.handle_request(request)
            try:
                response = self._inner.handle_request(request)
            except BaseException as error:
                call.finish(None, error)
                raise
            call.finish(getattr(response, "status_code", None), None)
            return response

        def close(self) -> None:
            """Close the inner transport."""
            self._inner.close()

        def __enter__(self) -> Self:
            self._inner.__enter__()
            return self

        def __exit__(
            self,
            exc_type: type[BaseException] | None = None,
            exc_value: BaseException | None = None,
            traceback: TracebackType | None = None,
        ) -> None:
            self._inner.__exit__(exc_type, exc_value, traceback)

    return TracedTransport


@functools.cache
def _httpx_async_transport_class() -> Callable[[httpx.AsyncBaseTransport, _Recorder], httpx.AsyncBaseTransport]:
    """The async transport wrapper, made once ``httpx`` is imported (it subclasses ``httpx.AsyncBaseTransport``)."""
    import httpx  # noqa: PLC0415 - an optional dependency

    class TracedAsyncTransport(httpx.AsyncBaseTransport):
        """An ``httpx`` async transport that traces and measures each request its inner transport sends."""

        def __init__(self, inner: httpx.AsyncBaseTransport, instrumentation: _Recorder) -> None:
            self._inner = inner
            self._instrumentation = instrumentation

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            """Send through the inner transport, in a client span, with the propagation headers."""
            call = _httpx_begin(self._instrumentation, request)
            if call is None:
                return await self._inner.handle_async_request(request)
            try:
                response = await self._inner.handle_async_request(request)
            except BaseException as error:
                call.finish(None, error)
                raise
            call.finish(getattr(response, "status_code", None), None)
            return response

        async def aclose(self) -> None:
            """Close the inner transport."""
            await self._inner.aclose()

        async def __aenter__(self) -> Self:
            await self._inner.__aenter__()
            return self

        async def __aexit__(
            self,
            exc_type: type[BaseException] | None = None,
            exc_value: BaseException | None = None,
            traceback: TracebackType | None = None,
        ) -> None:
            await self._inner.__aexit__(exc_type, exc_value, traceback)

    return TracedAsyncTransport


def _httpx_begin(instrumentation: _Recorder, request: httpx.Request) -> _Call | None:
    try:
        headers = request.headers
        return instrumentation.begin(request.method, request.url, headers.get, headers.__setitem__)
    except Exception:  # noqa: BLE001 - a request we cannot read is sent unrecorded
        instrumentation.refuse("unreadable_request", "an outgoing request could not be read and was sent unrecorded")
        return None
