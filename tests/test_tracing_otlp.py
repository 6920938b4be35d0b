"""FlextTracingService with the OTLP/HTTP exporter against a loopback collector, up, down, slow and refusing.

Every payload is read back through the official schema (``opentelemetry-proto``)
by the receiver of ``otlp_receiver.py``. Timing checks use generous margins
over the bounds they prove; the exporter's own timeout is always longer than
the flush or shutdown bound under test, so a bound that holds comes from
``force_flush``/``shutdown`` themselves.
"""

from __future__ import annotations

import gzip
import itertools
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import pytest
from otlp_receiver import (
    OtlpReceiver,
    ReceivedRequest,
    ReceiverMode,
    attributes_of,
    decode_export_request,
    down_endpoint,
    typed,
)
from returns.result import Failure, Success

from flext_observability import build_span
from flext_observability.core.attributes import AttributeValue
from flext_observability.core.tracing.span import FlextSpan
from flext_observability.core.tracing.traceparent import parse_trace_context
from flext_observability.shell.context import current_baggage
from flext_observability.shell.tracing.exporters import FlextOtlpHttpExporter
from flext_observability.shell.tracing.processor import ProcessorCounts
from flext_observability.shell.tracing.service import FlextTracingService
from flext_observability.shell.tracing.span import Span

if TYPE_CHECKING:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    from opentelemetry.proto.trace.v1.trace_pb2 import Span as OtlpSpan

pytestmark = pytest.mark.integration

UPSTREAM_TRACE: Final = "4bf92f3577b34da6a3ce929d0e0e4736"
UPSTREAM_SPAN: Final = "00f067aa0ba902b7"
LINKED_TRACE: Final = "0af7651916cd43dd8448eb211c80319c"
LINKED_SPAN: Final = "b7ad6b7169203331"
SERVICE: Final = "orders-pipeline"
RESOURCE: Final[Mapping[str, AttributeValue]] = {
    "deployment.environment": "ci",
    "service.version": "1.4.2",
    "host.cpus": 8,
    # The tracing service's own name wins over one given in the resource.
    "service.name": "not-this-one",
}
EVERY_TYPE: Final[Mapping[str, object]] = {
    "db.table": "orders",
    "city": "zürich ✓",
    "rows": 1200,
    "lowest": -(2**63),
    "highest": 2**63 - 1,
    "ratio": 0.25,
    "complete": True,
    "retried": False,
    "tables": ["orders", "customers"],
    "sizes": [1, 2**40],
    "weights": [0.5, 1.5],
    "checks": [True, False],
}

# OTLP span flags: W3C sampled (0x01), "is the parent remote" known (0x100), remote (0x200).
FLAGS_ROOT_OR_LOCAL_PARENT: Final = 0x101
FLAGS_REMOTE_PARENT: Final = 0x301
FLAGS_PARENT_UNKNOWN: Final = 0x001
# OTLP enum numbers.
INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER = 1, 2, 3, 4, 5
UNSET, OK, ERROR = 0, 1, 2

BOUND: Final = 1.0
"""The flush and shutdown timeout the bounded tests give (seconds)."""
MARGIN: Final = 0.5
"""How late a bounded call may return: scheduling noise, far below any retry or exporter timeout."""
EXPORTER_TIMEOUT: Final = 3.0
"""Longer than ``2 * BOUND`` plus the margin: a bound that holds is the flush's or shutdown's, not the exporter's."""
THREAD_GRACE: Final = 10.0


@pytest.fixture(autouse=True)
def threads_end() -> Iterator[None]:
    """Fail a test whose threads (tracing workers, exports, receivers) outlive it by more than a bound."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + THREAD_GRACE
    for thread in set(threading.enumerate()) - before:
        thread.join(max(deadline - time.monotonic(), 0.0))
    assert [thread.name for thread in set(threading.enumerate()) - before if thread.is_alive()] == []


@pytest.fixture
def services() -> Iterator[list[FlextTracingService]]:
    """Tracing services a test registers here are shut down at teardown, even when it failed early."""
    started: list[FlextTracingService] = []
    yield started
    for service in started:
        service.shutdown(BOUND)


def _tracing(
    services: list[FlextTracingService],
    exporter: FlextOtlpHttpExporter,
    export_timeout: float = 10.0,
) -> FlextTracingService:
    """A service that exports only when flushed (the schedule delay is an hour)."""
    service = FlextTracingService(
        service_name=SERVICE, exporters=[exporter], schedule_delay=3600.0, export_timeout=export_timeout
    )
    services.append(service)
    return service


def _timed(call: Callable[[], bool]) -> tuple[bool, float]:
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


def _accounted(counts: ProcessorCounts) -> None:
    """Every ended span is exported, failed, dropped or queued (queued includes the batch being exported)."""
    assert counts.started == counts.ended
    assert counts.ended == counts.exported + counts.failed + counts.dropped + counts.queued, counts


def _settle(tracing: FlextTracingService) -> ProcessorCounts:
    """The counters once the background thread has stopped (after shutdown, with the collector gone)."""
    worker = tracing.processor._worker
    if worker is not None:
        worker.join(THREAD_GRACE)
        assert not worker.is_alive()
    return tracing.counts()


def _end_spans(tracing: FlextTracingService, count: int) -> None:
    for index in range(count):
        with tracing.start_span(f"step {index}"):
            pass


def _exported_spans(request: ExportTraceServiceRequest) -> list[OtlpSpan]:
    return [span for resource in request.resource_spans for scope in resource.scope_spans for span in scope.spans]


def _by_name(spans: Sequence[OtlpSpan]) -> dict[str, OtlpSpan]:
    named = {span.name: span for span in spans}
    assert len(named) == len(spans), [span.name for span in spans]
    return named


def _check_identity(exported: OtlpSpan, live: Span, flags: int, kind: int) -> None:
    """Ids, parent, exact times, flags, kind and trace state as the live span had them."""
    assert exported.trace_id.hex() == live.trace_id
    assert exported.span_id.hex() == live.span_id
    assert exported.parent_span_id.hex() == (live.parent_span_id or "")
    assert exported.start_time_unix_nano == live.start_time_ns
    assert exported.end_time_unix_nano == live.end_time_ns
    assert exported.flags == flags
    assert exported.kind == kind


def _check_body(request: ReceivedRequest, compression: str | None) -> None:
    """The wire body is gzip exactly when asked for, and what the receiver decoded is that body undone."""
    assert request.header("content-type") == "application/json"
    assert request.body is not None
    if compression == "gzip":
        assert request.header("content-encoding") == "gzip"
        assert request.raw_body[:2] == b"\x1f\x8b"
        assert gzip.decompress(request.raw_body) == request.body
        assert len(request.raw_body) < len(request.body)
    else:
        assert request.header("content-encoding") is None
        assert request.raw_body == request.body
        assert request.body.startswith(b"{")


# --- the collector is up --------------------------------------------------------------


@dataclass(frozen=True)
class RecordedTrace:
    """The live spans of the trace :func:`_record_trace` made, and what it injected."""

    root: Span
    extract: Span
    load: Span
    publish: Span
    root_start: int
    carrier: Mapping[str, str]


def _live(span: object) -> Span:
    assert isinstance(span, Span)
    return span


def _fail_loading(tracing: FlextTracingService, spans: list[Span]) -> None:
    """A consumer span that records a handled exception, then lets another one escape."""
    with tracing.start_span("load", kind="consumer") as load:
        spans.append(_live(load))
        load.record_exception(KeyError("column"))
        raise ValueError("bad row 7")  # noqa: EM101, TRY003 - the test's own message


def _record_trace(tracing: FlextTracingService) -> RecordedTrace:
    """A root continuing a remote parent, with a client, a producer (decorated), a failing consumer and an ok span."""
    remote = tracing.extract(
        {
            "traceparent": f"00-{UPSTREAM_TRACE}-{UPSTREAM_SPAN}-01",
            "tracestate": "vendor=abc,other=1",
            "baggage": "run_id=run-42",
        }
    )
    linked = parse_trace_context(f"00-{LINKED_TRACE}-{LINKED_SPAN}-01", "linked=yes").unwrap()
    carrier: dict[str, str] = {}
    root_start = time.time_ns() - 5_000_000_000
    failed: list[Span] = []

    @tracing.start_span("transform", kind="producer")
    def transform(rows: int) -> int:
        return rows * 2

    with tracing.start_span(
        "nightly-load", kind="server", parent=remote, attributes=EVERY_TYPE, links=[linked], start_time_ns=root_start
    ) as root:
        assert current_baggage()["run_id"].value == "run-42"
        root.add_link(parse_trace_context(f"00-{UPSTREAM_TRACE}-{LINKED_SPAN}-00").unwrap(), {"reason": "retry"})
        with tracing.start_span("extract", kind="client") as extract:
            extract.add_event("batch read", {"rows": 500, "source": "postgres"}, timestamp_ns=root_start + 10)
            extract.add_event("batch read", {"rows": 700, "last": True}, timestamp_ns=root_start + 20)
            tracing.inject(carrier)
        assert transform(21) == 42
        with pytest.raises(ValueError, match="bad row 7"):
            _fail_loading(tracing, failed)
        with tracing.start_span("publish", start_time_ns=root_start + 1_000) as publish:
            publish.set_status("ok")
            publish.end(root_start + 2_000)
    return RecordedTrace(
        root=_live(root),
        extract=_live(extract),
        load=failed[0],
        publish=_live(publish),
        root_start=root_start,
        carrier=carrier,
    )


def _check_root_and_extract(spans: Mapping[str, OtlpSpan], trace: RecordedTrace) -> None:
    """The root keeps the remote parent, trace state, typed attributes and links; the client its events."""
    root = spans["nightly-load"]
    _check_identity(root, trace.root, FLAGS_REMOTE_PARENT, SERVER)
    assert (root.trace_id.hex(), root.parent_span_id.hex()) == (UPSTREAM_TRACE, UPSTREAM_SPAN)
    assert root.start_time_unix_nano == trace.root_start
    assert root.trace_state == "vendor=abc,other=1"
    assert typed(attributes_of(root.attributes)) == typed(EVERY_TYPE)
    assert root.dropped_attributes_count == 0
    assert [
        (link.trace_id.hex(), link.span_id.hex(), link.trace_state, attributes_of(link.attributes), link.flags)
        for link in root.links
    ] == [
        (LINKED_TRACE, LINKED_SPAN, "linked=yes", {}, 0),
        (UPSTREAM_TRACE, LINKED_SPAN, "", {"reason": "retry"}, 0),
    ]
    assert (root.status.code, root.status.message) == (UNSET, "")

    extract = spans["extract"]
    _check_identity(extract, trace.extract, FLAGS_ROOT_OR_LOCAL_PARENT, CLIENT)
    assert extract.parent_span_id.hex() == trace.root.span_id
    assert extract.trace_state == "vendor=abc,other=1"
    events = [(event.name, event.time_unix_nano, typed(attributes_of(event.attributes))) for event in extract.events]
    assert events == [
        ("batch read", trace.root_start + 10, typed({"rows": 500, "source": "postgres"})),
        ("batch read", trace.root_start + 20, typed({"rows": 700, "last": True})),
    ]


def _check_other_children(spans: Mapping[str, OtlpSpan], trace: RecordedTrace) -> None:
    """The producer, the failed consumer (status and exception events) and the ok span with its given times."""
    transform = spans["transform"]
    assert transform.parent_span_id.hex() == trace.root.span_id
    assert transform.trace_id.hex() == UPSTREAM_TRACE
    assert (transform.kind, transform.flags) == (PRODUCER, FLAGS_ROOT_OR_LOCAL_PARENT)
    assert trace.root.start_time_ns <= transform.start_time_unix_nano <= transform.end_time_unix_nano

    load = spans["load"]
    _check_identity(load, trace.load, FLAGS_ROOT_OR_LOCAL_PARENT, CONSUMER)
    assert (load.status.code, load.status.message) == (ERROR, "ValueError: bad row 7")
    assert [event.name for event in load.events] == ["exception", "exception"]
    handled, escaped = (attributes_of(event.attributes) for event in load.events)
    assert (handled["exception.type"], handled["exception.message"]) == ("KeyError", "'column'")
    assert (escaped["exception.type"], escaped["exception.message"]) == ("ValueError", "bad row 7")
    assert "ValueError: bad row 7" in str(escaped["exception.stacktrace"])

    publish = spans["publish"]
    _check_identity(publish, trace.publish, FLAGS_ROOT_OR_LOCAL_PARENT, INTERNAL)
    assert (publish.start_time_unix_nano, publish.end_time_unix_nano) == (
        trace.root_start + 1_000,
        trace.root_start + 2_000,
    )
    assert (publish.status.code, publish.status.message) == (OK, "")


@pytest.mark.parametrize("compression", ["gzip", None])
def test_a_trace_reaches_the_collector_exactly_as_recorded(
    compression: str | None, services: list[FlextTracingService]
) -> None:
    """Nested spans with every attribute type, events, links, errors and a remote parent arrive intact."""
    with OtlpReceiver() as receiver:
        exporter = FlextOtlpHttpExporter(
            receiver.traces_url, headers={"x-tenant": "etl"}, timeout=5.0, compression=compression, resource=RESOURCE
        )
        tracing = _tracing(services, exporter)
        trace = _record_trace(tracing)
        flushed, took = _timed(lambda: tracing.force_flush(5.0))
        counts = tracing.counts()
        [request] = receiver.requests
        [decoded] = receiver.decoded_requests()

    assert (flushed, took < 5.0) == (True, True)
    assert (counts.started, counts.ended, counts.exported, counts.failed, counts.dropped, counts.queued) == (
        5,
        5,
        5,
        0,
        0,
        0,
    )
    assert trace.carrier == {
        "traceparent": f"00-{UPSTREAM_TRACE}-{trace.extract.span_id}-01",
        "tracestate": "vendor=abc,other=1",
        "baggage": "run_id=run-42",
    }
    assert (request.method, request.path, request.header("x-tenant")) == ("POST", "/v1/traces", "etl")
    _check_body(request, compression)
    assert decode_export_request(request.body or b"") == decoded
    [resource_spans] = decoded.resource_spans
    assert typed(attributes_of(resource_spans.resource.attributes)) == typed(
        {"deployment.environment": "ci", "service.version": "1.4.2", "host.cpus": 8, "service.name": SERVICE}
    )
    [scope_spans] = resource_spans.scope_spans
    assert scope_spans.scope.name == "flext-observability"
    spans = _by_name(scope_spans.spans)
    assert set(spans) == {"nightly-load", "extract", "transform", "load", "publish"}
    _check_root_and_extract(spans, trace)
    _check_other_children(spans, trace)


def test_spans_ended_after_shutdown_are_dropped_counted_and_never_sent(services: list[FlextTracingService]) -> None:
    """Shutdown exports what was queued; a span ending later is counted as dropped and no request carries it."""
    with OtlpReceiver() as receiver:
        tracing = _tracing(services, FlextOtlpHttpExporter(receiver.traces_url, timeout=5.0))
        _end_spans(tracing, 3)
        assert tracing.shutdown(5.0) is True
        with tracing.start_span("too late") as late:
            late.add_event("ignored")
        assert tracing.force_flush(BOUND) is True
        assert tracing.shutdown(BOUND) is True
        counts = tracing.counts()
        [decoded] = receiver.decoded_requests()
    assert (counts.ended, counts.exported, counts.dropped_after_shutdown, counts.queued) == (4, 3, 1, 0)
    _accounted(counts)
    assert sorted(span.name for span in _exported_spans(decoded)) == ["step 0", "step 1", "step 2"]


# --- the collector is down, silent or slow ----------------------------------------------


@pytest.mark.parametrize("mode", ["black_hole", "slow"])
def test_flush_and_shutdown_return_false_within_their_bound_when_no_answer_comes(
    mode: ReceiverMode, services: list[FlextTracingService]
) -> None:
    """With a collector that never answers in time, flush and shutdown each give up at their own timeout."""
    with OtlpReceiver(mode, delay=60.0) as receiver:
        exporter = FlextOtlpHttpExporter(receiver.traces_url, timeout=EXPORTER_TIMEOUT, max_retries=0)
        tracing = _tracing(services, exporter, export_timeout=EXPORTER_TIMEOUT)
        _end_spans(tracing, 3)
        before = tracing.counts()
        assert (before.ended, before.queued) == (3, 3)
        _accounted(before)

        flushed, took = _timed(lambda: tracing.force_flush(BOUND))
        assert flushed is False
        assert BOUND - 0.05 <= took <= BOUND + MARGIN
        _accounted(tracing.counts())

        shut, took = _timed(lambda: tracing.shutdown(BOUND))
        assert shut is False
        assert BOUND - 0.05 <= took <= BOUND + MARGIN
        _accounted(tracing.counts())

        with tracing.start_span("after shutdown"):
            pass
        late = tracing.counts()
        assert (late.ended, late.dropped_after_shutdown) == (4, 1)
        _accounted(late)
        again, took = _timed(lambda: tracing.shutdown(BOUND))
        assert again is True
        assert took < MARGIN
        if mode == "slow":
            [request] = receiver.wait_for(1, timeout=1.0)
            assert len(_exported_spans(decode_export_request(request.body or b""))) == 3
        else:
            assert receiver.connections >= 1
    # The receiver has stopped and dropped the connection: the export in flight ends now.
    settled = _settle(tracing)
    assert settled.exported + settled.failed == 3
    assert settled.dropped_after_shutdown == 1
    _accounted(settled)


def test_a_refused_connection_is_retried_until_the_exporter_timeout_then_counted_failed(
    services: list[FlextTracingService],
) -> None:
    """Against a closed port the flush gives up at its bound; shutdown then waits for the retries to end."""
    exporter_timeout = 4.0
    with down_endpoint() as base:
        # Backoff 0.1 s doubling with jitter: the retries last at least 1.5 s and stop at the exporter's 4 s.
        exporter = FlextOtlpHttpExporter(base + "/v1/traces", timeout=exporter_timeout, max_retries=50, backoff=0.1)
        tracing = _tracing(services, exporter, export_timeout=10.0)
        _end_spans(tracing, 2)
        start = time.monotonic()
        flushed, took = _timed(lambda: tracing.force_flush(BOUND))
        assert flushed is False
        assert BOUND - 0.05 <= took <= BOUND + MARGIN
        _accounted(tracing.counts())
        shut = tracing.shutdown(exporter_timeout + 2 * MARGIN)
        assert shut is True
        assert time.monotonic() - start <= exporter_timeout + MARGIN
        with tracing.start_span("after shutdown"):
            pass
        counts = tracing.counts()
    assert (counts.ended, counts.exported, counts.failed, counts.dropped_after_shutdown, counts.queued) == (
        3,
        0,
        2,
        1,
        0,
    )
    _accounted(counts)


def test_counts_add_up_while_a_batch_is_being_exported(services: list[FlextTracingService]) -> None:
    """A read of the counters during an export still accounts for every ended span (ProcessorCounts is exact)."""
    with OtlpReceiver("black_hole") as receiver:
        exporter = FlextOtlpHttpExporter(receiver.traces_url, timeout=EXPORTER_TIMEOUT, max_retries=0)
        tracing = _tracing(services, exporter, export_timeout=EXPORTER_TIMEOUT)
        _end_spans(tracing, 2)
        assert tracing.force_flush(0.5) is False
        in_flight = tracing.counts()
        assert tracing.shutdown(0.0) is False
    _settle(tracing)
    assert in_flight.ended == in_flight.exported + in_flight.failed + in_flight.dropped + in_flight.queued, in_flight


# --- the collector asks to retry, or refuses ----------------------------------------------


@pytest.mark.parametrize("mode", ["unavailable", "throttled"])
def test_retry_after_is_waited_before_the_batch_is_sent_again(
    mode: ReceiverMode, services: list[FlextTracingService]
) -> None:
    """Two 503 (or 429) answers with Retry-After: 1, then success: three identical requests a second apart."""
    with OtlpReceiver(mode, retry_after=1, failures=2) as receiver:
        # No backoff of its own: only Retry-After can space the attempts.
        exporter = FlextOtlpHttpExporter(receiver.traces_url, timeout=10.0, max_retries=5, backoff=0.0)
        tracing = _tracing(services, exporter)
        _end_spans(tracing, 2)
        assert tracing.force_flush(8.0) is True
        counts = tracing.counts()
        requests = receiver.requests
        decoded = receiver.decoded_requests()
    assert (counts.exported, counts.failed) == (2, 0)
    _accounted(counts)
    assert len(requests) == 3
    gaps = [later.arrived_at - earlier.arrived_at for earlier, later in itertools.pairwise(requests)]
    assert all(1.0 <= gap < 1.0 + 2 * MARGIN for gap in gaps), gaps
    assert len({request.body for request in requests}) == 1
    assert decoded[0] == decoded[1] == decoded[2]
    assert sorted(span.name for span in _exported_spans(decoded[2])) == ["step 0", "step 1"]


def test_a_bad_request_is_not_retried_and_fails_the_batch(services: list[FlextTracingService]) -> None:
    """A 400 answer fails the batch at once: one request, every span counted as failed, flush still done."""
    with OtlpReceiver("bad_request") as receiver:
        tracing = _tracing(services, FlextOtlpHttpExporter(receiver.traces_url, timeout=5.0, backoff=0.0))
        _end_spans(tracing, 3)
        assert tracing.force_flush(5.0) is True
        counts = tracing.counts()
        requests = receiver.requests
    assert len(requests) == 1
    assert (counts.ended, counts.exported, counts.failed, counts.queued) == (3, 0, 3, 0)
    _accounted(counts)


# --- the exporter on its own ----------------------------------------------------------------


def _built_spans() -> list[FlextSpan]:
    root = build_span(
        trace_id=UPSTREAM_TRACE, span_id=UPSTREAM_SPAN, name="run", service="tap", start_time_ns=10, end_time_ns=90
    ).unwrap()
    child = build_span(
        trace_id=UPSTREAM_TRACE,
        span_id=LINKED_SPAN,
        parent_span_id=UPSTREAM_SPAN,
        name="read",
        service="tap",
        kind="client",
        start_time_ns=20,
        end_time_ns=30,
        attributes={"rows": 5},
    ).unwrap()
    return [root, child]


def test_the_exporter_reports_the_count_the_collector_took() -> None:
    """A 200 answer gives Success(count); the spans arrive with the flags a plain sequence can tell."""
    with OtlpReceiver() as receiver:
        exporter = FlextOtlpHttpExporter(receiver.traces_url, compression=None, resource={"team": "data"})
        assert exporter.export([], 1.0) == Success(0)
        assert exporter.export(_built_spans(), 2.0) == Success(2)
        [decoded] = receiver.decoded_requests()
    [resource_spans] = decoded.resource_spans
    assert attributes_of(resource_spans.resource.attributes) == {"team": "data", "service.name": "tap"}
    spans = _by_name(_exported_spans(decoded))
    assert (spans["run"].flags, spans["run"].start_time_unix_nano, spans["run"].end_time_unix_nano) == (
        FLAGS_ROOT_OR_LOCAL_PARENT,
        10,
        90,
    )
    # A list does not say whether a parent was remote, so the child's parent is "unknown".
    assert (spans["read"].flags, spans["read"].kind, spans["read"].parent_span_id.hex()) == (
        FLAGS_PARENT_UNKNOWN,
        CLIENT,
        UPSTREAM_SPAN,
    )
    assert attributes_of(spans["read"].attributes) == {"rows": 5}


def test_the_exporter_reports_the_status_and_message_of_a_refusal() -> None:
    """A 400 gives a Failure with the status and the collector's message, after exactly one request."""
    with OtlpReceiver("bad_request") as receiver:
        result = FlextOtlpHttpExporter(receiver.traces_url, backoff=0.0).export(_built_spans(), 2.0)
        assert len(receiver.requests) == 1
    assert isinstance(result, Failure)
    error = result.failure()
    assert (error.status, error.target) == (400, receiver.traces_url)
    assert "the request is invalid" in error.message


def test_the_exporter_gives_up_after_its_retries_with_the_last_answer() -> None:
    """A collector that stays unavailable is tried 1 + max_retries times; the Failure carries its 503 and message."""
    with OtlpReceiver("unavailable") as receiver:
        result = FlextOtlpHttpExporter(receiver.traces_url, max_retries=2, backoff=0.01).export(_built_spans(), 5.0)
        assert len(receiver.requests) == 3
    assert isinstance(result, Failure)
    assert result.failure().status == 503
    assert "the collector is unavailable" in result.failure().message


def test_the_exporter_does_not_sleep_past_its_deadline_for_a_long_retry_after() -> None:
    """A Retry-After longer than the time left ends the export at once with the 503, after one request."""
    with OtlpReceiver("unavailable", retry_after=30) as receiver:
        exporter = FlextOtlpHttpExporter(receiver.traces_url, max_retries=5, backoff=0.0)
        start = time.monotonic()
        result = exporter.export(_built_spans(), 2.0)
        took = time.monotonic() - start
        assert len(receiver.requests) == 1
    assert took < MARGIN
    assert isinstance(result, Failure)
    assert result.failure().status == 503


def test_the_exporter_bounds_an_export_to_a_silent_collector_by_the_given_timeout() -> None:
    """export(spans, 1) returns a timed-out Failure within the second even though the exporter allows 3 s."""
    with OtlpReceiver("black_hole") as receiver:
        exporter = FlextOtlpHttpExporter(receiver.traces_url, timeout=EXPORTER_TIMEOUT, max_retries=0)
        start = time.monotonic()
        result = exporter.export(_built_spans(), BOUND)
        took = time.monotonic() - start
    assert BOUND - 0.05 <= took <= BOUND + MARGIN
    assert isinstance(result, Failure)
    assert result.failure().status is None
    assert "timed out" in result.failure().message


def test_the_exporter_reports_a_refused_connection_and_refuses_work_after_shutdown() -> None:
    """Connecting to a closed port gives a Failure without status; after shutdown nothing is sent at all."""
    with down_endpoint() as base:
        result = FlextOtlpHttpExporter(base + "/v1/traces", max_retries=0).export(_built_spans(), 2.0)
    assert isinstance(result, Failure)
    assert result.failure().status is None
    assert "refused" in result.failure().message.lower()
    with OtlpReceiver() as receiver:
        exporter = FlextOtlpHttpExporter(receiver.traces_url)
        exporter.shutdown(1.0)
        after = exporter.export(_built_spans(), 2.0)
        assert receiver.requests == []
    assert isinstance(after, Failure)
    assert "shut down" in after.failure().message


def test_an_unusable_retry_after_does_not_hide_the_collectors_answer() -> None:
    """A 503 whose Retry-After is junk ("²", a digit to str.isdigit) still fails with status 503 and its message."""
    with OtlpReceiver("unavailable", retry_after="²") as receiver:
        result = FlextOtlpHttpExporter(receiver.traces_url, max_retries=0).export(_built_spans(), 2.0)
        assert len(receiver.requests) == 1
    assert isinstance(result, Failure)
    assert result.failure().status == 503
    assert "the collector is unavailable" in result.failure().message


# --- configured from the environment ------------------------------------------------------


def test_the_environment_sets_endpoint_headers_and_resource(services: list[FlextTracingService]) -> None:
    """from_environment sends to the given URL with the OTEL headers, service name and resource attributes."""
    with OtlpReceiver() as receiver:
        tracing = FlextTracingService.from_environment(
            {
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": receiver.traces_url,
                "OTEL_SERVICE_NAME": "orders-api",
                "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=ci,team=data%20eng",
                "OTEL_EXPORTER_OTLP_HEADERS": "x-api-token=abc",
                "OTEL_BSP_SCHEDULE_DELAY": "3600000",
            }
        )
        services.append(tracing)
        with tracing.start_span("GET /orders", kind="server"):
            pass
        assert tracing.force_flush(5.0) is True
        [request] = receiver.requests
        [decoded] = receiver.decoded_requests()
    assert request.path == "/v1/traces"
    assert request.header("x-api-token") == "abc"
    # The specification's default compression for the environment is none.
    _check_body(request, None)
    [resource_spans] = decoded.resource_spans
    assert attributes_of(resource_spans.resource.attributes) == {
        "deployment.environment": "ci",
        "team": "data eng",
        "service.name": "orders-api",
    }
    [span] = _exported_spans(decoded)
    assert (span.name, span.kind, span.flags) == ("GET /orders", SERVER, FLAGS_ROOT_OR_LOCAL_PARENT)
    assert tracing.counts().exported == 1


def test_shutdown_stops_the_retries(services: list[FlextTracingService]) -> None:
    """Once shutdown has returned, the exporter stops retrying (at most one request was already on its way)."""
    with OtlpReceiver("unavailable", retry_after=1) as receiver:
        exporter = FlextOtlpHttpExporter(receiver.traces_url, timeout=20.0, max_retries=20, backoff=0.0)
        tracing = _tracing(services, exporter, export_timeout=20.0)
        _end_spans(tracing, 1)
        assert tracing.force_flush(0.2) is False  # starts the export; the collector keeps saying 503
        receiver.wait_for(1, timeout=5.0)
        done, elapsed = _timed(lambda: tracing.shutdown(1.5))
        assert done is False
        assert elapsed < 1.5 + MARGIN
        seen = len(receiver.requests)
        time.sleep(2.5)
        assert len(receiver.requests) <= seen + 1
