"""Attack: oversized attribute values are cut silently, so nobody can tell a span lost data to its limits.

Every value the span limits cut (text beyond ``max_attribute_length``, arrays
beyond ``max_array_length``), on the span, its events and its links, must be
counted on the exported span and in the process-wide self-metric
``flext_observability_span_attributes_truncated_total``.
"""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from flext_observability.metrics import FlextMetricsService
from flext_observability.propagation import parse_traceparent
from flext_observability.tracing import (
    FlextTracingService,
    InMemorySpanRepository,
    SpanLimits,
    span_from_dict,
    validate_span,
)

LINK = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _truncated_total(metrics: FlextMetricsService) -> float:
    text = metrics.export_prometheus().unwrap()
    for family in text_string_to_metric_families(text):
        if family.name == "flext_observability_span_attributes_truncated":
            return sum(sample.value for sample in family.samples if sample.name.endswith("_total"))
    message = "the truncation self-metric is missing"
    raise AssertionError(message)


def test_every_cut_value_is_counted_on_the_span_and_in_the_self_metric() -> None:
    """Ensures each cut value (text, array, event, link, exception, start attributes) counts once; whole ones do not."""
    metrics = FlextMetricsService()
    repository = InMemorySpanRepository()
    limits = SpanLimits(max_attributes=8, max_attribute_length=16)
    tracing = FlextTracingService(exporters=[repository], limits=limits, metrics=metrics)
    link = parse_traceparent(LINK).unwrap()
    with tracing.start_span("load", attributes={"sql": "s" * 17, "rows": 3}) as span:
        span.set_attribute("text", "t" * 100)  # cut: 1
        span.set_attribute("short", "t" * 16)  # exactly at the limit: not cut
        span.set_attribute("ids", list(range(129)))  # one item beyond the default 128: 1
        span.set_attribute("names", ["n" * 17, "x"])  # an item too long: 1
        span.set_attributes({"many": ["a"] * 1000, "fine": ["a"] * 128})  # 1
        span.add_event("batch", {"detail": "d" * 17, "size": 1})  # 1
        span.add_link(link, {"why": "w" * 17})  # 1
        span.record_exception(ValueError("m" * 17))  # message and stacktrace: 2
    assert tracing.force_flush(5)
    (entity,) = repository.spans()
    expected = 1 + 1 + 1 + 1 + 1 + 1 + 1 + 2
    assert entity.truncated_attributes == expected
    assert entity.attributes["ids"] == tuple(range(128))
    assert entity.attributes["short"] == "t" * 16
    assert validate_span(entity).unwrap() == entity
    assert span_from_dict(entity.to_dict()).unwrap() == entity
    assert tracing.counts().truncated_attributes == expected
    assert _truncated_total(metrics) == expected
    with tracing.start_span("again") as other:
        other.set_attribute("text", "t" * 100)
    assert tracing.counts().truncated_attributes == expected + 1
    assert _truncated_total(metrics) == expected + 1
    assert tracing.shutdown(5)


def test_dropped_and_redacted_values_are_not_counted_as_truncated() -> None:
    """Ensures a value dropped beyond the cap or replaced by redaction is not counted; one redaction lengthened is."""
    # The pure functions are internal; imported here so the span test above runs on its own.
    from flext_observability.core.tracing.span_limits import limit_attribute, limit_attributes  # noqa: PLC0415

    limits = SpanLimits(max_attributes=1, max_attribute_length=4)
    accepted, dropped, truncated = limit_attributes({"a": 1}, {"b": "long text", "password": "hunter2hunter2"}, limits)
    assert (accepted, dropped, truncated) == ({"a": 1}, 2, 0)
    assert limit_attribute("password", "hunter2hunter2", limits) == ("REDACTED", False)
    assert limit_attribute("target", "postgres://u:p@h/db", SpanLimits(max_attribute_length=20)) == (
        "postgres://REDACTED:",
        True,
    )


def test_a_status_description_is_cut_but_is_not_an_attribute() -> None:
    """Ensures a long status description is cut to the attribute length, uncounted; one that is not text is empty."""
    repository = InMemorySpanRepository()
    tracing = FlextTracingService(exporters=[repository], limits=SpanLimits(max_attribute_length=8))
    with tracing.start_span("long") as span:
        span.set_status("error", "d" * 100)
    with tracing.start_span("odd") as odd:
        odd.set_status("error", 5)  # type: ignore[arg-type]
    assert tracing.shutdown(5)
    by_name = {span.name: span for span in repository.spans()}
    assert by_name["long"].status.description == "d" * 8
    assert by_name["odd"].status.description == ""
    assert (by_name["long"].truncated_attributes, tracing.counts().truncated_attributes) == (0, 0)
