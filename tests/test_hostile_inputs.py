"""Every hostile value in every field of every builder gives a Result, deterministically."""

from __future__ import annotations

from typing import Any

import pytest
from returns.result import Result

from flext_observability import build_alert, build_health_check, build_log_entry, build_metric, build_span
from flext_observability.testing.strategies import HOSTILE_MAKERS

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
BUILDERS: list[tuple[Any, dict[str, Any]]] = [
    (build_metric, {"name": "m", "value": 1, "kind": "gauge", "unit": "", "labels": {"a": "b"}, "timestamp": 1.0}),
    (
        build_span,
        {
            "trace_id": TRACE,
            "span_id": "00f067aa0ba902b7",
            "parent_span_id": None,
            "name": "n",
            "service": "s",
            "kind": "internal",
            "start_time_ns": 1,
            "end_time_ns": 2,
            "status": "ok",
            "attributes": {"a": 1},
            "events": [{"name": "e", "time_ns": 1}],
            "links": [{"trace_id": TRACE, "span_id": "00f067aa0ba902b8"}],
        },
    ),
    (
        build_alert,
        {
            "name": "A",
            "message": "m",
            "severity": "info",
            "source": "s",
            "labels": {"a": "b"},
            "annotations": {"a": "b"},
            "status": "firing",
            "starts_at": 1.0,
            "ends_at": None,
        },
    ),
    (
        build_health_check,
        {
            "component": "c",
            "measurement": "m",
            "status": "pass",
            "observed_value": 1,
            "observed_unit": "",
            "output": "",
            "time": 1.0,
            "duration": 0.0,
        },
    ),
    (
        build_log_entry,
        {"event": "e", "level": "info", "logger": "l", "timestamp": 1.0, "context": {"a": 1}, "trace_id": None},
    ),
]

CASES = [
    (build, fields, name, index)
    for build, fields in BUILDERS
    for name in fields
    for index in range(len(HOSTILE_MAKERS))
]


@pytest.mark.parametrize(("build", "fields", "name", "index"), CASES)
def test_hostile_value_in_field(build: Any, fields: dict[str, Any], name: str, index: int) -> None:
    """A hostile value as a field, or nested inside one, is reported, never raised."""
    hostile = HOSTILE_MAKERS[index]()
    assert isinstance(build(**{**fields, name: hostile}), Result)
    nested = {"k": hostile} if name in {"labels", "annotations", "attributes", "context"} else [hostile]
    assert isinstance(build(**{**fields, name: nested}), Result)
