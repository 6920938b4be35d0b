"""Examples of the alert, health check and log entry rules."""

from __future__ import annotations

import math

from returns.result import Success

from flext_observability import (
    FlextErrorCode,
    FlextLogEntry,
    alert_fingerprint,
    alert_from_dict,
    build_alert,
    build_health_check,
    build_log_entry,
    health_check_from_dict,
)


def test_fingerprint_is_pinned() -> None:
    """The fingerprint of a known alert never changes between releases or machines (Alertmanager shows the same)."""
    assert alert_fingerprint("PipelineStalled", {"tap": "postgres"}, severity="warning") == "069c5001f28ebcb8"
    assert alert_fingerprint("", {}) == alert_fingerprint("", {})


def test_alert_records_carry_and_check_the_fingerprint() -> None:
    """``to_dict`` includes the fingerprint; a wrong one is reported on reading back."""
    alert = build_alert(name="Stalled", message="no rows", source="etl", labels={"tap": "pg"}, starts_at=1.0).unwrap()
    data = alert.to_dict()
    assert data["fingerprint"] == alert.fingerprint
    data["fingerprint"] = "0" * 16
    assert alert_from_dict(data).failure().codes == {FlextErrorCode.FINGERPRINT_MISMATCH}
    data["fingerprint"] = 7
    assert alert_from_dict(data).failure().codes == {FlextErrorCode.FINGERPRINT_MISMATCH}
    del data["fingerprint"]
    assert alert_from_dict(data) == Success(alert)


def test_alert_end_time_rules() -> None:
    """An alert may not end before it starts, and a resolved one must have ended."""
    result = build_alert(name="A", message="m", source="s", starts_at=10.0, ends_at=5.0)
    assert result.failure().codes == {FlextErrorCode.TIME_ORDER}
    result = build_alert(name="A", message="m", source="s", status="resolved", starts_at=10.0)
    assert result.failure().codes == {FlextErrorCode.MISSING}
    resolved = build_alert(name="A", message="m", source="s", status="resolved", starts_at=10.0, ends_at=12.0)
    assert resolved.unwrap().ends_at == 12.0


def test_health_check_keys_and_values() -> None:
    """A check is keyed ``component:measurement``; ints stay ints, other values are checked."""
    check = build_health_check(component="pg", measurement="connections", observed_value=7, time=1.0).unwrap()
    assert check.key == "pg:connections"
    assert type(check.observed_value) is int
    assert build_health_check(component="pg", observed_value=True, time=1.0).unwrap().observed_value is True
    error = build_health_check(component="pg:1", observed_value=math.nan, duration="1s", time=1.0).failure()
    assert [item.field for item in error.errors] == ["component", "observed_value", "duration"]


def test_health_check_record_round_trip() -> None:
    """A check read back from its record is equal to it."""
    check = build_health_check(component="pg", status="fail", output="refused", time=1.0).unwrap()
    assert health_check_from_dict(check.to_dict()) == Success(check)


def test_log_context_is_frozen_json() -> None:
    """Lists become tuples and dicts become frozen maps; ``to_dict`` gives JSON back."""
    entry = build_log_entry(
        event="loaded", logger="etl", timestamp=1.0, context={"tables": ["a", {"b": [1, None]}], "ok": True}
    ).unwrap()
    assert entry.context["tables"] == ("a", {"b": (1, None)})
    assert entry.to_dict()["context"] == {"tables": ["a", {"b": [1, None]}], "ok": True}


def test_log_context_limits() -> None:
    """Reserved keys, deep nesting, long lists and odd types are all reported."""
    error = build_log_entry(
        event="e",
        logger="l",
        timestamp=1.0,
        context={"level": 1, "deep": [[[[[[[[[1]]]]]]]]], "long": list(range(200)), "when": object()},
    ).failure()
    assert [item.code for item in error.errors] == [
        FlextErrorCode.RESERVED_NAME,
        FlextErrorCode.TOO_DEEP,
        FlextErrorCode.TOO_MANY,
        FlextErrorCode.WRONG_TYPE,
    ]


def test_nested_keys_named_like_reserved_ones_are_fine() -> None:
    """Only top-level context keys clash with the entry's own fields."""
    entry = build_log_entry(event="e", logger="l", timestamp=1.0, context={"request": {"level": 3}})
    assert isinstance(entry, Success)


def test_log_correlation_ids() -> None:
    """A log entry may carry a trace id alone or with a span id, but not a span id alone."""
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    assert build_log_entry(event="e", logger="l", timestamp=1.0, trace_id=trace_id).unwrap().span_id is None
    error = build_log_entry(event="e", logger="l", timestamp=1.0, span_id="00f067aa0ba902b7").failure()
    assert error.codes == {FlextErrorCode.MISSING}
    error = build_log_entry(event="e", logger="l", timestamp=1.0, trace_id=trace_id, span_id="zz").failure()
    assert error.codes == {FlextErrorCode.INVALID_ID}


def test_unchecked_log_entries_are_validated() -> None:
    """``validate_domain_rules`` catches what the bare constructor let through."""
    entry = FlextLogEntry(event="", logger="l", timestamp=1.0)
    assert entry.validate_domain_rules().failure().codes == {FlextErrorCode.EMPTY}
