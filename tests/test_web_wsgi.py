"""The WSGI middleware under a real ``wsgiref`` server on 127.0.0.1, driven by real HTTP clients."""

from __future__ import annotations

import contextlib
import gc
import http.client
import logging
import os
import socket
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import requests

from flext_observability.core.values import SpanKind, SpanStatusCode
from flext_observability.shell.context import activate_span, current_baggage, current_span_ids
from flext_observability.shell.metrics.service import FlextMetricsService
from flext_observability.shell.tracing.exporters import InMemorySpanRepository
from flext_observability.shell.tracing.service import FlextTracingService, current_span
from flext_observability.shell.web.routes import WEB_REFUSALS, set_route
from flext_observability.shell.web.wsgi import FlextWsgiMiddleware
from flext_observability.testing import FakeClock

Environ = dict[str, Any]
StartResponse = Callable[..., Callable[[bytes], object]]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"
# Local servers only: a proxy from the environment must never see these requests.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
WAIT = 10.0


class Stack:
    """A metrics service, a tracing service keeping spans in memory, and the middleware over an app."""

    def __init__(self, app: WsgiApp, **options: Any) -> None:
        self.metrics = FlextMetricsService()
        self.repository = InMemorySpanRepository()
        self.tracing = FlextTracingService(
            service_name="shop", exporters=[self.repository], clock=_span_clock(options.get("clock"))
        )
        self.app = FlextWsgiMiddleware(app, metrics=self.metrics, tracing=self.tracing, **options)

    def count(self, method: str, route: str, status: str) -> float | None:
        """The request counter of one label set, ``None`` when it has no series."""
        family = self.metrics.snapshot().family("http_server_requests_total")
        assert family is not None
        state = family.state(http_request_method=method, http_route=route, http_response_status_code=status)
        return None if state is None else state.value  # type: ignore[union-attr]

    def durations(self, method: str, route: str, status: str) -> int:
        """How many durations the histogram holds for one label set."""
        family = self.metrics.snapshot().family("http_server_request_duration_seconds")
        assert family is not None
        state = family.state(http_request_method=method, http_route=route, http_response_status_code=status)
        return 0 if state is None else state.count  # type: ignore[union-attr]

    def active(self, method: str) -> float:
        """The in-flight gauge of one method."""
        family = self.metrics.snapshot().family("http_server_active_requests")
        assert family is not None
        state = family.state(http_request_method=method)
        return 0.0 if state is None else state.value  # type: ignore[union-attr]

    def refusals(self, reason: str) -> float:
        """The middleware's refusals of one reason."""
        family = self.metrics.snapshot().family(WEB_REFUSALS)
        assert family is not None
        state = family.state(reason=reason)
        return 0.0 if state is None else state.value  # type: ignore[union-attr]

    def spans(self) -> list[Any]:
        """Every span exported so far."""
        assert self.tracing.force_flush(WAIT)
        return list(self.repository.spans())

    def close(self) -> None:
        """Shut tracing down."""
        self.tracing.shutdown(WAIT)


def _span_clock(clock: object) -> Any:
    """The middleware's clock for the spans too, when it is a whole clock."""
    return clock if callable(getattr(clock, "time_ns", None)) else None


class _Handler(WSGIRequestHandler):
    """Quiet, and tells the server when a request was handled completely (body closed, socket done)."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the standard library's name
        del format, args

    def handle(self) -> None:
        try:
            super().handle()
        finally:
            self.server.handled.release()  # type: ignore[attr-defined]


class _Server(WSGIServer):
    handled: threading.Semaphore


class _ThreadingServer(ThreadingMixIn, _Server):
    daemon_threads = True


@contextlib.contextmanager
def serving(app: WsgiApp, *, threads: bool = False) -> Iterator[tuple[str, Callable[[int], None]]]:
    """Serve ``app`` on 127.0.0.1 (a free port) in a thread; yield its URL and a wait for N handled requests."""
    server = make_server(
        "127.0.0.1", 0, app, server_class=_ThreadingServer if threads else _Server, handler_class=_Handler
    )
    server.handled = threading.Semaphore(0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()

    def wait_handled(count: int) -> None:
        for _ in range(count):
            assert server.handled.acquire(timeout=WAIT), "the server did not finish a request"

    try:
        yield f"http://127.0.0.1:{server.server_port}", wait_handled
    finally:
        server.shutdown()
        server.server_close()
        thread.join(WAIT)


@pytest.fixture
def stacks() -> Iterator[list[Stack]]:
    """Stacks made by a test, shut down after it."""
    made: list[Stack] = []
    yield made
    for stack in made:
        stack.close()


def stack_for(stacks: list[Stack], app: WsgiApp, **options: Any) -> Stack:
    """A new stack over ``app``, shut down after the test."""
    stack = Stack(app, **options)
    stacks.append(stack)
    return stack


STATUSES: list[str] = []


def start(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> Callable[[bytes], object]:
    """A server's ``start_response`` for direct calls: notes the status, writes nowhere."""
    del headers, exc_info
    STATUSES.append(status)
    return len


def ok_app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    """Answers 200 with a short body."""
    del environ
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def routed_app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    """Tells its route, then answers 200."""
    set_route(environ, "/orders/{id}")
    return ok_app(environ, start_response)


def get(url: str) -> bytes:
    """The body of a GET of ``url``, with urllib."""
    with OPENER.open(url, timeout=WAIT) as response:
        return bytes(response.read())


def test_a_told_route_labels_the_metrics_and_names_the_server_span(stacks: list[Stack]) -> None:
    """A request whose app told its route is counted, timed and traced under the template, never the path."""
    stack = stack_for(stacks, routed_app)
    with serving(stack.app) as (url, wait_handled):
        assert get(url + "/orders/42?api_key=s3cret") == b"ok"
        wait_handled(1)
    assert stack.count("GET", "/orders/{id}", "200") == 1.0
    assert stack.durations("GET", "/orders/{id}", "200") == 1
    assert stack.active("GET") == 0.0
    exposition = stack.metrics.export_prometheus().unwrap()
    assert "/orders/42" not in exposition
    assert "s3cret" not in exposition
    (span,) = stack.spans()
    assert span.name == "GET /orders/{id}"
    assert span.kind is SpanKind.SERVER
    assert dict(span.attributes) == {
        "http.request.method": "GET",
        "url.scheme": "http",
        "http.route": "/orders/{id}",
        "http.response.status_code": 200,
    }
    assert span.status.code is SpanStatusCode.UNSET
    assert span.parent_span_id is None


def test_a_sampled_request_is_the_exemplar_of_its_duration_bucket(stacks: list[Stack]) -> None:
    """The duration is observed in the request's context: OpenMetrics shows the server span's ids on its bucket."""
    stack = stack_for(stacks, routed_app)
    with serving(stack.app) as (url, wait_handled):
        assert get(f"{url}/orders/7") == b"ok"
        wait_handled(1)
    (span,) = stack.spans()
    text = stack.metrics.export_prometheus(openmetrics=True).unwrap()
    marked = [line for line in text.splitlines() if line.startswith("http_server_request_duration_seconds_bucket")]
    exemplars = [line.split(" # ", 1)[1] for line in marked if " # " in line]
    assert len(exemplars) == 1
    assert f'span_id="{span.span_id}"' in exemplars[0]
    assert f'trace_id="{span.trace_id}"' in exemplars[0]


def test_a_request_without_a_route_is_unmatched_and_its_span_named_by_the_method(stacks: list[Stack]) -> None:
    """Without a told or framework route the route label is ``unmatched`` and the span is named ``POST``."""
    stack = stack_for(stacks, ok_app)
    with serving(stack.app) as (url, wait_handled):
        response = requests.post(url + "/users/9/reset", data=b"x", timeout=WAIT, proxies={"http": ""})
        assert response.status_code == 200
        wait_handled(1)
    assert stack.count("POST", "unmatched", "200") == 1.0
    (span,) = stack.spans()
    assert span.name == "POST"
    assert "http.route" not in span.attributes


def test_the_span_continues_the_callers_trace_context_and_baggage(stacks: list[Stack]) -> None:
    """The server span is a child of the incoming ``traceparent``, keeps each ``tracestate`` line; the app sees it."""
    seen: dict[str, object] = {}

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        seen["span"] = current_span()
        entry = current_baggage().get("tenant")
        seen["tenant"] = None if entry is None else entry.value
        return ok_app(environ, start_response)

    stack = stack_for(stacks, app)
    with serving(stack.app) as (url, wait_handled):
        connection = http.client.HTTPConnection(url.removeprefix("http://"), timeout=WAIT)
        connection.putrequest("GET", "/")
        connection.putheader("traceparent", TRACEPARENT)
        connection.putheader("tracestate", "rojo=00f067aa0ba902b7")
        connection.putheader("tracestate", "congo=t61rcWkgMzE")
        connection.putheader("baggage", "tenant=acme")
        connection.endheaders()
        assert connection.getresponse().read() == b"ok"
        connection.close()
        wait_handled(1)
    (span,) = stack.spans()
    assert (span.trace_id, span.parent_span_id) == (TRACE_ID, PARENT_ID)
    assert span.trace_state == "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
    running = seen["span"]
    assert running is not None
    assert running.span_id == span.span_id  # type: ignore[attr-defined]
    assert seen["tenant"] == "acme"


def test_two_traceparent_lines_start_a_new_trace(stacks: list[Stack]) -> None:
    """A request sending ``traceparent`` twice is not continued (W3C: it is invalid), and still served."""
    stack = stack_for(stacks, ok_app)
    with serving(stack.app) as (url, wait_handled):
        connection = http.client.HTTPConnection(url.removeprefix("http://"), timeout=WAIT)
        connection.putrequest("GET", "/")
        connection.putheader("traceparent", TRACEPARENT)
        connection.putheader("traceparent", f"00-{'1' * 32}-{'2' * 16}-01")
        connection.endheaders()
        assert connection.getresponse().status == 200
        connection.close()
        wait_handled(1)
    (span,) = stack.spans()
    assert span.parent_span_id is None
    assert span.trace_id not in {TRACE_ID, "1" * 32}


class BoomError(RuntimeError):
    """The application's own failure."""


def fail(message: str) -> None:
    """Raise the application's failure."""
    raise BoomError(message)


def test_an_exception_is_recorded_as_500_and_reaches_the_server_unchanged(stacks: list[Stack]) -> None:
    """An app that raises gives a ``500`` series and a failed span with the exception; the very exception goes on."""
    raised: list[BaseException] = []
    caught: list[BaseException] = []

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        set_route(environ, "/pay")
        start_response("200 OK", [])
        error = BoomError("card declined for token=abc123")
        raised.append(error)
        raise error

    stack = stack_for(stacks, app)

    def outer(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        try:
            return stack.app(environ, start_response)
        except BoomError as error:
            caught.append(error)
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info())
            return [b"failed"]

    with serving(outer) as (url, wait_handled):
        response = requests.get(url + "/pay", timeout=WAIT, proxies={"http": ""})
        assert response.status_code == 500
        wait_handled(1)
    assert caught == raised
    assert caught[0].__traceback__ is not None
    assert stack.count("GET", "/pay", "500") == 1.0
    assert stack.count("GET", "/pay", "200") is None
    (span,) = stack.spans()
    assert span.status.code is SpanStatusCode.ERROR
    assert span.attributes["error.type"] == "test_web_wsgi.BoomError"
    assert span.attributes["http.response.status_code"] == 500
    (event,) = span.events
    assert event.name == "exception"
    assert "abc123" not in str(event.attributes["exception.message"])


def test_a_failure_while_streaming_keeps_the_status_already_sent(stacks: list[Stack]) -> None:
    """A body that fails after its first chunk went out is recorded with the status sent, and the span fails."""

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        set_route(environ, "/export")
        start_response("200 OK", [("Content-Type", "text/plain")])

        def body() -> Iterator[bytes]:
            yield b"row 1\n"
            message = "the source went away"
            raise BoomError(message)

        return body()

    stack = stack_for(stacks, app)
    with serving(stack.app) as (url, wait_handled):
        connection = http.client.HTTPConnection(url.removeprefix("http://"), timeout=WAIT)
        connection.request("GET", "/export")
        response = connection.getresponse()
        assert response.status == 200
        with contextlib.suppress(http.client.IncompleteRead):
            response.read()
        connection.close()
        wait_handled(1)
    assert stack.count("GET", "/export", "200") == 1.0
    (span,) = stack.spans()
    assert span.status.code is SpanStatusCode.ERROR
    assert span.attributes["error.type"] == "test_web_wsgi.BoomError"
    assert stack.active("GET") == 0.0


def test_a_streamed_response_is_timed_until_the_server_closes_its_body(stacks: list[Stack]) -> None:
    """While a body streams the request is in flight and not yet counted; it is counted once the server closed it."""
    gate = threading.Event()
    closed = threading.Event()

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        set_route(environ, "/stream")
        start_response("200 OK", [("Content-Type", "text/plain")])

        def body() -> Iterator[bytes]:
            try:
                yield b"first\n"
                assert gate.wait(WAIT)
                yield b"second\n"
            finally:
                closed.set()

        return body()

    stack = stack_for(stacks, app)
    with serving(stack.app) as (url, wait_handled):
        connection = http.client.HTTPConnection(url.removeprefix("http://"), timeout=WAIT)
        connection.request("GET", "/stream")
        response = connection.getresponse()
        assert response.readline() == b"first\n"
        assert stack.active("GET") == 1.0
        assert stack.count("GET", "/stream", "200") is None
        gate.set()
        assert response.read() == b"second\n"
        connection.close()
        wait_handled(1)
    assert closed.is_set()
    assert stack.count("GET", "/stream", "200") == 1.0
    assert stack.active("GET") == 0.0


def test_giving_the_last_chunk_is_not_the_end_closing_is(stacks: list[Stack]) -> None:
    """An exhausted body is still in flight until ``close()``; a second ``close()`` records nothing more."""
    stack = stack_for(stacks, routed_app)
    STATUSES.clear()
    body = stack.app({"REQUEST_METHOD": "GET", "PATH_INFO": "/orders/1"}, start)
    assert list(body) == [b"ok"]
    assert list(body) == []
    assert stack.count("GET", "/orders/{id}", "200") is None
    assert stack.active("GET") == 1.0
    body.close()  # type: ignore[attr-defined]
    body.close()  # type: ignore[attr-defined]
    assert stack.count("GET", "/orders/{id}", "200") == 1.0
    assert stack.active("GET") == 0.0
    assert STATUSES == ["200 OK"]


def test_a_client_that_hangs_up_mid_stream_is_recorded_when_the_server_closes_the_body(stacks: list[Stack]) -> None:
    """A client leaving in the middle of a long body ends the request through ``close()``: counted, not in flight."""
    sent = threading.Event()
    closed = threading.Event()

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        set_route(environ, "/big")
        start_response("200 OK", [("Content-Type", "application/octet-stream")])

        def body() -> Iterator[bytes]:
            try:
                yield b"x" * 1024
                sent.set()
                for _ in range(10_000):
                    yield b"y" * 65536
            finally:
                closed.set()

        return body()

    stack = stack_for(stacks, app)
    with serving(stack.app) as (url, wait_handled):
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as client:
            client.sendall(b"GET /big HTTP/1.0\r\n\r\n")
            assert client.recv(64)
            assert sent.wait(WAIT)
        wait_handled(1)
    assert closed.is_set()
    assert stack.count("GET", "/big", "200") == 1.0
    assert stack.active("GET") == 0.0


def test_start_response_again_with_exc_info_replaces_the_status(stacks: list[Stack]) -> None:
    """PEP 3333: an app failing before its body may call ``start_response`` again with ``exc_info``: that one wins."""

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        set_route(environ, "/report")
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            fail("the database is down")
        except BoomError:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")], sys.exc_info())
        return [b"later"]

    stack = stack_for(stacks, app)
    with serving(stack.app) as (url, wait_handled):
        response = requests.get(url + "/report", timeout=WAIT, proxies={"http": ""})
        assert response.status_code == 503
        wait_handled(1)
    assert stack.count("GET", "/report", "503") == 1.0
    assert stack.count("GET", "/report", "200") is None
    (span,) = stack.spans()
    assert span.status.code is SpanStatusCode.ERROR
    assert span.attributes["error.type"] == "503"


def test_start_response_twice_without_exc_info_is_refused_by_the_server_as_it_would_be_unwrapped(
    stacks: list[Stack],
) -> None:
    """The server's refusal of a second ``start_response`` reaches the app unchanged; the first status is kept."""
    refusals: list[BaseException] = []

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        set_route(environ, "/twice")
        start_response("201 Created", [("Content-Type", "text/plain")])
        try:
            start_response("202 Accepted", [("Content-Type", "text/plain")])
        except AssertionError as error:  # wsgiref's refusal
            refusals.append(error)
        return [b"made"]

    stack = stack_for(stacks, app)
    with serving(stack.app) as (url, wait_handled):
        response = requests.get(url + "/twice", timeout=WAIT, proxies={"http": ""})
        assert response.status_code == 201
        wait_handled(1)
    assert len(refusals) == 1
    assert "already" in str(refusals[0])
    assert stack.count("GET", "/twice", "201") == 1.0
    assert stack.count("GET", "/twice", "202") is None


def test_hostile_headers_neither_break_the_request_nor_continue_a_trace(stacks: list[Stack]) -> None:
    """Oversized, malformed and non-ASCII propagation headers are refused quietly: served, in a new trace."""
    stack = stack_for(stacks, ok_app)
    hostile = [
        ("traceparent", "00-" + "f" * 8000),
        ("tracestate", ",".join(f"k{index}=v" for index in range(200))),
        ("baggage", "tenant=" + "%ZZ" * 1000),
        ("X-Junk", "\udcff".encode("utf-8", "surrogateescape").decode("latin-1") * 10),
    ]
    with serving(stack.app) as (url, wait_handled):
        connection = http.client.HTTPConnection(url.removeprefix("http://"), timeout=WAIT)
        connection.putrequest("GET", "/")
        for name, value in hostile:
            connection.putheader(name, value.encode("latin-1"))
        connection.endheaders()
        assert connection.getresponse().read() == b"ok"
        connection.close()
        wait_handled(1)
    (span,) = stack.spans()
    assert span.parent_span_id is None
    assert stack.count("GET", "unmatched", "200") == 1.0


@pytest.mark.parametrize("method", ["get", "BREW", "M" * 300, "GET\x7f", "ÄÖÜ"])
def test_a_method_outside_the_known_set_is_other_and_the_span_is_named_http(stacks: list[Stack], method: str) -> None:
    """Any method but the ten known ones, sent on a raw socket, is ``_OTHER`` in metrics, ``HTTP`` in the span name."""
    stack = stack_for(stacks, ok_app)
    with serving(stack.app) as (url, wait_handled):
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as client:
            client.sendall(f"{method} /x HTTP/1.0\r\n\r\n".encode("latin-1"))
            assert client.recv(16).startswith(b"HTTP/1.0 200")
        wait_handled(1)
    assert stack.count("_OTHER", "unmatched", "200") == 1.0
    (span,) = stack.spans()
    assert span.name == "HTTP"
    assert span.attributes["http.request.method"] == "_OTHER"
    original = span.attributes["http.request.method_original"]
    assert isinstance(original, str)
    assert original[:3] == method[:3]


class _RaisingText(str):
    __slots__ = ()

    def __hash__(self) -> int:
        raise RuntimeError

    def __eq__(self, other: object) -> bool:
        raise RuntimeError

    def __len__(self) -> int:
        raise RuntimeError


@pytest.mark.parametrize(
    "route",
    [42, None.__class__, "", "/x" * 200, "/orders/\n{id}", b"/orders/{id}", _RaisingText("/orders/{id}")],
    ids=["int", "type", "empty", "long", "control", "bytes", "raising-str"],
)
def test_a_route_that_cannot_be_a_label_is_refused_counted_and_the_request_unmatched(
    stacks: list[Stack], route: object, caplog: pytest.LogCaptureFixture
) -> None:
    """A bad told route is refused (a Failure for the app), counted and logged once; the request is ``unmatched``."""
    answers: list[object] = []

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        answers.append(set_route(environ, route))  # type: ignore[arg-type]
        return ok_app(environ, start_response)

    stack = stack_for(stacks, app)
    with caplog.at_level(logging.WARNING, logger="flext_observability.web"), serving(stack.app) as (url, wait_handled):
        for _ in range(3):
            assert get(url + "/x") == b"ok"
        wait_handled(3)
    if type(route) is _RaisingText:
        # A str subclass is read as the text it holds: it is a valid route.
        assert stack.count("GET", "/orders/{id}", "200") == 3.0
        return
    assert all(type(answer).__name__ == "Failure" for answer in answers)
    assert stack.count("GET", "unmatched", "200") == 3.0
    assert stack.refusals("invalid_route") == 3.0
    assert len([record for record in caplog.records if "route was not taken" in record.getMessage()]) == 1


def test_the_app_runs_in_a_copy_of_the_servers_context_so_nothing_it_leaves_current_leaks(
    stacks: list[Stack],
) -> None:
    """A span or baggage an app leaves current (a bug) stays in its request: the server's thread never sees them."""
    ids_seen: list[object] = []
    around: list[tuple[object, int]] = []

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        ids_seen.append(current_span_ids())
        activate_span(current_span())  # left current on purpose
        return ok_app(environ, start_response)

    stack = stack_for(stacks, app)

    def outer(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        # Runs in the server's own context, outside the middleware, before and after it.
        around.append((current_span_ids(), len(current_baggage())))
        body = stack.app(environ, start_response)
        around.append((current_span_ids(), len(current_baggage())))
        return body

    with serving(outer) as (url, wait_handled):
        request = urllib.request.Request(url + "/a", headers={"traceparent": TRACEPARENT, "baggage": "tenant=acme"})  # noqa: S310 - a loopback http URL
        with OPENER.open(request, timeout=WAIT) as response:
            assert response.read() == b"ok"
        assert get(url + "/b") == b"ok"
        wait_handled(2)
    first, second = stack.spans()
    assert first.trace_id == TRACE_ID
    assert second.trace_id != TRACE_ID
    assert second.parent_span_id is None
    assert [span.span_id for span in ids_seen] == [first.span_id, second.span_id]  # type: ignore[attr-defined]
    assert around == [(None, 0)] * 4


def test_url_path_is_recorded_only_when_asked_and_then_redacted(stacks: list[Stack]) -> None:
    """``record_path=True`` puts the path on the span with its secrets replaced; the query string never appears."""
    stack = stack_for(stacks, ok_app, record_path=True)
    with serving(stack.app) as (url, wait_handled):
        assert get(url + "/reset/token=abc123?password=hunter2") == b"ok"
        wait_handled(1)
    (span,) = stack.spans()
    assert span.attributes["url.path"] == "/reset/token=REDACTED"
    assert "hunter2" not in repr(span.to_dict())


def test_concurrent_requests_are_each_counted_and_traced_apart(stacks: list[Stack]) -> None:
    """Eight client threads against a threading server: exact counts, nothing left in flight, one trace per request."""
    parents: list[object] = []

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        span = current_span()
        parents.append(None if span is None else span.parent_span_id)
        return routed_app(environ, start_response)

    stack = stack_for(stacks, app)
    failures: list[BaseException] = []
    with serving(stack.app, threads=True) as (url, wait_handled):

        def client() -> None:
            try:
                for _ in range(20):
                    assert get(url + "/orders/1") == b"ok"
            except BaseException as error:  # noqa: BLE001 - reported by the test thread
                failures.append(error)

        threads = [threading.Thread(target=client) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT * 3)
        wait_handled(160)
    assert failures == []
    assert stack.count("GET", "/orders/{id}", "200") == 160.0
    assert stack.active("GET") == 0.0
    spans = stack.spans()
    assert len({span.trace_id for span in spans}) == 160
    assert parents == [None] * 160


def test_a_body_dropped_without_close_is_recorded_when_collected_and_counted(stacks: list[Stack]) -> None:
    """A server that never calls ``close()`` (against PEP 3333) leaves no request in flight for ever: it is counted."""
    stack = stack_for(stacks, routed_app)
    body = stack.app({"REQUEST_METHOD": "GET"}, start)
    assert list(body) == [b"ok"]
    assert stack.active("GET") == 1.0
    del body
    gc.collect()
    assert stack.active("GET") == 0.0
    assert stack.count("GET", "/orders/{id}", "200") == 1.0
    assert stack.refusals("not_closed") == 1.0


def test_an_environ_that_cannot_be_read_is_served_unrecorded(stacks: list[Stack]) -> None:
    """An environ whose lookups fail is handed to the app as it is; the middleware counts it and raises nothing."""

    class Hostile(dict[str, Any]):
        def get(self, key: str, default: object = None) -> object:
            raise RuntimeError

    stack = stack_for(stacks, ok_app)
    assert list(stack.app(Hostile(), start)) == [b"ok"]
    assert stack.refusals("unreadable_request") == 1.0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_worker_serves_and_records_while_the_parent_had_requests_in_flight(stacks: list[Stack]) -> None:
    """Pre-fork servers fork with requests in flight: the child records its own requests at once (no lock left held)."""
    stack = stack_for(stacks, routed_app)
    in_flight = stack.app({"REQUEST_METHOD": "GET"}, start)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit code
        code = 1
        try:
            body = stack.app({"REQUEST_METHOD": "PUT"}, start)
            list(body)
            body.close()  # type: ignore[attr-defined]
            code = 0 if stack.count("PUT", "/orders/{id}", "200") == 1.0 else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    in_flight.close()  # type: ignore[attr-defined]
    assert stack.count("PUT", "/orders/{id}", "200") is None
    assert stack.count("GET", "/orders/{id}", "200") == 1.0


@pytest.mark.parametrize(
    ("options", "error", "named"),
    [
        ({"app": None}, TypeError, "app"),
        ({"metrics": object()}, TypeError, "metrics"),
        ({"tracing": "tracing"}, TypeError, "tracing"),
        ({"max_routes": 0}, ValueError, "max_routes"),
        ({"max_routes": True}, ValueError, "max_routes"),
        ({"max_routes": 10**30}, ValueError, "max_routes"),
        ({"record_path": "yes"}, TypeError, "record_path"),
        ({"clock": object()}, TypeError, "clock"),
    ],
)
def test_set_up_mistakes_raise_naming_the_argument(
    stacks: list[Stack], options: dict[str, Any], error: type[Exception], named: str
) -> None:
    """Every wrong argument of the middleware is a set-up mistake raised at once, its message naming it."""
    stack = stack_for(stacks, ok_app)
    arguments: dict[str, Any] = {"app": ok_app, "metrics": stack.metrics, "tracing": stack.tracing, **options}
    app = arguments.pop("app")
    with pytest.raises(error, match=named):
        FlextWsgiMiddleware(app, **arguments)


class _Rule:
    """The part of werkzeug's ``Rule`` the middleware reads."""

    def __init__(self, rule: str) -> None:
        self.rule = rule


class _WerkzeugRequest:
    """The part of werkzeug's ``Request`` the middleware reads: ``url_rule``, set once the route matched."""

    def __init__(self) -> None:
        self.url_rule: _Rule | None = None


class _BrokenRequest:
    @property
    def url_rule(self) -> _Rule:
        raise RuntimeError


def test_flasks_matched_rule_is_read_after_the_app_ran_and_a_told_route_wins(stacks: list[Stack]) -> None:
    """The werkzeug request Flask leaves in the environ gives the route; ``set_route`` wins; a broken one is unmatched.

    Flask is not installed here: the app plays its part, storing a request
    object shaped like werkzeug's (its ``url_rule.rule``) the way werkzeug
    does, and matching the rule only while it runs, as Flask does.
    """

    def flask_like(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        if path == "/broken":
            environ["werkzeug.request"] = _BrokenRequest()
        else:
            request = environ["werkzeug.request"] = _WerkzeugRequest()
            request.url_rule = _Rule("/orders/<int:order_id>")
        if path == "/told":
            set_route(environ, "/told/{id}")
        return ok_app(environ, start_response)

    stack = stack_for(stacks, flask_like)
    with serving(stack.app) as (url, wait_handled):
        for path in ("/orders/5", "/told", "/broken"):
            assert get(url + path) == b"ok"
        wait_handled(3)
    assert stack.count("GET", "/orders/<int:order_id>", "200") == 1.0
    assert stack.count("GET", "/told/{id}", "200") == 1.0
    assert stack.count("GET", "unmatched", "200") == 1.0


def test_the_duration_runs_from_the_call_to_close_exactly(stacks: list[Stack]) -> None:
    """With a fake clock, time spent in the call, the body and after its last chunk until ``close()`` all count."""
    clock = FakeClock()

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        set_route(environ, "/slow")
        clock.advance(0.1)
        start_response("200 OK", [])

        def body() -> Iterator[bytes]:
            clock.advance(0.2)
            yield b"done"

        return body()

    stack = stack_for(stacks, app, clock=clock)
    body = stack.app({"REQUEST_METHOD": "GET"}, start)
    assert list(body) == [b"done"]
    clock.advance(0.4)  # the server still sending the last chunk
    body.close()  # type: ignore[attr-defined]
    family = stack.metrics.snapshot().family("http_server_request_duration_seconds")
    assert family is not None
    state: Any = family.state(http_request_method="GET", http_route="/slow", http_response_status_code="200")
    assert state.sum == pytest.approx(0.7)
    (span,) = stack.spans()
    assert span.duration_ns == 700_000_000


class _FailingClock:
    """A clock that works for the first reading and fails for every later one."""

    def __init__(self) -> None:
        self.readings = 0

    def monotonic(self) -> float:
        self.readings += 1
        if self.readings > 1:
            message = "clock source lost"
            raise OSError(message)
        return 0.0


def test_the_middlewares_own_failure_is_counted_and_logged_never_raised(
    stacks: list[Stack], caplog: pytest.LogCaptureFixture
) -> None:
    """A clock failing when a request ends breaks neither the response nor the span: counted, logged once."""
    stack = stack_for(stacks, routed_app, clock=_FailingClock())
    with caplog.at_level(logging.WARNING, logger="flext_observability.web"), serving(stack.app) as (url, wait_handled):
        assert get(url + "/orders/1") == b"ok"
        wait_handled(1)
    assert stack.refusals("internal_error") == 1.0
    assert stack.active("GET") == 0.0
    assert stack.count("GET", "/orders/{id}", "200") is None  # it could not be timed
    (span,) = stack.spans()
    assert span.name == "GET"
    (record,) = [record for record in caplog.records if "recording a request failed" in record.getMessage()]
    assert record.exc_info is not None or "clock source lost" in (record.exc_text or "")
