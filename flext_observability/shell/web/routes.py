"""What a served request is recorded under: its route, method and status labels, from bounded sets.

A label of the request metrics must never carry what a client chose, or a
client could grow the series without end (CVE-2022-21698 and CVE-2023-45142
are two such attacks on other libraries' middleware). So every label here
comes from a set whose size is fixed before the first request:

- the method: one of :data:`KNOWN_METHODS` exactly as sent (the methods of
  RFC 9110 and RFC 5789, and ``QUERY``), else :data:`OTHER`, as the
  OpenTelemetry HTTP semantic conventions name it;
- the status code: the three digits of the code, else :data:`OTHER`;
- the route: the template the application matched (``/orders/{id}``), never
  the raw path. It is what :func:`set_route` stored, else what the framework
  left in the WSGI environ or ASGI scope, else :data:`UNMATCHED`. A
  middleware takes at most ``max_routes`` distinct templates; later ones are
  recorded as :data:`OTHER`.

>>> method_label("GET"), method_label("get"), method_label("BREW")
('GET', '_OTHER', '_OTHER')
>>> status_label("404 Not Found"), status_label(503), status_label("20x OK")
('404', '503', '_OTHER')
>>> environ = {}
>>> set_route(environ, "/orders/{id}")
<Success: /orders/{id}>
>>> wsgi_route(environ)
'/orders/{id}'

:class:`ServerRecorder` holds what both middlewares share: the two
services, the metrics, the distinct routes seen, the span names, and the
refusals counted in ``flext_observability_web_refusals_total{reason}``
(each reason logged once).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any, Final, TypeVar

from returns.result import Failure, Result, Success

from flext_observability.core.checks import describe, invalid_one
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.tracing.baggage import EMPTY_BAGGAGE, parse_baggage
from flext_observability.core.tracing.traceparent import parse_trace_context, parse_traceparent
from flext_observability.core.values import SpanStatusCode
from flext_observability.shell.clock import Clock, checked_clock
from flext_observability.shell.counts import check_count
from flext_observability.shell.library_log import library_logger
from flext_observability.shell.locks import fork_safe_lock
from flext_observability.shell.metrics.service import FlextMetricsService
from flext_observability.shell.tracing.propagation import RemoteContext
from flext_observability.shell.tracing.service import FlextTracingService

if TYPE_CHECKING:
    from collections.abc import Callable

    from flext_observability.shell.metrics.series import Counter, Gauge, Histogram
    from flext_observability.shell.tracing.span import AnySpan

T = TypeVar("T")

_LOG: Final = library_logger("flext_observability.web")

KNOWN_METHODS: Final = frozenset(
    {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "QUERY"}
)
"""The methods recorded as they are; any other (``get`` included: methods are case-sensitive) is :data:`OTHER`."""

OTHER: Final = "_OTHER"
"""The label of a method, status code or route beyond the bounded set."""

UNMATCHED: Final = "unmatched"
"""The route label of a request whose route template is not known (no route matched, or none was told)."""

ROUTE_KEY: Final = "flext_observability.route"
"""The key under which :func:`set_route` stores the template in the environ or scope."""

MAX_ROUTE_LENGTH: Final = 256
"""The longest route template taken, in characters."""

DEFAULT_MAX_ROUTES: Final = 256
"""Distinct route templates one middleware records before it records new ones as :data:`OTHER`."""

MAX_ROUTES_CAP: Final = 100_000
"""The largest ``max_routes`` taken: each route costs series in three instruments."""

REQUEST_DURATION: Final = "http_server_request_duration_seconds"
REQUESTS_TOTAL: Final = "http_server_requests_total"
ACTIVE_REQUESTS: Final = "http_server_active_requests"
WEB_REFUSALS: Final = "flext_observability_web_refusals_total"

DURATION_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
"""OpenTelemetry's default bucket bounds for ``http.server.request.duration``, in seconds."""

REQUEST_LABELS: Final = ("http_request_method", "http_route", "http_response_status_code")
"""The labels of the duration histogram and the request counter (Prometheus names of the semantic conventions)."""

_STATUS_TEXTS: Final = {str(code): str(code) for code in range(100, 1000)}
_STATUS_INTS: Final = tuple(str(code) if code >= 100 else OTHER for code in range(1000))


def method_label(method: object) -> str:
    """The method label of ``method``: itself when it is one of :data:`KNOWN_METHODS`, else :data:`OTHER`."""
    if type(method) is str:
        return method if method in KNOWN_METHODS else OTHER
    if isinstance(method, str):
        text = str.__str__(method)  # a subclass's hash and comparisons are its own code
        return text if text in KNOWN_METHODS else OTHER
    return OTHER


def status_label(status: object) -> str:
    """The label of a WSGI status line (``"200 OK"``) or an ASGI status (``200``): three digits, or ``_OTHER``."""
    if type(status) is int:
        return _STATUS_INTS[status] if 0 <= status < 1000 else OTHER
    if isinstance(status, str):
        text = str.__str__(status)
        # The three digits, alone or followed by a space and the reason phrase.
        if len(text) == 3 or text[3:4] == " ":
            return _STATUS_TEXTS.get(text[:3], OTHER)
    return OTHER


def check_route(route: object) -> str | FlextValidationError:
    """``route`` as plain text when it can be a route label, else the error saying why; never raises."""
    if not isinstance(route, str):
        return _route_error(FlextErrorCode.WRONG_TYPE, f"a route template is text, got {describe(route)}")
    text = str.__str__(route)
    if not text:
        return _route_error(FlextErrorCode.EMPTY, "a route template is non-empty text such as '/orders/{id}'")
    if len(text) > MAX_ROUTE_LENGTH:
        return _route_error(
            FlextErrorCode.TOO_LONG,
            f"a route template has at most {MAX_ROUTE_LENGTH} characters; pass the template, not the path",
        )
    if not text.isprintable():
        return _route_error(FlextErrorCode.INVALID_TEXT, "a route template has no control characters")
    return text


def _route_error(code: FlextErrorCode, message: str) -> FlextValidationError:
    return invalid_one("route", code, "route", message).failure()


def set_route(environ_or_scope: MutableMapping[str, object], route: str) -> Result[str, FlextValidationError]:
    """Tell the middleware the route template of this request (``"/orders/{id}"``), for any framework.

    Call it from the application, with the WSGI ``environ`` or the ASGI
    ``scope`` the middleware handed on, any time before the response ends.
    It wins over what a framework left there. A ``Failure`` says why a route
    is not taken (not text, empty, longer than :data:`MAX_ROUTE_LENGTH`,
    control characters); the middleware counts it as ``invalid_route`` and
    records the request as :data:`UNMATCHED`. Never raises.

    >>> set_route({}, "/users/" + "9" * 300).failure().codes
    frozenset({<FlextErrorCode.TOO_LONG: 'too_long'>})
    """
    checked = check_route(route)
    carrier: object = environ_or_scope  # callers outside the type checker may pass anything
    try:
        if isinstance(carrier, MutableMapping):
            # Stored as given, so that the middleware counts a refused route where it is read.
            carrier[ROUTE_KEY] = route
        else:
            return invalid_one(
                "route",
                FlextErrorCode.WRONG_TYPE,
                "environ_or_scope",
                f"pass the WSGI environ or ASGI scope of the request, got {describe(carrier)}",
            )
    except Exception:  # noqa: BLE001 - a mapping that refuses the key reads as no place to store it
        return invalid_one(
            "route", FlextErrorCode.WRONG_TYPE, "environ_or_scope", "the environ or scope refused the route"
        )
    return Failure(checked) if isinstance(checked, FlextValidationError) else Success(checked)


def _attribute_text(owner: object, *names: str) -> object:
    """``owner.<names[0]>.<names[1]>...``, or ``None`` when a step is missing or raises."""
    value = owner
    try:
        for name in names:
            value = getattr(value, name, None)
            if value is None:
                return None
    except Exception:  # noqa: BLE001 - a framework object that fails has no route to give
        return None
    return value


def wsgi_route(environ: object) -> object:
    """The route told by :func:`set_route`, else Flask's (werkzeug's ``url_rule.rule``); ``None`` when neither.

    Read after the application ran: a framework matches the route inside it.
    Django keeps the matched route on its request object, which it does not
    store in the environ; a Django view or middleware tells it with
    ``set_route(request.environ, request.resolver_match.route)``.
    """
    try:
        get = environ.get  # type: ignore[attr-defined]
        told = get(ROUTE_KEY)
        if told is not None:
            return told
        request = get("werkzeug.request")
    except Exception:  # noqa: BLE001 - an environ that fails has no route to give
        return None
    return None if request is None else _attribute_text(request, "url_rule", "rule")


def asgi_route(scope: object) -> object:
    """The route told by :func:`set_route`, else Starlette's (``root_path`` + ``scope["route"].path``), or ``None``."""
    try:
        get = scope.get  # type: ignore[attr-defined]
        told = get(ROUTE_KEY)
        if told is not None:
            return told
        route = get("route")
        if route is None:
            return None
        root = get("root_path", "")
    except Exception:  # noqa: BLE001 - a scope that fails has no route to give
        return None
    path = _attribute_text(route, "path")
    if not isinstance(path, str):
        return None
    return (str.__str__(root) if isinstance(root, str) else "") + str.__str__(path)


NO_PARENT: Final = RemoteContext(span_context=None)
"""The parent of a request that brought no trace context: its span starts a new trace."""

SERVER_ERROR: Final = "500"
"""The status recorded for a request whose application failed before its status was sent: what servers answer."""


def remote_context(traceparent: object, tracestate: object, baggage: object) -> RemoteContext:
    """The caller's context from the values of its three headers (``None`` when absent); never raises.

    What :func:`~flext_observability.shell.tracing.propagation.extract`
    reads, with the same parsers, but each header read only when it was
    sent: on the hot path of every request a missing header costs nothing.
    A header sent on several lines is a list or tuple of its lines (ASGI), or
    one value the server joined with commas (WSGI); either combines as
    RFC 9110 says, and two ``traceparent`` lines start a new trace.
    """
    if traceparent is None and baggage is None:
        return NO_PARENT
    context = None
    if traceparent is not None:
        read = parse_traceparent(traceparent) if tracestate is None else parse_trace_context(traceparent, tracestate)
        context = read.value_or(None)
    return RemoteContext(span_context=context, baggage=EMPTY_BAGGAGE if baggage is None else parse_baggage(baggage))


class ServerRecorder:
    """What every request of one middleware is recorded with: the services, the metrics, routes and span names.

    Made once per middleware; its set-up raises ``TypeError`` or
    ``ValueError`` naming the argument. While requests are served nothing
    here raises.
    """

    __slots__ = (
        "_lock",
        "_logged",
        "_max_routes",
        "_names",
        "_refusals",
        "_routes",
        "active",
        "duration",
        "monotonic",
        "record_path",
        "requests",
        "tracing",
    )

    def __init__(
        self,
        metrics: FlextMetricsService,
        tracing: FlextTracingService,
        *,
        max_routes: int,
        record_path: bool,
        clock: Clock | None,
    ) -> None:
        """Define (or find) the request metrics in ``metrics``; take at most ``max_routes`` distinct routes."""
        given: tuple[object, object, object] = (metrics, tracing, record_path)  # callers may pass anything
        if not isinstance(given[0], FlextMetricsService):
            message = f"metrics must be a FlextMetricsService, got {describe(given[0])}"
            raise TypeError(message)
        if not isinstance(given[1], FlextTracingService):
            message = f"tracing must be a FlextTracingService, got {describe(given[1])}"
            raise TypeError(message)
        if not isinstance(given[2], bool):
            message = f"record_path must be True or False, got {describe(given[2])}"
            raise TypeError(message)
        # A ValueError for every bad value, as the middlewares have always raised.
        self._max_routes = check_count("max_routes", max_routes, most=MAX_ROUTES_CAP, not_an_int=ValueError)
        self.tracing = tracing
        self.record_path = record_path
        self.monotonic: Callable[[], float] = checked_clock(clock).monotonic
        self.duration: Histogram = _defined(
            metrics.histogram(
                REQUEST_DURATION,
                "Seconds from a request's arrival until its response was complete.",
                unit="seconds",
                labels=REQUEST_LABELS,
                buckets=DURATION_BUCKETS,
            )
        )
        self.requests: Counter = _defined(
            metrics.counter(REQUESTS_TOTAL, "Requests served, counted when complete.", labels=REQUEST_LABELS)
        )
        self.active: Gauge = _defined(
            metrics.gauge(ACTIVE_REQUESTS, "Requests being served now.", labels=("http_request_method",))
        )
        self._refusals: Counter = _defined(
            metrics.counter(
                WEB_REFUSALS,
                "What the web middleware refused or could not read, by reason (each reason is logged once).",
                labels=("reason",),
            )
        )
        self._lock = fork_safe_lock()
        self._routes: set[str] = set()
        self._names: dict[tuple[str, str], str] = {}
        self._logged: set[str] = set()

    def refuse(self, reason: str, message: str, *args: object) -> None:
        """Count a refusal under ``reason`` and log the first one of that reason; never raises.

        An ``internal_error`` is logged with the exception being handled, its text redacted.
        """
        try:
            self._refusals.labels(reason).inc()
            with self._lock:
                first = reason not in self._logged
                self._logged.add(reason)
            if first:
                _LOG.warning(
                    "web middleware: " + message + " (later ones are only counted in %s)",
                    *args,
                    WEB_REFUSALS,
                    exc_info=reason == "internal_error",
                )
        except Exception:  # noqa: BLE001, S110 - counting a refusal must not become a failure of its own
            pass

    def route_label(self, told: object) -> str:
        """The route label for a route read from the request (``None``: :data:`UNMATCHED`)."""
        if told is None:
            return UNMATCHED
        routes = self._routes
        if type(told) is str and told in routes:
            return told
        checked = check_route(told)
        if isinstance(checked, FlextValidationError):
            self.refuse("invalid_route", "a route was not taken: %s", checked)
            return UNMATCHED
        with self._lock:
            if checked in routes:
                return checked
            if len(routes) < self._max_routes:
                routes.add(checked)
                return checked
        self.refuse(
            "route_limit",
            "more than %d distinct routes were seen; new ones are recorded as %s. Tell route templates "
            "(/orders/{id}), not paths, or raise max_routes",
            self._max_routes,
            OTHER,
        )
        return OTHER

    def record(  # noqa: PLR0913 - one finished request, taken apart by the middleware that served it
        self,
        method: str,
        start: float,
        route_of: Callable[[Any], object],
        carrier: object,
        status: str,
        span: AnySpan,
        *,
        error: BaseException | None,
        observe_in: Callable[..., object] | None = None,
    ) -> None:
        """Record one finished request; never raises (a failure is counted as ``internal_error``).

        The active gauge goes down, the duration since ``start`` (this
        recorder's monotonic clock) is observed and the request counted,
        under the route ``route_of(carrier)`` names (the environ or scope's
        template, read only here), and the span gets its name and
        outcome. With ``observe_in`` (a context's ``run``), the duration is
        observed inside it, where the request's span is current, so that a
        sampled request becomes its bucket's exemplar.
        """
        try:
            self.active.labels(method).dec()
            duration = self.monotonic() - start
            route = self.route_label(route_of(carrier))
            observe = self.duration.labels(method, route, status).observe
            if observe_in is None:
                observe(duration)
            else:
                observe_in(observe, duration)
            self.requests.labels(method, route, status).inc()
            describe_outcome(span, self.span_name(method, route), route, status, error)
        except Exception:  # noqa: BLE001 - the middleware's own failure is counted, never raised
            self.refuse("internal_error", "recording a request failed")

    def span_name(self, method: str, route: str) -> str:
        """``"{method} {route}"`` from two labels: ``HTTP`` for an unknown method, the method alone without a route."""
        key = (method, route)
        name = self._names.get(key)
        if name is None:
            verb = "HTTP" if method == OTHER else method
            name = verb if route in {UNMATCHED, OTHER} else f"{verb} {route}"
            # Bounded: methods and route labels come from bounded sets.
            self._names[key] = name
        return name


def describe_outcome(span: AnySpan, name: str, route: str, status: str, error: BaseException | None) -> None:
    """Put the route, the status and the error type on a request's span (and its name, once the route is known)."""
    outcome: dict[str, object] = {}
    if route not in {UNMATCHED, OTHER}:
        outcome["http.route"] = route
        span.update_name(name)
    if status != OTHER:
        outcome["http.response.status_code"] = int(status)
    if error is not None:
        kind = type(error)
        module = kind.__module__
        outcome["error.type"] = kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"
    elif status[0] == "5":
        outcome["error.type"] = status
        span.set_status(SpanStatusCode.ERROR)
    span.set_attributes(outcome)


def checked_app(app: object, kind: str) -> object:
    """``app`` when it is callable; a ``TypeError`` naming it otherwise."""
    if not callable(app):
        message = f"app must be a {kind} application (a callable), got {describe(app)}"
        raise TypeError(message)
    return app


def _defined(result: Result[T, FlextValidationError]) -> T:
    """The instrument of a definition; a refused definition is a set-up mistake (``ValueError``)."""
    if isinstance(result, Failure):
        message = f"metrics refused a definition of the web middleware: {result.failure()}"
        raise ValueError(message)  # noqa: TRY004 - a value the service refused, not a wrong type
    return result.unwrap()
