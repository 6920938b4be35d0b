"""Attack: collectors and gateways that answer too much, too slowly, or somewhere else.

Each server here is a raw loopback socket (``loopback.py``) that misbehaves on
purpose: a 1 GiB answer body, headers trickled a byte at a time, a redirect to a
second server. The OTLP exporter and Pushgateway pushes must read a small bounded
amount, finish within their deadline, leave no thread and no socket behind,
and never follow a redirect (nor send credentials to its target).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import psutil
import pytest
from loopback import MIB, Handler, LoopbackServer, answer, black_hole, huge_body, trickle
from returns.result import Failure, Success
from servers import free_port

from flext_observability import FlextMetricsService
from flext_observability.tracing import FlextOtlpHttpExporter, FlextTracingService, InMemorySpanRepository

if TYPE_CHECKING:
    from collections.abc import Sequence

    from flext_observability.tracing import FlextSpan

MARGIN = 0.75
PLAIN_OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"


def redirect_to(target: str, status: int = 301) -> Handler:
    """An answer redirecting to ``target``."""
    return answer(
        f"HTTP/1.1 {status} Moved\r\nLocation: {target}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
    )


def trickling_headers() -> Handler:
    """A status line, then one header byte every 0.1 s for as long as a test may wait."""
    return trickle(b"HTTP/1.1 200 OK\r\n", period=0.1)


def some_spans() -> Sequence[FlextSpan]:
    """Three finished spans."""
    repository = InMemorySpanRepository()
    tracing = FlextTracingService(exporters=[repository])
    for number in range(3):
        with tracing.start_span(f"step {number}"):
            pass
    assert tracing.shutdown(5.0)
    return repository.spans()


def client_sockets_to(ports: set[int]) -> int:
    """This process's open sockets connected to one of ``ports`` (the client's ends)."""
    count = 0
    for connection in psutil.Process().net_connections(kind="inet"):
        port = getattr(connection.raddr, "port", None)
        if port in ports and connection.status != psutil.CONN_TIME_WAIT:
            count += 1
    return count


def test_a_one_gib_answer_is_read_only_up_to_the_cap() -> None:
    """Ensures the exporter reads a small cap of a 1 GiB answer: RSS barely moves and the export ends at once."""
    spans = some_spans()
    process = psutil.Process()
    with LoopbackServer(huge_body()) as server:
        exporter = FlextOtlpHttpExporter(server.url("/v1/traces"), max_retries=0)
        before = process.memory_info().rss
        started = time.monotonic()
        result = exporter.export(spans, 10.0)
        took = time.monotonic() - started
        grown = process.memory_info().rss - before
    assert result == Success(3)
    assert took < 2.0
    assert grown < 32 * MIB, f"RSS grew by {grown / MIB:.0f} MiB"


def test_a_one_gib_answer_to_a_push_is_read_only_up_to_the_cap() -> None:
    """Ensures a Pushgateway push reads a small cap of a 1 GiB answer too."""
    service = FlextMetricsService()
    service.gauge("depth", "Depth.").unwrap().set(1)
    process = psutil.Process()
    with LoopbackServer(huge_body()) as server:
        before = process.memory_info().rss
        started = time.monotonic()
        result = service.push(server.origin, "nightly", timeout=5.0, retries=0)
        took = time.monotonic() - started
        grown = process.memory_info().rss - before
    assert result == Success(None)
    assert took < 2.0
    assert grown < 32 * MIB, f"RSS grew by {grown / MIB:.0f} MiB"


def test_a_trickling_collector_leaves_no_thread_and_no_socket_behind() -> None:
    """Ensures ten exports to a collector that trickles end on time and leave nothing running, before shutdown too."""
    spans = some_spans()
    threads_before = threading.active_count()
    with LoopbackServer(trickling_headers()) as server:
        exporter = FlextOtlpHttpExporter(server.url("/v1/traces"), max_retries=0)
        server_threads = threading.active_count()
        for _ in range(10):
            started = time.monotonic()
            result = exporter.export(spans, 0.5)
            assert time.monotonic() - started < 0.5 + MARGIN
            assert isinstance(result, Failure)
            assert "timed out" in result.failure().message
        # The server's own handler threads are still trickling; the exporter started none.
        assert threading.active_count() - server_threads <= 10
        assert all(thread.name != "flext-otlp-export" for thread in threading.enumerate())
        # The server still holds its ends of the connections; the exporter's ends are all closed.
        assert client_sockets_to({server.port}) == 0
        exporter.shutdown(1.0)
    deadline = time.monotonic() + 5.0
    while threading.active_count() > threads_before + 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(thread.name != "flext-otlp-export" for thread in threading.enumerate())


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_a_failure_naming_the_location_and_the_target_sees_nothing(status: int) -> None:
    """Ensures the exporter does not follow a redirect: no request (and no credentials) reach its target."""
    spans = some_spans()
    with LoopbackServer(answer(PLAIN_OK)) as elsewhere:
        location = elsewhere.url("/v1/traces")
        with LoopbackServer(redirect_to(location, status)) as collector:
            exporter = FlextOtlpHttpExporter(
                collector.url("/v1/traces"),
                headers={"Authorization": "Bearer s3cr3t-token", "X-Api-Key": "k3y-s3cr3t"},
                max_retries=3,
            )
            result = exporter.export(spans, 5.0)
            assert len(collector.requests) == 1
        time.sleep(0.2)
        assert elsewhere.requests == []
    assert isinstance(result, Failure)
    error = result.failure()
    assert error.status == status
    assert location in error.message
    assert "s3cr3t" not in str(error)


def test_a_redirected_push_is_a_failure_naming_the_location() -> None:
    """Ensures a push is not re-sent to a redirect's target either."""
    service = FlextMetricsService()
    service.gauge("depth", "Depth.").unwrap().set(1)
    with (
        LoopbackServer(answer(PLAIN_OK)) as elsewhere,
        LoopbackServer(redirect_to(elsewhere.url("/metrics/job/x"), 307)) as gateway,
    ):
        result = service.push(gateway.origin, "nightly", timeout=5.0, retries=2)
        time.sleep(0.2)
        assert elsewhere.requests == []
        assert len(gateway.requests) == 1
    assert isinstance(result, Failure)
    assert "/metrics/job/x" in result.failure().message


def test_no_file_descriptor_is_left_after_many_failed_exports() -> None:
    """Ensures 30 exports against refused, silent and trickling peers leave no client socket open."""
    spans = some_spans()

    with LoopbackServer(black_hole) as quiet, LoopbackServer(trickling_headers()) as slow:
        refused_port = free_port()
        exporters = [
            FlextOtlpHttpExporter(f"http://127.0.0.1:{refused_port}/v1/traces", max_retries=0),
            FlextOtlpHttpExporter(quiet.url("/v1/traces"), max_retries=0),
            FlextOtlpHttpExporter(slow.url("/v1/traces"), max_retries=0),
        ]
        peers = {quiet.port, slow.port, refused_port}
        for _ in range(10):
            for exporter in exporters:
                assert isinstance(exporter.export(spans, 0.3), Failure)
        # The servers still hold their ends; the exporter's ends must all be closed.
        assert client_sockets_to(peers) == 0
