"""Aggregation states form a monoid under merge, fold agrees with merge, and sketches keep their guarantee."""

from __future__ import annotations

import math
from functools import reduce
from itertools import pairwise
from typing import Any, TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Result, Success

from flext_observability.core.metrics.aggregation import (
    AggregationState,
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
    SketchState,
    new_sketch,
    sketch_add,
    sketch_quantile,
)
from flext_observability.testing.strategies import anything

T = TypeVar("T")

KINDS = ["counter", "gauge", "histogram", "summary"]

# Integers up to 2**40 keep every sum of a few hundred of them exact in floats.
exact_numbers = st.integers(-(2**40), 2**40).map(float)
exact_non_negative = st.integers(0, 2**40).map(float)
# Finite floats small enough that no sum of a few hundred overflows.
floats = st.floats(-1e300, 1e300, allow_nan=False)
non_negative_floats = st.floats(0.0, 1e300)
sketch_parameters = st.tuples(st.sampled_from([0.001, 0.01, 0.05]), st.sampled_from([16, 64, 2048]))
histogram_bounds = st.lists(
    st.floats(-1e6, 1e6, allow_nan=False) | st.integers(-1000, 1000).map(float),
    min_size=1,
    max_size=12,
    unique=True,
).map(sorted)
magnitudes = st.floats(1e-3, 1e6)
signed_values = st.one_of(magnitudes, magnitudes.map(lambda value: -value), st.just(0.0))
# Powers of 1.03 lie more than one bin apart at 1% accuracy (gamma is about 1.0202), so
# distinct exponents give distinct keys: enough of them force a 16-bin sketch to collapse.
spread_magnitudes = st.lists(st.integers(-230, 460), min_size=20, max_size=40, unique=True).map(
    lambda exponents: [1.03**exponent for exponent in exponents]
)
# Integer-valued, so that sums stay exact, and spread over several hundred keys of
# either sign: the sign of the drawn integer is the sign of the value.
spread_integers = st.lists(
    st.integers(-800, 800).map(lambda drawn: math.copysign(round(1.03 ** (100 + abs(drawn))), drawn)),
    min_size=12,
    max_size=24,
)


def unwrap(result: Result[T, Any]) -> T:
    """The success value, failing the test with the error otherwise."""
    assert isinstance(result, Success), result
    value: T = result.unwrap()
    return value


@st.composite
def empty_state(draw: st.DrawFn, kind: str) -> Any:
    """An empty state of ``kind`` with drawn parameters."""
    if kind == "counter":
        return CounterState()
    if kind == "gauge":
        return GaugeState()
    if kind == "histogram":
        return unwrap(new_histogram(draw(histogram_bounds)))
    accuracy, max_bins = draw(sketch_parameters)
    return unwrap(new_sketch(accuracy, max_bins))


def values_for(kind: str, *, exact: bool) -> st.SearchStrategy[list[float]]:
    """Observations a state of ``kind`` accepts; integer-valued when sums must be exact."""
    if kind == "counter":
        element = exact_non_negative if exact else non_negative_floats
    else:
        element = exact_numbers if exact else floats
    return st.lists(element, max_size=30)


def filled(empty: Any, kind: str, values: list[float]) -> Any:
    """``empty`` after ``values``: folded in, or added as deltas for a gauge (where merge sums)."""
    if kind == "gauge":
        assert isinstance(empty, GaugeState)
        return reduce(lambda state, delta: unwrap(adjust_gauge(state, delta)), values, empty)
    return unwrap(fold(empty, values))


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data())
def test_merge_is_a_commutative_monoid(kind: str, data: st.DataObject) -> None:
    """With integer-valued observations, merge is exactly commutative and associative, with identity as identity."""
    empty = data.draw(empty_state(kind), label="empty")
    a, b, c = (filled(empty, kind, data.draw(values_for(kind, exact=True), label=name)) for name in "abc")
    assert merge(a, b) == merge(b, a)
    assert merge(unwrap(merge(a, b)), c) == merge(a, unwrap(merge(b, c)))
    assert identity(a) == empty
    assert merge(identity(a), a) == Success(a)
    assert merge(a, identity(a)) == Success(a)


def total(state: AggregationState) -> float:
    """The float total a state keeps: its value or the sum of its observations."""
    return state.value if isinstance(state, CounterState | GaugeState) else state.sum


def without_total(state: AggregationState) -> object:
    """Everything of a state but its float total, which only float rounding may change."""
    if isinstance(state, CounterState | GaugeState):
        return None
    if isinstance(state, HistogramState):
        return (state.bounds, state.counts, state.count)
    return (state.positive, state.negative, state.zero_count, state.count, state.min, state.max)


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data())
def test_merge_is_associative_up_to_float_rounding(kind: str, data: st.DataObject) -> None:
    """With any finite observations, grouping changes the total only by float rounding, and nothing else."""
    empty = data.draw(empty_state(kind), label="empty")
    values = [data.draw(values_for(kind, exact=False), label=name) for name in "abc"]
    a, b, c = (filled(empty, kind, part) for part in values)
    assert merge(a, b) == merge(b, a)  # float addition is commutative
    left = unwrap(merge(unwrap(merge(a, b)), c))
    right = unwrap(merge(a, unwrap(merge(b, c))))
    assert without_total(left) == without_total(right)
    # Each addition rounds by at most half an ulp of its result, which never exceeds the sum of magnitudes.
    bound = 4 * sum(len(part) for part in values) * math.ulp(sum(abs(value) for part in values for value in part))
    assert math.isclose(total(left), total(right), rel_tol=1e-9, abs_tol=bound)


@pytest.mark.parametrize("kind", ["counter", "histogram", "summary"])
@given(data=st.data())
def test_folding_a_concatenation_is_merging_the_folds(kind: str, data: st.DataObject) -> None:
    """fold(s, xs + ys) equals merge(fold(s, xs), fold(s, ys)), collapsing sketches included."""
    empty = data.draw(empty_state(kind), label="empty")
    xs = data.draw(values_for(kind, exact=True), label="xs")
    ys = data.draw(values_for(kind, exact=True), label="ys")
    assert fold(empty, xs + ys) == merge(unwrap(fold(empty, xs)), unwrap(fold(empty, ys)))


@given(xs=st.lists(exact_numbers, max_size=30), ys=st.lists(exact_numbers, max_size=30))
def test_gauge_deltas_of_a_concatenation_are_the_merge_of_the_parts(xs: list[float], ys: list[float]) -> None:
    """Applying deltas xs + ys to a zero gauge equals merging the gauges of xs and of ys."""
    whole = filled(GaugeState(), "gauge", xs + ys)
    assert merge(filled(GaugeState(), "gauge", xs), filled(GaugeState(), "gauge", ys)) == Success(whole)


@given(bounds=histogram_bounds, values=st.lists(floats, max_size=50))
def test_histogram_buckets_account_for_every_observation(bounds: list[float], values: list[float]) -> None:
    """The count is the number of observations; cumulative buckets never decrease and end at the count."""
    state = unwrap(fold(unwrap(new_histogram(bounds)), values))
    assert state.count == len(values) == sum(state.counts)
    cumulative = state.cumulative
    assert all(low <= high for low, high in pairwise(cumulative))
    assert cumulative[-1] == state.count
    for index, bound in enumerate(state.bounds):
        assert cumulative[index] == sum(1 for value in values if value <= bound)


@given(
    bounds=histogram_bounds,
    values=st.lists(floats, max_size=30),
    q=st.floats(allow_nan=True) | st.integers(),
)
def test_histogram_quantile_answers_every_level(bounds: list[float], values: list[float], q: float) -> None:
    """Outside [0, 1] the estimate is an infinity; within it, NaN when empty or between the outer bounds."""
    state = unwrap(fold(unwrap(new_histogram(bounds)), values))
    estimate = histogram_quantile(state, q)
    if math.isnan(q):
        assert math.isnan(estimate)
    elif q < 0 or q > 1:
        assert estimate == (math.inf if q > 1 else -math.inf)
    elif not values:
        assert math.isnan(estimate)
    else:
        low = min(0.0, state.bounds[0])
        assert math.isnan(estimate) or low <= estimate <= state.bounds[-1]


def exact_quantile(values: list[float], q: float) -> float:
    """The element the sketch estimates: the one of index floor(q * (n - 1)) in sorted order."""
    return sorted(values)[math.floor(q * (len(values) - 1))]


def within(estimate: float, exact: float, accuracy: float) -> bool:
    """Whether ``estimate`` is within the relative accuracy of ``exact`` (allowing for float rounding)."""
    return abs(estimate - exact) <= accuracy * abs(exact) * (1 + 1e-9)


@given(
    accuracy=st.floats(0.001, 0.2),
    values=st.lists(signed_values, min_size=1, max_size=100),
    levels=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=5),
)
def test_sketch_quantiles_are_within_the_relative_accuracy(
    accuracy: float, values: list[float], levels: list[float]
) -> None:
    """Without collapsing, every quantile estimate is within the relative accuracy of the exact one."""
    state = unwrap(fold(unwrap(new_sketch(accuracy)), values))
    assert state.count == len(values)
    for q in levels:
        assert within(sketch_quantile(state, q), exact_quantile(values, q), accuracy)


def key_of(value: float, accuracy: float) -> int:
    """The bin key of a positive value, as the sketch itself computes it."""
    alone = unwrap(sketch_add(unwrap(new_sketch(accuracy)), value))
    return next(iter(alone.positive))


@given(
    spread=spread_magnitudes,
    extra=st.lists(magnitudes, max_size=10),
    negatives=st.lists(magnitudes.map(lambda value: -value), max_size=20),
    levels=st.lists(st.floats(0.7, 1.0), min_size=1, max_size=5),
)
def test_collapsing_keeps_counts_and_high_quantiles(
    spread: list[float], extra: list[float], negatives: list[float], levels: list[float]
) -> None:
    """With 16 bins, counts survive, stores stay within the limit, and the top bins keep the guarantee."""
    accuracy = 0.01
    values = spread + extra
    state = unwrap(fold(unwrap(new_sketch(accuracy, 16)), values + negatives))
    assert state.count == len(values) + len(negatives)
    assert state.count == sum(state.positive.values()) + sum(state.negative.values()) + state.zero_count
    assert len(state.positive) == 16  # at least 20 distinct keys went in
    assert len(state.negative) <= 16
    # Only keys below the 16th highest distinct key can ever be folded (into that key).
    distinct = sorted({key_of(value, accuracy) for value in values}, reverse=True)
    threshold = distinct[15] if len(distinct) > 16 else -math.inf
    for q in levels:
        exact = exact_quantile(values + negatives, q)
        if exact > 0 and key_of(exact, accuracy) > threshold:
            assert within(sketch_quantile(state, q), exact, accuracy)


@given(data=st.data(), accuracy=st.sampled_from([0.001, 0.01, 0.05]))
def test_collapsing_sketches_merge_exactly(data: st.DataObject, accuracy: float) -> None:
    """Spread-out observations make small sketches collapse; merging and folding still agree exactly."""
    empty = unwrap(new_sketch(accuracy, 16))
    xs, ys, zs = (data.draw(spread_integers, label=name) for name in ("xs", "ys", "zs"))
    a, b, c = (unwrap(fold(empty, values)) for values in (xs, ys, zs))
    assert merge(a, b) == merge(b, a)
    assert merge(unwrap(merge(a, b)), c) == merge(a, unwrap(merge(b, c)))
    assert merge(a, identity(a)) == Success(a)
    assert fold(empty, xs + ys + zs) == merge(unwrap(merge(a, b)), c)


@given(earlier=non_negative_floats, later=non_negative_floats)
def test_increase_is_never_negative(earlier: float, later: float) -> None:
    """The increase is the difference when the counter did not reset, the later value when it did."""
    grown = increase(CounterState(value=earlier), CounterState(value=later))
    assert grown >= 0
    assert grown == (later - earlier if later >= earlier else later)


def states() -> st.SearchStrategy[Any]:
    """Valid states of every kind, empty or with a few observations."""
    return st.sampled_from(KINDS).flatmap(
        lambda kind: st.tuples(empty_state(kind), values_for(kind, exact=False).map(lambda values: values[:5])).map(
            lambda pair: filled(pair[0], kind, pair[1])
        )
    )


@given(state=anything() | states(), value=anything())
def test_observe_never_raises(state: Any, value: object) -> None:
    """Observing any value in any state, or in anything at all, gives a Success or a Failure."""
    assert isinstance(observe(state, value), Result)


@given(a=anything() | states(), b=anything() | states())
def test_merge_never_raises(a: Any, b: Any) -> None:
    """Merging any two values, states or not, gives a Success or a Failure."""
    assert isinstance(merge(a, b), Result)


@given(bounds=anything(), accuracy=anything(), max_bins=anything())
def test_constructors_never_raise(bounds: object, accuracy: object, max_bins: object) -> None:
    """new_histogram and new_sketch give a Success or a Failure for any arguments."""
    assert isinstance(new_histogram(bounds), Result)
    assert isinstance(new_sketch(accuracy, max_bins), Result)
    assert isinstance(new_sketch(accuracy), Result)
    assert isinstance(new_sketch(max_bins=max_bins), Result)


@given(state=states(), q=anything())
def test_quantiles_never_raise(state: AggregationState, q: Any) -> None:
    """Both quantile functions give a float for any level."""
    if isinstance(state, HistogramState):
        assert isinstance(histogram_quantile(state, q), float)
    if isinstance(state, SketchState):
        assert isinstance(sketch_quantile(state, q), float)
