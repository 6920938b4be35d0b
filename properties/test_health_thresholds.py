"""Thresholds are monotonic, honour their stated inclusivity at the levels, and refuse levels in the wrong order."""

from __future__ import annotations

import math
from typing import Final

from hypothesis import assume, given
from hypothesis import strategies as st
from returns.result import Success

from flext_observability.core.errors import FlextErrorCode
from flext_observability.core.health.thresholds import (
    Threshold,
    ThresholdDirection,
    build_threshold,
    evaluate_threshold,
    threshold_output,
)
from flext_observability.core.values import HealthStatus

_RANK: Final = {HealthStatus.PASS: 0, HealthStatus.WARN: 1, HealthStatus.FAIL: 2}
levels = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)
readings = st.floats(allow_nan=False) | st.integers(min_value=-(10**12), max_value=10**12)


@st.composite
def thresholds(draw: st.DrawFn) -> Threshold:
    """Valid thresholds of either direction and inclusivity, with one or both levels."""
    direction = draw(st.sampled_from(ThresholdDirection))
    low, high = sorted(draw(st.tuples(levels, levels)))
    warn, fail = (low, high) if direction is ThresholdDirection.HIGHER_IS_WORSE else (high, low)
    which = draw(st.sampled_from(["both", "warn", "fail"]))
    return build_threshold(
        direction=direction,
        warn=None if which == "fail" else warn,
        fail=None if which == "warn" else fail,
        inclusive=draw(st.booleans()),
    ).unwrap()


def badness(threshold: Threshold, value: float) -> float:
    """``value`` on a scale where bigger is always worse."""
    return value if threshold.direction is ThresholdDirection.HIGHER_IS_WORSE else -value


@given(thresholds(), readings, readings)
def test_a_worse_value_never_gets_a_better_status(threshold: Threshold, first: float, second: float) -> None:
    """Monotonic: of two readings, the worse one's status ranks at least as high."""
    better, worse = sorted((first, second), key=lambda value: badness(threshold, value))
    assert _RANK[threshold(worse)] >= _RANK[threshold(better)]


@given(thresholds(), readings)
def test_status_matches_the_stated_comparison(threshold: Threshold, value: float) -> None:
    """The status is that of the written-out comparison: fail first, then warn, ``>=`` only when inclusive."""

    def reached(level: float | None) -> bool:
        if level is None:
            return False
        distance = badness(threshold, value) - badness(threshold, level)
        return distance >= 0 if threshold.inclusive else distance > 0

    expected = (
        HealthStatus.FAIL
        if reached(threshold.fail)
        else HealthStatus.WARN
        if reached(threshold.warn)
        else HealthStatus.PASS
    )
    assert evaluate_threshold(threshold, value) is expected
    assert (threshold_output(threshold, value) == "") == (expected is HealthStatus.PASS)


@given(thresholds())
def test_boundaries_follow_the_inclusivity(threshold: Threshold) -> None:
    """Exactly at the fail level a threshold fails, and at a distinct warn level warns, only when inclusive."""
    if threshold.fail is not None:
        at_fail = threshold(threshold.fail)
        assert (at_fail is HealthStatus.FAIL) == threshold.inclusive
    if threshold.warn is not None and threshold.warn != threshold.fail:
        at_warn = threshold(threshold.warn)
        assert (at_warn is HealthStatus.WARN) == threshold.inclusive
        assert at_warn is not HealthStatus.FAIL


@given(thresholds(), st.sampled_from([math.nan, None, "95", True, b"1"]))
def test_unreadable_values_fail(threshold: Threshold, value: object) -> None:
    """NaN and anything that is not a number is ``fail``: a probe that cannot measure has not shown health."""
    assert threshold(value) is HealthStatus.FAIL
    assert threshold_output(threshold, value) != ""


@given(st.sampled_from(ThresholdDirection), levels, levels, st.booleans())
def test_levels_in_the_wrong_order_are_refused_naming_warn(
    direction: ThresholdDirection, first: float, second: float, inclusive: bool
) -> None:
    """In either direction, levels that warn after failing are ``out_of_range`` on ``warn``; the right order builds."""
    assume(first != second)
    low, high = sorted((first, second))
    right = (low, high) if direction is ThresholdDirection.HIGHER_IS_WORSE else (high, low)
    assert isinstance(build_threshold(direction=direction, warn=right[0], fail=right[1], inclusive=inclusive), Success)
    error = build_threshold(direction=direction, warn=right[1], fail=right[0], inclusive=inclusive).failure()
    assert [(item.field, item.code) for item in error.errors] == [("warn", FlextErrorCode.OUT_OF_RANGE)]


@given(
    st.sampled_from(["warn", "fail"]),
    st.sampled_from([math.nan, math.inf, -math.inf, "80", True]),
)
def test_unusable_levels_are_refused_naming_the_argument(field: str, value: object) -> None:
    """A level that is NaN, infinite or not a number is reported on its own argument and nowhere else."""
    other = "fail" if field == "warn" else "warn"
    arguments: dict[str, object] = {field: value, other: 0.0}
    error = build_threshold(direction="higher_is_worse", inclusive=True, **arguments).failure()
    assert [item.field for item in error.errors] == [field]
    assert error.codes <= {FlextErrorCode.NOT_FINITE, FlextErrorCode.WRONG_TYPE}
