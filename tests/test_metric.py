"""Examples of the metric rules, their messages, and metric records."""

from __future__ import annotations

import math

import pytest
from returns.result import Failure, Success

from flext_observability import FlextErrorCode, FlextMetric, MetricKind, build_metric, metric_from_dict, validate_metric

GOOD = {"name": "pipeline_rows_total", "value": 3, "kind": "counter", "labels": {"tap": "pg"}, "timestamp": 1.0}


def _codes(**changes: object) -> set[str]:
    result = build_metric(**{**GOOD, **changes})
    assert isinstance(result, Failure)
    return {code.value for code in result.failure().codes}


def test_valid_metric_normalises_its_fields() -> None:
    """Strings become enum members, ints become floats, and labels are frozen."""
    metric = build_metric(**GOOD).unwrap()
    assert metric.kind is MetricKind.COUNTER
    assert metric.value == 3.0
    assert type(metric.value) is float
    assert metric.labels == {"tap": "pg"}
    with pytest.raises(TypeError):
        metric.labels["tap"] = "other"  # type: ignore[index]


def test_every_broken_rule_is_reported_at_once() -> None:
    """A metric breaking four rules gets four errors, in field order."""
    result = build_metric(name="9rows", value=math.nan, kind="counter", unit="ms", labels={"le": "1"}, timestamp=-1)
    error = result.failure()
    assert [item.field for item in error.errors] == ["name", "value", "unit", "labels['le']", "timestamp"]
    assert [item.code for item in error.errors] == [
        FlextErrorCode.INVALID_NAME,
        FlextErrorCode.NOT_FINITE,
        FlextErrorCode.NON_BASE_UNIT,
        FlextErrorCode.RESERVED_NAME,
        FlextErrorCode.OUT_OF_RANGE,
    ]


@pytest.mark.parametrize(
    ("unit", "hint"),
    [("milliseconds", "seconds (divide by 1e3)"), ("percent", "ratio"), ("kb", "bytes"), ("minutes", "multiply by 60")],
)
def test_non_base_units_get_a_conversion_hint(unit: str, hint: str) -> None:
    """Units with a base unit say which one to use and how to convert."""
    error = build_metric(name=f"lag_{unit}", value=1, unit=unit, timestamp=0).failure()
    assert error.codes == {FlextErrorCode.NON_BASE_UNIT}
    assert hint in error.errors[0].message


def test_invalid_names_get_a_suggestion() -> None:
    """An invalid metric name's message suggests a valid one."""
    error = build_metric(name="rows per sec", value=1, timestamp=0).failure()
    assert "'rows_per_sec'" in error.errors[0].message


def test_unit_must_be_a_name_suffix() -> None:
    """With a unit, the name must end in it (before ``_total`` for counters), as OpenMetrics requires."""
    assert isinstance(build_metric(name="load_seconds", value=1, unit="seconds", timestamp=0), Success)
    assert isinstance(
        build_metric(name="busy_seconds_total", value=1, kind="counter", unit="seconds", timestamp=0), Success
    )
    error = build_metric(name="busy_total", value=1, kind="counter", unit="seconds", timestamp=0).failure()
    assert error.codes == {FlextErrorCode.UNIT_SUFFIX_MISSING}
    assert "'busy_seconds_total'" in error.errors[0].message


def test_custom_count_units_are_allowed() -> None:
    """Units without a base unit, such as rows, are accepted."""
    assert isinstance(build_metric(name="batch_rows", value=5, unit="rows", timestamp=0), Success)


def test_counters_may_not_go_down_but_gauges_may() -> None:
    """Negative values are only rejected for counters."""
    assert _codes(value=-1) == {"negative_counter"}
    assert isinstance(build_metric(**{**GOOD, "kind": "gauge", "name": "lag", "value": -1}), Success)


def test_numbers_too_large_for_a_float_are_not_finite() -> None:
    """An int beyond the float range is reported, not raised as OverflowError."""
    assert _codes(value=10**400) == {"not_finite"}


def test_booleans_are_not_numbers() -> None:
    """``True`` is an int to Python but not a measurement."""
    assert _codes(value=True) == {"wrong_type"}


def test_label_problems_name_the_label() -> None:
    """Label errors carry the label's name in the field path."""
    error = build_metric(**{**GOOD, "labels": {"ok": "v", "bad-name": "v", "__x": "v", "n": 5}}).failure()
    assert [item.field for item in error.errors] == ["labels['bad-name']", "labels['__x']", "labels['n']"]


def test_labels_from_any_mapping() -> None:
    """Labels may come from any readable mapping, not only a dict."""

    class Labels(dict[str, str]):
        pass

    assert build_metric(**{**GOOD, "labels": Labels(tap="pg")}).unwrap().labels == {"tap": "pg"}


def test_timestamps_in_milliseconds_are_caught() -> None:
    """A millisecond timestamp lies past the year 9999 and gets a hint."""
    error = build_metric(**{**GOOD, "timestamp": 1_700_000_000_000.0}).failure()
    assert "not milliseconds" in error.errors[0].message


def test_validate_metric_checks_unchecked_instances() -> None:
    """The bare constructor checks nothing; ``validate_domain_rules`` does."""
    metric = FlextMetric(name="x y", value=1.0, timestamp=0.0)
    assert validate_metric(metric).failure().codes == {FlextErrorCode.INVALID_NAME}
    assert metric.validate_domain_rules() == validate_metric(metric)
    assert validate_metric("x").failure().codes == {FlextErrorCode.WRONG_TYPE}


def test_record_keys_are_checked_with_the_values() -> None:
    """Unknown keys are reported together with invalid values, missing keys alone."""
    data = {**build_metric(**GOOD).unwrap().to_dict(), "colour": "red"}
    assert metric_from_dict(data).failure().codes == {FlextErrorCode.UNKNOWN_FIELD}
    data["value"] = -1
    assert metric_from_dict(data).failure().codes == {FlextErrorCode.UNKNOWN_FIELD, FlextErrorCode.NEGATIVE_COUNTER}
    error = metric_from_dict({"name": "x"}).failure()
    assert [(item.code, item.field) for item in error.errors] == [
        (FlextErrorCode.MISSING, "value"),
        (FlextErrorCode.MISSING, "timestamp"),
    ]
    assert metric_from_dict([1, 2]).failure().codes == {FlextErrorCode.WRONG_TYPE}
    assert metric_from_dict({1: 2, "name": "x", "value": 1, "timestamp": 0}).failure().errors[0].field == "?"


def test_to_dict_sorts_labels() -> None:
    """Records list labels in name order, whatever order they were given in."""
    metric = build_metric(**{**GOOD, "labels": {"b": "1", "a": "2"}}).unwrap()
    assert list(metric.to_dict()["labels"]) == ["a", "b"]  # type: ignore[arg-type]
