"""Attack: keywords that clash with the library's own fields, and set-up values users naturally pass.

A caller's ``level=``, ``event=``, ``timestamp=``, ``logger=``, ``service=``,
``trace_id=`` or ``span_id=`` (an untrusted dict passed as keywords, say)
must be kept under a renamed key: never dropped, never raised into the
caller, never replacing the field the library writes.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from typing import TYPE_CHECKING

import pytest

from flext_observability.logs import (
    FlextLoggingService,
    bound_context,
    configure_logging,
    get_logger,
    reset_logging,
    use_span_ids,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN_ID = "00f067aa0ba902b7"
FORGED = {
    "level": "critical",
    "timestamp": "1999-01-01T00:00:00Z",
    "logger": "admin",
    "service": "billing",
    "trace_id": "f" * 32,
    "span_id": "e" * 16,
}


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """JSON logging on a fresh stream, undone afterwards."""
    output = io.StringIO()
    configure_logging(format="json", stream=output, service_name="orders", capture_stdlib=False)
    yield output
    reset_logging()


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_clashing_keywords_are_kept_renamed_and_never_override(stream: io.StringIO) -> None:
    """Ensures forged standard fields land under renamed keys while the real ones stay the library's."""
    with use_span_ids(TRACE_ID, SPAN_ID):
        get_logger("etl").info("loaded", **FORGED)
    (line,) = _lines(stream)
    assert line["level"] == "info"
    assert line["logger"] == "etl"
    assert line["service"] == "orders"
    assert line["trace_id"] == TRACE_ID
    assert line["span_id"] == SPAN_ID
    assert line["timestamp"] != FORGED["timestamp"]
    assert {key: line[f"{key}_"] for key in FORGED} == FORGED
    assert list(line).count("level") == 1


def test_event_keyword_besides_the_event_is_a_field(stream: io.StringIO) -> None:
    """Ensures ``event=`` next to a positional event neither raises nor replaces it; alone it is the event."""
    logger = get_logger("etl")
    assert logger.info("loaded", event="forged", event_="taken", method_name="x", self="y") is None  # type: ignore[misc]  # the clash is the point
    logger.warning(event="keyword event")
    first, second = _lines(stream)
    assert first["event"] == "loaded"
    assert first["event__"] == "forged"
    assert (first["event_"], first["method_name"], first["self"]) == ("taken", "x", "y")
    assert second["event"] == "keyword event"


def test_clashes_through_bind_context_and_log_method(stream: io.StringIO) -> None:
    """Ensures bound and context values clash the same way, and ``log(level, ...)`` takes any keyword."""
    logger = get_logger("etl").bind(service="forged-bound")
    with bound_context(level="critical"):
        logger.info("bound")
    logger.log(logging.WARNING, "by number", level="x", event="y")  # type: ignore[misc, arg-type]  # the clash is the point
    first, second = _lines(stream)
    assert (first["service"], first["service_"], first["level"], first["level_"]) == (
        "orders",
        "forged-bound",
        "info",
        "critical",
    )
    assert (second["level"], second["event"], second["level_"], second["event_"]) == ("warning", "by number", "x", "y")


def test_the_logging_service_writes_its_entrys_own_fields(stream: io.StringIO) -> None:
    """Ensures a stored entry's timestamp and ids are the ones written, and reserved context keys are refused."""
    service = FlextLoggingService(capacity=5)
    with use_span_ids(TRACE_ID, SPAN_ID):
        entry = service.info("stored", rows=3).unwrap()
    refused = service.info("stored", timestamp="forged")
    assert "sets 'timestamp' itself; rename the context key" in str(refused.failure())
    (line,) = _lines(stream)
    written = dt.datetime.fromisoformat(str(line["timestamp"]))
    assert abs(written.timestamp() - entry.timestamp) < 1e-5
    assert (line["trace_id"], line["span_id"], line["rows"]) == (TRACE_ID, SPAN_ID, 3)


@pytest.mark.parametrize(
    ("level", "written"), [(logging.INFO, ["info"]), (logging.WARNING, []), (logging.DEBUG, ["debug", "info"])]
)
def test_the_standard_librarys_level_numbers_work(level: int, written: list[str]) -> None:
    """Ensures ``configure_logging(level=logging.INFO)`` is understood as the name would be."""
    output = io.StringIO()
    try:
        configure_logging(format="json", stream=output, level=level, capture_stdlib=False)
        get_logger("x").debug("d")
        get_logger("x").info("i")
    finally:
        reset_logging()
    assert [line["level"] for line in _lines(output)] == written


def test_a_level_number_that_is_no_level_is_refused_clearly() -> None:
    """Ensures an int that is no standard level is a ValueError naming what to use."""
    with pytest.raises(ValueError, match=r"unknown log level 25; use one of .* or logging.DEBUG"):
        configure_logging(level=25, stream=io.StringIO())


def test_logs_and_traces_share_one_service_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ensures logs read OTEL_SERVICE_NAME like traces, and share the default when it is unset."""
    from flext_observability.tracing import FlextTracingService  # noqa: PLC0415 - only this test needs tracing

    for variables, expected in (
        ({"OTEL_SERVICE_NAME": "orders-api"}, "orders-api"),
        ({"OTEL_RESOURCE_ATTRIBUTES": "service.name=from-resource,team=data"}, "from-resource"),
        ({}, "unknown_service:python"),
    ):
        monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
        monkeypatch.delenv("OTEL_RESOURCE_ATTRIBUTES", raising=False)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        output = io.StringIO()
        try:
            configure_logging(format="json", stream=output, capture_stdlib=False)
            get_logger("x").info("named")
        finally:
            reset_logging()
        tracing = FlextTracingService()
        assert (_lines(output)[0]["service"], tracing.service_name) == (expected, expected)
        tracing.shutdown(1.0)


def test_no_key_a_caller_passes_sets_the_logger_or_the_standard_fields(stream: io.StringIO) -> None:
    """Ensures the library's private channels (a record's logger name, a stored entry's fields) cannot be forged."""
    get_logger("etl").info(
        "forged", _logger_name="admin", _flext_standard={"timestamp": "1999-01-01T00:00:00Z", "trace_id": "f" * 32}
    )
    (line,) = _lines(stream)
    assert line["logger"] == "etl"
    assert line["timestamp"] != "1999-01-01T00:00:00Z"
    assert "trace_id" not in line
    assert line["_logger_name"] == "admin"
    assert line["_flext_standard"] == {"timestamp": "1999-01-01T00:00:00Z", "trace_id": "f" * 32}
