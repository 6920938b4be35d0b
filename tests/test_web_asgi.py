"""The ASGI middleware under a real ``uvicorn`` server on 127.0.0.1, driven by ``httpx``."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any, Literal

import httpx
import pytest
import uvicorn

from flext_observability.core.values import SpanKind, SpanStatusCode
from flext_observability.shell.context import current_baggage
from flext_observability.shell.metrics.service import FlextMetricsService
from flext_observability.shell.tracing.exporters import InMemorySpanRepository
from flext_observability.shell.tracing.service import FlextTracingService, current_span
from flext_observability.shell.web.asgi import FlextAsgiMiddleware
from flext_observability.shell.web.routes import WEB_REFUSALS, set_route
from flext_observability.testing import FakeClock

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"
WAIT = 10.0


class Stack:
    """A metrics service, a tracing service keeping spans in memory, the middleware, and an outer app noting ends."""

    def __init__(self, app: AsgiApp, **options: Any) -> None:
        self.metrics = FlextMetricsService()
        self.repository = InMemorySpanRepository()
        self.tracing = FlextTracingService(service_name="shop", exporters=[self.repository], clock=options.get("clock"))
        self.app = FlextAsgiMiddleware(app, metrics=self.metrics, tracing=self.tracing, **options)
        self.ended = threading.Semaphore(0)
        self.escaped: list[BaseException] = []

    async def outer(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The middleware as the server runs it; notes each HTTP call that returned (or raised) and what escaped."""
        try:
            await self.app(scope, receive, send)
        except BaseException as error:
            self.escaped.append(error)
            raise
        finally:
            if scope["type"] == "http":
                self.ended.release()

    def wait_ended(self, count: int = 1) -> None:
        """Wait until ``count`` more HTTP calls of the app are over."""
        for _ in range(count):
            assert self.ended.acquire(timeout=WAIT), "the application did not return"

    def count(self, method: str, route: str, status: str) -> float | None:
        """The request counter of one label set, ``None`` when it has no series."""
        family = self.metrics.snapshot().family("http_server_requests_total")
        assert family is not None
        state = family.state(http_request_method=method, http_route=route, http_response_status_code=status)
        return None if state is None else state.value  # type: ignore[union-attr]

    def active(self, method: str) -> float:
        """The in-flight gauge of one method."""
        family = self.metrics.snapshot().family("http_server_active_requests")
        assert family is not None
        state = family.state(http_request_method=method)
        return 0.0 if state is None else state.value  # type: ignore[union-attr]

    def series(self) -> int:
        """How many series the request counter has."""
        family = self.metrics.snapshot().family("http_server_requests_total")
        assert family is not None
        return len(family.series)

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


@pytest.fixture
def stacks() -> Iterator[list[Stack]]:
    """Stacks made by a test, their tracing shut down after it."""
    made: list[Stack] = []
    yield made
    for stack in made:
        stack.tracing.shutdown(WAIT)


def stack_for(stacks: list[Stack], app: AsgiApp, **options: Any) -> Stack:
    """A new stack over ``app``, shut down after the test."""
    stack = Stack(app, **options)
    stacks.append(stack)
    return stack


def wait_until(condition: Callable[[], bool]) -> None:
    """Wait (a bounded time) for ``condition`` to hold."""
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true"
        time.sleep(0.005)


@contextlib.contextmanager
def serving(app: AsgiApp, *, lifespan: Literal["on", "off"] = "off") -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 (a free port) in a thread; stop it cleanly afterwards."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="error", access_log=False, lifespan=lifespan, interface="asgi3"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started or not thread.is_alive())
        assert server.started, "uvicorn did not start"
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(WAIT)
        assert not thread.is_alive(), "uvicorn did not stop"


def client(url: str) -> httpx.Client:
    """An httpx client for the loopback server (no proxy from the environment)."""
    return httpx.Client(base_url=url, timeout=WAIT, trust_env=False)


async def answer(send: Send, status: int = 200, body: bytes = b"ok") -> None:
    """Send a whole response."""
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})


async def routed_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Tells its route, then answers 200 (lifespan events are acknowledged)."""
    del receive
    set_route(scope, "/orders/{id}")
    await answer(send)


def test_a_told_route_labels_the_metrics_and_names_the_server_span(stacks: list[Stack]) -> None:
    """A request whose app told its route is counted under the template, never the path, and traced as a server span."""
    stack = stack_for(stacks, routed_app)
    with serving(stack.outer) as url, client(url) as http:
        assert http.get("/orders/42", params={"token": "s3cret"}).text == "ok"
        stack.wait_ended()
    assert stack.count("GET", "/orders/{id}", "200") == 1.0
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


def test_a_request_without_a_route_is_unmatched(stacks: list[Stack]) -> None:
    """Without a told or framework route the request is ``unmatched`` and its span is named by the method."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        del scope, receive
        await answer(send, 404, b"no")

    stack = stack_for(stacks, app)
    with serving(stack.outer) as url, client(url) as http:
        assert http.delete("/users/7").status_code == 404
        stack.wait_ended()
    assert stack.count("DELETE", "unmatched", "404") == 1.0
    (span,) = stack.spans()
    assert span.name == "DELETE"
    assert span.status.code is SpanStatusCode.UNSET


def test_the_span_continues_the_callers_context_with_every_tracestate_line_and_baggage(stacks: list[Stack]) -> None:
    """The span is a child of the incoming ``traceparent``; repeated ``tracestate`` lines combine; the app sees both."""
    seen: dict[str, object] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen["span"] = current_span()
        entry = current_baggage().get("tenant")
        seen["tenant"] = None if entry is None else entry.value
        await routed_app(scope, receive, send)

    stack = stack_for(stacks, app)
    headers = [
        ("traceparent", TRACEPARENT),
        ("tracestate", "rojo=00f067aa0ba902b7"),
        ("tracestate", "congo=t61rcWkgMzE"),
        ("baggage", "tenant=acme"),
    ]
    with serving(stack.outer) as url, client(url) as http:
        assert http.get("/orders/1", headers=headers).status_code == 200
        stack.wait_ended()
    (span,) = stack.spans()
    assert (span.trace_id, span.parent_span_id) == (TRACE_ID, PARENT_ID)
    assert span.trace_state == "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
    assert seen["span"].span_id == span.span_id  # type: ignore[attr-defined]
    assert seen["tenant"] == "acme"


def test_hostile_propagation_headers_start_a_new_trace_and_the_request_is_served(stacks: list[Stack]) -> None:
    """Two ``traceparent`` lines, an oversized one, bytes that are not ASCII: refused quietly, the request goes on."""
    stack = stack_for(stacks, routed_app)
    hostile: list[list[tuple[bytes, bytes]]] = [
        [(b"traceparent", TRACEPARENT.encode()), (b"traceparent", TRACEPARENT.encode())],
        [(b"traceparent", b"00-" + b"a" * 9000), (b"tracestate", b"x" * 9000)],
        [(b"traceparent", TRACEPARENT.encode() + b"\xff"), (b"baggage", b"\xfe\xff=1")],
        [(b"TraceParent", b"00-" + b"0" * 32 + b"-" + b"0" * 16 + b"-01")],
    ]
    with serving(stack.outer) as url, client(url) as http:
        for headers in hostile:
            assert http.get("/orders/1", headers=headers).status_code == 200
        stack.wait_ended(len(hostile))
    spans = stack.spans()
    assert len(spans) == len(hostile)
    assert all(span.parent_span_id is None for span in spans)
    assert stack.count("GET", "/orders/{id}", "200") == float(len(hostile))


class BoomError(RuntimeError):
    """The application's own failure."""


def test_an_exception_before_the_response_is_recorded_as_500_and_reaches_the_server_unchanged(
    stacks: list[Stack],
) -> None:
    """An app raising before it answers gives a ``500`` series and a failed span; the very exception reaches uvicorn."""
    raised: list[BaseException] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        del receive, send
        set_route(scope, "/pay")
        error = BoomError("declined")
        raised.append(error)
        raise error

    stack = stack_for(stacks, app)
    with serving(stack.outer) as url, client(url) as http:
        assert http.post("/pay").status_code == 500
        stack.wait_ended()
    assert stack.escaped == raised
    assert stack.count("POST", "/pay", "500") == 1.0
    assert stack.active("POST") == 0.0
    (span,) = stack.spans()
    assert span.status.code is SpanStatusCode.ERROR
    assert span.attributes["error.type"] == "test_web_asgi.BoomError"
    assert [event.name for event in span.events] == ["exception"]


def test_a_failure_in_the_middle_of_a_streamed_body_keeps_the_status_sent(stacks: list[Stack]) -> None:
    """An app failing after its response started is recorded with that status, and its span fails."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        del receive
        set_route(scope, "/export")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"row 1\n", "more_body": True})
        message = "the source went away"
        raise BoomError(message)

    stack = stack_for(stacks, app)
    with serving(stack.outer) as url, client(url) as http:
        with pytest.raises(httpx.HTTPError):
            http.get("/export")
        stack.wait_ended()
    assert stack.count("GET", "/export", "200") == 1.0
    (span,) = stack.spans()
    assert span.status.code is SpanStatusCode.ERROR


def test_a_streamed_response_is_in_flight_until_its_last_body_message(stacks: list[Stack]) -> None:
    """While ``more_body`` chunks flow the request is in flight and uncounted; the last chunk records it."""
    gate = threading.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        del receive
        set_route(scope, "/stream")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"first\n", "more_body": True})
        assert await asyncio.to_thread(gate.wait, WAIT)
        await send({"type": "http.response.body", "body": b"second\n", "more_body": False})

    stack = stack_for(stacks, app)
    with serving(stack.outer) as url, client(url) as http, http.stream("GET", "/stream") as response:
        chunks = response.iter_raw()
        assert next(chunks) == b"first\n"
        assert stack.active("GET") == 1.0
        assert stack.count("GET", "/stream", "200") is None
        gate.set()
        assert b"".join(chunks) == b"second\n"
        stack.wait_ended()
    assert stack.count("GET", "/stream", "200") == 1.0
    assert stack.active("GET") == 0.0


def test_work_after_the_response_is_not_timed(stacks: list[Stack]) -> None:
    """The request is recorded (its span ended) once the last body is sent, before the app's background work ends."""
    gate = threading.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await routed_app(scope, receive, send)
        assert await asyncio.to_thread(gate.wait, WAIT)  # a background task after the response

    stack = stack_for(stacks, app)
    with serving(stack.outer) as url, client(url) as http:
        assert http.get("/orders/3").text == "ok"
        wait_until(lambda: stack.count("GET", "/orders/{id}", "200") == 1.0)
        assert not stack.ended.acquire(timeout=0)  # the app is still running
        (span,) = stack.spans()
        assert span.name == "GET /orders/{id}"
        gate.set()
        stack.wait_ended()
    assert stack.count("GET", "/orders/{id}", "200") == 1.0


def test_an_app_returning_without_a_response_is_recorded_as_500(stacks: list[Stack]) -> None:
    """An app that never starts its response is recorded when it returns, as the ``500`` uvicorn answers."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        del scope, receive, send

    stack = stack_for(stacks, app)
    with serving(stack.outer) as url, client(url) as http:
        assert http.put("/nothing").status_code == 500
        stack.wait_ended()
    assert stack.count("PUT", "unmatched", "500") == 1.0
    (span,) = stack.spans()
    assert span.status.code is SpanStatusCode.ERROR


@pytest.mark.parametrize("method", ["BREW", "PROPFIND", "X" * 200])
def test_a_method_outside_the_known_set_is_other(stacks: list[Stack], method: str) -> None:
    """Methods beyond the ten known ones are ``_OTHER``; the span is named ``HTTP`` (httpx sends methods uppercased)."""
    stack = stack_for(stacks, routed_app)
    with serving(stack.outer) as url, client(url) as http:
        assert http.request(method, "/orders/1").status_code == 200
        stack.wait_ended()
    assert stack.count("_OTHER", "/orders/{id}", "200") == 1.0
    (span,) = stack.spans()
    assert span.name == "HTTP /orders/{id}"
    original = span.attributes["http.request.method_original"]
    assert isinstance(original, str)
    assert original == method[: len(original)]


def test_lifespan_events_reach_the_app_untouched_and_record_nothing(stacks: list[Stack]) -> None:
    """Lifespan events of uvicorn and its own ``receive`` and ``send`` reach the app untouched; nothing is recorded."""
    events: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await routed_app(scope, receive, send)
            return
        while True:
            message = await receive()
            events.append(message["type"])
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return

    stack = stack_for(stacks, app)
    with serving(stack.outer, lifespan="on") as url, client(url) as http:
        assert events == ["lifespan.startup"]
        assert http.get("/orders/1").status_code == 200
        stack.wait_ended()
    assert events == ["lifespan.startup", "lifespan.shutdown"]
    assert stack.series() == 1
    assert len(stack.spans()) == 1


def test_a_websocket_scope_passes_through_with_the_servers_own_callables(stacks: list[Stack]) -> None:
    """A websocket scope reaches the app with the very scope, ``receive`` and ``send`` given; nothing is recorded.

    uvicorn needs a websocket library this environment does not have, so the
    scope is handed over directly, as a server would.
    """
    got: list[object] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        got.extend([scope, receive, send])

    stack = stack_for(stacks, app)
    scope: Scope = {"type": "websocket", "path": "/ws", "headers": [(b"traceparent", TRACEPARENT.encode())]}

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        del message

    asyncio.run(stack.app(scope, receive, send))
    assert got[0] is scope
    assert got[1] is receive
    assert got[2] is send
    assert stack.series() == 0
    assert stack.spans() == []


def test_hostile_scopes_and_messages_are_served_without_the_middleware_raising(stacks: list[Stack]) -> None:
    """Odd scope values and response messages are the server's to judge: the middleware records, never raises."""
    sent: list[object] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        del receive
        set_route(scope, scope["path"])
        await send({"type": "http.response.start", "status": scope["status"], "trailers": "yes"})
        await send(["not", "a", "dict"])  # type: ignore[arg-type]
        await send({"type": "http.response.body", "more_body": object()})
        await send({"type": "http.response.trailers"})

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request"}

    stack = stack_for(stacks, app)
    scopes: list[Scope] = [
        {"type": "http", "method": b"GET", "path": "/a", "status": "200", "headers": [(1, 2), "x", (b"traceparent",)]},
        {"type": "http", "method": None, "path": "/a", "status": 10**40, "headers": None},
        {"type": "http", "method": "GET", "path": "/b", "status": -5, "headers": [(b"traceparent", 7)]},
        {"type": "http", "method": "GET", "path": "/b", "status": 204.0, "headers": object()},
    ]
    for scope in scopes:
        asyncio.run(stack.app(scope, receive, send))
    assert len(sent) == 4 * len(scopes)
    assert stack.count("_OTHER", "/a", "200") == 1.0
    assert stack.count("_OTHER", "/a", "_OTHER") == 1.0
    assert stack.count("GET", "/b", "_OTHER") == 2.0
    assert stack.active("GET") == 0.0
    assert stack.active("_OTHER") == 0.0
    assert stack.refusals("internal_error") == 0.0


@pytest.mark.parametrize(
    ("options", "error", "named"),
    [
        ({"app": "app"}, TypeError, "app"),
        ({"metrics": None}, TypeError, "metrics"),
        ({"tracing": object()}, TypeError, "tracing"),
        ({"max_routes": -1}, ValueError, "max_routes"),
        ({"record_path": 1}, TypeError, "record_path"),
        ({"clock": "clock"}, TypeError, "clock"),
    ],
)
def test_set_up_mistakes_raise_naming_the_argument(
    stacks: list[Stack], options: dict[str, Any], error: type[Exception], named: str
) -> None:
    """Every wrong argument of the middleware is raised at set-up, its message naming it."""
    stack = stack_for(stacks, routed_app)
    arguments: dict[str, Any] = {"app": routed_app, "metrics": stack.metrics, "tracing": stack.tracing, **options}
    app = arguments.pop("app")
    with pytest.raises(error, match=named):
        FlextAsgiMiddleware(app, **arguments)


class _Route:
    """The part of a Starlette (and FastAPI) route the middleware reads: its ``path`` template."""

    def __init__(self, path: str) -> None:
        self.path = path


def test_starlettes_matched_route_and_mount_prefix_are_read_and_a_told_route_wins(stacks: list[Stack]) -> None:
    """``root_path`` plus ``scope["route"].path`` is the route, as Starlette's router leaves them; ``set_route`` wins.

    Starlette is not installed here: the app plays its router's part, which
    updates the very scope it was given with the matched route object and,
    under a mount, the longer ``root_path``.
    """

    async def starlette_like(scope: Scope, receive: Receive, send: Send) -> None:
        del receive
        scope.update({"route": _Route("/items/{item_id}"), "root_path": "/api"})
        if scope["path"].endswith("/told"):
            set_route(scope, "/told")
        await answer(send)

    stack = stack_for(stacks, starlette_like)
    with serving(stack.outer) as url, client(url) as http:
        assert http.get("/api/items/3").status_code == 200
        assert http.get("/api/items/told").status_code == 200
        stack.wait_ended(2)
    assert stack.count("GET", "/api/items/{item_id}", "200") == 1.0
    assert stack.count("GET", "/told", "200") == 1.0


def test_the_duration_runs_from_the_call_to_the_last_body_exactly(stacks: list[Stack]) -> None:
    """With a fake clock, time before and while answering counts; time after the last body does not."""
    clock = FakeClock()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        del receive
        set_route(scope, "/slow")
        clock.advance(0.1)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        clock.advance(0.2)
        await send({"type": "http.response.body", "body": b"done"})
        clock.advance(5.0)  # background work after the response

    async def receive() -> Message:
        return {"type": "http.request"}

    async def send(message: Message) -> None:
        del message

    stack = stack_for(stacks, app, clock=clock)
    asyncio.run(stack.app({"type": "http", "method": "GET", "path": "/slow", "headers": []}, receive, send))
    family = stack.metrics.snapshot().family("http_server_request_duration_seconds")
    assert family is not None
    state: Any = family.state(http_request_method="GET", http_route="/slow", http_response_status_code="200")
    assert state.sum == pytest.approx(0.3)
    (span,) = stack.spans()
    assert span.duration_ns == 300_000_000
