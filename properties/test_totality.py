"""Validation is total: any value of any type gives a Success or a Failure, never an exception."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Failure, Result

from flext_observability import (
    FlextAlert,
    FlextHealthCheck,
    FlextLogEntry,
    FlextMetric,
    FlextSpan,
    FlextTrace,
    alert_from_dict,
    assemble_trace,
    build_alert,
    build_health_check,
    build_log_entry,
    build_metric,
    build_span,
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
from flext_observability.testing.strategies import anything

BUILDERS: list[tuple[Any, Any]] = [
    (build_metric, strategies.metric_fields()),
    (build_span, strategies.span_fields()),
    (build_alert, strategies.alert_fields()),
    (build_health_check, strategies.health_check_fields()),
    (build_log_entry, strategies.log_entry_fields()),
]
ENTITIES = [FlextMetric, FlextSpan, FlextTrace, FlextAlert, FlextHealthCheck, FlextLogEntry]
READERS = [
    metric_from_dict,
    span_from_dict,
    trace_from_dict,
    alert_from_dict,
    health_check_from_dict,
    log_entry_from_dict,
]
VALIDATORS = [validate_metric, validate_span, validate_trace, validate_alert, validate_health_check, validate_log_entry]


def _is_result(value: object) -> bool:
    return isinstance(value, Result)


# The two tests drawing whole entities of hostile values are the slowest of the
# suite; they take half the profile's examples (each run draws a new seed).
HALF = settings(max_examples=max(settings().max_examples // 2, 10))


@pytest.mark.parametrize(("build", "valid"), BUILDERS, ids=lambda item: getattr(item, "__name__", ""))
@HALF
@given(data=st.data())
def test_builders_never_raise(build: Any, valid: Any, data: st.DataObject) -> None:
    """Builders return a Result whatever values replace some of their fields."""
    fields = data.draw(valid, label="valid fields")
    for name in data.draw(st.sets(st.sampled_from(sorted(fields)), min_size=1), label="replaced"):
        fields[name] = data.draw(anything(), label=name)
    result = build(**fields)
    assert _is_result(result)


@pytest.mark.parametrize("read", READERS, ids=lambda read: read.__name__)
@given(data=anything())
def test_readers_never_raise(read: Any, data: object) -> None:
    """``*_from_dict`` returns a Failure for anything that is not entity data."""
    assert isinstance(read(data), Failure)


@pytest.mark.parametrize("read", READERS, ids=lambda read: read.__name__)
@given(
    data=st.dictionaries(
        st.sampled_from(["name", "value", "spans", "trace_id", "event", "component"]) | st.text(max_size=4),
        anything(),
        max_size=6,
    )
)
def test_readers_never_raise_on_near_misses(read: Any, data: dict[str, object]) -> None:
    """Mappings with plausible keys and odd values still give a Result."""
    assert _is_result(read(data))


@pytest.mark.parametrize("validate", VALIDATORS, ids=lambda validate: validate.__name__)
@given(value=anything())
def test_validators_never_raise(validate: Any, value: object) -> None:
    """``validate_*`` rejects anything that is not an entity, without raising."""
    assert isinstance(validate(value), Failure)


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda entity: entity.__name__)
@HALF
@given(data=st.data())
def test_unchecked_entities_validate_without_raising(entity: type, data: st.DataObject) -> None:
    """An entity built with the bare constructor from odd values validates to a Result."""
    fields = {field.name: data.draw(anything(), label=field.name) for field in attrs.fields(entity)}
    made = entity(**fields)
    assert _is_result(made.validate_domain_rules())


@given(spans=anything() | st.lists(anything() | strategies.spans(), max_size=4))
def test_assemble_trace_never_raises(spans: object) -> None:
    """``assemble_trace`` gives a Result for any input."""
    assert _is_result(assemble_trace(spans))
