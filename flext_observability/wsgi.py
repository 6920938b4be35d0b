"""WSGI middleware: request metrics and server spans for any WSGI application, with bounded labels.

This module only re-exports; it is one of the public faces of the package.
Import from here, not from the internal ``core`` and ``shell`` packages,
which may move between releases.

>>> from flext_observability import FlextMetricsService, FlextTracingService
>>> from flext_observability.wsgi import FlextWsgiMiddleware, set_route
>>> def app(environ, start_response):
...     set_route(environ, "/health")
...     start_response("200 OK", [("Content-Type", "text/plain")])
...     return [b"ok"]
>>> metrics, tracing = FlextMetricsService(), FlextTracingService(service_name="api")
>>> app = FlextWsgiMiddleware(app, metrics=metrics, tracing=tracing)
>>> body = app({"REQUEST_METHOD": "BREW", "PATH_INFO": "/health"}, lambda status, headers, exc_info=None: None)
>>> body.close()
>>> metrics.snapshot().family("http_server_requests_total").state(
...     http_request_method="_OTHER", http_route="/health", http_response_status_code="200")
CounterState(value=1.0)
>>> tracing.shutdown(5)
True
"""

from __future__ import annotations

from flext_observability.shell.web.routes import (
    ACTIVE_REQUESTS,
    DEFAULT_MAX_ROUTES,
    DURATION_BUCKETS,
    KNOWN_METHODS,
    MAX_ROUTE_LENGTH,
    OTHER,
    REQUEST_DURATION,
    REQUEST_LABELS,
    REQUESTS_TOTAL,
    ROUTE_KEY,
    UNMATCHED,
    WEB_REFUSALS,
    method_label,
    set_route,
    status_label,
    wsgi_route,
)
from flext_observability.shell.web.wsgi import FlextWsgiMiddleware

__all__ = [
    "ACTIVE_REQUESTS",
    "DEFAULT_MAX_ROUTES",
    "DURATION_BUCKETS",
    "KNOWN_METHODS",
    "MAX_ROUTE_LENGTH",
    "OTHER",
    "REQUESTS_TOTAL",
    "REQUEST_DURATION",
    "REQUEST_LABELS",
    "ROUTE_KEY",
    "UNMATCHED",
    "WEB_REFUSALS",
    "FlextWsgiMiddleware",
    "method_label",
    "set_route",
    "status_label",
    "wsgi_route",
]
