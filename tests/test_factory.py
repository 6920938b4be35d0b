"""The factory stamps entities with its clock and ids; the simple API uses the system's."""

from __future__ import annotations

import time

from returns.result import Failure, Success

from flext_observability import (
    FlextErrorCode,
    FlextObservabilityMasterFactory,
    SpanEvent,
    flext_create_alert,
    flext_create_health_check,
    flext_create_log_entry,
    flext_create_metric,
    flext_create_span,
    flext_create_trace,
)
from flext_observability.shell.clock import Clock, SystemClock
from flext_observability.shell.ids import IdGenerator, RandomIdGenerator
from flext_observability.testing import DeterministicIdGenerator, FakeClock


def _factory() -> tuple[FlextObservabilityMasterFactory, FakeClock]:
    clock = FakeClock(1_700_000_000.0)
    return FlextObservabilityMasterFactory(clock=clock, id_generator=DeterministicIdGenerator(1), service="etl"), clock


def test_times_come_from_the_clock_unless_given() -> None:
    """Each create_* reads the factory's clock only when the caller leaves the time out."""
    factory, clock = _factory()
    clock.advance(1.5)
    assert factory.create_metric("rows", 1).unwrap().timestamp == 1_700_000_001.5
    assert factory.create_metric("rows", 1, timestamp=5.0).unwrap().timestamp == 5.0
    assert factory.create_alert("A", "m").unwrap().starts_at == 1_700_000_001.5
    assert factory.create_health_check("pg").unwrap().time == 1_700_000_001.5
    assert factory.create_log_entry("e").unwrap().timestamp == 1_700_000_001.5
    span = factory.create_span("load").unwrap()
    assert span.start_time_ns == span.end_time_ns == 1_700_000_001_500_000_000


def test_service_name_is_the_default_source_logger_and_service() -> None:
    """The factory's service names spans, alert sources and loggers unless told otherwise."""
    factory, _ = _factory()
    assert factory.create_span("x").unwrap().service == "etl"
    assert factory.create_alert("A", "m").unwrap().source == "etl"
    assert factory.create_log_entry("e").unwrap().logger == "etl"
    assert factory.create_span("x", service="other").unwrap().service == "other"


def test_ids_come_from_the_generator() -> None:
    """New spans get fresh ids from the generator; given ids are kept."""
    factory, _ = _factory()
    expected = DeterministicIdGenerator(1)
    span = factory.create_span("x").unwrap()
    assert span.trace_id == expected.new_trace_id()
    assert span.span_id == expected.new_span_id()
    child = factory.create_span("y", trace_id=span.trace_id, parent_span_id=span.span_id).unwrap()
    assert child.trace_id == span.trace_id
    assert child.parent_span_id == span.span_id


def test_create_trace_makes_a_one_span_trace() -> None:
    """``create_trace`` returns a trace whose root is a new span."""
    factory, clock = _factory()
    start = clock.time_ns()
    trace = factory.create_trace("nightly", start_time_ns=start, end_time_ns=start + 5, status="ok").unwrap()
    assert trace.root.name == "nightly"
    assert trace.root.parent_span_id is None
    assert trace.duration_ns == 5


def test_create_span_accepts_any_iterable_of_events() -> None:
    """Events and links may come from generators, not only lists."""
    factory, _ = _factory()
    events = (SpanEvent(name=f"e{i}", time_ns=i) for i in range(3))
    assert len(factory.create_span("x", events=events).unwrap().events) == 3


def test_create_span_reports_a_failing_iterable() -> None:
    """An iterable that raises while read is a validation failure, not an exception."""

    def broken() -> object:
        yield SpanEvent(name="e", time_ns=1)
        raise RuntimeError

    factory, _ = _factory()
    result = factory.create_span("x", events=broken())  # type: ignore[arg-type]
    assert result.failure().codes == {FlextErrorCode.WRONG_TYPE}


def test_bad_input_is_a_failure_never_an_exception() -> None:
    """Wrong types passed past the type checker come back as failures."""
    factory, _ = _factory()
    assert isinstance(factory.create_metric(None, "x"), Failure)  # type: ignore[arg-type]
    assert isinstance(factory.create_span(3, start_time_ns="now"), Failure)  # type: ignore[arg-type]
    assert isinstance(factory.create_trace(""), Failure)
    assert isinstance(factory.create_alert("A", "m", labels={"alertname": "x"}), Failure)
    assert isinstance(factory.create_health_check("a:b"), Failure)
    assert isinstance(factory.create_log_entry("e", context={"level": 1}), Failure)


def test_simple_api_uses_the_system_clock_and_random_ids() -> None:
    """The ``flext_create_*`` functions stamp entities with the current time and random ids."""
    before = time.time()
    metric = flext_create_metric("pipeline_rows_total", 3, kind="counter", labels={"tap": "pg"}).unwrap()
    assert before <= metric.timestamp <= time.time()
    first = flext_create_trace("run").unwrap()
    second = flext_create_trace("run").unwrap()
    assert first.trace_id != second.trace_id
    assert isinstance(flext_create_span("step", trace_id=first.trace_id, parent_span_id=first.root.span_id), Success)
    assert isinstance(flext_create_alert("Slow", "slow load", severity="critical"), Success)
    assert isinstance(flext_create_health_check("postgres", status="warn"), Success)
    assert isinstance(flext_create_log_entry("loaded", level="debug", context={"rows": 3}), Success)


def test_system_clock_and_random_ids_follow_their_protocols() -> None:
    """The default clock and id generator satisfy the protocols and produce valid values."""
    clock, ids = SystemClock(), RandomIdGenerator()
    assert isinstance(clock, Clock)
    assert isinstance(ids, IdGenerator)
    assert abs(clock.time() - time.time()) < 5
    assert abs(clock.time_ns() - time.time_ns()) < 5_000_000_000
    trace_ids = {ids.new_trace_id() for _ in range(1000)}
    assert len(trace_ids) == 1000
    assert all(len(value) == 32 and value == value.lower() for value in trace_ids)
    assert len(ids.new_span_id()) == 16
    assert repr(clock) == "SystemClock()"
    assert repr(ids) == "RandomIdGenerator()"


def test_factory_repr_names_its_parts() -> None:
    """The factory's repr shows its clock, id generator and service."""
    factory, _ = _factory()
    assert repr(factory) == (
        "FlextObservabilityMasterFactory(clock=FakeClock(1700000000.0), "
        "id_generator=DeterministicIdGenerator(seed=1), service='etl')"
    )
