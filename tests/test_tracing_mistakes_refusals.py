"""Mistakes made on live spans are reported: counted by reason, logged once per reason, never raised."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from flext_observability.metrics import FlextMetricsService
from flext_observability.tracing import AnySpan, FlextTracingService, InMemorySpanRepository, SpanKind, SpanLimits

LOGGER = "flext_observability.tracing"


@pytest.fixture
def tracing() -> Iterator[FlextTracingService]:
    """A tracing service keeping its spans in memory, shut down after the test."""
    service = FlextTracingService(service_name="orders", exporters=[InMemorySpanRepository()])
    yield service
    service.shutdown(1)


def _refusal_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == LOGGER]


def test_unknown_kind_is_reported_once_and_counted(
    tracing: FlextTracingService, caplog: pytest.LogCaptureFixture
) -> None:
    """An unknown span kind starts an internal span, is counted each time, and logged once with the valid kinds."""
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for _ in range(3):
            with tracing.start_span("x", kind="clinet") as span:
                assert span.kind is SpanKind.INTERNAL  # type: ignore[union-attr]
    assert tracing.counts().refusals["unknown_kind"] == 3
    (line,) = _refusal_lines(caplog)
    assert "unknown span kind 'clinet'; use one of internal, server, client, producer, consumer" in line


def test_kind_is_read_in_any_case(tracing: FlextTracingService) -> None:
    """A kind written in capitals is the same kind, and no refusal."""
    with tracing.start_span("x", kind="CLIENT") as span:
        assert span.kind is SpanKind.CLIENT  # type: ignore[union-attr]
    assert tracing.counts().refused == 0


def test_unknown_status_is_reported_and_leaves_the_status(
    tracing: FlextTracingService, caplog: pytest.LogCaptureFixture
) -> None:
    """``set_status("failed")`` returns None, keeps the status, is counted and logged once with the valid codes."""
    with caplog.at_level(logging.WARNING, logger=LOGGER), tracing.start_span("x") as span:
        assert span.set_status("failed") is None
        span.set_status("failed")
        assert span.status_code.value == "unset"  # type: ignore[union-attr]
        span.set_status("ERROR", "disk full")
        assert (span.status_code.value, span.status_description) == ("error", "disk full")  # type: ignore[union-attr]
    assert tracing.counts().refusals["unknown_status"] == 2
    (line,) = _refusal_lines(caplog)
    assert "unknown span status 'failed'; use one of unset, ok, error" in line


@pytest.mark.parametrize(
    ("reason", "mistake", "hint"),
    [
        ("invalid_attribute", lambda span: span.set_attribute("rows", object()), "attribute values are str"),
        ("invalid_attribute", lambda span: span.set_attributes({"ok": 1, "bad": {1: 2}}), "'bad'"),
        ("invalid_attribute", lambda span: span.set_attribute("", 1), "the key must be non-empty text"),
        ("invalid_event", lambda span: span.add_event(""), "its name must be non-empty text"),
        ("invalid_event", lambda span: span.add_event("retry", timestamp_ns="now"), "timestamp_ns must be an int"),
        ("invalid_link", lambda span: span.add_link("00-abc"), "a SpanContext"),
        ("invalid_exception", lambda span: span.record_exception("boom"), "not an exception"),
        ("invalid_name", lambda span: span.update_name(""), "a span name is non-empty text"),
    ],
)
def test_refused_items_on_a_live_span_are_reported(
    tracing: FlextTracingService,
    caplog: pytest.LogCaptureFixture,
    reason: str,
    mistake: object,
    hint: str,
) -> None:
    """Each refused attribute, event, link, exception or name is counted under its reason and logged once."""
    with caplog.at_level(logging.WARNING, logger=LOGGER), tracing.start_span("x") as span:
        mistake(span)  # type: ignore[operator]
        mistake(span)  # type: ignore[operator]
    assert tracing.counts().refusals[reason] == 2
    (line,) = _refusal_lines(caplog)
    assert hint in line
    assert f"counts().refusals['{reason}']" in line


def test_limits_are_reported_apart_from_invalid_values(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Items beyond the span limits are counted as over the limit, naming the limit to raise."""
    tracing = FlextTracingService(limits=SpanLimits(max_attributes=1, max_events=1, max_links=1))
    with caplog.at_level(logging.WARNING, logger=LOGGER), tracing.start_span("x", attributes={"a": 1, "b": 2}) as span:
        span.set_attribute("c", 3)
        span.add_event("one")
        span.add_event("two")
        span.add_link(span)
        span.add_link(span.context)
    counts = tracing.counts().refusals
    assert (counts["attribute_over_limit"], counts["event_over_limit"], counts["link_over_limit"]) == (2, 1, 1)
    assert counts["invalid_attribute"] == counts["invalid_link"] == 0
    lines = _refusal_lines(caplog)
    assert len(lines) == 3
    assert any("max_events=1" in line for line in lines)
    tracing.shutdown(1)


def test_refusals_are_a_self_metric() -> None:
    """``flext_observability_span_refusals_total{reason}`` is read from the counts when scraped."""
    metrics = FlextMetricsService()
    tracing = FlextTracingService(metrics=metrics)
    with tracing.start_span("x", kind="clinet") as span:
        span.set_status("failed")
    family = metrics.snapshot().family("flext_observability_span_refusals_total")
    assert family is not None
    assert family.state(reason="unknown_kind").value == 1  # type: ignore[union-attr]
    assert family.state(reason="unknown_status").value == 1  # type: ignore[union-attr]
    assert family.state(reason="invalid_parent").value == 0  # type: ignore[union-attr]
    tracing.shutdown(1)


def test_recording_the_escaping_exception_first_gives_one_event(tracing: FlextTracingService) -> None:
    """``record_exception(error)`` then re-raising ``error`` out of the span records it once."""

    def load() -> None:
        with tracing.start_span("x") as span:
            seen.append(span)
            message = "bad row"
            try:
                raise ValueError(message)  # noqa: TRY301 - the pattern under test: record, then re-raise
            except ValueError as caught:
                span.record_exception(caught)
                raise

    seen: list[AnySpan] = []
    with pytest.raises(ValueError, match="bad row"):
        load()
    (span,) = seen
    assert [name for name, _, _ in span.events or ()] == ["exception"]  # type: ignore[union-attr]
    assert span.status_code.value == "error"  # type: ignore[union-attr]
    assert tracing.counts().refused == 0


def test_two_different_exceptions_give_two_events(tracing: FlextTracingService) -> None:
    """Only the same exception object is recorded once: two exceptions are two events."""
    with tracing.start_span("x") as span:
        span.record_exception(ValueError("one"))
        span.record_exception(ValueError("two"))
    assert len(span.events or ()) == 2  # type: ignore[union-attr]


class _Refusing:
    """An exporter that answers something other than ``Success(number of spans)``."""

    def export(self, spans: object, timeout: float) -> object:
        """Answer ``True``, as a careless exporter might."""
        del spans, timeout
        return True

    def shutdown(self, timeout: float) -> bool:
        """Nothing to stop."""
        del timeout
        return True


class _Raising(_Refusing):
    """An exporter whose export raises."""

    def export(self, spans: object, timeout: float) -> object:
        """Raise."""
        del spans, timeout
        message = "collector unreachable"
        raise ConnectionError(message)


def test_a_failing_exporter_is_logged_once_per_kind_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    """Ten batches to an exporter that refuses and one that raises: one log line each, every span counted."""
    exporters = [_Refusing(), _Raising()]
    service = FlextTracingService(exporters=exporters, max_export_batch_size=1)  # type: ignore[arg-type]
    try:
        with caplog.at_level(logging.WARNING):
            for index in range(10):
                with service.start_span(f"step {index}"):
                    pass
                assert service.force_flush(5.0)
        counts = service.counts()
    finally:
        service.shutdown(1.0)
    lines = [record.getMessage() for record in caplog.records if "span exporter" in record.getMessage()]
    assert len([line for line in lines if "did not take" in line]) == 1
    assert len([line for line in lines if "raised" in line]) == 1
    assert counts.failed == 10
