"""Outgoing calls through real ``urllib``, ``requests`` and ``httpx`` clients to a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import requests
import requests.adapters
from servers import free_port

from flext_observability.core.tracing.sampling import always_off
from flext_observability.core.values import SpanKind, SpanStatusCode
from flext_observability.shell.context import use_baggage
from flext_observability.shell.metrics.service import SERIES_OVERFLOW, FlextMetricsService
from flext_observability.shell.tracing.exporters import InMemorySpanRepository
from flext_observability.shell.tracing.service import FlextTracingService
from flext_observability.shell.web.client import (
    CLIENT_DURATION,
    CLIENT_REFUSALS,
    DEFAULT_MAX_ADDRESSES,
    MAX_ADDRESSES_CAP,
    MAX_ERROR_TYPES,
    FlextHttpClientInstrumentation,
)

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
# Local servers only: a proxy from the environment must never see these requests.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
WAIT = 10.0


# --- the server ------------------------------------------------------------------


class Recorder(BaseHTTPRequestHandler):
    """Answers by path (``/missing`` 404, ``/broken`` 500, ``/redirect`` 302 to ``/ok``, else 200), noting requests."""

    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, str, dict[str, str]]]

    def answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.seen.append((self.command, self.path, {key.lower(): value for key, value in self.headers.items()}))
        path = self.path.split("?", 1)[0]
        status = {"/missing": 404, "/broken": 500, "/redirect": 302}.get(path, 200)
        self.send_response(status)
        if status == 302:
            self.send_header("Location", "/ok")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


# http.server dispatches on the method's name: do_GET, do_POST, and one method no standard knows.
for _verb in ("GET", "POST", "BREW"):
    setattr(Recorder, f"do_{_verb}", Recorder.answer)


class Server:
    """A threading HTTP server on 127.0.0.1 that records the requests it got."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        handler = type("Handler", (Recorder,), {"seen": self.seen})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.httpd.server_port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def headers(self, index: int = -1) -> dict[str, str]:
        """The headers of one request the server got (the last by default)."""
        return self.seen[index][2]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(WAIT)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """A recording server for the whole module."""
    running = Server()
    yield running
    running.close()


@pytest.fixture
def served(server: Server) -> Server:
    """The server, with what it saw before this test forgotten."""
    server.seen.clear()
    return server


# --- the services ----------------------------------------------------------------


class Stack:
    """Metrics, tracing into memory and the instrumentation under test."""

    def __init__(self, *, metrics: FlextMetricsService | None = None, **options: Any) -> None:
        self.metrics = metrics or FlextMetricsService()
        self.repository = InMemorySpanRepository()
        self.tracing = FlextTracingService(
            service_name="loader", exporters=[self.repository], sampler=options.pop("sampler", None)
        )
        self.client = FlextHttpClientInstrumentation(tracing=self.tracing, metrics=self.metrics, **options)

    def series(self) -> list[dict[str, str]]:
        """The label sets of the duration histogram."""
        family = self.metrics.snapshot().family(CLIENT_DURATION)
        assert family is not None
        return [dict(series.labels) for series in family.series]

    def count(self, method: str, address: str, port: object, status: str, error: str) -> int:
        """Durations recorded under one label set."""
        family = self.metrics.snapshot().family(CLIENT_DURATION)
        assert family is not None
        state = family.state(
            http_request_method=method,
            server_address=address,
            server_port=str(port),
            http_response_status_code=status,
            error_type=error,
        )
        return 0 if state is None else state.count  # type: ignore[union-attr]

    def refusals(self, reason: str) -> float:
        family = self.metrics.snapshot().family(CLIENT_REFUSALS)
        assert family is not None
        state = family.state(reason=reason)
        return 0.0 if state is None else state.value  # type: ignore[union-attr]

    def spans(self) -> list[Any]:
        """Every span ended so far, oldest first."""
        assert self.tracing.force_flush(WAIT)
        return sorted(
            (span for trace in self.repository.query_traces() for span in trace.spans),
            key=lambda span: span.start_time_ns,
        )

    def client_spans(self) -> list[Any]:
        return [span for span in self.spans() if span.kind is SpanKind.CLIENT]


@pytest.fixture
def stack() -> Iterator[Stack]:
    """A fresh stack, shut down after the test."""
    made = Stack()
    yield made
    made.tracing.shutdown(WAIT)


# --- the four clients, driven the same way ----------------------------------------------


def via_urllib(stack: Stack, url: str, headers: dict[str, str], method: str) -> int:
    """One call through ``urllib``; the status of the response (or of the ``HTTPError``)."""
    request = urllib.request.Request(url, headers=headers, method=method)  # noqa: S310 - loopback test URLs
    try:
        with stack.client.urlopen(request, opener=OPENER, timeout=WAIT) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


def via_requests(stack: Stack, url: str, headers: dict[str, str], method: str) -> int:
    """One call through an instrumented ``requests.Session`` (redirects not followed)."""
    with requests.Session() as session:
        session.trust_env = False
        stack.client.instrument_session(session)
        return session.request(method, url, headers=headers, timeout=WAIT, allow_redirects=False).status_code


def via_httpx(stack: Stack, url: str, headers: dict[str, str], method: str) -> int:
    """One call through an ``httpx.Client`` over the instrumented transport."""
    with httpx.Client(transport=stack.client.httpx_transport(), timeout=WAIT) as client:
        return client.request(method, url, headers=headers).status_code


def via_httpx_async(stack: Stack, url: str, headers: dict[str, str], method: str) -> int:
    """One call through an ``httpx.AsyncClient`` over the instrumented async transport, in its own event loop."""

    async def call() -> int:
        async with httpx.AsyncClient(transport=stack.client.httpx_async_transport(), timeout=WAIT) as client:
            return (await client.request(method, url, headers=headers)).status_code

    return asyncio.run(call())


Driver = Callable[[Stack, str, dict[str, str], str], int]
DRIVERS: dict[str, Driver] = {
    "urllib": via_urllib,
    "requests": via_requests,
    "httpx": via_httpx,
    "httpx-async": via_httpx_async,
}
CONNECT_ERRORS: dict[str, tuple[type[BaseException], str]] = {
    "urllib": (urllib.error.URLError, "urllib.error.URLError"),
    "requests": (requests.exceptions.ConnectionError, "requests.exceptions.ConnectionError"),
    "httpx": (httpx.ConnectError, "httpx.ConnectError"),
    "httpx-async": (httpx.ConnectError, "httpx.ConnectError"),
}


@pytest.fixture(params=list(DRIVERS))
def driver(request: pytest.FixtureRequest) -> tuple[str, Driver]:
    """Each client in turn."""
    name: str = request.param
    return name, DRIVERS[name]


def parent_id(traceparent: str) -> str:
    """The parent id field of a ``traceparent`` value."""
    return traceparent.split("-")[2]


# --- propagation -------------------------------------------------------------------


def test_the_server_sees_the_client_span_as_its_parent(
    stack: Stack, served: Server, driver: tuple[str, Driver]
) -> None:
    """The injected traceparent carries the client span, which is a child of the span current at the call."""
    _, call = driver
    with stack.tracing.start_span("nightly-load") as outer:
        assert call(stack, served.url("/ok"), {}, "GET") == 200
    traceparent = served.headers()["traceparent"]
    (client,) = stack.client_spans()
    assert traceparent == f"00-{client.trace_id}-{client.span_id}-{traceparent[-2:]}"
    assert client.trace_id == outer.trace_id
    assert client.parent_span_id == outer.span_id
    assert client.name == "GET"
    assert client.kind is SpanKind.CLIENT


def test_a_call_outside_any_span_starts_a_trace_the_server_joins(
    stack: Stack, served: Server, driver: tuple[str, Driver]
) -> None:
    """Without a current span the client span is a root, and still the server's parent."""
    _, call = driver
    call(stack, served.url("/ok"), {}, "GET")
    (client,) = stack.client_spans()
    assert client.parent_span_id is None
    assert parent_id(served.headers()["traceparent"]) == client.span_id


def test_the_callers_own_propagation_headers_are_kept(stack: Stack, served: Server, driver: tuple[str, Driver]) -> None:
    """A traceparent and baggage the caller set reach the server unchanged, and no tracestate is added to them."""
    _, call = driver
    remote = stack.tracing.extract({"traceparent": f"00-{TRACE_ID}-b7ad6b7169203331-01", "tracestate": "rojo=1"})
    with stack.tracing.start_span("job", parent=remote), use_baggage(tenant="acme"):
        call(stack, served.url("/ok"), {"traceparent": CALLER_TRACEPARENT, "baggage": "mine=1"}, "GET")
    seen = served.headers()
    assert seen["traceparent"] == CALLER_TRACEPARENT
    assert seen["baggage"] == "mine=1"
    assert "tracestate" not in seen
    assert len(stack.client_spans()) == 1


def test_tracestate_and_baggage_of_the_context_are_sent(
    stack: Stack, served: Server, driver: tuple[str, Driver]
) -> None:
    """The trace state of the current trace and the current baggage travel with the request."""
    _, call = driver
    remote = stack.tracing.extract({"traceparent": f"00-{TRACE_ID}-b7ad6b7169203331-01", "tracestate": "rojo=1"})
    with stack.tracing.start_span("job", parent=remote), use_baggage(tenant="acme"):
        call(stack, served.url("/ok"), {}, "GET")
    seen = served.headers()
    assert seen["tracestate"] == "rojo=1"
    assert seen["baggage"] == "tenant=acme"
    assert seen["traceparent"].split("-")[1] == TRACE_ID


def test_an_unsampled_call_propagates_and_is_measured(served: Server) -> None:
    """With sampling off nothing is exported, yet the server gets an unsampled traceparent and the call is counted."""
    stack = Stack(sampler=always_off())
    via_requests(stack, served.url("/ok"), {}, "GET")
    assert int(served.headers()["traceparent"][-2:], 16) & 1 == 0  # the sampled flag is off
    assert stack.spans() == []
    assert stack.count("GET", "127.0.0.1", served.port, "200", "") == 1
    stack.tracing.shutdown(WAIT)


# --- what is recorded ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "outcome"),
    [
        ("/ok", (200, "", SpanStatusCode.UNSET)),
        ("/missing", (404, "404", SpanStatusCode.ERROR)),
        ("/broken", (500, "500", SpanStatusCode.ERROR)),
    ],
)
def test_each_response_is_one_series_sample_and_one_span(
    stack: Stack, served: Server, driver: tuple[str, Driver], path: str, outcome: tuple[int, str, SpanStatusCode]
) -> None:
    """2xx, 4xx and 5xx land in their series; client spans are errors for 4xx and 5xx, with no description."""
    _, call = driver
    status, error_type, span_status = outcome
    assert call(stack, served.url(path + "?page=2"), {}, "GET") == status
    assert stack.count("GET", "127.0.0.1", served.port, str(status), error_type) == 1
    assert len(stack.series()) == 1
    (span,) = stack.client_spans()
    assert span.status.code is span_status
    assert span.status.description == ""
    attributes = dict(span.attributes)
    expected: dict[str, object] = {
        "http.request.method": "GET",
        "server.address": "127.0.0.1",
        "server.port": served.port,
        "url.full": served.url(path + "?page=2"),
        "http.response.status_code": status,
    }
    if error_type:
        expected["error.type"] = error_type
    assert attributes == expected


def test_a_refused_connection_raises_the_clients_own_error_and_is_recorded(
    stack: Stack, driver: tuple[str, Driver]
) -> None:
    """A closed port raises what the client raises; the series and the span carry the exception's type."""
    name, call = driver
    expected, error_type = CONNECT_ERRORS[name]
    port = free_port()
    with pytest.raises(expected):
        call(stack, f"http://127.0.0.1:{port}/ok", {}, "GET")
    assert stack.count("GET", "127.0.0.1", port, "", error_type) == 1
    (span,) = stack.client_spans()
    assert span.status.code is SpanStatusCode.ERROR
    assert dict(span.attributes)["error.type"] == error_type
    assert "http.response.status_code" not in dict(span.attributes)
    assert [event.name for event in span.events] == ["exception"]


def test_the_exception_is_the_very_one_the_client_raised(stack: Stack) -> None:
    """The exception reaching the caller is the client's object itself, with its own message and cause."""
    port = free_port()
    with pytest.raises(urllib.error.URLError) as plain:
        OPENER.open(f"http://127.0.0.1:{port}/", timeout=WAIT)
    with pytest.raises(urllib.error.URLError) as traced:
        stack.client.urlopen(f"http://127.0.0.1:{port}/", opener=OPENER, timeout=WAIT)
    assert type(traced.value) is type(plain.value)
    assert str(traced.value) == str(plain.value)
    assert type(traced.value.reason) is ConnectionRefusedError


def test_no_secret_of_the_url_reaches_spans_or_metrics(stack: Stack, served: Server) -> None:
    """User, password and token of ``http://user:pass@host/?token=...`` are redacted in url.full; labels hold none."""
    url = f"http://etl:hunter2@127.0.0.1:{served.port}/ok?token=s3cr3t&page=2"
    via_requests(stack, url, {}, "GET")
    via_httpx(stack, url, {}, "GET")
    via_urllib(stack, served.url("/ok?access_token=s3cr3t&page=2"), {}, "GET")
    fulls = [dict(span.attributes)["url.full"] for span in stack.client_spans()]
    redacted = f"http://REDACTED:REDACTED@127.0.0.1:{served.port}/ok?token=REDACTED&page=2"
    assert fulls == [redacted, redacted, served.url("/ok?access_token=REDACTED&page=2")]
    exposition = stack.metrics.export_prometheus().unwrap()
    spans_text = repr(stack.spans())
    for secret in ("hunter2", "s3cr3t"):
        assert secret not in exposition
        assert secret not in spans_text
    # The server did get the credentials: only what leaves through the observability is redacted.
    assert served.headers(0)["authorization"].startswith("Basic ")


def test_the_fragment_is_left_out_of_url_full(stack: Stack, served: Server) -> None:
    """A fragment is never sent, so it is not recorded either."""
    via_urllib(stack, served.url("/ok#section-2"), {}, "GET")
    (span,) = stack.client_spans()
    assert dict(span.attributes)["url.full"] == served.url("/ok")


def test_an_unknown_method_is_other_and_names_the_span_http(stack: Stack, served: Server) -> None:
    """A method outside the known set is ``_OTHER`` in labels and attributes, kept as method_original."""
    assert via_httpx(stack, served.url("/ok"), {}, "BREW") == 200
    assert served.seen[-1][0] == "BREW"
    assert stack.count("_OTHER", "127.0.0.1", served.port, "200", "") == 1
    (span,) = stack.client_spans()
    assert span.name == "HTTP"
    assert dict(span.attributes)["http.request.method"] == "_OTHER"
    assert dict(span.attributes)["http.request.method_original"] == "BREW"


def test_urllib_records_a_posted_body_and_its_method(stack: Stack, served: Server) -> None:
    """``data`` makes a POST, as in urllib, and the body still reaches the server."""
    with stack.client.urlopen(served.url("/ok"), b"rows=3", opener=OPENER, timeout=WAIT) as response:
        assert response.read() == b"ok"
    assert served.seen[-1][0] == "POST"
    assert served.headers()["content-length"] == "6"
    assert stack.count("POST", "127.0.0.1", served.port, "200", "") == 1


def test_the_default_port_of_the_scheme_is_recorded(stack: Stack) -> None:
    """A URL without a port is recorded with its scheme's default port (80 for http)."""
    with pytest.raises(urllib.error.URLError):
        stack.client.urlopen("http://127.0.0.1/", opener=OPENER, timeout=WAIT)
    (span,) = stack.client_spans()
    assert dict(span.attributes)["server.port"] == 80
    assert stack.count("GET", "127.0.0.1", 80, "", "urllib.error.URLError") == 1


# --- redirects -------------------------------------------------------------------------


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_each_redirect_hop_is_a_span_carrying_its_own_id(stack: Stack, served: Server, client: str) -> None:
    """``requests`` and ``httpx`` send each hop through us: the second hop carries its own span, not the first's."""
    if client == "requests":
        with requests.Session() as session:
            session.trust_env = False
            stack.client.instrument_session(session)
            assert session.get(served.url("/redirect"), timeout=WAIT).status_code == 200
    else:
        with httpx.Client(transport=stack.client.httpx_transport(), follow_redirects=True) as http:
            assert http.get(served.url("/redirect")).status_code == 200
    first, second = stack.client_spans()
    assert [dict(span.attributes)["http.response.status_code"] for span in (first, second)] == [302, 200]
    assert [parent_id(served.headers(index)["traceparent"]) for index in (0, 1)] == [first.span_id, second.span_id]


def test_a_callers_traceparent_survives_a_redirect(stack: Stack, served: Server) -> None:
    """The caller's header, which the client copies into the next hop, is kept on every hop."""
    with httpx.Client(transport=stack.client.httpx_transport(), follow_redirects=True) as http:
        http.get(served.url("/redirect"), headers={"traceparent": CALLER_TRACEPARENT})
    assert [served.headers(index)["traceparent"] for index in (0, 1)] == [CALLER_TRACEPARENT] * 2


def test_urllib_follows_redirects_inside_one_span(stack: Stack, served: Server) -> None:
    """The opener follows the redirect within the call: one span, the final status, both hops carrying it."""
    assert via_urllib(stack, served.url("/redirect"), {}, "GET") == 200
    (span,) = stack.client_spans()
    assert dict(span.attributes)["http.response.status_code"] == 200
    assert {parent_id(served.headers(index)["traceparent"]) for index in (0, 1)} == {span.span_id}


# --- bounds -------------------------------------------------------------------------------


def refused_hosts(count: int, first_octet: int) -> Iterator[str]:
    """``count`` distinct loopback addresses (the whole 127/8 is loopback on Linux)."""
    for index in range(count):
        yield f"127.{first_octet}.{index // 250}.{index % 250 + 1}"


def test_two_thousand_addresses_leave_the_address_labels_bounded(caplog: pytest.LogCaptureFixture) -> None:
    """Past ``max_addresses`` distinct servers, addresses and ports are ``_OTHER``; counted, and logged once."""
    stack = Stack(sampler=always_off())  # spans are not what is counted here; recording their exceptions is slow
    port = free_port()
    with caplog.at_level(logging.WARNING, logger="flext_observability"):
        for host in refused_hosts(2000, 0):
            with pytest.raises(urllib.error.URLError):
                stack.client.urlopen(f"http://{host}:{port}/", opener=OPENER, timeout=WAIT)
    addresses = {labels["server_address"] for labels in stack.series()}
    assert len(addresses) == DEFAULT_MAX_ADDRESSES + 1
    assert "_OTHER" in addresses
    assert stack.count("GET", "_OTHER", "_OTHER", "", "urllib.error.URLError") == 2000 - DEFAULT_MAX_ADDRESSES
    assert stack.refusals("address_limit") == 2000 - DEFAULT_MAX_ADDRESSES
    assert len([record for record in caplog.records if "distinct server addresses" in record.getMessage()]) == 1
    stack.tracing.shutdown(WAIT)


def test_two_thousand_ports_stay_within_the_metrics_series_cap() -> None:
    """With addresses uncapped, the metrics service's max_series bounds the histogram; the rest overflows, counted."""
    stack = Stack(metrics=FlextMetricsService(max_series=50), max_addresses=MAX_ADDRESSES_CAP, sampler=always_off())
    ports: set[int] = set()
    while len(ports) < 2000:
        ports.add(free_port())
    for port in ports:
        with pytest.raises(urllib.error.URLError):
            stack.client.urlopen(f"http://127.0.0.1:{port}/", opener=OPENER, timeout=WAIT)
    series = stack.series()
    assert len(series) == 51
    assert {"otel_metric_overflow": "true"} in series
    family = stack.metrics.snapshot().family(SERIES_OVERFLOW)
    assert family is not None
    overflowed = family.state(metric=CLIENT_DURATION)
    assert overflowed is not None
    assert overflowed.value == 2000 - 50  # type: ignore[union-attr]
    stack.tracing.shutdown(WAIT)


def test_a_host_too_long_for_a_label_is_other(stack: Stack) -> None:
    """A 300-character host fails in the client as it would anyway, and is recorded as ``_OTHER``."""
    host = "a" * 300
    with pytest.raises(UnicodeError) as plain:
        OPENER.open(f"http://{host}:1/", timeout=WAIT)
    with pytest.raises(UnicodeError) as traced:
        stack.client.urlopen(f"http://{host}:1/", opener=OPENER, timeout=WAIT)
    assert str(traced.value) == str(plain.value)
    assert stack.count("GET", "_OTHER", "_OTHER", "", "UnicodeError") == 1
    assert stack.refusals("invalid_address") == 1


class Failing(httpx.BaseTransport):
    """A transport failing with a new exception type at every request, as a buggy or hostile one might."""

    def __init__(self) -> None:
        self.kinds = [type(f"Failure{index}", (Exception,), {}) for index in range(MAX_ERROR_TYPES + 6)]
        self.calls = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        kind = self.kinds[self.calls]
        self.calls += 1
        raise kind(request.url.path)


def test_exception_types_beyond_the_cap_are_other(stack: Stack) -> None:
    """Each exception reaches the caller as raised; past MAX_ERROR_TYPES kinds the label is ``_OTHER``."""
    failing = Failing()
    with httpx.Client(transport=stack.client.httpx_transport(failing)) as http:
        for kind in failing.kinds:
            with pytest.raises(kind, match="/x"):
                http.get("http://127.0.0.1:9/x")
    errors = {labels["error_type"] for labels in stack.series()}
    assert len(errors) == MAX_ERROR_TYPES + 1
    assert f"{__name__}.Failure0" in errors
    assert stack.count("GET", "127.0.0.1", 9, "", "_OTHER") == 6
    assert stack.refusals("error_type_limit") == 6


# --- never breaking the call ------------------------------------------------------------------


class ReadOnlyHeaders(dict[str, str]):
    """Headers that refuse new entries, as a hostile or frozen mapping would."""

    def __setitem__(self, key: str, value: str) -> None:
        message = "read-only headers"
        raise RuntimeError(message)


def test_headers_that_refuse_writes_only_cost_the_propagation(
    stack: Stack, served: Server, caplog: pytest.LogCaptureFixture
) -> None:
    """The request goes out unchanged and is measured; the failure is counted each time and logged once."""
    with requests.Session() as session:
        session.trust_env = False
        stack.client.instrument_session(session)
        with caplog.at_level(logging.WARNING, logger="flext_observability"):
            for _ in range(2):
                prepared = session.prepare_request(requests.Request("GET", served.url("/ok")))
                prepared.headers = ReadOnlyHeaders(prepared.headers)  # type: ignore[assignment]
                assert session.send(prepared, timeout=WAIT).status_code == 200
    assert "traceparent" not in served.headers()
    assert stack.count("GET", "127.0.0.1", served.port, "200", "") == 2
    assert stack.refusals("header_failure") == 2
    assert len([record for record in caplog.records if "propagation headers" in record.getMessage()]) == 1


def test_a_request_that_cannot_be_read_is_sent_unrecorded(stack: Stack, served: Server) -> None:
    """A urllib request whose method cannot be read reaches the opener as it is; the refusal is counted."""

    class Odd(urllib.request.Request):
        def get_method(self) -> str:
            message = "no method here"
            raise LookupError(message)

    request = Odd(served.url("/ok"))
    with pytest.raises(LookupError, match="no method here"):
        stack.client.urlopen(request, opener=OPENER, timeout=WAIT)
    assert stack.refusals("unreadable_request") == 1
    assert stack.series() == []


def test_a_url_urllib_refuses_is_refused_by_urllib(stack: Stack) -> None:
    """A URL without a scheme raises urllib's own ``ValueError``, unrecorded."""
    with pytest.raises(ValueError, match="unknown url type"):
        stack.client.urlopen("no-scheme/at/all", opener=OPENER)
    assert stack.series() == []


def test_threads_share_one_instrumentation(stack: Stack, served: Server) -> None:
    """Eight threads calling at once each get their own span, parent and series count."""
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with httpx.Client(transport=stack.client.httpx_transport()) as http:
                for _ in range(25):
                    with stack.tracing.start_span("work"):
                        http.get(served.url("/ok"))
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 3)
    assert errors == []
    assert stack.count("GET", "127.0.0.1", served.port, "200", "") == 200
    spans = stack.spans()
    clients = {span.span_id: span for span in spans if span.kind is SpanKind.CLIENT}
    works = {span.span_id for span in spans if span.name == "work"}
    parents = [parent_id(headers["traceparent"]) for _, _, headers in served.seen]
    assert sorted(parents) == sorted(clients)
    assert {span.parent_span_id for span in clients.values()} == works


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork exists on POSIX only")
def test_a_forked_child_records_while_the_parent_held_the_lock(stack: Stack, served: Server) -> None:
    """A lock another thread held at the fork is free in the child, which calls and records a new address."""
    lock = stack.client._recorder.lock
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            held.set()
            release.wait(WAIT)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(WAIT)
    pid = os.fork()
    if pid == 0:  # the child: report through the exit code only
        code = 0
        try:
            if via_urllib(stack, f"http://localhost:{served.port}/ok", {}, "GET") != 200:
                code = 3
            elif stack.count("GET", "localhost", served.port, "200", "") != 1:
                code = 4
        except BaseException:  # noqa: BLE001 - a child must never return into the test runner
            code = 5
        os._exit(code)
    release.set()
    holder.join(WAIT)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


# --- set-up --------------------------------------------------------------------------------


def test_instrumenting_a_session_twice_wraps_it_once(stack: Stack, served: Server) -> None:
    """A second ``instrument_session`` changes nothing: one span per request, and adapter settings still reachable."""
    with requests.Session() as session:
        session.trust_env = False
        session.mount("http://", requests.adapters.HTTPAdapter(max_retries=2))
        stack.client.instrument_session(stack.client.instrument_session(session))
        adapter: Any = session.get_adapter(served.url("/"))
        assert adapter.max_retries.total == 2
        session.get(served.url("/ok"), timeout=WAIT)
    assert len(stack.client_spans()) == 1


def test_an_adapter_mounted_later_is_traced_through_requests_adapter(stack: Stack, served: Server) -> None:
    """``session.mount(prefix, requests_adapter(adapter))`` traces what that adapter sends."""
    with requests.Session() as session:
        session.trust_env = False
        session.mount(served.url("/"), stack.client.requests_adapter(requests.adapters.HTTPAdapter()))
        session.get(served.url("/ok"), timeout=WAIT)
    assert parent_id(served.headers()["traceparent"]) == stack.client_spans()[0].span_id


@pytest.mark.parametrize(
    ("options", "error", "words"),
    [
        ({"tracing": None}, TypeError, "tracing must be a FlextTracingService"),
        ({"metrics": "prometheus"}, TypeError, "metrics must be a FlextMetricsService"),
        ({"max_addresses": 0}, ValueError, "max_addresses must be an int from 1 to 100,000, not 0"),
        ({"max_addresses": 10**30}, ValueError, "not an int of 100 bits"),
        ({"max_addresses": "100"}, TypeError, "max_addresses must be an int from 1"),
        ({"max_addresses": True}, TypeError, "max_addresses must be an int from 1"),
        ({"clock": object()}, TypeError, "clock must be a Clock"),
    ],
)
def test_set_up_mistakes_raise_naming_the_argument(options: dict[str, Any], error: type[Exception], words: str) -> None:
    """Each wrong argument raises the right error, saying which argument and what it takes."""
    arguments: dict[str, Any] = {"tracing": FlextTracingService(service_name="x"), "metrics": FlextMetricsService()}
    arguments.update(options)
    with pytest.raises(error, match=words):
        FlextHttpClientInstrumentation(**arguments)


class Hostile:
    """An object that raises from every attribute lookup, ``__class__`` included."""

    def __getattribute__(self, name: str) -> Any:
        message = f"no {name} for you"
        raise RuntimeError(message)


def test_hostile_objects_at_set_up_raise_type_errors_naming_the_argument(stack: Stack) -> None:
    """An object raising from every lookup is refused with ``TypeError``, never with its own exception."""
    with pytest.raises(TypeError, match="tracing must be"):
        FlextHttpClientInstrumentation(tracing=Hostile(), metrics=FlextMetricsService())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="max_addresses must be"):
        FlextHttpClientInstrumentation(
            tracing=stack.tracing,
            metrics=FlextMetricsService(),
            max_addresses=Hostile(),  # type: ignore[arg-type]
        )
    with pytest.raises(TypeError, match="session must be"):
        stack.client.instrument_session(Hostile())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="adapter must be"):
        stack.client.requests_adapter(Hostile())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="transport must be"):
        stack.client.httpx_transport(Hostile())  # type: ignore[arg-type]


def test_a_url_that_is_no_text_fails_as_urllib_fails(stack: Stack) -> None:
    """A hostile URL object raises what the opener raises for it, and nothing is recorded."""
    with pytest.raises(RuntimeError) as plain:
        OPENER.open(Hostile())  # type: ignore[arg-type]
    with pytest.raises(RuntimeError) as traced:
        stack.client.urlopen(Hostile(), opener=OPENER)  # type: ignore[arg-type]
    assert str(traced.value) == str(plain.value)
    assert stack.series() == []


def test_a_clashing_definition_in_the_metrics_service_is_a_set_up_error() -> None:
    """A metrics service already holding the histogram's name as a counter refuses the instrumentation."""
    metrics = FlextMetricsService()
    metrics.counter(CLIENT_DURATION, "Something else.").unwrap()
    with pytest.raises(ValueError, match="metrics refused a definition"):
        FlextHttpClientInstrumentation(tracing=FlextTracingService(service_name="x"), metrics=metrics)


def test_wrong_clients_are_refused_naming_them(stack: Stack) -> None:
    """A session, adapter or transport of the wrong kind raises ``TypeError`` naming the argument."""
    with pytest.raises(TypeError, match=r"session must be a requests\.Session"):
        stack.client.instrument_session(httpx.Client())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="adapter must be a requests adapter"):
        stack.client.requests_adapter(object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="transport must be an httpx transport"):
        stack.client.httpx_transport(object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="transport must be an httpx async transport"):
        stack.client.httpx_async_transport(httpx.HTTPTransport())  # type: ignore[arg-type]


def test_missing_clients_name_the_extra_to_install(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without requests or httpx, asking for their adapter names the extra that installs it."""
    monkeypatch.setitem(sys.modules, "requests", None)
    monkeypatch.setitem(sys.modules, "httpx", None)
    with pytest.raises(ImportError, match=r"flext-observability\[requests\]"):
        stack.client.instrument_session(object())  # type: ignore[arg-type]
    with pytest.raises(ImportError, match=r"flext-observability\[httpx\]"):
        stack.client.httpx_transport()
    with pytest.raises(ImportError, match=r"flext-observability\[httpx\]"):
        stack.client.httpx_async_transport()


def test_importing_the_face_imports_neither_client() -> None:
    """``flext_observability.clients`` loads without importing requests or httpx."""
    code = "import sys, flext_observability.clients; print('requests' in sys.modules, 'httpx' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)  # noqa: S603 - our own interpreter
    assert result.stdout.split() == ["False", "False"]
