"""Every entity offers the same protocol: validate, to_dict, from_dict."""

from __future__ import annotations

from typing import Any

import pytest
from returns.result import Failure, Success

from flext_observability import (
    FlextAlert,
    FlextHealthCheck,
    FlextLogEntry,
    FlextMetric,
    FlextSpan,
    FlextTrace,
    FrozenMap,
    SpanEvent,
    SpanLink,
    assemble_trace,
    build_alert,
    build_health_check,
    build_log_entry,
    build_metric,
    build_span,
    validate_alert,
    validate_health_check,
    validate_log_entry,
    validate_metric,
    validate_span,
    validate_trace,
)

SPAN = build_span(
    trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
    span_id="00f067aa0ba902b7",
    name="load",
    service="target",
    start_time_ns=1,
    end_time_ns=2,
    attributes={"tables": ["a"]},
    events=[SpanEvent(name="retry", time_ns=1, attributes=FrozenMap({"n": 1}))],
    links=[SpanLink(trace_id="1" * 32, span_id="2" * 16)],
).unwrap()

SAMPLES: list[tuple[Any, Any]] = [
    (build_metric(name="rows_total", value=1, kind="counter", timestamp=1.0).unwrap(), validate_metric),
    (SPAN, validate_span),
    (assemble_trace([SPAN]).unwrap(), validate_trace),
    (build_alert(name="A", message="m", source="s", starts_at=1.0).unwrap(), validate_alert),
    (build_health_check(component="pg", time=1.0).unwrap(), validate_health_check),
    (build_log_entry(event="e", logger="l", timestamp=1.0).unwrap(), validate_log_entry),
]
KINDS = [FlextMetric, FlextSpan, FlextTrace, FlextAlert, FlextHealthCheck, FlextLogEntry]


@pytest.mark.parametrize(("entity", "validate"), SAMPLES, ids=[type(s[0]).__name__ for s in SAMPLES])
def test_entity_protocol(entity: Any, validate: Any) -> None:
    """An entity validates to itself and reads back equal from its record."""
    assert entity.validate_domain_rules() == Success(entity)
    assert validate(entity) == Success(entity)
    assert type(entity).from_dict(entity.to_dict()) == Success(entity)


@pytest.mark.parametrize("validate", [s[1] for s in SAMPLES], ids=[type(s[0]).__name__ for s in SAMPLES])
@pytest.mark.parametrize("other", [None, "text", 3, SAMPLES[0][0]])
def test_validators_reject_other_types(validate: Any, other: object) -> None:
    """Each ``validate_*`` rejects values that are not its entity, naming what it expected."""
    if other is SAMPLES[0][0] and validate is validate_metric:
        return
    result = validate(other)
    assert isinstance(result, Failure)
    assert "expected a Flext" in result.failure().errors[0].message


def test_span_records_are_json_shaped() -> None:
    """A span's record uses lists for arrays and nested dicts for events and links."""
    data = SPAN.to_dict()
    assert data["attributes"] == {"tables": ["a"]}
    assert data["events"] == [{"name": "retry", "time_ns": 1, "attributes": {"n": 1}}]
    assert data["links"] == [{"trace_id": "1" * 32, "span_id": "2" * 16, "trace_state": "", "attributes": {}}]
