"""Attack: attributes, events and links that a span accepts until its count limits, whatever their bytes.

``SpanLimits.max_span_bytes`` gives every span a budget in estimated bytes; an
attribute, event or link that would take the span past it is dropped and
counted in ``dropped_attributes``, ``dropped_events`` or ``dropped_links``.
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest

from flext_observability.core.tracing.span_limits import (
    attribute_bytes,
    event_bytes,
    fit_attributes,
    limit_attributes,
    link_bytes,
    text_bytes,
    value_bytes,
)
from flext_observability.propagation import parse_traceparent
from flext_observability.shell.tracing.span import Span
from flext_observability.tracing import FlextTracingService, InMemorySpanRepository, SpanLimits

if TYPE_CHECKING:
    from collections.abc import Iterator

LINK = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap()


@contextmanager
def _recording(tracing: FlextTracingService, **options: object) -> Iterator[Span]:
    """A recording span, current while the block runs."""
    with tracing.start_span("budget", **options) as span:  # type: ignore[arg-type]
        assert isinstance(span, Span)
        yield span


def test_the_estimate_follows_the_documented_rule() -> None:
    """Ensures texts cost 80 bytes plus 1 (ASCII) or 4 a character, numbers 48, arrays 64 plus 8 and each item."""
    assert text_bytes("a" * 100) == 180
    assert text_bytes("\u00e9" * 100) == 480
    assert value_bytes(7) == value_bytes(1.5) == value_bytes(value=True) == 48
    assert value_bytes(("ab", 3)) == 64 + (8 + 82) + (8 + 48)
    assert attribute_bytes("k", "v") == 64 + 81 + 81
    assert event_bytes("e") == 512 + 81
    assert link_bytes(LINK) == 1024


def test_the_default_budget_and_its_check() -> None:
    """Ensures max_span_bytes is 256 KiB by default and a wrong one is a ValueError naming it."""
    assert SpanLimits().max_span_bytes == 262_144
    for bad in (-1, True, 2**30 + 1, 1.5, "1"):
        with pytest.raises(ValueError, match="max_span_bytes must be an int from 0 to 1073741824"):
            SpanLimits(max_span_bytes=bad)  # type: ignore[arg-type]
    assert SpanLimits(max_span_bytes=0).max_span_bytes == 0


def test_an_attribute_past_the_budget_is_dropped_and_counted() -> None:
    """Ensures an attribute that would take the span past its budget is dropped and counted; smaller ones still fit."""
    tracing = FlextTracingService(limits=SpanLimits(max_span_bytes=10_000), schedule_delay=3600.0)
    with _recording(tracing) as span:
        span.set_attribute("big", "x" * 4096)
        span.set_attribute("bigger", "y" * 4096)
        span.set_attribute("too.big", "z" * 4096)
        span.set_attribute("rows", 3)
        assert list(span.attributes or {}) == ["big", "bigger", "rows"]
        assert span.dropped_attributes == 1
        assert span.estimated_bytes == sum(
            attribute_bytes(key, value) for key, value in (span.attributes or {}).items()
        )
        assert span.estimated_bytes <= 10_000
        # Replacing a value costs the difference: shrinking gives bytes back, growing past the budget is dropped.
        span.set_attribute("big", "small")
        span.set_attribute("too.big", "z" * 4096)
        assert (span.attributes or {})["big"] == "small"
        assert "too.big" in (span.attributes or {})
        span.set_attribute("rows", list(range(200)))
        assert (span.attributes or {})["rows"] == 3
        assert span.dropped_attributes == 2
    assert tracing.shutdown(5)


def test_set_attributes_and_start_attributes_keep_to_the_budget() -> None:
    """Ensures set_attributes and start_span(attributes=...) keep what fits, in order, and count the rest."""
    repository = InMemorySpanRepository()
    tracing = FlextTracingService(exporters=[repository], limits=SpanLimits(max_span_bytes=5_100))
    values = {f"k{index}": "v" * 1000 for index in range(10)}
    with tracing.start_span("start", attributes=values) as first:
        first.set_attributes({"late": "w" * 1000, "n": 1})
    assert tracing.shutdown(5)
    [done] = repository.spans()
    assert list(done.attributes) == ["k0", "k1", "k2", "k3", "n"]
    assert done.dropped_attributes == 7
    assert limit_attributes({}, values, SpanLimits(max_span_bytes=5_100))[1] == 6


def test_events_and_links_past_the_budget_are_dropped_and_counted() -> None:
    """Ensures an event or link whose own part does not fit is dropped and counted; its attributes fit as they can."""
    tracing = FlextTracingService(limits=SpanLimits(max_span_bytes=3_500), schedule_delay=3600.0)
    with _recording(tracing) as span:
        span.add_event("first", {"detail": "d" * 1000, "code": 7})
        span.add_link(LINK, {"why": "w" * 2000})
        span.add_event("second")
        span.add_link(LINK)
        assert [event[0] for event in span.events or ()] == ["first"]
        assert span.events is not None
        assert span.events[0][2] == {"detail": "d" * 1000, "code": 7}
        assert span.links is not None
        assert span.links[0][1] == {}  # the link fitted, its 2 KiB attribute did not
        assert (span.dropped_events, span.dropped_links, span.dropped_attributes) == (1, 1, 1)
        assert span.estimated_bytes <= 3_500
    counts = tracing.counts()
    assert counts.queued_bytes > span.estimated_bytes
    assert tracing.shutdown(5)


def test_a_zero_budget_keeps_nothing_and_counts_everything() -> None:
    """Ensures max_span_bytes=0 drops every attribute, event and link, and counts each."""
    tracing = FlextTracingService(limits=SpanLimits(max_span_bytes=0), schedule_delay=3600.0)
    with _recording(tracing, attributes={"a": 1}) as span:
        span.set_attribute("b", 2)
        span.set_attributes({"c": 3})
        span.add_event("e")
        span.add_link(LINK)
        span.record_exception(ValueError("boom"))
        assert (span.attributes, span.events, span.links) == ({}, [], [])
        assert (span.dropped_attributes, span.dropped_events, span.dropped_links) == (3, 2, 1)
        assert span.estimated_bytes == 0
    assert tracing.shutdown(5)


def test_fit_attributes_reports_what_it_used() -> None:
    """Ensures fit_attributes returns the bytes it used, negative when a replacement is smaller."""
    limits = SpanLimits()
    accepted, dropped, truncated, used = fit_attributes({"a": "x" * 100}, {"a": "y", "b": 2}, limits, room=200)
    assert accepted == {"a": "y", "b": 2}
    assert (dropped, truncated) == (0, 0)
    assert used == (value_bytes("y") - value_bytes("x" * 100)) + attribute_bytes("b", 2)
    assert fit_attributes({}, {"a": 1}, SpanLimits(max_attributes=0), room=1000) == ({}, 1, 0, 0)


def _estimate_of(span: Span) -> int:
    """The estimate of what ``span`` holds, recomputed from its contents by the documented rule."""
    attributes = span.attributes or {}
    total = sum(attribute_bytes(key, value) for key, value in attributes.items())
    for name, _, held in span.events or ():
        total += event_bytes(name) + sum(attribute_bytes(key, value) for key, value in held.items())
    for context, held in span.links or ():
        total += link_bytes(context) + sum(attribute_bytes(key, value) for key, value in held.items())
    return total


def test_the_running_estimate_is_what_the_span_holds() -> None:
    """Ensures after a mix of sets, replacements, events and links the running estimate equals a recount, in budget."""
    generator = random.Random(20_261_202)  # noqa: S311 - a repeatable mix of operations, not a secret
    tracing = FlextTracingService(limits=SpanLimits(max_span_bytes=20_000), schedule_delay=3600.0)
    values: list[object] = [1, 2.5, True, "x" * 300, "\u00e9" * 200, ["a", "bb"], list(range(50)), "y" * 5000]
    with _recording(tracing) as span:
        for _ in range(400):
            key = f"k{generator.randrange(12)}"
            value = generator.choice(values)
            operation = generator.randrange(4)
            if operation == 0:
                span.set_attribute(key, value)
            elif operation == 1:
                span.set_attributes({key: value, f"{key}.b": generator.choice(values)})
            elif operation == 2:
                span.add_event(f"event.{key}", {key: value})
            else:
                span.add_link(LINK, {key: value})
            assert span.estimated_bytes == _estimate_of(span)
            assert span.estimated_bytes <= 20_000
        assert span.dropped_attributes > 0
        assert span.dropped_events + span.dropped_links > 0
    assert tracing.shutdown(5)
