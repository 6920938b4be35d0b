"""Span limits: cleaning, truncating and redacting attribute values, and counting what is dropped."""

from __future__ import annotations

from flext_observability.core.tracing.span_limits import (
    SpanLimits,
    clean_attribute,
    clean_name,
    limit_attributes,
    room_for,
)
from flext_observability.tracing import FlextTracingService, InMemorySpanRepository


def test_clean_attribute_keeps_types_and_truncates() -> None:
    """Values of attribute types are kept (arrays as tuples, cut to their item limit, strings inside truncated)."""
    limits = SpanLimits(max_attribute_length=3, max_array_length=3)
    assert clean_attribute("n", 12345, limits) == 12345
    assert clean_attribute("s", "abcdef", limits) == "abc"
    assert clean_attribute("a", ["abcdef", "x"], limits) == ("abc", "x")
    assert clean_attribute("a", [1, 2, 3, 4, 5], limits) == (1, 2, 3)
    assert clean_attribute("bad", object(), limits) is None
    assert clean_attribute("", 1, limits) is None
    assert clean_attribute("k" * 300, 1, limits) is None


def test_clean_attribute_redacts() -> None:
    """Sensitive keys lose their values; secrets inside text and arrays are hidden."""
    assert clean_attribute("client_secret", "x") == "REDACTED"
    assert clean_attribute("url", "https://u:p@h/x") == "https://REDACTED:REDACTED@h/x"
    assert clean_attribute("urls", ["https://u:p@h/x", "plain"]) == ("https://REDACTED:REDACTED@h/x", "plain")


def test_limit_attributes_counts_drops() -> None:
    """Beyond the cap new keys are dropped; updating a present key is free; unreadable input counts one."""
    limits = SpanLimits(max_attributes=2)
    accepted, dropped, truncated = limit_attributes({"a": 1}, {"a": 2, "b": 3, "c": 4, 5: 6}, limits)
    assert (accepted, dropped, truncated) == ({"a": 2, "b": 3}, 2, 0)

    class Broken(dict[str, int]):
        def items(self) -> object:  # type: ignore[override]
            raise RuntimeError

    assert limit_attributes({}, Broken(x=1), limits) == ({}, 1, 0)


def test_names_and_room() -> None:
    """Names fall back when empty and are shortened; room_for compares with the limit."""
    assert clean_name(None) == "unnamed"
    assert clean_name("", "fallback") == "fallback"
    assert room_for(1, 2)
    assert not room_for(2, 2)


def test_limits_refuse_nonsense() -> None:
    """A negative, boolean or huge limit is a set-up error."""
    import pytest  # noqa: PLC0415 - only this test needs it

    for bad in ({"max_events": -1}, {"max_links": True}, {"max_attribute_length": 10**6}):
        with pytest.raises(ValueError, match="must be an int"):
            SpanLimits(**bad)


def test_long_values_are_truncated_not_dropped() -> None:
    """Ensures a 4,097-character value, a long array and a deep traceback's exception texts survive, cut and counted."""
    repository = InMemorySpanRepository()
    # 128 texts of 4,096 characters (523 KiB estimated) need more than the default 256 KiB budget.
    tracing = FlextTracingService(exporters=[repository], limits=SpanLimits(max_span_bytes=1 << 20))

    def recurse(depth: int) -> None:
        if depth == 0:
            raise ValueError("x" * 10_000)
        recurse(depth - 1)

    with tracing.start_span("long") as span:
        span.set_attribute("sql", "s" * 4097)
        span.set_attribute("ids", ["i" * 5000] * 5000)
        try:
            recurse(59)
        except ValueError as error:
            span.record_exception(error)
    assert tracing.shutdown(5.0)
    [done] = repository.spans()
    assert done.attributes["sql"] == "s" * 4096
    ids = done.attributes["ids"]
    assert isinstance(ids, tuple)
    assert len(ids) == 128
    assert {len(item) for item in ids if isinstance(item, str)} == {4096}
    [event] = done.events
    assert event.attributes["exception.type"] == "ValueError"
    assert event.attributes["exception.message"] == "x" * 4096
    stacktrace = event.attributes["exception.stacktrace"]
    assert isinstance(stacktrace, str)
    assert stacktrace.startswith("Traceback (most recent call last):")
    assert len(stacktrace) == 4096
    assert done.dropped_attributes == 0
    assert done.truncated_attributes == 4
