"""Outgoing HTTP calls: client spans, W3C propagation and duration metrics for ``urllib``, ``requests`` and ``httpx``.

This module only re-exports; it is one of the public faces of the package.
Import from here, not from the internal ``core`` and ``shell`` packages,
which may move between releases.

>>> import threading, urllib.error, urllib.request
>>> from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
>>> from flext_observability import FlextMetricsService, FlextTracingService
>>> from flext_observability.clients import FlextHttpClientInstrumentation
>>> class Quiet(BaseHTTPRequestHandler):  # answers 501 to every method
...     def log_message(self, *args):
...         pass
>>> server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
>>> threading.Thread(target=server.serve_forever, daemon=True).start()
>>> metrics, tracing = FlextMetricsService(), FlextTracingService(service_name="loader")
>>> client = FlextHttpClientInstrumentation(tracing=tracing, metrics=metrics)
>>> opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
>>> try:
...     client.urlopen(f"http://127.0.0.1:{server.server_port}/", opener=opener, timeout=5)
... except urllib.error.HTTPError as error:
...     error.close()
>>> metrics.snapshot().family("http_client_request_duration_seconds").state(
...     http_request_method="GET", server_address="127.0.0.1", server_port=str(server.server_port),
...     http_response_status_code="501", error_type="501").count
1
>>> server.shutdown(); server.server_close(); tracing.shutdown(5)
True
"""

from __future__ import annotations

from flext_observability.shell.web.client import (
    CLIENT_DURATION,
    CLIENT_LABELS,
    CLIENT_REFUSALS,
    DEFAULT_MAX_ADDRESSES,
    HTTPX_EXTRA,
    MAX_ADDRESS_LENGTH,
    MAX_ADDRESSES_CAP,
    MAX_ERROR_TYPES,
    PROPAGATION_HEADERS,
    REQUESTS_EXTRA,
    FlextHttpClientInstrumentation,
)
from flext_observability.shell.web.routes import DURATION_BUCKETS, KNOWN_METHODS, OTHER, method_label

__all__ = [
    "CLIENT_DURATION",
    "CLIENT_LABELS",
    "CLIENT_REFUSALS",
    "DEFAULT_MAX_ADDRESSES",
    "DURATION_BUCKETS",
    "HTTPX_EXTRA",
    "KNOWN_METHODS",
    "MAX_ADDRESSES_CAP",
    "MAX_ADDRESS_LENGTH",
    "MAX_ERROR_TYPES",
    "OTHER",
    "PROPAGATION_HEADERS",
    "REQUESTS_EXTRA",
    "FlextHttpClientInstrumentation",
    "method_label",
]
