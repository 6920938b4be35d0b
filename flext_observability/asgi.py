"""ASGI middleware: request metrics and server spans for any ASGI 3 application, with bounded labels.

This module only re-exports; it is one of the public faces of the package.
Import from here, not from the internal ``core`` and ``shell`` packages,
which may move between releases.

>>> import asyncio
>>> from flext_observability import FlextMetricsService, FlextTracingService
>>> from flext_observability.asgi import FlextAsgiMiddleware, set_route
>>> async def app(scope, receive, send):
...     set_route(scope, "/orders/{id}")
...     await send({"type": "http.response.start", "status": 404, "headers": []})
...     await send({"type": "http.response.body", "body": b"no such order"})
>>> metrics, tracing = FlextMetricsService(), FlextTracingService(service_name="api")
>>> app = FlextAsgiMiddleware(app, metrics=metrics, tracing=tracing)
>>> async def receive():
...     return {"type": "http.request", "body": b""}
>>> async def send(message):
...     pass
>>> asyncio.run(app({"type": "http", "method": "GET", "path": "/orders/9", "headers": []}, receive, send))
>>> metrics.snapshot().family("http_server_requests_total").state(
...     http_request_method="GET", http_route="/orders/{id}", http_response_status_code="404")
CounterState(value=1.0)
>>> tracing.shutdown(5)
True
"""

from __future__ import annotations

from flext_observability.shell.web.asgi import FlextAsgiMiddleware
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
    asgi_route,
    method_label,
    set_route,
    status_label,
)

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
    "FlextAsgiMiddleware",
    "asgi_route",
    "method_label",
    "set_route",
    "status_label",
]
