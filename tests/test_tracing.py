"""FlextTracingService: spans in context, decorators, limits, propagation, sampling and counters."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator, Sequence

import pytest
from returns.result import Failure, Result, Success

from flext_observability.core.errors import FlextExportError
from flext_observability.core.tracing.sampling import always_off, parent_based, trace_id_ratio
from flext_observability.core.tracing.span import FlextSpan, validate_span
from flext_observability.core.tracing.span_limits import SpanLimits
from flext_observability.core.tracing.traceparent import parse_traceparent
from flext_observability.core.values import SpanKind, SpanStatusCode
from flext_observability.shell.context import current_baggage, use_baggage, use_span_ids
from flext_observability.shell.logs.setup import configure_logging, get_logger, reset_logging
from flext_observability.shell.metrics.service import FlextMetricsService
from flext_observability.shell.tracing.exporters import ConsoleSpanExporter, InMemorySpanRepository, TraceQuery
from flext_observability.shell.tracing.service import FlextTracingService, current_span
from flext_observability.shell.tracing.span import NonRecordingSpan, Span

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"


@pytest.fixture
def repository() -> InMemorySpanRepository:
    """A fresh in-memory repository."""
    return InMemorySpanRepository()


@pytest.fixture
def tracing(repository: InMemorySpanRepository) -> Iterator[FlextTracingService]:
    """A tracing service exporting to the repository, shut down after the test."""
    service = FlextTracingService(service_name="orders", exporters=[repository], schedule_delay=0.05)
    yield service
    service.shutdown(5)


def _spans(tracing: FlextTracingService, repository: InMemorySpanRepository) -> list[FlextSpan]:
    assert tracing.force_flush(5)
    return list(repository.spans())


def test_nested_spans_form_one_trace(tracing: FlextTracingService, repository: InMemorySpanRepository) -> None:
    """A span started inside another is its child, in the same trace; the context is restored after."""
    with tracing.start_span("run") as run:
        assert current_span() is run
        with tracing.start_span("extract", kind="client") as step:
            assert step.parent_span_id == run.span_id
            assert step.trace_id == run.trace_id
        assert current_span() is run
    assert current_span() is None
    (trace,) = repository.query_traces() if tracing.force_flush(5) else ()
    assert [span.name for span in trace.spans] == ["run", "extract"]
    assert trace.spans[1].kind is SpanKind.CLIENT


def test_decorators_trace_sync_and_async_functions(
    tracing: FlextTracingService, repository: InMemorySpanRepository
) -> None:
    """A decorated function gets one span per call, sync or async, and keeps its name and result."""

    @tracing.start_span("double")
    def double(value: int) -> int:
        """Double."""
        return value * 2

    @tracing.start_span("fetch")
    async def fetch(value: int) -> int:
        await asyncio.sleep(0)
        return value + 1

    assert double(3) == 6
    assert double.__name__ == "double"
    assert asyncio.run(fetch(1)) == 2
    assert sorted(span.name for span in _spans(tracing, repository)) == ["double", "fetch"]


def test_exceptions_are_recorded_and_mark_the_span_failed(
    tracing: FlextTracingService, repository: InMemorySpanRepository
) -> None:
    """An exception leaving a span is recorded as an event with the semantic-convention attributes."""
    with pytest.raises(ValueError, match="bad row"), tracing.start_span("load"):
        raise ValueError("bad row")  # noqa: EM101, TRY003 - the test's own message
    (span,) = _spans(tracing, repository)
    assert span.status.code is SpanStatusCode.ERROR
    assert span.status.description == "ValueError: bad row"
    (event,) = span.events
    assert event.name == "exception"
    assert event.attributes["exception.type"] == "ValueError"
    assert event.attributes["exception.message"] == "bad row"
    assert "Traceback" in str(event.attributes["exception.stacktrace"])


def test_span_api_events_links_status_and_redaction(
    tracing: FlextTracingService, repository: InMemorySpanRepository
) -> None:
    """Attributes are cleaned and redacted, events and links recorded, ok is final."""
    link = parse_traceparent(f"00-{TRACE}-{PARENT}-01").unwrap()
    with tracing.start_span("load", attributes={"rows": 3, "api_key": "k"}, links=[link]) as span:
        span.set_attribute("dsn_url", "postgresql://etl:pw@db/dw")
        span.set_attributes({"tables": ["a", "b"], "bad": object()})
        span.add_event("batch", {"size": 10}, timestamp_ns=123)
        span.update_name("load orders")
        span.set_status("ok")
        span.set_status("error", "ignored after ok")
        span.set_status("nonsense")
    (entity,) = _spans(tracing, repository)
    assert validate_span(entity) == Success(entity)
    assert entity.name == "load orders"
    assert entity.attributes == {
        "rows": 3,
        "api_key": "REDACTED",
        "dsn_url": "postgresql://REDACTED:REDACTED@db/dw",
        "tables": ("a", "b"),
    }
    assert entity.dropped_attributes == 1
    assert [(event.name, event.time_ns) for event in entity.events] == [("batch", 123)]
    assert entity.links[0].span_id == PARENT
    assert entity.status.code is SpanStatusCode.OK


def test_limits_drop_and_count(repository: InMemorySpanRepository) -> None:
    """Beyond the limits new attributes, events and links are dropped and counted; values are truncated."""
    tracing = FlextTracingService(
        exporters=[repository],
        limits=SpanLimits(max_attributes=2, max_events=1, max_links=1, max_attribute_length=4),
    )
    link = parse_traceparent(f"00-{TRACE}-{PARENT}-01").unwrap()
    with tracing.start_span("x") as span:
        for index in range(5):
            span.set_attribute(f"a{index}", "abcdefgh")
            span.add_event(f"e{index}")
            span.add_link(link)
        span.set_attribute("a0", "updated")
    assert tracing.shutdown(5)
    (entity,) = repository.spans()
    assert entity.attributes == {"a0": "upda", "a1": "abcd"}
    assert (entity.dropped_attributes, entity.dropped_events, entity.dropped_links) == (3, 4, 4)
    with pytest.raises(ValueError, match="max_events"):
        SpanLimits(max_events=-1)


def test_ended_spans_ignore_changes(tracing: FlextTracingService, repository: InMemorySpanRepository) -> None:
    """After end(), setters do nothing and ending again does not export twice."""
    with tracing.start_span("x") as span:
        pass
    span.set_attribute("late", 1)
    span.add_event("late")
    span.end()
    (entity,) = _spans(tracing, repository)
    assert entity.attributes == {}
    assert tracing.counts().ended == 1


def test_inject_and_extract_continue_the_trace(tracing: FlextTracingService) -> None:
    """A server continues the caller's trace; each outgoing call carries its own span as parent."""
    with tracing.start_span("client call", kind=SpanKind.CLIENT) as client:
        headers: dict[str, str] = {}
        tracing.inject(headers)
    assert headers["traceparent"] == f"00-{client.trace_id}-{client.span_id}-03"
    incoming = {"TRACEPARENT": headers["traceparent"], "TraceState": "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"}
    remote = tracing.extract(incoming)
    assert remote.span_context is not None
    assert remote.span_context.remote
    with tracing.start_span("handle", kind="server", parent=remote) as server:
        assert (server.trace_id, server.parent_span_id) == (client.trace_id, client.span_id)
        outgoing: dict[str, str] = {}
        tracing.inject(outgoing)
    assert outgoing["traceparent"].split("-")[1] == client.trace_id
    assert outgoing["traceparent"].split("-")[2] == server.span_id
    assert outgoing["tracestate"] == "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"


def test_invalid_traceparent_starts_a_new_trace(tracing: FlextTracingService) -> None:
    """An invalid incoming header gives no parent, so the span starts a new trace; tracestate is then ignored."""
    remote = tracing.extract({"traceparent": f"00-{TRACE.upper()}-{PARENT}-01", "tracestate": "rojo=1"})
    assert remote.span_context is None
    with tracing.start_span("handle", parent=remote) as span:
        assert span.trace_id != TRACE.upper().lower()
        assert span.parent_span_id is None


def test_baggage_travels_with_the_trace(tracing: FlextTracingService) -> None:
    """Baggage from the caller is current while the server span runs, and is passed on."""
    with use_baggage(run_id="r-42"):
        headers: dict[str, str] = {}
        tracing.inject(headers)
    assert headers == {"baggage": "run_id=r-42"}
    remote = tracing.extract({"baggage": "run_id=r-42, tenant=acme;ttl=5"})
    with tracing.start_span("handle", parent=remote):
        assert current_baggage()["run_id"].value == "r-42"
        outgoing: dict[str, str] = {}
        tracing.inject(outgoing)
    assert "run_id=r-42" in outgoing["baggage"]
    assert "run_id" not in current_baggage()


def test_sampling_decisions(repository: InMemorySpanRepository) -> None:
    """Not-sampled spans record nothing and still propagate; children follow their parent."""
    tracing = FlextTracingService(exporters=[repository], sampler=parent_based(always_off()))
    with tracing.start_span("root") as root, tracing.start_span("child") as child:
        assert isinstance(root, NonRecordingSpan)
        assert isinstance(child, NonRecordingSpan)
        assert child.parent_span_id == root.span_id
        root.set_attribute("x", 1)
        headers: dict[str, str] = {}
        tracing.inject(headers)
    assert headers["traceparent"].endswith("-02")
    sampled_parent = tracing.extract({"traceparent": f"00-{TRACE}-{PARENT}-01"})
    with tracing.start_span("continued", parent=sampled_parent) as continued:
        assert isinstance(continued, Span)
    assert tracing.shutdown(5)
    assert [span.name for span in repository.spans()] == ["continued"]
    assert tracing.not_sampled == 2


def test_ratio_sampling_is_decided_by_trace_id() -> None:
    """Two services with the same ratio take the same decision for the same trace."""
    first = FlextTracingService(sampler=trace_id_ratio(0.5))
    second = FlextTracingService(sampler=trace_id_ratio(0.5))
    decisions = []
    for _ in range(200):
        with first.start_span("a") as span:
            remote = first.extract({"traceparent": f"00-{span.trace_id}-{span.span_id}-00"})
            with second.start_span("b", parent=remote) as other:
                decisions.append((span.sampled, other.sampled))
    assert all(a == b for a, b in decisions)
    assert 40 < sum(a for a, _ in decisions) < 160
    first.shutdown(1)
    second.shutdown(1)


def test_logs_inside_a_span_carry_its_ids(tracing: FlextTracingService) -> None:
    """The logging pipeline's correlation reads the tracing service's current span."""
    stream = io.StringIO()
    configure_logging(format="json", stream=stream)
    try:
        with tracing.start_span("load") as span:
            get_logger("etl").info("inside")
        get_logger("etl").info("outside")
    finally:
        reset_logging()
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert (inside["trace_id"], inside["span_id"]) == (span.trace_id, span.span_id)
    assert "trace_id" not in outside


def test_ids_set_by_another_library_become_the_parent(tracing: FlextTracingService) -> None:
    """Ids made current with use_span_ids are taken as a remote, sampled parent."""
    with use_span_ids(TRACE, PARENT), tracing.start_span("child") as child:
        assert (child.trace_id, child.parent_span_id) == (TRACE, PARENT)


def test_counters_are_exact_and_the_queue_is_bounded() -> None:
    """Beyond the queue size spans are dropped and counted; after shutdown too."""

    class Slow:
        def export(self, spans: Sequence[FlextSpan], timeout: float) -> Result[int, FlextExportError]:
            del timeout
            return Success(len(spans))

        def shutdown(self, timeout: float) -> None:
            del timeout

    tracing = FlextTracingService(exporters=[Slow()], max_queue_size=5, max_export_batch_size=5, schedule_delay=3600)
    tracing.processor._worker = object()  # type: ignore[assignment]
    for index in range(8):
        with tracing.start_span(f"s{index}"):
            pass
    counts = tracing.counts()
    assert (counts.started, counts.ended, counts.queued, counts.dropped_queue_full) == (8, 8, 5, 3)
    tracing.processor._worker = None
    assert tracing.shutdown(5)
    with tracing.start_span("late"):
        pass
    counts = tracing.counts()
    assert (counts.exported, counts.dropped_after_shutdown, counts.ended) == (5, 1, 9)
    assert counts.ended == counts.exported + counts.failed + counts.dropped


def test_failing_exporters_are_counted_and_do_not_stop_others(repository: InMemorySpanRepository) -> None:
    """An exporter that raises or fails makes the batch count as failed; the others still get it."""

    class Raising:
        def export(self, spans: Sequence[FlextSpan], timeout: float) -> Result[int, FlextExportError]:
            raise RuntimeError

        def shutdown(self, timeout: float) -> None:
            raise RuntimeError

    class Refusing:
        def export(self, spans: Sequence[FlextSpan], timeout: float) -> Result[int, FlextExportError]:
            return Failure(FlextExportError(target="x", message="no"))

        def shutdown(self, timeout: float) -> None:
            del timeout

    for broken in (Raising(), Refusing()):
        repository.clear()
        tracing = FlextTracingService(exporters=[broken, repository])
        with tracing.start_span("x"):
            pass
        assert tracing.shutdown(5)
        assert tracing.counts().failed == 1
        assert len(repository.spans()) == 1


def test_metrics_follow_the_counters() -> None:
    """With a metrics service, the processor's counters appear as self-metrics."""
    metrics = FlextMetricsService()
    tracing = FlextTracingService(metrics=metrics)
    for _ in range(3):
        with tracing.start_span("x"):
            pass
    assert tracing.shutdown(5)
    snapshot = metrics.snapshot()
    assert snapshot.family("flext_observability_spans_started_total").state().value == 3  # type: ignore[union-attr]
    assert snapshot.family("flext_observability_spans_exported_total").state().value == 3  # type: ignore[union-attr]
    assert snapshot.family("flext_observability_span_queue_size").state().value == 0  # type: ignore[union-attr]


def test_self_metrics_are_read_when_scraped_with_no_batch_lag() -> None:
    """Ensures ended and queued spans show in the metrics at once, before any export has run."""
    metrics = FlextMetricsService()
    tracing = FlextTracingService(metrics=metrics, schedule_delay=3600.0)
    for _ in range(4):
        with tracing.start_span("x"):
            pass
    snapshot = metrics.snapshot()
    assert snapshot.family("flext_observability_spans_started_total").state().value == 4  # type: ignore[union-attr]
    assert snapshot.family("flext_observability_spans_ended_total").state().value == 4  # type: ignore[union-attr]
    assert snapshot.family("flext_observability_span_queue_size").state().value == 4  # type: ignore[union-attr]
    assert snapshot.family("flext_observability_spans_exported_total").state().value == 0  # type: ignore[union-attr]
    assert tracing.counts().started == 4  # reading the counts twice does not count a start
    assert tracing.counts().started == 4
    assert tracing.shutdown(5)
    assert metrics.snapshot().family("flext_observability_spans_exported_total").state().value == 4  # type: ignore[union-attr]


def test_repository_queries_and_bounds() -> None:
    """Traces are found by criteria; beyond capacity the oldest traces go, counted."""
    repository = InMemorySpanRepository(capacity=3)
    tracing = FlextTracingService(exporters=[repository])
    with tracing.start_span("first"), tracing.start_span("inner"):
        pass
    with pytest.raises(RuntimeError), tracing.start_span("second"):
        raise RuntimeError
    with tracing.start_span("third"):
        pass
    assert tracing.shutdown(5)
    assert repository.dropped == 2
    assert [trace.root.name for trace in repository.query_traces()] == ["second", "third"]
    assert [trace.root.name for trace in repository.query_traces(has_error=True)] == ["second"]
    assert [trace.root.name for trace in repository.query_traces(TraceQuery(root_name="third"))] == ["third"]
    assert repository.query_traces(service="other") == ()
    assert len(repository.query_traces(limit=1)) == 1
    with pytest.raises(ValueError, match="capacity"):
        InMemorySpanRepository(capacity=0)


def test_console_exporter_writes_json_lines() -> None:
    """The console exporter writes one JSON line per span, and reports a closed stream."""
    stream = io.StringIO()
    tracing = FlextTracingService(exporters=[ConsoleSpanExporter(stream)])
    with tracing.start_span("x"):
        pass
    assert tracing.shutdown(5)
    assert json.loads(stream.getvalue())["name"] == "x"
    stream.close()
    assert isinstance(ConsoleSpanExporter(stream).export([], 1), Failure)


def test_environment_configures_the_service() -> None:
    """OTEL_* variables set the service name, sampler and an OTLP exporter; bad ones are set-up errors."""
    tracing = FlextTracingService.from_environment(
        {
            "OTEL_SERVICE_NAME": "orders",
            "OTEL_TRACES_SAMPLER": "traceidratio",
            "OTEL_TRACES_SAMPLER_ARG": "0.5",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318",
            "OTEL_EXPORTER_OTLP_HEADERS": "x-token=abc",
        },
    )
    assert tracing.service_name == "orders"
    assert repr(tracing.sampler) == "trace_id_ratio(0.5)"
    (exporter,) = tracing.processor.exporters
    assert exporter.endpoint == "http://127.0.0.1:4318/v1/traces"  # type: ignore[attr-defined]
    assert exporter.headers == {"x-token": "abc"}  # type: ignore[attr-defined]
    tracing.shutdown(1)
    with pytest.raises(ValueError, match="OTEL_TRACES_SAMPLER"):
        FlextTracingService.from_environment({"OTEL_TRACES_SAMPLER": "sometimes"}, strict=True)
    disabled = FlextTracingService.from_environment({"OTEL_SDK_DISABLED": "true"})
    with disabled.start_span("x") as span:
        assert not span.sampled
    disabled.shutdown(1)


def test_bad_arguments_never_raise(tracing: FlextTracingService) -> None:
    """Odd names, kinds, attributes, links and parents become defaults instead of errors."""
    with tracing.start_span("", kind="weird", attributes={1: 2}, links=[object()], parent=object()) as span:  # type: ignore[arg-type, list-item, dict-item]
        span.record_exception("not an exception")  # type: ignore[arg-type]
        span.add_event("")
        span.end(end_time_ns="later")  # type: ignore[arg-type]
    assert tracing.force_flush(5)
    with pytest.raises(ValueError, match="service_name"):
        FlextTracingService(service_name="")
