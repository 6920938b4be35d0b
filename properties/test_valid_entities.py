"""Valid entities validate, and survive ``to_dict``/JSON/``from_dict`` unchanged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Success

from flext_observability import (
    FlextAlert,
    FlextHealthCheck,
    FlextLogEntry,
    FlextMetric,
    FlextSpan,
    FlextTrace,
    alert_from_dict,
    health_check_from_dict,
    log_entry_from_dict,
    metric_from_dict,
    span_from_dict,
    trace_from_dict,
    validate_alert,
    validate_health_check,
    validate_log_entry,
    validate_metric,
    validate_span,
    validate_trace,
)
from flext_observability.testing import strategies

ENTITY_KINDS: list[tuple[str, Any, Any, Any]] = [
    ("metric", strategies.metrics(), validate_metric, metric_from_dict),
    ("span", strategies.spans(), validate_span, span_from_dict),
    ("trace", strategies.traces(), validate_trace, trace_from_dict),
    ("alert", strategies.alerts(), validate_alert, alert_from_dict),
    ("health_check", strategies.health_checks(), validate_health_check, health_check_from_dict),
    ("log_entry", strategies.log_entries(), validate_log_entry, log_entry_from_dict),
]
IDS = [kind[0] for kind in ENTITY_KINDS]
VALIDATING = [(kind, strategy, validate) for kind, strategy, validate, _ in ENTITY_KINDS]
READING = [(kind, strategy, read) for kind, strategy, _, read in ENTITY_KINDS]


@pytest.mark.parametrize(("kind", "strategy", "validate"), VALIDATING, ids=IDS)
@given(data=st.data())
def test_valid_entities_validate(kind: str, strategy: Any, validate: Any, data: st.DataObject) -> None:
    """Every entity the valid strategies make passes both validation entry points."""
    entity = data.draw(strategy, label=kind)
    assert validate(entity) == Success(entity)
    assert entity.validate_domain_rules() == Success(entity)


@pytest.mark.parametrize(("kind", "strategy", "from_dict"), READING, ids=IDS)
@given(data=st.data())
def test_dict_round_trip(kind: str, strategy: Any, from_dict: Any, data: st.DataObject) -> None:
    """``from_dict(to_dict(x)) == Success(x)``, also when the dict went through JSON text."""
    entity = data.draw(strategy, label=kind)
    as_dict = entity.to_dict()
    assert from_dict(as_dict) == Success(entity)
    assert type(entity).from_dict(as_dict) == Success(entity)
    through_json = json.loads(json.dumps(as_dict, allow_nan=False))
    assert from_dict(through_json) == Success(entity)


@given(strategies.metrics())
def test_metric_values_are_floats(metric: FlextMetric) -> None:
    """A metric's value is always stored as a float, whatever number it was given."""
    assert type(metric.value) is float


@given(strategies.traces())
def test_trace_spans_share_the_trace_id(trace: FlextTrace) -> None:
    """Every span of an assembled trace carries the trace's id, and the root is among them."""
    assert {span.trace_id for span in trace.spans} == {trace.trace_id}
    assert trace.root in trace.spans


@given(strategies.spans(), strategies.alerts(), strategies.health_checks(), strategies.log_entries())
def test_entities_are_hashable_and_equal_to_copies(
    span: FlextSpan, alert: FlextAlert, check: FlextHealthCheck, entry: FlextLogEntry
) -> None:
    """Frozen entities hash, and a copy read back from a dict is equal with the same hash."""
    for entity in (span, alert, check, entry):
        copy = type(entity).from_dict(entity.to_dict()).unwrap()
        assert copy == entity
        assert hash(copy) == hash(entity)
