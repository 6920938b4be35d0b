"""Attack: a span filled to its count limits holds up to 64.6 GiB (128 arrays of 128 long texts, on each event, link).

Every span now has a budget in estimated bytes, ``SpanLimits.max_span_bytes``
(256 KiB by default), and a ceiling, ``SpanLimits.byte_ceiling``: the budget
plus the largest fixed part, which docs/tracing.md states for the default
limits. These tests build hostile spans and measure their real memory with
``tracemalloc`` against it, checking the measurement is close enough to the
ceiling to mean something.
"""

from __future__ import annotations

import gc
import itertools
import tracemalloc
from typing import TYPE_CHECKING, TypeVar

import pytest

from flext_observability.propagation import parse_traceparent
from flext_observability.shell.tracing.span import Span
from flext_observability.tracing import FlextTracingService, SpanLimits

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")
WIDE = "\U0001d11e"  # beyond the Basic Multilingual Plane: CPython stores it in 4 bytes
DEFAULT_CEILING = 305_196
"""docs/tracing.md: the ceiling of any span under the default limits."""
GUARDED_CEILING = 47_148
"""docs/tracing.md: the ceiling under ``max_span_bytes=16_384, max_attribute_length=1024``."""
HEADERS = {
    "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    # 32 members of 511 characters: the largest tracestate a header can bring.
    "tracestate": ",".join(f"k{index:02d}{'a' * 250}={'v' * 255}" for index in range(32)),
}


def _warm(tracing: FlextTracingService) -> FlextTracingService:
    """``tracing`` with its export thread started, so that the thread's objects are not counted as a span's."""
    with tracing.start_span("warm-up"):
        pass
    return tracing


def _retained_bytes(build: Callable[[], T]) -> tuple[int, T]:
    """Bytes still allocated after ``build()`` returns (its result kept alive), garbage collected."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = build()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return after - before, kept


def _hostile_span(tracing: FlextTracingService, fill: str) -> tuple[Span, object]:
    """A span (and its entity) under the largest tracestate, its name, status and ``fill`` all of the widest text.

    Every text is distinct, so nothing is shared between values and the
    memory measured is the span's own.
    """
    serial = itertools.count()

    def fresh(length: int) -> str:
        return WIDE * (length - 8) + f"{next(serial):08d}"

    parent = tracing.extract(HEADERS)
    with tracing.start_span(fresh(255), parent=parent) as span:
        span.set_status("error", fresh(5000))
        for index in range(200):
            if fill == "attributes":
                span.set_attribute(fresh(255), fresh(4096))
            elif fill == "events":
                span.add_event(fresh(255), {fresh(255): fresh(4096)})
            else:
                link = parse_traceparent(f"00-4bf92f3577b34da6a3ce929d0e0e{index:04x}-00f067aa0ba902b7-01").unwrap()
                span.add_link(link, {fresh(255): fresh(4096)})
    assert isinstance(span, Span)
    return span, span.to_entity()


@pytest.mark.parametrize("fill", ["attributes", "events", "links"])
def test_a_hostile_maximal_span_stays_under_its_documented_ceiling(fill: str) -> None:
    """Ensures a span full of the widest texts (attributes, events or links) takes under the ceiling, not much under."""
    tracing = _warm(FlextTracingService(schedule_delay=3600.0))
    retained, built = _retained_bytes(lambda: _hostile_span(tracing, fill))
    span, _ = built
    assert SpanLimits().byte_ceiling == DEFAULT_CEILING
    # The ceiling holds, and is near enough to what such a span takes to mean something.
    assert DEFAULT_CEILING * 3 // 4 < retained < DEFAULT_CEILING
    assert span.estimated_bytes <= SpanLimits().max_span_bytes
    dropped = {"attributes": span.dropped_attributes, "events": span.dropped_events, "links": span.dropped_links}
    assert dropped[fill] > 0  # the budget, not a count limit, stopped it (200 > 128 would too, but far later)
    assert len(span.attributes or span.events or span.links or ()) < 128
    assert tracing.counts().queued_bytes > span.estimated_bytes
    assert tracing.shutdown(5)


def test_the_issue_span_is_cut_to_its_budget() -> None:
    """Ensures 16 arrays of 4,096 texts of 4,097 characters (523 KiB each) are dropped, counted, under the ceiling."""
    tracing = FlextTracingService(schedule_delay=3600.0)
    texts = ["x" * 4097] * 4096
    with tracing.start_span("hostile") as span:

        def build() -> None:
            for index in range(16):
                span.set_attribute(f"rows.{index}", texts)
            span.set_attribute("small", texts[:8])

        retained, _ = _retained_bytes(build)
        assert isinstance(span, Span)
        assert span.dropped_attributes == 16
        assert list(span.attributes or {}) == ["small"]
        assert span.truncated_attributes == 1
    assert retained < DEFAULT_CEILING
    assert tracing.shutdown(5)


def test_lower_limits_lower_the_ceiling() -> None:
    """Ensures the documented ceiling of guarded limits holds for a span filled to them, within a meaningful margin."""
    limits = SpanLimits(max_span_bytes=16_384, max_attribute_length=1024)
    assert limits.byte_ceiling == GUARDED_CEILING
    tracing = _warm(FlextTracingService(limits=limits, schedule_delay=3600.0))
    retained, built = _retained_bytes(lambda: _hostile_span(tracing, "attributes"))
    span, _ = built
    assert GUARDED_CEILING * 3 // 4 < retained < GUARDED_CEILING
    assert span.dropped_attributes > 0
    assert tracing.shutdown(5)
