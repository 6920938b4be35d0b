"""Examples of the aggregation states, the sketch, and Prometheus's histogram_quantile."""

from __future__ import annotations

import math

import attrs
import pytest
from returns.result import Failure, Result, Success

from flext_observability import FlextErrorCode, FlextValidationError, FrozenMap
from flext_observability.core.metrics.aggregation import (
    DEFAULT_BUCKETS,
    MAX_BUCKETS,
    CounterState,
    GaugeState,
    HistogramState,
    adjust_gauge,
    fold,
    histogram_quantile,
    identity,
    increase,
    merge,
    new_histogram,
    observe,
)
from flext_observability.core.metrics.sketch import (
    MIN_INDEXABLE,
    SketchState,
    new_sketch,
    sketch_add,
    sketch_merge,
    sketch_quantile,
)

HUGE = 1.5e308


def codes(result: Result[object, FlextValidationError]) -> list[tuple[str, FlextErrorCode]]:
    """The (field, code) pairs of a failure, in order."""
    assert isinstance(result, Failure)
    return [(error.field, error.code) for error in result.failure().errors]


def histogram(bounds: tuple[float, ...], counts: tuple[int, ...]) -> HistogramState:
    """A histogram state with the given non-cumulative counts (the sum does not matter here)."""
    return HistogramState(bounds=bounds, counts=counts, sum=0.0, count=sum(counts))


# --- new_histogram -----------------------------------------------------------


def test_default_histogram_has_prometheus_client_buckets() -> None:
    """Without arguments, the bounds are prometheus_client's defaults and every count is zero."""
    state = new_histogram().unwrap()
    assert state.bounds == DEFAULT_BUCKETS
    assert state.counts == (0,) * 15
    assert (state.sum, state.count) == (0.0, 0)


def test_histogram_bounds_are_normalised_to_floats() -> None:
    """Int bounds become floats, a tuple works like a list, and a trailing +inf is dropped."""
    state = new_histogram((-1, 0, 2.5, math.inf)).unwrap()
    assert state.bounds == (-1.0, 0.0, 2.5)
    assert all(type(bound) is float for bound in state.bounds)
    assert len(state.counts) == 4
    assert math.copysign(1.0, new_histogram([-0.0]).unwrap().bounds[0]) == 1.0


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [
        ("0.1,1", [("bounds", FlextErrorCode.WRONG_TYPE)]),
        (None, [("bounds", FlextErrorCode.WRONG_TYPE)]),
        ([], [("bounds", FlextErrorCode.EMPTY)]),
        ([math.inf], [("bounds", FlextErrorCode.EMPTY)]),
        (list(range(MAX_BUCKETS + 1)), [("bounds", FlextErrorCode.TOO_MANY)]),
        ([1.0, True], [("bounds[1]", FlextErrorCode.WRONG_TYPE)]),
        (
            [math.nan, 1.0, -math.inf],
            [("bounds[0]", FlextErrorCode.NOT_FINITE), ("bounds[2]", FlextErrorCode.NOT_FINITE)],
        ),
        ([math.inf, 1.0], [("bounds[0]", FlextErrorCode.NOT_FINITE)]),
        (
            [1.0, 1.0, 0.5, 2.0],
            [("bounds[1]", FlextErrorCode.NOT_INCREASING), ("bounds[2]", FlextErrorCode.NOT_INCREASING)],
        ),
        ([0.0, -0.0], [("bounds[1]", FlextErrorCode.NOT_INCREASING)]),
    ],
)
def test_bad_histogram_bounds_are_reported(bounds: object, expected: list[tuple[str, FlextErrorCode]]) -> None:
    """Each kind of bad bounds gives its code on the offending position."""
    assert codes(new_histogram(bounds)) == expected


def test_the_largest_number_of_bounds_is_accepted() -> None:
    """Exactly MAX_BUCKETS finite bounds (plus +inf) make a valid histogram."""
    state = new_histogram([*range(MAX_BUCKETS), math.inf]).unwrap()
    assert len(state.bounds) == MAX_BUCKETS


# --- observe -------------------------------------------------------------------


def test_counter_adds_and_refuses_what_a_counter_cannot_count() -> None:
    """A counter adds finite non-negative numbers and names the rule a bad value breaks."""
    assert observe(CounterState(value=1.0), 2) == Success(CounterState(value=3.0))
    assert codes(observe(CounterState(), -0.5)) == [("value", FlextErrorCode.NEGATIVE_COUNTER)]
    assert codes(observe(CounterState(), math.nan)) == [("value", FlextErrorCode.NOT_FINITE)]
    assert codes(observe(CounterState(), "1")) == [("value", FlextErrorCode.WRONG_TYPE)]
    assert codes(observe(CounterState(), value=True)) == [("value", FlextErrorCode.WRONG_TYPE)]
    assert codes(observe(CounterState(value=HUGE), HUGE)) == [("value", FlextErrorCode.OUT_OF_RANGE)]


def test_counter_with_a_broken_value_is_refused() -> None:
    """A hand-made counter with a negative or non-numeric value cannot be updated."""
    assert codes(observe(CounterState(value=-1.0), 1.0)) == [("state.value", FlextErrorCode.NEGATIVE_COUNTER)]
    broken = CounterState(value="3")  # type: ignore[arg-type]
    assert codes(observe(broken, 1.0)) == [("state.value", FlextErrorCode.WRONG_TYPE)]


def test_gauge_is_set_by_observe_and_moved_by_adjust() -> None:
    """Observing a gauge sets it; adjust_gauge adds a finite delta."""
    assert observe(GaugeState(value=5.0), -2) == Success(GaugeState(value=-2.0))
    assert observe(GaugeState(value=math.nan), 1.0) == Success(GaugeState(value=1.0))
    assert codes(observe(GaugeState(), math.inf)) == [("value", FlextErrorCode.NOT_FINITE)]
    assert adjust_gauge(GaugeState(value=5.0), -7) == Success(GaugeState(value=-2.0))


def test_adjust_gauge_refuses_bad_deltas_and_states() -> None:
    """A non-finite delta, a broken gauge, overflow and a non-gauge are all failures."""
    assert codes(adjust_gauge(GaugeState(), "1")) == [("delta", FlextErrorCode.WRONG_TYPE)]
    assert codes(adjust_gauge(GaugeState(value=math.inf), 1)) == [("state.value", FlextErrorCode.NOT_FINITE)]
    assert codes(adjust_gauge(GaugeState(value=-HUGE), -HUGE)) == [("value", FlextErrorCode.OUT_OF_RANGE)]
    assert codes(adjust_gauge(CounterState(), 1)) == [("state", FlextErrorCode.WRONG_TYPE)]  # type: ignore[arg-type]


def test_histogram_observation_goes_to_the_first_bucket_with_bound_at_or_above_it() -> None:
    """Bounds are inclusive upper bounds, and values above the last go to +Inf."""
    state = fold(new_histogram([1.0, 2.0]).unwrap(), [-5, 1.0, 1.5, 2.0, 2.0000001, 100]).unwrap()
    assert state.counts == (2, 2, 2)
    assert state.cumulative == (2, 4, 6)
    assert state.count == 6
    assert state.sum == pytest.approx(101.5000001)


def test_histogram_refuses_bad_values_overflow_and_broken_states() -> None:
    """Bad values, a sum that would overflow, and hand-made states that break the rules are refused."""
    empty = new_histogram([1.0]).unwrap()
    assert codes(observe(empty, None)) == [("value", FlextErrorCode.WRONG_TYPE)]
    big = observe(empty, HUGE).unwrap()
    assert codes(observe(big, HUGE)) == [("value", FlextErrorCode.OUT_OF_RANGE)]
    broken = [
        HistogramState(bounds=(1.0,), counts=(0,)),
        HistogramState(bounds=[1.0], counts=(0, 0)),  # type: ignore[arg-type]
        HistogramState(bounds=(2.0, 1.0), counts=(0, 0, 0)),
        HistogramState(bounds=(1,), counts=(0, 0)),
        HistogramState(bounds=(math.nan,), counts=(0, 0)),
        HistogramState(bounds=(1.0,), counts=(-1, 1)),
        HistogramState(bounds=(1.0,), counts=(1, 1), count=1),
        HistogramState(bounds=(1.0,), counts=(0, 0), sum=math.inf),
    ]
    for state in broken:
        assert codes(observe(state, 1.0)) == [("state", FlextErrorCode.WRONG_TYPE)]


def test_summary_observations_go_to_the_sketch() -> None:
    """Observing a summary state is sketch_add."""
    state = new_sketch().unwrap()
    assert observe(state, 3.0) == sketch_add(state, 3.0)


@pytest.mark.parametrize("state", [None, 1.0, "counter", {"value": 1.0}, CounterState])
def test_observe_refuses_what_is_not_a_state(state: object) -> None:
    """Anything but the four state classes is a WRONG_TYPE failure."""
    assert codes(observe(state, 1.0)) == [("state", FlextErrorCode.WRONG_TYPE)]  # type: ignore[type-var]


# --- fold, identity, increase ----------------------------------------------------


def test_fold_stops_at_the_first_refusal_and_names_its_position() -> None:
    """Folding reports the index of the refused value, and what is not about the value keeps its path."""
    assert fold(CounterState(), iter([1, 2, 3])) == Success(CounterState(value=6.0))
    assert codes(fold(CounterState(), [1, "x", -1])) == [("values[1]", FlextErrorCode.WRONG_TYPE)]
    broken = CounterState(value=-1.0)
    assert codes(fold(broken, [1])) == [("state.value", FlextErrorCode.NEGATIVE_COUNTER)]
    assert fold(GaugeState(value=4.0), []) == Success(GaugeState(value=4.0))


def test_identity_is_the_empty_state_with_the_same_parameters() -> None:
    """The identity keeps a histogram's bounds and a sketch's parameters and drops every observation."""
    assert identity(GaugeState(value=-3.0)) == GaugeState()
    assert identity(CounterState(value=3.0)) == CounterState()
    sketch = sketch_add(new_sketch(0.05, 32).unwrap(), 7.0).unwrap()
    assert identity(sketch) == new_sketch(0.05, 32).unwrap()


def test_increase_handles_counter_resets() -> None:
    """The increase is the difference, or the later value after a reset, and never negative."""
    assert increase(CounterState(value=1.0), CounterState(value=1.0)) == 0.0
    assert increase(CounterState(value=1.5), CounterState(value=4.0)) == 2.5
    assert increase(CounterState(value=100.0), CounterState(value=0.0)) == 0.0


# --- merge -----------------------------------------------------------------------


def test_counters_and_gauges_merge_by_adding() -> None:
    """Counter totals add, and so do gauges (the total over processes)."""
    assert merge(CounterState(value=1.0), CounterState(value=2.0)) == Success(CounterState(value=3.0))
    assert merge(GaugeState(value=-1.0), GaugeState(value=4.0)) == Success(GaugeState(value=3.0))


def test_merging_broken_or_overflowing_numbers_fails() -> None:
    """Broken values are reported under a.value or b.value; an overflowing total is out of range."""
    bad_counter = CounterState(value=-2.0)
    assert codes(merge(bad_counter, CounterState(value=math.nan))) == [
        ("a.value", FlextErrorCode.NEGATIVE_COUNTER),
        ("b.value", FlextErrorCode.NOT_FINITE),
    ]
    assert codes(merge(CounterState(value=HUGE), CounterState(value=HUGE))) == [("value", FlextErrorCode.OUT_OF_RANGE)]
    assert codes(merge(GaugeState(value=math.inf), GaugeState())) == [("a.value", FlextErrorCode.NOT_FINITE)]


def test_histograms_merge_bucket_by_bucket() -> None:
    """Histograms with equal bounds add their counts, sums and numbers of observations."""
    empty = new_histogram([1.0, 2.0]).unwrap()
    first = fold(empty, [0.5, 1.5]).unwrap()
    second = fold(empty, [1.5, 3.0]).unwrap()
    merged = merge(first, second).unwrap()
    assert merged == HistogramState(bounds=(1.0, 2.0), counts=(1, 2, 1), sum=6.5, count=4)


def test_histograms_that_cannot_be_merged() -> None:
    """Different bounds are incompatible; broken states and overflow are refused."""
    one = new_histogram([1.0]).unwrap()
    two = new_histogram([2.0]).unwrap()
    broken = HistogramState(bounds=(1.0,), counts=(1,))
    assert codes(merge(one, two)) == [("b.bounds", FlextErrorCode.INCOMPATIBLE)]
    assert codes(merge(broken, one)) == [("a", FlextErrorCode.WRONG_TYPE)]
    assert codes(merge(one, broken)) == [("b", FlextErrorCode.WRONG_TYPE)]
    big = observe(one, HUGE).unwrap()
    assert codes(merge(big, big)) == [("b.sum", FlextErrorCode.OUT_OF_RANGE)]


def test_states_of_different_kinds_or_non_states_do_not_merge() -> None:
    """Merging a counter with a gauge is incompatible; a non-state is reported on its side."""
    assert codes(merge(CounterState(), GaugeState())) == [("b", FlextErrorCode.INCOMPATIBLE)]  # type: ignore[type-var]
    assert codes(merge(new_sketch().unwrap(), new_histogram().unwrap())) == [  # type: ignore[type-var]
        ("b", FlextErrorCode.INCOMPATIBLE)
    ]
    assert codes(merge(None, 3)) == [  # type: ignore[type-var]
        ("a", FlextErrorCode.WRONG_TYPE),
        ("b", FlextErrorCode.WRONG_TYPE),
    ]


def test_summaries_merge_their_sketches() -> None:
    """Merging summary states is sketch_merge."""
    first = sketch_add(new_sketch().unwrap(), 1.0).unwrap()
    second = sketch_add(new_sketch().unwrap(), -1.0).unwrap()
    assert merge(first, second) == sketch_merge(first, second)


# --- histogram_quantile: hand-computed, as Prometheus 2.42 computes them -------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        (0.0, 0.0),  # rank 0: the first bucket (cumulative 2 >= 0), interpolated from 0
        (0.1, 0.5),  # rank 1: halfway through (0, 1]
        (0.2, 1.0),  # rank 2: the top of the first bucket
        (0.3, 1.5),  # rank 3: (1, 2] holds ranks 2..4, 1 of 2 in
        (0.5, 2.5),  # rank 5: (2, 4] holds ranks 4..8, 1 of 4 in -> 2 + 2 * 0.25
        (0.8, 4.0),  # rank 8: the top of the last finite bucket
        (0.81, 4.0),  # rank 8.1: the +Inf bucket -> the highest finite bound
        (1.0, 4.0),
        (1, 4.0),  # an int level works like a float
    ],
)
def test_histogram_quantile_interpolates_within_buckets(q: float, expected: float) -> None:
    """Bounds (1, 2, 4) with counts (2, 2, 4, 2): cumulative (2, 4, 8, 10)."""
    state = histogram((1.0, 2.0, 4.0), (2, 2, 4, 2))
    assert histogram_quantile(state, q) == pytest.approx(expected, abs=1e-12)


def test_histogram_quantile_of_levels_outside_zero_to_one() -> None:
    """NaN gives NaN, below 0 gives -inf, above 1 gives +inf, whatever the buckets."""
    state = histogram((1.0,), (1, 0))
    assert math.isnan(histogram_quantile(state, math.nan))
    assert histogram_quantile(state, -0.01) == -math.inf
    assert histogram_quantile(state, 1.01) == math.inf
    assert histogram_quantile(state, -(10**400)) == -math.inf
    assert histogram_quantile(state, 10**400) == math.inf
    assert math.isnan(histogram_quantile(state, "0.5"))  # type: ignore[arg-type]
    assert math.isnan(histogram_quantile(state, q=True))


def test_histogram_quantile_is_nan_without_data_or_finite_buckets() -> None:
    """No observations, only the +Inf bucket, or a broken state all give NaN."""
    assert math.isnan(histogram_quantile(new_histogram().unwrap(), 0.5))
    assert math.isnan(histogram_quantile(histogram((), (5,)), 0.5))
    assert math.isnan(histogram_quantile(HistogramState(bounds=(1.0,), counts=(1,)), 0.5))


def test_histogram_quantile_zero_with_an_empty_first_bucket_is_nan() -> None:
    """A q of 0 lands in an empty first bucket with a positive bound: Go's 0/0 gives NaN."""
    state = histogram((1.0, 2.0), (0, 3, 0))
    assert math.isnan(histogram_quantile(state, 0.0))
    assert histogram_quantile(state, 0.5) == 1.5  # rank 1.5 of 3 in (1, 2]


def test_histogram_quantile_with_non_positive_bounds() -> None:
    """In a first bucket with a bound <= 0 the bound itself is returned; later buckets interpolate."""
    state = histogram((-1.0, 0.0, 1.0), (2, 2, 2, 0))  # cumulative (2, 4, 6, 6)
    assert histogram_quantile(state, 0.0) == -1.0
    assert histogram_quantile(state, 0.25) == -1.0  # rank 1.5, first bucket
    assert histogram_quantile(state, 0.5) == -0.5  # rank 3: (-1, 0], 1 of 2 in
    assert histogram_quantile(state, 0.75) == 0.25  # rank 4.5: (0, 1], 0.5 of 2 in
    assert histogram_quantile(state, 1.0) == 1.0  # rank 6: cumulative 6 at bound 1 already
    negative = histogram((-5.0, -2.0), (0, 4, 0))
    assert histogram_quantile(negative, 0.5) == -3.5  # rank 2: (-5, -2], 2 of 4 in
    assert histogram_quantile(negative, 0.0) == -5.0  # empty first bucket, bound <= 0


def test_histogram_quantile_with_everything_in_the_inf_bucket() -> None:
    """With all observations above the last bound, every positive q gives that bound."""
    state = histogram((1.0, 2.0), (0, 0, 5))
    assert histogram_quantile(state, 0.5) == 2.0
    assert histogram_quantile(state, 1.0) == 2.0
    assert math.isnan(histogram_quantile(state, 0.0))  # rank 0 is in the empty first bucket


# --- the sketch ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("accuracy", "bins", "expected"),
    [
        ("0.01", 64, [("relative_accuracy", FlextErrorCode.WRONG_TYPE)]),
        (math.nan, 64, [("relative_accuracy", FlextErrorCode.NOT_FINITE)]),
        (0.0, 64, [("relative_accuracy", FlextErrorCode.OUT_OF_RANGE)]),
        (1, 64, [("relative_accuracy", FlextErrorCode.OUT_OF_RANGE)]),
        (1e-7, 64, [("relative_accuracy", FlextErrorCode.OUT_OF_RANGE)]),
        (0.01, 64.0, [("max_bins", FlextErrorCode.WRONG_TYPE)]),
        (0.01, True, [("max_bins", FlextErrorCode.WRONG_TYPE)]),
        (0.01, 15, [("max_bins", FlextErrorCode.OUT_OF_RANGE)]),
        (None, None, [("relative_accuracy", FlextErrorCode.WRONG_TYPE), ("max_bins", FlextErrorCode.WRONG_TYPE)]),
    ],
)
def test_bad_sketch_parameters_are_reported(accuracy: object, bins: object, expected: object) -> None:
    """Every bad parameter of new_sketch is reported at once."""
    assert codes(new_sketch(accuracy, bins)) == expected


def test_sketch_parameters_at_their_limits_are_accepted() -> None:
    """The smallest accuracy and bin limit allowed make a sketch, and so does the default."""
    assert new_sketch(1e-6, 16).unwrap() == SketchState(relative_accuracy=1e-6, max_bins=16)
    assert new_sketch().unwrap() == SketchState()


def test_sketch_sorts_values_into_negative_zero_and_positive_bins() -> None:
    """Negative values use the bins of their magnitude; tiny magnitudes count as zero."""
    state = fold(new_sketch().unwrap(), [-2.0, -MIN_INDEXABLE, 0.0, MIN_INDEXABLE / 2, 2.0, 2.0]).unwrap()
    assert (state.zero_count, state.count) == (3, 6)
    assert state.positive == {35: 2}
    assert state.negative == {35: 1}
    assert (state.min, state.max) == (-2.0, 2.0)


def test_sketch_refuses_bad_values_overflow_and_broken_states() -> None:
    """sketch_add refuses non-finite values, an overflowing sum, and states that are not well formed."""
    state = new_sketch().unwrap()
    assert codes(sketch_add(state, math.inf)) == [("value", FlextErrorCode.NOT_FINITE)]
    assert codes(sketch_add(state, value=False)) == [("value", FlextErrorCode.WRONG_TYPE)]
    big = sketch_add(state, -HUGE).unwrap()
    assert codes(sketch_add(big, -HUGE)) == [("value", FlextErrorCode.OUT_OF_RANGE)]
    assert codes(sketch_add(None, 1.0)) == [("state", FlextErrorCode.WRONG_TYPE)]  # type: ignore[arg-type]
    for broken in broken_sketches():
        assert codes(sketch_add(broken, 1.0)) == [("state", FlextErrorCode.WRONG_TYPE)], broken
        assert math.isnan(sketch_quantile(broken, 0.5))


def broken_sketches() -> list[SketchState]:
    """Sketch states that break one invariant each."""
    good = sketch_add(new_sketch(max_bins=16).unwrap(), 1.0).unwrap()
    return [
        attrs.evolve(good, relative_accuracy=1),
        attrs.evolve(good, relative_accuracy=0.0),
        attrs.evolve(good, max_bins=8),
        attrs.evolve(good, positive={0: 1}),  # type: ignore[arg-type]
        attrs.evolve(good, positive=FrozenMap({0: 0})),
        attrs.evolve(good, positive=FrozenMap({0.5: 1})),  # type: ignore[arg-type]
        attrs.evolve(good, positive=FrozenMap(dict.fromkeys(range(17), 1)), count=17),
        attrs.evolve(good, zero_count=-1, count=0),
        attrs.evolve(good, count=2),
        attrs.evolve(good, sum=math.nan),
        attrs.evolve(good, min=1),
        attrs.evolve(good, max=math.inf),
        attrs.evolve(good, min=2.0),
        SketchState(min=0.0),
    ]


def test_sketch_merge_adds_bins_and_extremes() -> None:
    """Merging adds bin counts, zeros, counts and sums, and keeps the outer extremes."""
    first = fold(new_sketch().unwrap(), [1.0, 0.0, -4.0]).unwrap()
    second = fold(new_sketch().unwrap(), [1.0, 8.0]).unwrap()
    merged = sketch_merge(first, second).unwrap()
    assert merged == fold(first, [1.0, 8.0]).unwrap()
    assert (merged.count, merged.zero_count, merged.sum, merged.min, merged.max) == (5, 1, 6.0, -4.0, 8.0)


def test_sketch_merge_refuses_mismatched_parameters_and_broken_states() -> None:
    """Different accuracies or bin limits are incompatible; broken states and overflow are refused."""
    base = new_sketch(0.01, 64).unwrap()
    assert codes(sketch_merge(base, new_sketch(0.02, 32).unwrap())) == [
        ("b.relative_accuracy", FlextErrorCode.INCOMPATIBLE),
        ("b.max_bins", FlextErrorCode.INCOMPATIBLE),
    ]
    assert codes(sketch_merge(SketchState(count=1), 1.0)) == [  # type: ignore[arg-type]
        ("a", FlextErrorCode.WRONG_TYPE),
        ("b", FlextErrorCode.WRONG_TYPE),
    ]
    big = sketch_add(base, HUGE).unwrap()
    assert codes(sketch_merge(big, big)) == [("b.sum", FlextErrorCode.OUT_OF_RANGE)]


def test_sketch_collapses_its_lowest_bins_and_keeps_counts() -> None:
    """Beyond max_bins keys, the lowest keys fold into the lowest kept key; nothing is lost."""
    values = [1.1**power for power in range(40)]  # about 5 bins apart at 1%: 40 distinct keys
    state = fold(new_sketch(0.01, 16).unwrap(), values).unwrap()
    assert len(state.positive) == 16
    assert state.count == sum(state.positive.values()) == 40
    lowest = min(state.positive)
    assert state.positive[lowest] == 40 - 15
    for q, index in ((1.0, 39), (0.99, 38), (0.9, 35)):  # floor(q * 39) is the index
        assert abs(sketch_quantile(state, q) - values[index]) <= 0.01 * values[index]
    negative = fold(new_sketch(0.01, 16).unwrap(), [-value for value in values]).unwrap()
    assert len(negative.negative) == 16
    assert sketch_merge(state, negative).unwrap().count == 80


def test_sketch_quantile_of_empty_sketches_and_bad_levels_is_nan() -> None:
    """An empty sketch, a level outside [0, 1] or a level that is not a number give NaN."""
    state = sketch_add(new_sketch().unwrap(), 1.0).unwrap()
    assert sketch_quantile(state, 0.5) == 1.0
    assert sketch_quantile(state, 1) == 1.0
    for level in (-0.1, 1.1, math.nan, "0.5", None):
        assert math.isnan(sketch_quantile(state, level)), level  # type: ignore[arg-type]
    assert math.isnan(sketch_quantile(new_sketch().unwrap(), 0.5))
    assert math.isnan(sketch_quantile(None, 0.5))  # type: ignore[arg-type]


def test_sketch_quantile_stays_finite_at_the_top_of_the_float_range() -> None:
    """A bin near the largest float would have a representative above it; it is capped and clamped."""
    state = sketch_add(new_sketch(0.5).unwrap(), 1.7e308).unwrap()
    assert sketch_quantile(state, 0.5) == 1.7e308


def test_sketch_estimates_are_within_the_relative_accuracy() -> None:
    """Each quantile of 1..1000 is within 1% of the exact order statistic."""
    values = list(range(1, 1001))
    state = fold(new_sketch().unwrap(), values).unwrap()
    for percent in range(101):
        q = percent / 100
        exact = values[math.floor(q * 999)]
        assert abs(sketch_quantile(state, q) - exact) <= 0.01 * exact
