"""``parent=`` takes every form users pass; anything else is reported and starts a new trace."""

from __future__ import annotations

import email.message
import logging
from collections.abc import Iterator

import pytest

from flext_observability.propagation import extract, parse_traceparent
from flext_observability.tracing import FlextTracingService, always_off

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"
HEADER = f"00-{TRACE}-{PARENT}-01"


@pytest.fixture
def tracing() -> Iterator[FlextTracingService]:
    """A tracing service that samples everything, shut down after the test."""
    service = FlextTracingService(service_name="orders")
    yield service
    service.shutdown(1)


def _http_server_headers() -> email.message.Message:
    """Headers as ``http.server.BaseHTTPRequestHandler.headers`` holds them (an ``email.message.Message``)."""
    headers = email.message.Message()
    headers["Traceparent"] = HEADER
    return headers


class ForeignSpan:
    """Another library's span: it only has the two ids."""

    trace_id = TRACE
    span_id = PARENT


@pytest.mark.parametrize(
    "parent",
    [
        pytest.param(extract({"traceparent": HEADER}), id="RemoteContext"),
        pytest.param(parse_traceparent(HEADER).unwrap(), id="SpanContext"),
        pytest.param(HEADER, id="traceparent-string"),
        pytest.param({"traceparent": HEADER}, id="header-mapping"),
        pytest.param({"HTTP_TRACEPARENT": HEADER}, id="wsgi-environ"),
        pytest.param(_http_server_headers(), id="http.server-headers"),
        pytest.param(ForeignSpan(), id="foreign-span"),
    ],
)
def test_each_form_of_parent_continues_the_trace(tracing: FlextTracingService, parent: object) -> None:
    """The span keeps the caller's trace id and has the given span as its parent; nothing is refused."""
    with tracing.start_span("handle", kind="server", parent=parent) as span:  # type: ignore[arg-type]
        assert (span.trace_id, span.parent_span_id) == (TRACE, PARENT)
    assert tracing.counts().refused == 0


@pytest.mark.parametrize("sampled", [True, False])
def test_a_span_of_ours_is_a_parent_recording_or_not(sampled: bool) -> None:
    """A recording span and a non-recording one are both parents of the spans started below them."""
    tracing = FlextTracingService() if sampled else FlextTracingService(sampler=always_off())
    with tracing.start_span("outer") as outer:
        pass
    with tracing.start_span("inner", parent=outer) as inner:
        assert (inner.trace_id, inner.parent_span_id) == (outer.trace_id, outer.span_id)
    assert outer.sampled is sampled
    tracing.shutdown(1)


def test_header_mapping_brings_its_baggage(tracing: FlextTracingService) -> None:
    """Headers given as the parent make their baggage current, as ``extract`` would."""
    from flext_observability.propagation import current_baggage  # noqa: PLC0415

    with tracing.start_span("handle", parent={"traceparent": HEADER, "baggage": "run_id=r-1"}):
        assert current_baggage()["run_id"].value == "r-1"


@pytest.mark.parametrize("parent", ["garbage", "", 42, 3.5])
def test_an_unreadable_parent_is_reported_and_starts_a_new_trace(
    tracing: FlextTracingService, caplog: pytest.LogCaptureFixture, parent: object
) -> None:
    """A garbage string or an int gives a root span of a new trace (even inside a span), counted and logged once."""
    with (
        caplog.at_level(logging.WARNING, logger="flext_observability.tracing"),
        tracing.start_span("outer") as outer,
    ):
        for _ in range(2):
            with tracing.start_span("handle", parent=parent) as span:  # type: ignore[arg-type]
                assert span.parent_span_id is None
                assert span.trace_id not in {TRACE, outer.trace_id}
    assert tracing.counts().refusals["invalid_parent"] == 2
    (line,) = [record.getMessage() for record in caplog.records if "invalid_parent" in record.getMessage()]
    assert "the span started a new trace" in line


def test_another_librarys_span_with_bad_ids_is_reported_once(
    tracing: FlextTracingService, caplog: pytest.LogCaptureFixture
) -> None:
    """A foreign parent whose ids are no W3C ids is one refusal, invalid_parent, logged once (not also as bad ids)."""
    from flext_observability.propagation import refused_span_ids  # noqa: PLC0415

    class ForeignSpan:
        trace_id = "<script>" + "0" * 24
        span_id = "00f067aa0ba902b7"

    before = refused_span_ids()
    with caplog.at_level(logging.DEBUG):
        for _ in range(3):
            with tracing.start_span("handle", parent=ForeignSpan()) as span:  # type: ignore[arg-type]
                assert span.parent_span_id is None
    assert tracing.counts().refusals["invalid_parent"] == 3
    assert refused_span_ids() == before
    lines = [
        record.getMessage()
        for record in caplog.records
        if "ForeignSpan" in record.getMessage() or "W3C" in record.getMessage()
    ]
    assert len(lines) == 1, lines
    assert "<script>" not in lines[0]
