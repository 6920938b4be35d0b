"""The test doubles shipped to users behave as documented."""

from __future__ import annotations

import io
import json

from flext_observability.logs import configure_logging, get_logger, reset_logging
from flext_observability.testing import DeterministicIdGenerator, FakeClock
from flext_observability.tracing import FlextTracingService, InMemorySpanRepository


def test_fake_clock_moves_only_when_told() -> None:
    """FakeClock keeps exact nanoseconds and moves by advance() and set()."""
    clock = FakeClock(10.0)
    assert clock.time_ns() == 10_000_000_000
    clock.advance(0.000_000_001)
    assert clock.time_ns() == 10_000_000_001
    clock.set(20.0)
    assert clock.time() == 20.0
    clock.advance(-5)
    assert clock.time() == 15.0
    assert repr(clock) == "FakeClock(15.0)"


def test_deterministic_ids_repeat_per_seed_and_differ_across_seeds() -> None:
    """The same seed gives the same sequence; another seed another one; ids are valid and unique."""
    first, again, other = DeterministicIdGenerator(3), DeterministicIdGenerator(3), DeterministicIdGenerator(4)
    sequence = [first.new_trace_id() for _ in range(50)]
    assert sequence == [again.new_trace_id() for _ in range(50)]
    assert sequence[0] != other.new_trace_id()
    assert len(set(sequence)) == 50
    assert all(len(value) == 32 and value.strip("0") for value in sequence)
    span_ids = {first.new_span_id() for _ in range(50)}
    assert len(span_ids) == 50
    assert all(len(value) == 16 for value in span_ids)


def test_importing_testing_does_not_import_hypothesis() -> None:
    """Only the strategies module pulls in Hypothesis."""
    import subprocess  # noqa: PLC0415 - only this test needs it
    import sys  # noqa: PLC0415

    code = "import sys, flext_observability, flext_observability.testing; print('hypothesis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    assert out.stdout.strip() == "False"


def test_a_fake_clock_drives_span_and_log_times() -> None:
    """Ensures spans and log lines read the injected clock: exact start, event, end and timestamp values."""
    clock = FakeClock(1_800_000_000.0)
    repository = InMemorySpanRepository()
    tracing = FlextTracingService(exporters=[repository], clock=clock)
    with tracing.start_span("load") as span:
        clock.advance(0.25)
        span.add_event("batch")
        clock.advance(0.5)
    assert tracing.shutdown(5.0)
    [done] = repository.spans()
    start = 1_800_000_000 * 1_000_000_000
    assert (done.start_time_ns, done.end_time_ns) == (start, start + 750_000_000)
    assert [event.time_ns for event in done.events] == [start + 250_000_000]

    stream = io.StringIO()
    configure_logging(format="json", stream=stream, clock=clock, capture_stdlib=False)
    try:
        get_logger("clocked").info("tick")
    finally:
        reset_logging()
    assert json.loads(stream.getvalue())["timestamp"] == "2027-01-15T08:00:00.750000Z"
