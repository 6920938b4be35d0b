"""Each rule-breaking input is rejected with exactly its rule's code, and nothing else slips through."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from flext_observability import FlextValidationError, build_metric
from flext_observability.core.limits import MAX_LABEL_VALUE_LENGTH, MAX_LABELS, MAX_NAME_LENGTH, MAX_TIMESTAMP
from flext_observability.core.metrics.metric import NON_BASE_UNITS
from flext_observability.testing import strategies
from flext_observability.testing.strategies import ALL_BROKEN, BrokenCase


@pytest.mark.parametrize("entity", sorted(ALL_BROKEN))
@given(data=st.data())
def test_broken_inputs_fail_with_their_code(entity: str, data: st.DataObject) -> None:
    """A field set breaking one rule fails with that rule's code only, reported on that field."""
    build, broken = ALL_BROKEN[entity]
    case: BrokenCase = data.draw(broken(), label="case")
    result = build(**case.fields)
    assert isinstance(result, Failure), case.rule
    error: FlextValidationError = result.failure()
    assert error.entity == entity
    assert error.codes == {case.code}, (case.rule, str(error))
    assert all(item.field.startswith(case.field) for item in error.errors), (case.rule, str(error))
    assert all(item.message for item in error.errors)


# An independent statement of the metric rules, written from the Prometheus
# and OpenMetrics formats rather than from the validator's code.
_METRIC = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
_UNIT = re.compile(r"[a-z][a-z0-9_]*\Z")
_KINDS = {"counter", "gauge", "histogram", "summary"}


def _is_text(value: object) -> bool:
    if type(value) is not str:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _number(value: object) -> float | None:
    if type(value) not in (int, float):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _labels_ok(labels: object) -> bool:
    if labels is None:
        return True
    if type(labels) is not dict or len(labels) > MAX_LABELS:
        return False
    return all(
        _is_text(key)
        and _LABEL.match(key)
        and not key.startswith("__")
        and key not in {"le", "quantile"}
        and len(key) <= MAX_NAME_LENGTH
        and _is_text(value)
        and len(value) <= MAX_LABEL_VALUE_LENGTH
        for key, value in labels.items()
    )


def metric_oracle(fields: dict[str, Any]) -> bool:
    """Whether Prometheus could take this measurement as it stands."""
    name, kind, unit = fields["name"], fields["kind"], fields["unit"]
    value, when = _number(fields["value"]), _number(fields["timestamp"])
    if not (_is_text(name) and 0 < len(name) <= MAX_NAME_LENGTH and _METRIC.match(name)):
        return False
    if not (isinstance(kind, str) and kind in _KINDS) or value is None:
        return False
    if kind == "counter" and value < 0:
        return False
    if not _is_text(unit) or len(unit) > 64 or (unit and (unit in NON_BASE_UNITS or not _UNIT.match(unit))):
        return False
    stem = name.removesuffix("_total") if kind == "counter" else name
    if unit and not stem.endswith("_" + unit):
        return False
    return _labels_ok(fields["labels"]) and when is not None and 0 <= when <= MAX_TIMESTAMP


_ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(["", "rows", "ms", "seconds", "counter", "gauge", "_total", "a:b", "__x", "le", "\udc80"]),
    st.dictionaries(
        st.text(max_size=6) | st.sampled_from(["le", "__a", "ok"]), st.text(max_size=6) | st.integers(), max_size=3
    ),
)


@given(strategies.metric_fields(), st.data())
def test_no_invalid_metric_slips_through(fields: dict[str, Any], data: st.DataObject) -> None:
    """With any fields swapped for odd values, validation accepts exactly what the oracle accepts."""
    for name in data.draw(st.sets(st.sampled_from(sorted(fields)), max_size=3), label="swapped"):
        fields[name] = data.draw(_ODD_VALUES, label=name)
    result = build_metric(**fields)
    assert isinstance(result, Success) == metric_oracle(fields), fields


@given(st.text(max_size=20))
def test_metric_names_accepted_iff_prometheus_grammar(name: str) -> None:
    """Any text is accepted as a metric name exactly when it matches the Prometheus grammar."""
    result = build_metric(name=name, value=1, timestamp=0)
    expected = _is_text(name) and len(name) > 0 and _METRIC.match(name) is not None
    assert isinstance(result, Success) == expected
