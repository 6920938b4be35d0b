"""A trace carried across two processes through HTTP headers, both exporting to one loopback collector.

The server runs in a subprocess (this interpreter, ``-W error``) from a script
written to the test's temporary directory: it continues the caller's trace
from the ``traceparent``, ``tracestate`` and ``baggage`` headers, answers with
what its span saw, and shuts tracing down when terminated. It is configured
only through the standard ``OTEL_*`` variables.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

import pytest
from otlp_receiver import OtlpReceiver, attributes_of, decode_export_request

from flext_observability.shell.context import use_baggage
from flext_observability.shell.tracing.exporters import FlextOtlpHttpExporter
from flext_observability.shell.tracing.service import FlextTracingService
from flext_observability.shell.tracing.span import Span

if TYPE_CHECKING:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    from opentelemetry.proto.trace.v1.trace_pb2 import Span as OtlpSpan

pytestmark = pytest.mark.integration

UPSTREAM_TRACE: Final = "4bf92f3577b34da6a3ce929d0e0e4736"
UPSTREAM_SPAN: Final = "00f067aa0ba902b7"
RUN_ID: Final = "nightly 2024-06-01 ✓"
INVALID_TRACEPARENTS: Final = (
    f"00-{'0' * 32}-{UPSTREAM_SPAN}-01",  # an all-zero trace id
    f"00-{UPSTREAM_TRACE.upper()}-{UPSTREAM_SPAN}-01",  # upper-case hex
    "not a traceparent",
)
FLAGS_ROOT_OR_LOCAL_PARENT: Final = 0x101
FLAGS_REMOTE_PARENT: Final = 0x301
SERVER_KIND, CLIENT_KIND = 2, 3
STARTUP_BOUND: Final = 20.0
STOP_BOUND: Final = 10.0

# Loopback only: a proxy from the environment must never see these requests.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

SERVER_SCRIPT: Final = '''\
"""An HTTP server that continues the caller's trace; prints its port, then serves until SIGTERM."""

import json
import signal
from http.server import BaseHTTPRequestHandler, HTTPServer

from flext_observability.core.tracing.tracestate import format_tracestate
from flext_observability.shell.context import current_baggage
from flext_observability.shell.tracing.service import FlextTracingService

TRACING = FlextTracingService.from_environment()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        remote = TRACING.extract(self.headers)
        with TRACING.start_span("GET " + self.path, kind="server", parent=remote) as span:
            seen = {
                "trace_id": span.trace_id,
                "span_id": span.span_id,
                "parent_span_id": span.parent_span_id,
                "tracestate": format_tracestate(span.trace_state),
                "baggage": {name: entry.value for name, entry in current_baggage().items()},
            }
        body = json.dumps(seen).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


def stop(signum, frame):
    raise SystemExit(0)


signal.signal(signal.SIGTERM, stop)
server = HTTPServer(("127.0.0.1", 0), Handler)
try:
    print(server.server_address[1], flush=True)
    server.serve_forever(poll_interval=0.05)
finally:
    server.server_close()
    flushed = TRACING.shutdown(5)
    print("shutdown", flushed, TRACING.counts().exported, flush=True)
'''


def _read_line(stream: IO[str], timeout: float) -> str:
    """The next line the child prints, waiting at most ``timeout`` seconds for it to start."""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        if not selector.select(timeout):
            message = f"the server printed nothing within {timeout} s"
            raise TimeoutError(message)
    return stream.readline()


def _stop(process: subprocess.Popen[str]) -> None:
    """Terminate the child by its PID, then kill it if it has not exited within the bound."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_BOUND)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_BOUND)


@contextmanager
def _traced_server(directory: Path, environment: Mapping[str, str]) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """The server process and the port it listens on; it is always stopped by PID, within a bound."""
    script = directory / "traced_server.py"
    script.write_text(SERVER_SCRIPT, encoding="utf-8")
    with (directory / "server.log").open("w", encoding="utf-8") as log:
        process = subprocess.Popen(  # noqa: S603 - this interpreter, running the script the test just wrote
            [sys.executable, "-W", "error", str(script)],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env=dict(environment),
            cwd=directory,
        )
        try:
            assert process.stdout is not None
            line = _read_line(process.stdout, STARTUP_BOUND)
            assert line.strip().isdigit(), (line, (directory / "server.log").read_text(encoding="utf-8"))
            yield process, int(line)
        finally:
            _stop(process)
            if process.stdout is not None:
                process.stdout.close()


def _get(url: str, headers: Mapping[str, str]) -> dict[str, Any]:
    """GET ``url`` with ``headers`` and read the JSON answer."""
    request = urllib.request.Request(url, headers=dict(headers))  # noqa: S310 - a loopback http URL
    with _OPENER.open(request, timeout=5.0) as response:
        assert response.status == 200
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def _server_environment(traces_url: str) -> dict[str, str]:
    """This environment without any OTEL setting of its own, plus the server's tracing configuration."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("OTEL_")}
    environment.update(
        {
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": traces_url,
            "OTEL_SERVICE_NAME": "orders-api",
            "OTEL_RESOURCE_ATTRIBUTES": "process.role=server",
            "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip",
            # Only the shutdown exports, so the server's spans arrive in one request.
            "OTEL_BSP_SCHEDULE_DELAY": "3600000",
        }
    )
    return environment


def _service_of(request: ExportTraceServiceRequest) -> str:
    [resource_spans] = request.resource_spans
    return str(attributes_of(resource_spans.resource.attributes)["service.name"])


def _spans_of(request: ExportTraceServiceRequest) -> list[OtlpSpan]:
    return [span for resource in request.resource_spans for scope in resource.scope_spans for span in scope.spans]


def test_a_trace_and_its_baggage_cross_a_process_boundary(tmp_path: Path) -> None:
    """The server's span continues the client's trace under the client span; both reach the collector linked."""
    with OtlpReceiver() as receiver:
        tracing = FlextTracingService(
            service_name="orders-client",
            exporters=[FlextOtlpHttpExporter(receiver.traces_url, compression=None, timeout=5.0)],
            schedule_delay=3600.0,
        )
        try:
            with _traced_server(tmp_path, _server_environment(receiver.traces_url)) as (process, port):
                upstream = tracing.extract(
                    {"traceparent": f"00-{UPSTREAM_TRACE}-{UPSTREAM_SPAN}-01", "tracestate": "flext=run42"}
                )
                headers: dict[str, str] = {}
                with (
                    use_baggage(run_id=RUN_ID),
                    tracing.start_span("GET orders", kind="client", parent=upstream) as client,
                ):
                    tracing.inject(headers)
                    seen = _get(f"http://127.0.0.1:{port}/orders", headers)
                restarted = [
                    _get(
                        f"http://127.0.0.1:{port}/health",
                        {"traceparent": traceparent, "tracestate": "flext=stale", "baggage": "run_id=r2"},
                    )
                    for traceparent in INVALID_TRACEPARENTS
                ]
                process.send_signal(signal.SIGTERM)
                returncode = process.wait(STOP_BOUND)
                assert process.stdout is not None
                last_words = process.stdout.read()
        finally:
            client_flushed = tracing.shutdown(5.0)
        requests = receiver.requests
        decoded = receiver.decoded_requests()

    assert client_flushed is True
    assert isinstance(client, Span)
    assert (returncode, last_words) == (0, "shutdown True 4\n"), (tmp_path / "server.log").read_text(encoding="utf-8")
    assert headers["traceparent"] == f"00-{UPSTREAM_TRACE}-{client.span_id}-01"
    assert seen == {
        "trace_id": UPSTREAM_TRACE,
        "span_id": seen["span_id"],
        "parent_span_id": client.span_id,
        "tracestate": "flext=run42",
        "baggage": {"run_id": RUN_ID},
    }
    for answer in restarted:
        # A broken traceparent starts a new trace, and its tracestate is not read; baggage is independent.
        assert answer["trace_id"] not in {UPSTREAM_TRACE, "0" * 32}
        assert (answer["parent_span_id"], answer["tracestate"], answer["baggage"]) == (None, "", {"run_id": "r2"})
    assert len({answer["trace_id"] for answer in restarted}) == len(INVALID_TRACEPARENTS)

    assert len(decoded) == 2
    by_service = {_service_of(request): request for request in decoded}
    assert set(by_service) == {"orders-api", "orders-client"}
    [server_request] = [request for request in requests if request.header("content-encoding") == "gzip"]
    assert attributes_of(by_service["orders-api"].resource_spans[0].resource.attributes) == {
        "process.role": "server",
        "service.name": "orders-api",
    }

    [client_span] = _spans_of(by_service["orders-client"])
    assert (client_span.trace_id.hex(), client_span.span_id.hex(), client_span.parent_span_id.hex()) == (
        UPSTREAM_TRACE,
        client.span_id,
        UPSTREAM_SPAN,
    )
    assert (client_span.kind, client_span.flags, client_span.trace_state) == (
        CLIENT_KIND,
        FLAGS_REMOTE_PARENT,
        "flext=run42",
    )

    server_spans = {span.span_id.hex(): span for span in _spans_of(by_service["orders-api"])}
    assert set(server_spans) == {seen["span_id"], *(answer["span_id"] for answer in restarted)}
    continued = server_spans[seen["span_id"]]
    assert (continued.name, continued.kind, continued.flags, continued.trace_state) == (
        "GET /orders",
        SERVER_KIND,
        FLAGS_REMOTE_PARENT,
        "flext=run42",
    )
    assert (continued.trace_id.hex(), continued.parent_span_id.hex()) == (UPSTREAM_TRACE, client_span.span_id.hex())
    for answer in restarted:
        fresh = server_spans[answer["span_id"]]
        assert (fresh.trace_id.hex(), fresh.parent_span_id, fresh.flags, fresh.trace_state) == (
            answer["trace_id"],
            b"",
            FLAGS_ROOT_OR_LOCAL_PARENT,
            "",
        )
    assert _service_of(decode_export_request(server_request.body or b"")) == "orders-api"
