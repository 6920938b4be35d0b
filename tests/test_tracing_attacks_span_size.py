"""Attack: one span filled with huge array attributes takes hundreds of MiB (16 arrays of 4,096 long texts: +260 MiB).

Arrays are cut to ``SpanLimits.max_array_length`` items (128 by default), so a
span has a ceiling in bytes, ``SpanLimits.byte_ceiling``, that docs/tracing.md
states for the default limits; these tests build hostile spans and measure
them with ``tracemalloc`` against it.
"""

from __future__ import annotations

import gc
import tracemalloc
from typing import TYPE_CHECKING

import pytest

from flext_observability.propagation import parse_traceparent
from flext_observability.tracing import FlextTracingService, SpanLimits

if TYPE_CHECKING:
    from collections.abc import Callable

WIDE = "\U0001d11e"  # beyond the Basic Multilingual Plane: CPython stores it in 4 bytes
SIXTEEN_ATTRIBUTE_CEILING = 33_787_408
"""docs/tracing.md: the ceiling of a span holding 16 attributes under the default limits."""
DEFAULT_CEILING = 69_400_161_616
"""docs/tracing.md: the ceiling of any span under the default limits."""


def _retained_bytes(build: Callable[[], object]) -> tuple[int, object]:
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


def test_the_issue_span_stays_under_its_documented_ceiling() -> None:
    """Ensures 16 array attributes of 4,096 texts of 4,097 characters keep 128 items each, within the ceiling."""
    tracing = FlextTracingService(schedule_delay=3600.0)
    texts = ["x" * 4097] * 4096
    names = [f"rows.{index}" for index in range(16)]
    with tracing.start_span("hostile") as span:

        def build() -> None:
            for name in names:
                span.set_attribute(name, texts)

        retained, _ = _retained_bytes(build)
        kept = dict(span.attributes or {})
    assert retained < SIXTEEN_ATTRIBUTE_CEILING
    assert {len(value) for value in kept.values() if isinstance(value, tuple)} == {128}
    assert span.truncated_attributes == 16
    assert SpanLimits(max_attributes=16, max_events=0, max_links=0).byte_ceiling == SIXTEEN_ATTRIBUTE_CEILING
    assert SpanLimits().byte_ceiling == DEFAULT_CEILING
    assert tracing.shutdown(5)


def test_a_span_filled_to_every_limit_stays_under_the_byte_ceiling() -> None:
    """Ensures a span whose attributes, events and links are all full of the widest texts stays under the ceiling."""
    limits = SpanLimits(max_attributes=8, max_events=4, max_links=4, max_array_length=8, max_attribute_length=512)
    tracing = FlextTracingService(limits=limits, schedule_delay=3600.0)
    link = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap()
    texts = [WIDE * 600] * 100
    hostile = {f"{WIDE * 250}{index}": texts for index in range(20)}
    with tracing.start_span("hostile") as span:

        def build() -> None:
            span.set_attributes(hostile)
            for _ in range(10):
                span.add_event(WIDE * 300, hostile)
                span.add_link(link, hostile)

        retained, _ = _retained_bytes(build)
        assert (span.dropped_events, span.dropped_links) == (6, 6)
        assert span.truncated_attributes == 8 * (1 + 4 + 4)
    # The ceiling holds, and is near enough to what such a span takes to mean something.
    assert limits.byte_ceiling / 2 < retained < limits.byte_ceiling
    assert tracing.shutdown(5)


def test_the_array_limit_is_checked_like_the_others() -> None:
    """Ensures a negative, boolean or huge max_array_length is a set-up error naming the argument."""
    for bad in (-1, True, 4097, 1.5):
        with pytest.raises(ValueError, match="max_array_length must be an int from 0 to 4096"):
            SpanLimits(max_array_length=bad)  # type: ignore[arg-type]
    assert SpanLimits(max_array_length=0).max_array_length == 0
