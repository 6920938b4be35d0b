"""Attack: collectors and gateways that answer too much, too slowly, or somewhere else.

Each server here is a raw loopback socket that misbehaves on purpose: a
1 GiB answer body, a body trickled a byte at a time, a redirect to a second
server. The OTLP exporter and Pushgateway pushes must read a small bounded
amount, finish within their deadline, leave no thread and no socket behind,
and never follow a redirect (nor send credentials to its target).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import TYPE_CHECKING

import psutil
import pytest
from returns.result import Failure, Success

from flext_observability import FlextMetricsService
from flext_observability.tracing import FlextOtlpHttpExporter, FlextTracingService, InMemorySpanRepository

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from flext_observability.tracing import FlextSpan

GIB = 1024**3
MIB = 1024**2
MARGIN = 0.75


class RawServer:
    """Accepts connections on 127.0.0.1 and hands each to ``answer(connection)`` in its own thread."""

    def __init__(self, answer: Callable[[socket.socket], object]) -> None:
        self._answer = answer
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.requests: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(10.0)
            head = b""
            with contextlib.suppress(OSError):
                while b"\r\n\r\n" not in head and len(head) < 1_000_000:
                    chunk = connection.recv(65536)
                    if not chunk:
                        break
                    head += chunk
            self.requests.append(head)
            with contextlib.suppress(OSError):
                self._answer(connection)

    def close(self) -> None:
        """Stop accepting (connections being answered finish on their own)."""
        self._stop.set()
        self._listener.close()
        self._thread.join(2.0)


@contextlib.contextmanager
def raw_server(answer: Callable[[socket.socket], object]) -> Iterator[RawServer]:
    """A running :class:`RawServer`, closed afterwards."""
    server = RawServer(answer)
    try:
        yield server
    finally:
        server.close()


def huge_body(connection: socket.socket) -> None:
    """200 with a 1 GiB body, streamed until the client hangs up."""
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % GIB)
    block = b"0" * 65536
    sent = 0
    while sent < GIB:
        connection.sendall(block)
        sent += len(block)


def trickle(connection: socket.socket) -> None:
    """A status line, then one header byte every 0.1 s for 30 s."""
    connection.sendall(b"HTTP/1.1 200 OK\r\n")
    for _ in range(300):
        connection.sendall(b"X")
        time.sleep(0.1)


def redirect_to(target: str, status: int = 301) -> Callable[[socket.socket], None]:
    """An answer redirecting to ``target``."""

    def answer(connection: socket.socket) -> None:
        connection.sendall(
            f"HTTP/1.1 {status} Moved\r\nLocation: {target}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
        )

    return answer


def ok(connection: socket.socket) -> None:
    """A plain 200."""
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")


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
    with raw_server(huge_body) as server:
        exporter = FlextOtlpHttpExporter(server.url + "/v1/traces", max_retries=0)
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
    with raw_server(huge_body) as server:
        before = process.memory_info().rss
        started = time.monotonic()
        result = service.push(server.url, "nightly", timeout=5.0, retries=0)
        took = time.monotonic() - started
        grown = process.memory_info().rss - before
    assert result == Success(None)
    assert took < 2.0
    assert grown < 32 * MIB, f"RSS grew by {grown / MIB:.0f} MiB"


def test_a_trickling_collector_leaves_no_thread_and_no_socket_behind() -> None:
    """Ensures ten exports to a collector that trickles end on time and leave nothing running, before shutdown too."""
    spans = some_spans()
    threads_before = threading.active_count()
    with raw_server(trickle) as server:
        exporter = FlextOtlpHttpExporter(server.url + "/v1/traces", max_retries=0)
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
    with raw_server(ok) as elsewhere:
        location = elsewhere.url + "/v1/traces"
        with raw_server(redirect_to(location, status)) as collector:
            exporter = FlextOtlpHttpExporter(
                collector.url + "/v1/traces",
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
    with raw_server(ok) as elsewhere, raw_server(redirect_to(elsewhere.url + "/metrics/job/x", 307)) as gateway:
        result = service.push(gateway.url, "nightly", timeout=5.0, retries=2)
        time.sleep(0.2)
        assert elsewhere.requests == []
        assert len(gateway.requests) == 1
    assert isinstance(result, Failure)
    assert "/metrics/job/x" in result.failure().message


def test_no_file_descriptor_is_left_after_many_failed_exports() -> None:
    """Ensures 30 exports against refused, silent and trickling peers leave no client socket open."""
    spans = some_spans()

    def silent(connection: socket.socket) -> None:
        del connection
        time.sleep(3.0)

    with raw_server(silent) as quiet, raw_server(trickle) as slow:
        free = socket.create_server(("127.0.0.1", 0))
        refused_port = free.getsockname()[1]
        free.close()
        exporters = [
            FlextOtlpHttpExporter(f"http://127.0.0.1:{refused_port}/v1/traces", max_retries=0),
            FlextOtlpHttpExporter(quiet.url + "/v1/traces", max_retries=0),
            FlextOtlpHttpExporter(slow.url + "/v1/traces", max_retries=0),
        ]
        peers = {quiet.port, slow.port, refused_port}
        for _ in range(10):
            for exporter in exporters:
                assert isinstance(exporter.export(spans, 0.3), Failure)
        # The servers still hold their ends; the exporter's ends must all be closed.
        assert client_sockets_to(peers) == 0
