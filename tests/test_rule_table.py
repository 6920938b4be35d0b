"""One example per validation rule: the input, the code it must get and where."""

from __future__ import annotations

import math
from typing import Any

import pytest
from returns.result import Failure

from flext_observability import (
    FlextErrorCode,
    build_alert,
    build_health_check,
    build_log_entry,
    build_metric,
    build_span,
)

C = FlextErrorCode
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"

VALID: dict[str, tuple[Any, dict[str, Any]]] = {
    "metric": (build_metric, {"name": "rows_total", "value": 1, "kind": "counter", "timestamp": 1.0}),
    "span": (
        build_span,
        {"trace_id": TRACE, "span_id": SPAN, "name": "n", "service": "s", "start_time_ns": 1, "end_time_ns": 2},
    ),
    "alert": (build_alert, {"name": "A", "message": "m", "source": "s", "starts_at": 1.0}),
    "health_check": (build_health_check, {"component": "pg", "time": 1.0}),
    "log_entry": (build_log_entry, {"event": "e", "logger": "l", "timestamp": 1.0}),
}

RULES: list[tuple[str, dict[str, Any], FlextErrorCode, str]] = [
    ("metric", {"name": 7}, C.WRONG_TYPE, "name"),
    ("metric", {"name": ""}, C.EMPTY, "name"),
    ("metric", {"name": "r" * 256}, C.TOO_LONG, "name"),
    ("metric", {"name": "rows-total"}, C.INVALID_NAME, "name"),
    ("metric", {"name": "bad\udc80"}, C.INVALID_TEXT, "name"),
    ("metric", {"value": "1"}, C.WRONG_TYPE, "value"),
    ("metric", {"value": math.inf}, C.NOT_FINITE, "value"),
    ("metric", {"value": -1}, C.NEGATIVE_COUNTER, "value"),
    ("metric", {"kind": "meter"}, C.INVALID_CHOICE, "kind"),
    ("metric", {"kind": 1}, C.INVALID_CHOICE, "kind"),
    ("metric", {"name": "lag_ms", "kind": "gauge", "unit": "ms"}, C.NON_BASE_UNIT, "unit"),
    ("metric", {"name": "lag_Sec", "kind": "gauge", "unit": "Sec"}, C.INVALID_UNIT, "unit"),
    ("metric", {"kind": "gauge", "name": "lag", "unit": "seconds"}, C.UNIT_SUFFIX_MISSING, "name"),
    ("metric", {"unit": "u" * 65}, C.TOO_LONG, "unit"),
    ("metric", {"labels": {"a.b": "x"}}, C.INVALID_NAME, "labels['a.b']"),
    ("metric", {"labels": {"le": "x"}}, C.RESERVED_NAME, "labels['le']"),
    ("metric", {"labels": {"__name__": "x"}}, C.RESERVED_NAME, "labels['__name__']"),
    ("metric", {"labels": {1: "x"}}, C.WRONG_TYPE, "labels[?]"),
    ("metric", {"labels": {"a": "v" * 1025}}, C.TOO_LONG, "labels['a']"),
    ("metric", {"labels": {f"l{i}": "v" for i in range(33)}}, C.TOO_MANY, "labels"),
    ("metric", {"labels": ["a"]}, C.WRONG_TYPE, "labels"),
    ("metric", {"timestamp": -1.0}, C.OUT_OF_RANGE, "timestamp"),
    ("span", {"trace_id": "4BF92F3577B34DA6A3CE929D0E0E4736"}, C.INVALID_ID, "trace_id"),
    ("span", {"trace_id": TRACE[:-1]}, C.INVALID_ID, "trace_id"),
    ("span", {"trace_id": "0" * 32}, C.ZERO_ID, "trace_id"),
    ("span", {"span_id": None}, C.WRONG_TYPE, "span_id"),
    ("span", {"parent_span_id": SPAN}, C.CYCLE, "parent_span_id"),
    ("span", {"parent_span_id": "xyz"}, C.INVALID_ID, "parent_span_id"),
    ("span", {"kind": "rpc"}, C.INVALID_CHOICE, "kind"),
    ("span", {"start_time_ns": 3}, C.TIME_ORDER, "end_time_ns"),
    ("span", {"end_time_ns": 1.5}, C.WRONG_TYPE, "end_time_ns"),
    ("span", {"status": {"code": "ok", "description": "fine"}}, C.DESCRIPTION_WITHOUT_ERROR, "status.description"),
    ("span", {"status": {"description": "x"}}, C.MISSING, "status.code"),
    ("span", {"status": {"code": "error", "why": "x"}}, C.UNKNOWN_FIELD, "status.why"),
    ("span", {"attributes": {"k": None}}, C.WRONG_TYPE, "attributes['k']"),
    ("span", {"attributes": {"k": [1, "a"]}}, C.MIXED_ARRAY, "attributes['k']"),
    ("span", {"attributes": {"k": [None]}}, C.MIXED_ARRAY, "attributes['k']"),
    ("span", {"attributes": {"flag": True, "k": [True, 1]}}, C.MIXED_ARRAY, "attributes['k']"),
    ("span", {"attributes": {"k": 2**63}}, C.OUT_OF_RANGE, "attributes['k']"),
    ("span", {"attributes": {"k": "v" * 4097}}, C.TOO_LONG, "attributes['k']"),
    ("span", {"attributes": {f"a{i}": i for i in range(129)}}, C.TOO_MANY, "attributes"),
    ("span", {"attributes": 5}, C.WRONG_TYPE, "attributes"),
    ("span", {"events": [{"name": "e", "time_ns": -1}]}, C.OUT_OF_RANGE, "events[0].time_ns"),
    ("span", {"events": [7]}, C.WRONG_TYPE, "events[0]"),
    ("span", {"links": [{"trace_id": TRACE}]}, C.MISSING, "links[0].span_id"),
    (
        "span",
        {"links": [{"trace_id": TRACE, "span_id": SPAN, "attributes": {"k": {}}}]},
        C.WRONG_TYPE,
        "links[0].attributes['k']",
    ),
    ("span", {"links": {"a": 1}}, C.WRONG_TYPE, "links"),
    ("span", {"trace_state": "k=" + "v" * 600}, C.TOO_LONG, "trace_state"),
    ("span", {"dropped_attributes": -1}, C.OUT_OF_RANGE, "dropped_attributes"),
    ("span", {"dropped_events": "3"}, C.WRONG_TYPE, "dropped_events"),
    ("span", {"dropped_links": 2**32}, C.OUT_OF_RANGE, "dropped_links"),
    ("alert", {"message": ""}, C.EMPTY, "message"),
    ("alert", {"severity": "page"}, C.INVALID_CHOICE, "severity"),
    ("alert", {"labels": {"alertname": "x"}}, C.RESERVED_NAME, "labels['alertname']"),
    ("alert", {"annotations": {"run-book": "x"}}, C.INVALID_NAME, "annotations['run-book']"),
    ("alert", {"status": "resolved"}, C.MISSING, "ends_at"),
    ("alert", {"ends_at": 0.5}, C.TIME_ORDER, "ends_at"),
    ("alert", {"ends_at": "soon"}, C.WRONG_TYPE, "ends_at"),
    ("health_check", {"component": "pg:main"}, C.INVALID_NAME, "component"),
    ("health_check", {"measurement": ""}, C.EMPTY, "measurement"),
    ("health_check", {"status": "ok"}, C.INVALID_CHOICE, "status"),
    ("health_check", {"observed_value": math.nan}, C.NOT_FINITE, "observed_value"),
    ("health_check", {"observed_value": [1]}, C.WRONG_TYPE, "observed_value"),
    ("health_check", {"duration": -1}, C.OUT_OF_RANGE, "duration"),
    ("health_check", {"time": None}, C.WRONG_TYPE, "time"),
    ("log_entry", {"event": ""}, C.EMPTY, "event"),
    ("log_entry", {"level": "warn"}, C.INVALID_CHOICE, "level"),
    ("log_entry", {"context": {"event": 1}}, C.RESERVED_NAME, "context['event']"),
    ("log_entry", {"context": {"x": math.nan}}, C.NOT_FINITE, "context['x']"),
    ("log_entry", {"context": {"x": "\udc80"}}, C.INVALID_TEXT, "context['x']"),
    ("log_entry", {"context": {"x": [object()]}}, C.WRONG_TYPE, "context['x'][0]"),
    ("log_entry", {"context": {"x": dict.fromkeys(range(2), 1)}}, C.WRONG_TYPE, "context['x'][?]"),
    ("log_entry", {"context": "x=1"}, C.WRONG_TYPE, "context"),
    ("log_entry", {"span_id": SPAN}, C.MISSING, "trace_id"),
]


@pytest.mark.parametrize(
    ("entity", "changes", "code", "field"), RULES, ids=[f"{r[0]}:{r[2].value}:{r[3]}" for r in RULES]
)
def test_rule(entity: str, changes: dict[str, Any], code: FlextErrorCode, field: str) -> None:
    """Breaking one rule gives that rule's code on that field, with a message."""
    build, valid = VALID[entity]
    assert not isinstance(build(**valid), Failure)
    result = build(**{**valid, **changes})
    assert isinstance(result, Failure)
    problems = [(item.code, item.field) for item in result.failure().errors]
    assert (code, field) in problems, problems
    assert all(item.message for item in result.failure().errors)


def test_long_values_are_shortened_in_messages() -> None:
    """Messages quote at most 40 characters of a bad value."""
    error = build_metric(name="x" * 100 + "-", value=1, timestamp=0).failure()
    assert "x" * 40 + "..." in error.errors[0].message
    assert "x" * 41 not in error.errors[0].message
