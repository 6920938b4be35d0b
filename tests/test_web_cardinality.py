"""Label cardinality: no path, method, status or route a client or a careless app sends grows the series.

CVE-2022-21698 (client_golang) and CVE-2023-45142 (otelhttp) let clients
create a series per method they invented. Here ten thousand requests with
random paths and random methods, garbage included, must leave the label sets
bounded; the exposition is read back with prometheus_client's own parsers.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import string
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families

from flext_observability.shell.metrics.service import FlextMetricsService
from flext_observability.shell.tracing.exporters import InMemorySpanRepository
from flext_observability.shell.tracing.service import FlextTracingService
from flext_observability.shell.web.asgi import FlextAsgiMiddleware
from flext_observability.shell.web.routes import (
    DURATION_BUCKETS,
    KNOWN_METHODS,
    OTHER,
    UNMATCHED,
    WEB_REFUSALS,
    set_route,
    status_label,
)
from flext_observability.shell.web.wsgi import FlextWsgiMiddleware

Environ = dict[str, Any]
StartResponse = Callable[..., Callable[[bytes], object]]
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]

REQUESTS = 10_000
STATUSES = ("200 OK", "404 Not Found", "500 Internal Server Error")
METHOD_LABELS = KNOWN_METHODS | {OTHER}
WAIT = 10.0


def random_path(rng: random.Random) -> str:
    """A path of random segments, with ids, a query string and percent escapes."""
    segments = ["".join(rng.choices(string.ascii_letters + string.digits + "%-_.~", k=rng.randint(1, 12)))]
    segments += [str(rng.randrange(10**9)) for _ in range(rng.randint(0, 3))]
    return "/" + "/".join(segments) + f"?id={rng.randrange(10**6)}"


def random_method(rng: random.Random) -> str:
    """A known method, a known one in another case, or garbage (control characters and non-ASCII text too)."""
    pick = rng.random()
    known = rng.choice(sorted(KNOWN_METHODS))
    if pick < 0.4:
        return known
    if pick < 0.6:
        return known.lower() if rng.random() < 0.5 else known.title()
    alphabet = string.printable + "ÄÖÜßλ\x00\x7f\u200b"
    return "".join(rng.choices(alphabet, k=rng.randint(1, 40)))


class Stack:
    """A metrics service and a tracing service (spans kept in memory) for one middleware."""

    def __init__(self) -> None:
        self.metrics = FlextMetricsService()
        self.repository = InMemorySpanRepository(capacity=REQUESTS)
        self.tracing = FlextTracingService(
            service_name="edge", exporters=[self.repository], max_queue_size=REQUESTS, max_export_batch_size=512
        )

    def label_values(self, metric: str) -> dict[str, set[str]]:
        """Every value each label of ``metric`` takes in the snapshot."""
        family = self.metrics.snapshot().family(metric)
        assert family is not None
        values: dict[str, set[str]] = {}
        for series in family.series:
            for name, value in series.labels:
                values.setdefault(name, set()).add(value)
        return values

    def series(self, metric: str) -> int:
        """How many series ``metric`` has."""
        family = self.metrics.snapshot().family(metric)
        assert family is not None
        return len(family.series)

    def span_names(self) -> set[str]:
        """The names of every span exported."""
        assert self.tracing.force_flush(WAIT)
        return {span.name for span in self.repository.spans()}


@pytest.fixture
def stack() -> Iterator[Stack]:
    """A fresh stack, its tracing shut down after the test."""
    made = Stack()
    yield made
    made.tracing.shutdown(WAIT)


def start(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> Callable[[bytes], object]:
    """A server's ``start_response`` for direct calls."""
    del status, headers, exc_info
    return len


def echo_app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    """Answers with the status the request asks for in ``X-Status`` (an index into :data:`STATUSES`)."""
    start_response(STATUSES[int(environ.get("HTTP_X_STATUS", "0"))], [("Content-Type", "text/plain")])
    return [b"ok"]


def test_ten_thousand_random_wsgi_requests_leave_the_label_sets_bounded(stack: Stack) -> None:
    """Random paths and methods give at most eleven method labels, one route label and three statuses."""
    rng = random.Random(20231010)  # noqa: S311 - reproducible test data, not secrets
    app = FlextWsgiMiddleware(echo_app, metrics=stack.metrics, tracing=stack.tracing)
    paths = set()
    for index in range(REQUESTS):
        path = random_path(rng)
        paths.add(path.split("?", 1)[0])
        environ = {"REQUEST_METHOD": random_method(rng), "PATH_INFO": path, "HTTP_X_STATUS": str(index % 3)}
        body = app(environ, start)
        list(body)
        body.close()  # type: ignore[attr-defined]
    labels = stack.label_values("http_server_requests_total")
    assert labels["http_request_method"] <= METHOD_LABELS
    assert OTHER in labels["http_request_method"]
    assert labels["http_route"] == {UNMATCHED}
    assert labels["http_response_status_code"] == {"200", "404", "500"}
    assert stack.series("http_server_requests_total") <= len(METHOD_LABELS) * 3
    assert stack.series("http_server_request_duration_seconds") <= len(METHOD_LABELS) * 3
    assert stack.series("http_server_active_requests") <= len(METHOD_LABELS)
    exposition = stack.metrics.export_prometheus().unwrap()
    assert not [path for path in paths if f'"{path}"' in exposition]
    assert stack.span_names() <= {*KNOWN_METHODS, "HTTP"}
    family = stack.metrics.snapshot().family("http_server_requests_total")
    assert family is not None
    assert sum(float(getattr(series.state, "value", 0.0)) for series in family.series) == REQUESTS


def test_ten_thousand_random_asgi_requests_leave_the_label_sets_bounded(stack: Stack) -> None:
    """The same flood through the ASGI middleware, statuses from any integer, stays within the same bounds."""
    rng = random.Random(20220215)  # noqa: S311 - reproducible test data, not secrets

    async def app(
        scope: Scope, receive: Callable[[], Awaitable[Message]], send: Callable[[Message], Awaitable[None]]
    ) -> None:
        del receive
        await send({"type": "http.response.start", "status": scope["status"], "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive() -> Message:
        return {"type": "http.request"}

    async def send(message: Message) -> None:
        del message

    served = FlextAsgiMiddleware(app, metrics=stack.metrics, tracing=stack.tracing)
    statuses = [rng.choice([200, 201, 404, 503, rng.randrange(-(10**6), 10**6)]) for _ in range(REQUESTS)]

    async def flood() -> None:
        for status in statuses:
            scope = {"type": "http", "method": random_method(rng), "path": random_path(rng), "status": status}
            await served(scope, receive, send)

    asyncio.run(flood())
    labels = stack.label_values("http_server_requests_total")
    assert labels["http_request_method"] <= METHOD_LABELS
    assert labels["http_route"] == {UNMATCHED}
    expected = {status_label(status) for status in statuses}
    assert labels["http_response_status_code"] == expected
    assert all(len(label) == 3 and label.isdigit() for label in expected - {OTHER})
    # Any three-digit status is a label (900 at most), whatever the client sent.
    assert stack.series("http_server_requests_total") <= len(METHOD_LABELS) * 901
    assert stack.span_names() <= {*KNOWN_METHODS, "HTTP"}


def test_an_app_telling_raw_paths_as_routes_is_capped_at_max_routes(stack: Stack) -> None:
    """A careless app passing each raw path to ``set_route`` is held to ``max_routes`` routes, the rest ``_OTHER``."""

    def careless(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        set_route(environ, environ["PATH_INFO"])
        return echo_app(environ, start_response)

    app = FlextWsgiMiddleware(careless, metrics=stack.metrics, tracing=stack.tracing, max_routes=50)
    for index in range(REQUESTS // 4):
        body = app({"REQUEST_METHOD": "GET", "PATH_INFO": f"/items/{index}"}, start)
        body.close()  # type: ignore[attr-defined]
    routes = stack.label_values("http_server_requests_total")["http_route"]
    assert len(routes) == 51
    assert OTHER in routes
    assert stack.series("http_server_requests_total") == 51
    family = stack.metrics.snapshot().family(WEB_REFUSALS)
    assert family is not None
    state = family.state(reason="route_limit")
    assert state is not None
    assert state.value == REQUESTS // 4 - 50  # type: ignore[union-attr]
    assert len(stack.span_names()) == 51  # "GET <route>" for the first fifty, "GET" for the rest


def test_the_exposition_parses_with_prometheus_clients_parsers(stack: Stack) -> None:
    """Both text formats parse with prometheus_client's parsers: types, OpenTelemetry's buckets, the three labels."""
    app = FlextWsgiMiddleware(echo_app, metrics=stack.metrics, tracing=stack.tracing)
    for index, method in enumerate(["GET", "BREW", "get", "POST"]):
        body = app({"REQUEST_METHOD": method, "HTTP_X_STATUS": str(index % 3)}, start)
        body.close()  # type: ignore[attr-defined]
    text = stack.metrics.export_prometheus().unwrap()
    families = {family.name: family for family in text_string_to_metric_families(text)}
    duration = families["http_server_request_duration_seconds"]
    assert duration.type == "histogram"
    bounds = sorted({float(sample.labels["le"]) for sample in duration.samples if sample.name.endswith("_bucket")})
    assert bounds == [*DURATION_BUCKETS, float("inf")]
    assert {frozenset(sample.labels) - {"le"} for sample in duration.samples} == {
        frozenset({"http_request_method", "http_route", "http_response_status_code"})
    }
    requests = families["http_server_requests"]
    assert requests.type == "counter"
    assert {
        (sample.labels["http_request_method"], sample.labels["http_response_status_code"], sample.value)
        for sample in requests.samples
        if sample.name == "http_server_requests_total"
    } == {("GET", "200", 1.0), ("_OTHER", "404", 1.0), ("_OTHER", "500", 1.0), ("POST", "200", 1.0)}
    active = families["http_server_active_requests"]
    assert active.type == "gauge"
    assert {sample.value for sample in active.samples} == {0.0}
    strict = stack.metrics.export_prometheus(openmetrics=True).unwrap()
    openmetrics = {family.name: family for family in parse_openmetrics(strict)}  # type: ignore[no-untyped-call]
    assert openmetrics["http_server_request_duration_seconds"].type == "histogram"
    assert openmetrics["http_server_requests"].type == "counter"


class _Handler(WSGIRequestHandler):
    """Quiet, and tells the server when a request was handled completely."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the standard library's name
        del format, args

    def handle(self) -> None:
        try:
            super().handle()
        finally:
            self.server.handled.release()  # type: ignore[attr-defined]


class _Server(WSGIServer):
    handled: threading.Semaphore


@contextlib.contextmanager
def serving(app: Callable[[Environ, StartResponse], Iterable[bytes]]) -> Iterator[tuple[int, threading.Semaphore]]:
    """Serve ``app`` with wsgiref on 127.0.0.1 in a thread; yield the port and the handled-requests semaphore."""
    server = make_server("127.0.0.1", 0, app, server_class=_Server, handler_class=_Handler)
    server.handled = threading.Semaphore(0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_port, server.handled
    finally:
        server.shutdown()
        server.server_close()
        thread.join(WAIT)


def test_garbage_request_lines_over_a_real_server_stay_bounded(stack: Stack) -> None:
    """Hundreds of raw requests with invented methods and paths, on a real socket, add no label values."""
    rng = random.Random(45142)  # noqa: S311 - reproducible test data, not secrets
    app = FlextWsgiMiddleware(echo_app, metrics=stack.metrics, tracing=stack.tracing)
    token = string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~"
    sent = 0
    with serving(app) as (port, handled):
        for _ in range(300):
            method = "".join(rng.choices(token, k=rng.randint(1, 30)))
            path = random_path(rng)
            with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as client:
                client.sendall(f"{method} {path} HTTP/1.0\r\nX-Status: {sent % 3}\r\n\r\n".encode())
                assert client.recv(12).startswith(b"HTTP/1.0 ")
            sent += 1
        for _ in range(sent):
            assert handled.acquire(timeout=WAIT)
    labels = stack.label_values("http_server_requests_total")
    assert labels["http_request_method"] <= METHOD_LABELS
    assert labels["http_route"] == {UNMATCHED}
    assert stack.series("http_server_requests_total") <= len(METHOD_LABELS) * 3
