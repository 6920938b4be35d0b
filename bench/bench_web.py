"""The WSGI middleware's cost per request against OpenTelemetry's WSGI middleware with a prometheus-client histogram.

Both wrap the same trivial application, called directly with a prepared
environ (no network): the figure compared is each one's time per request
minus the bare application's, measured in the same run. Both export their
spans through a batch processor to an exporter that drops them.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, cast

import prometheus_client
from harness import Comparison, compare
from opentelemetry.instrumentation.wsgi import OpenTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from returns.result import Result, Success

from flext_observability.shell.metrics.service import FlextMetricsService
from flext_observability.shell.tracing.service import FlextTracingService
from flext_observability.shell.web.wsgi import FlextWsgiMiddleware

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from opentelemetry.sdk.trace import ReadableSpan

    from flext_observability.core.errors import FlextExportError
    from flext_observability.core.tracing.span import FlextSpan

    WsgiApp = Callable[..., Iterable[bytes]]

ENVIRON: dict[str, Any] = {
    "REQUEST_METHOD": "GET",
    "SCRIPT_NAME": "",
    "PATH_INFO": "/orders/7",
    "QUERY_STRING": "",
    "SERVER_NAME": "127.0.0.1",
    "SERVER_PORT": "8000",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "REMOTE_ADDR": "127.0.0.1",
    "HTTP_HOST": "127.0.0.1:8000",
    "HTTP_USER_AGENT": "bench/1.0",
    "HTTP_TRACEPARENT": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "wsgi.url_scheme": "http",
    "wsgi.version": (1, 0),
    "wsgi.multithread": True,
    "wsgi.multiprocess": False,
    "wsgi.run_once": False,
}


class _DroppingOtelExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        del spans
        return SpanExportResult.SUCCESS


class _DroppingExporter:
    def export(self, spans: Sequence[FlextSpan], timeout: float) -> Result[int, FlextExportError]:
        del timeout
        return Success(len(spans))

    def shutdown(self, timeout: float) -> None:
        del timeout


def _app(environ: dict[str, Any], start_response: Callable[..., object]) -> Iterable[bytes]:
    del environ
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> Callable[[bytes], None]:
    del status, headers, exc_info
    return _write


def _write(data: bytes) -> None:
    del data


def _request(app: WsgiApp) -> Callable[[], None]:
    """One request as a server makes it: call, iterate the body, close it."""

    def serve() -> None:
        body = app(dict(ENVIRON), _start_response)
        for _ in body:
            pass
        close = getattr(body, "close", None)
        if close is not None:
            close()

    return serve


def _peer(provider: TracerProvider) -> WsgiApp:
    """OpenTelemetry's middleware, timed by a prometheus-client histogram with the same labels as ours."""
    traced = OpenTelemetryMiddleware(_app, tracer_provider=provider)
    histogram = prometheus_client.Histogram(
        "http_server_request_duration_seconds",
        "Request duration.",
        ["http_request_method", "http_route", "http_response_status_code"],
        registry=prometheus_client.CollectorRegistry(),
    )

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:  # noqa: ANN401 - the server's callable
        start = time.perf_counter()
        try:
            return cast("Iterable[bytes]", traced(environ, start_response))
        finally:
            histogram.labels("GET", "unmatched", "200").observe(time.perf_counter() - start)

    return app


def run() -> list[Comparison]:
    """Middleware overhead per request (ours minus bare, against the peer minus bare)."""
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(_DroppingOtelExporter()))
    tracing = FlextTracingService(service_name="bench", exporters=[_DroppingExporter()])
    ours = FlextWsgiMiddleware(_app, metrics=FlextMetricsService(), tracing=tracing)
    try:
        bare, _ = compare(_request(_app), _request(_app), number=5_000, repeat=5)
        ours_time, peer_time = compare(_request(ours), _request(_peer(provider)), number=3_000, repeat=9)
    finally:
        tracing.shutdown(5)
        provider.shutdown()
    comparison = Comparison(
        name="WSGI middleware overhead per request (span continuing a traceparent, histogram, counter, gauge)",
        ours=ours_time - bare,
        peer=peer_time - bare,
        peer_name="opentelemetry-instrumentation-wsgi + prometheus-client Histogram",
        unit="µs/op",
        goal_ratio=0.4,
    )
    return [comparison]


if __name__ == "__main__":
    for line in run():
        print(line.line())
