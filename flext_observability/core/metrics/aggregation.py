"""Aggregation states and the pure functions that update, merge and read them.

A state is what an instrument remembers about its observations: a counter's
total, a gauge's value, a histogram's bucket counts, a summary's sketch. The
functions never change a state; they return a new one, or a ``Failure``
naming the bad value. Merging two states gives the state of both sets of
observations, so the states of several processes or time slices combine in
any order or grouping, with :func:`identity` as the neutral element.

>>> histogram = new_histogram([0.1, 0.5, 1.0]).unwrap()
>>> histogram = fold(histogram, [0.05, 0.3, 0.3, 0.7, 2.0]).unwrap()
>>> histogram.counts, histogram.cumulative, histogram.count
((1, 2, 1, 1), (1, 3, 4, 5), 5)
>>> histogram_quantile(histogram, 0.5)  # rank 2.5: halfway through the (0.1, 0.5] bucket
0.4
>>> merge(histogram, identity(histogram)) == Success(histogram)
True
>>> counter = fold(CounterState(), [1, 2.5]).unwrap()
>>> counter, merge(counter, CounterState(value=4.0))
(CounterState(value=3.5), <Success: CounterState(value=7.5)>)
>>> print(observe(counter, -1).failure())
invalid counter: value: a counter only goes up; got -1.0 (use a gauge for values that go down) [negative_counter]
"""

from __future__ import annotations

import math
from bisect import bisect_left
from itertools import accumulate, pairwise
from typing import TYPE_CHECKING, Final, TypeVar, cast, final

from attrs import frozen
from returns.result import Failure, Result, Success

from flext_observability.core.checks import (
    Problems,
    add,
    check_count,
    check_finite,
    describe,
    invalid,
    invalid_one,
    read_sequence,
)
from flext_observability.core.errors import FlextErrorCode, FlextFieldError, FlextValidationError
from flext_observability.core.metrics.sketch import SketchState, sketch_add, sketch_merge

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

__all__ = [
    "DEFAULT_BUCKETS",
    "MAX_BUCKETS",
    "AggregationState",
    "CounterState",
    "GaugeState",
    "HistogramState",
    "S",
    "SketchState",
    "adjust_gauge",
    "fold",
    "histogram_quantile",
    "identity",
    "increase",
    "merge",
    "new_histogram",
    "observe",
]

DEFAULT_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
"""The finite upper bounds prometheus_client uses when none are given (seconds of a request)."""

MAX_BUCKETS: Final = 100
"""Finite bounds of one histogram: each is one more series in every scrape."""

_ANY_STATE: Final = "a CounterState, GaugeState, HistogramState or SketchState"
_OVERFLOW: Final = "the total would exceed the largest float; record the values in a larger unit"


@final
@frozen(kw_only=True)
class CounterState:
    """The total of a counter: a finite number that only goes up (until a restart)."""

    value: float = 0.0


@final
@frozen(kw_only=True)
class GaugeState:
    """The current value of a gauge: any finite number."""

    value: float = 0.0


@final
@frozen(kw_only=True)
class HistogramState:
    """Observations counted in buckets, with their exact count and sum.

    ``bounds`` are the finite upper bounds, strictly increasing; ``counts``
    has one more entry than ``bounds``: the observations of each bucket, not
    cumulative, the last one for the implicit ``+Inf`` bucket. An
    observation ``x`` belongs to the first bucket whose bound is ``>= x``
    (Prometheus's ``le``). Make one with :func:`new_histogram`; the
    constructor checks nothing, and the functions refuse a hand-made state
    that breaks these rules.
    """

    bounds: tuple[float, ...]
    counts: tuple[int, ...]
    sum: float = 0.0
    count: int = 0

    @property
    def cumulative(self) -> tuple[int, ...]:
        """The running totals of ``counts``, as the ``le`` buckets Prometheus exposes.

        >>> HistogramState(bounds=(1.0, 2.0), counts=(3, 0, 2), count=5).cumulative
        (3, 3, 5)
        """
        return tuple(accumulate(self.counts))


AggregationState = CounterState | GaugeState | HistogramState | SketchState
"""Any aggregation state; a summary's state is a :class:`SketchState`."""

S = TypeVar("S", CounterState, GaugeState, HistogramState, SketchState)
"""One kind of aggregation state, so that a function returns the kind it was given."""

_N = TypeVar("_N", CounterState, GaugeState)

_KINDS: Final = (
    (CounterState, "counter"),
    (GaugeState, "gauge"),
    (HistogramState, "histogram"),
    (SketchState, "summary"),
)


def new_histogram(bounds: object = DEFAULT_BUCKETS) -> Result[HistogramState, FlextValidationError]:
    """An empty histogram with the given finite upper bounds, or every problem with them.

    ``bounds`` is a list or tuple of 1 to :data:`MAX_BUCKETS` finite numbers
    (ints or floats, not bools), strictly increasing. A trailing ``+inf`` is
    accepted and dropped: the ``+Inf`` bucket is always there.

    >>> new_histogram([1, 2.5, float("inf")]).map(lambda state: (state.bounds, state.counts))
    <Success: ((1.0, 2.5), (0, 0, 0))>
    >>> for error in new_histogram([1.0, 0.5, "2"]).failure().errors:
    ...     print(error)
    bounds[2]: expected a number, got '2' [wrong_type]
    >>> print(new_histogram([1.0, 0.5]).failure())
    invalid histogram: bounds[1]: 0.5 does not exceed the bound before it (1.0);
    list the bounds in increasing order, each once [not_increasing]
    """
    problems: Problems = []
    items = read_sequence(problems, "bounds", bounds)
    if items is None:
        return invalid("histogram", problems)
    if items and _is_positive_infinity(items[-1]):
        items.pop()
    if not items:
        add(problems, FlextErrorCode.EMPTY, "bounds", "give at least one finite upper bound, such as 0.1 or 1.0")
        return invalid("histogram", problems)
    if not check_count(problems, "bounds", len(items), MAX_BUCKETS, "finite bounds"):
        return invalid("histogram", problems)
    checked = [check_finite(problems, f"bounds[{index}]", item) for index, item in enumerate(items)]
    # Adding 0.0 turns -0.0 into 0.0, so that the bucket's le label reads "0.0".
    finite = [bound + 0.0 for bound in checked if bound is not None]
    if len(finite) != len(checked):
        return invalid("histogram", problems)
    for index, (low, high) in enumerate(pairwise(finite), start=1):
        if high <= low:
            add(
                problems,
                FlextErrorCode.NOT_INCREASING,
                f"bounds[{index}]",
                f"{high!r} does not exceed the bound before it ({low!r}); "
                "list the bounds in increasing order, each once",
            )
    if problems:
        return invalid("histogram", problems)
    return Success(HistogramState(bounds=tuple(finite), counts=(0,) * (len(finite) + 1)))


def _is_positive_infinity(value: object) -> bool:
    # float.__float__ reads a float subclass's value without calling its overrides.
    return isinstance(value, float) and float.__float__(value) == math.inf


def observe(state: S, value: object) -> Result[S, FlextValidationError]:
    """The state after one observation of ``value``, or why ``value`` was refused.

    A counter adds ``value`` (finite, zero or more); a gauge is set to it
    (finite); a histogram counts it in its bucket and adds it to the sum; a
    summary adds it to its sketch. Never raises, whatever ``state`` and
    ``value`` are.

    >>> observe(GaugeState(value=3.0), 1.5)
    <Success: GaugeState(value=1.5)>
    >>> observe(new_histogram([1.0]).unwrap(), 1.0).map(lambda state: state.counts)  # le is inclusive
    <Success: (1, 0)>
    >>> print(observe(CounterState(), float("inf")).failure())
    invalid counter: value: must be a finite number; NaN and infinities cannot be exported [not_finite]
    """
    if isinstance(state, CounterState):
        return _add_to_counter(state, value)
    if isinstance(state, GaugeState):
        return _set_gauge(value)
    if isinstance(state, HistogramState):
        return _observe_histogram(state, value)
    if isinstance(state, SketchState):
        return sketch_add(state, value)
    return invalid("aggregation", [_wrong_state("state", state, _ANY_STATE)])


def _add_to_counter(state: CounterState, value: object) -> Result[CounterState, FlextValidationError]:
    problems: Problems = []
    current = _counter_value(problems, "state.value", state.value)
    number = check_finite(problems, "value", value)
    if number is not None and number < 0:
        add(
            problems,
            FlextErrorCode.NEGATIVE_COUNTER,
            "value",
            f"a counter only goes up; got {number!r} (use a gauge for values that go down)",
        )
    if problems or current is None or number is None:
        return invalid("counter", problems)
    return _total_state("counter", current + number, CounterState)


def _set_gauge(value: object) -> Result[GaugeState, FlextValidationError]:
    # Setting a gauge never reads its old value, so even a broken one is simply replaced.
    problems: Problems = []
    number = check_finite(problems, "value", value)
    if number is None:
        return invalid("gauge", problems)
    return Success(GaugeState(value=number))


def adjust_gauge(state: GaugeState, delta: object) -> Result[GaugeState, FlextValidationError]:
    """The gauge moved by ``delta`` (finite; negative goes down), as ``inc`` and ``dec`` do.

    >>> adjust_gauge(GaugeState(value=2.0), -0.5)
    <Success: GaugeState(value=1.5)>
    """
    given: object = state  # the annotation binds type checkers, not every caller
    if not isinstance(given, GaugeState):
        return invalid("gauge", [_wrong_state("state", given, "a GaugeState")])
    problems: Problems = []
    current = check_finite(problems, "state.value", given.value)
    number = check_finite(problems, "delta", delta)
    if current is None or number is None:
        return invalid("gauge", problems)
    return _total_state("gauge", current + number, GaugeState)


def _observe_histogram(state: HistogramState, value: object) -> Result[HistogramState, FlextValidationError]:
    problems: Problems = []
    if not _is_well_formed_histogram(state):
        return _malformed_histogram("state")
    number = check_finite(problems, "value", value)
    if number is None:
        return invalid("histogram", problems)
    total = state.sum + number
    if not math.isfinite(total):
        return invalid("histogram", [_overflow("value")])
    counts = list(state.counts)
    counts[bisect_left(state.bounds, number)] += 1
    return Success(HistogramState(bounds=state.bounds, counts=tuple(counts), sum=total, count=state.count + 1))


def merge(a: S, b: S) -> Result[S, FlextValidationError]:
    """The state of the observations of both ``a`` and ``b``.

    Counters add. Gauges add too: merging the gauges of several processes
    (queue depths, rows in flight) gives their total. Histograms add their
    counts, sums and counts of observations when their bounds are equal.
    Summaries merge their sketches. States of different kinds, or histograms
    and sketches with different parameters, are ``INCOMPATIBLE``. Merging is
    commutative and associative (exactly for counts; up to float rounding
    for sums), and never raises, whatever ``a`` and ``b`` are.

    >>> merge(GaugeState(value=2.0), GaugeState(value=3.0))
    <Success: GaugeState(value=5.0)>
    >>> print(merge(CounterState(), GaugeState()).failure())
    invalid aggregation: b: cannot merge a counter with a gauge; merge states of the same kind [incompatible]
    """
    problems: Problems = []
    first = _kind(problems, "a", a)
    second = _kind(problems, "b", b)
    if first is None or second is None:
        return invalid("aggregation", problems)
    if first != second:
        add(
            problems,
            FlextErrorCode.INCOMPATIBLE,
            "b",
            f"cannot merge a {first} with a {second}; merge states of the same kind",
        )
        return invalid("aggregation", problems)
    if isinstance(a, CounterState):
        return _merge_counters(a, b)
    if isinstance(a, GaugeState):
        return _merge_gauges(a, b)
    if isinstance(a, HistogramState):
        return _merge_histograms(a, b)
    return sketch_merge(a, b)


def _merge_counters(a: CounterState, b: CounterState) -> Result[CounterState, FlextValidationError]:
    problems: Problems = []
    first = _counter_value(problems, "a.value", a.value)
    second = _counter_value(problems, "b.value", b.value)
    if first is None or second is None:
        return invalid("counter", problems)
    return _total_state("counter", first + second, CounterState)


def _merge_gauges(a: GaugeState, b: GaugeState) -> Result[GaugeState, FlextValidationError]:
    problems: Problems = []
    first = check_finite(problems, "a.value", a.value)
    second = check_finite(problems, "b.value", b.value)
    if first is None or second is None:
        return invalid("gauge", problems)
    return _total_state("gauge", first + second, GaugeState)


def _merge_histograms(a: HistogramState, b: HistogramState) -> Result[HistogramState, FlextValidationError]:
    if not _is_well_formed_histogram(a):
        return _malformed_histogram("a")
    if not _is_well_formed_histogram(b):
        return _malformed_histogram("b")
    if a.bounds != b.bounds:
        error = FlextFieldError(
            code=FlextErrorCode.INCOMPATIBLE,
            field="b.bounds",
            message=f"{b.bounds!r} differ from a's {a.bounds!r}; only histograms with the same bounds can be merged",
        )
        return invalid("histogram", [error])
    total = a.sum + b.sum
    if not math.isfinite(total):
        return invalid("histogram", [_overflow("b.sum")])
    counts = tuple(first + second for first, second in zip(a.counts, b.counts, strict=True))
    return Success(HistogramState(bounds=a.bounds, counts=counts, sum=total, count=a.count + b.count))


def identity(state: S) -> S:
    """The empty state of the same kind and parameters: ``merge(identity(s), s) == Success(s)``.

    >>> identity(new_histogram([1.0, 2.0]).unwrap())
    HistogramState(bounds=(1.0, 2.0), counts=(0, 0, 0), sum=0.0, count=0)
    >>> identity(CounterState(value=7.0))
    CounterState(value=0.0)
    """
    if isinstance(state, HistogramState):
        return HistogramState(bounds=state.bounds, counts=(0,) * (len(state.bounds) + 1))
    if isinstance(state, SketchState):
        return SketchState(relative_accuracy=state.relative_accuracy, max_bins=state.max_bins)
    if isinstance(state, CounterState):
        return CounterState()
    return GaugeState()


def fold(state: S, values: Iterable[object]) -> Result[S, FlextValidationError]:
    """``state`` after observing each of ``values`` in turn; the first refusal stops it.

    A refused value is reported as ``values[i]``. ``values`` that are not
    iterable, or whose iteration raises, are a ``WRONG_TYPE`` failure of
    ``values``: fold never raises, whatever it is given.

    >>> print(fold(CounterState(), [1, 2, -3, 4]).failure())
    invalid counter: values[2]: a counter only goes up; got -3.0
    (use a gauge for values that go down) [negative_counter]
    >>> print(fold(CounterState(), 3).failure())
    invalid aggregation: values: expected an iterable of numbers, got a value of type int [wrong_type]
    """
    current = state
    items = _iterate(values)
    if items is None:
        return _unreadable_values(values)
    index = 0
    while True:
        try:
            value = next(items)
        except StopIteration:
            return Success(current)
        except Exception:  # noqa: BLE001 - a user's iterator may fail in any way; report it
            return _unreadable_values(values)
        result = observe(current, value)
        if isinstance(result, Failure):
            return Failure(_renamed_value(result.failure(), f"values[{index}]"))
        current = result.unwrap()
        index += 1


def _iterate(values: object) -> Iterator[object] | None:
    """An iterator over ``values``, or ``None`` when ``values`` is not iterable."""
    try:
        return iter(cast("Iterable[object]", values))
    except Exception:  # noqa: BLE001 - a user's __iter__ may fail in any way; report it
        return None


def _unreadable_values(values: object) -> Failure[FlextValidationError]:
    return invalid_one(
        "aggregation",
        FlextErrorCode.WRONG_TYPE,
        "values",
        f"expected an iterable of numbers, got {describe(values)}",
    )


def _renamed_value(error: FlextValidationError, field: str) -> FlextValidationError:
    errors = tuple(
        FlextFieldError(code=item.code, field=field, message=item.message) if item.field == "value" else item
        for item in error.errors
    )
    return FlextValidationError(entity=error.entity, errors=errors)


def histogram_quantile(state: HistogramState, q: float) -> float:
    """The ``q``-quantile estimated from the buckets, exactly as Prometheus's ``histogram_quantile``.

    This follows ``bucketQuantile`` of Prometheus 2.42 (``promql/quantile.go``)
    on the cumulative buckets ``(bounds..., +Inf)``: NaN for a NaN ``q``,
    ``-inf`` below 0 and ``+inf`` above 1; NaN without a finite bound or
    without observations. Otherwise, with ``rank = q * count``, it finds the
    first bucket whose cumulative count reaches ``rank`` and interpolates
    linearly inside it, from 0 for the first bucket (or returns the first
    bound when it is not positive). In the ``+Inf`` bucket it returns the
    highest finite bound. A hand-made state that breaks the histogram rules
    gives NaN too, and so does anything that is not a ``HistogramState``;
    valid counts are never negative, so the cumulative counts never decrease
    and Prometheus's ``ensureMonotonic`` has nothing to fix.

    >>> state = HistogramState(bounds=(1.0, 2.0, 4.0), counts=(2, 2, 4, 2), sum=25.0, count=10)
    >>> [histogram_quantile(state, q) for q in (0.0, 0.1, 0.5, 0.95)]
    [0.0, 0.5, 2.5, 4.0]
    >>> histogram_quantile(state, -1.0), histogram_quantile(state, 2.0), histogram_quantile(state, math.nan)
    (-inf, inf, nan)
    >>> empty_first = HistogramState(bounds=(1.0, 2.0), counts=(0, 3, 0), sum=4.5, count=3)
    >>> histogram_quantile(empty_first, 0.0)  # Go's 0/0: NaN
    nan
    """
    level = _level(q)
    if math.isnan(level):
        return math.nan
    if level < 0:
        return -math.inf
    if level > 1:
        return math.inf
    given: object = state  # the annotation binds type checkers, not every caller
    if not isinstance(given, HistogramState) or not _is_well_formed_histogram(given) or not given.bounds:
        return math.nan
    cumulative = state.cumulative
    observations = cumulative[-1]
    if observations == 0:
        return math.nan
    rank = level * observations
    # Go's sort.Search(len(buckets)-1, ...): the +Inf bucket is the answer only when no other is.
    bucket = bisect_left(cumulative, rank, hi=len(cumulative) - 1)
    if bucket == len(state.bounds):
        return state.bounds[-1]
    if bucket == 0 and state.bounds[0] <= 0:
        return state.bounds[0]
    start = 0.0 if bucket == 0 else state.bounds[bucket - 1]
    end = state.bounds[bucket]
    count = state.counts[bucket]
    if bucket > 0:
        rank -= cumulative[bucket - 1]
    # The bucket found is empty only when rank is 0 (q = 0 and an empty first
    # bucket), where Go divides 0 by 0 into NaN and Python would raise.
    ratio = rank / count if count else math.nan
    return start + (end - start) * ratio


def _level(q: object) -> float:
    """``q`` as a float; NaN unless it is an int or a float (bools are not quantile levels)."""
    if isinstance(q, float):
        return float.__float__(q)
    if isinstance(q, int) and not isinstance(q, bool):
        # Only the sign and whether it exceeds 1 matter; clamping keeps huge ints from overflowing.
        return float(max(-1, min(2, int.__int__(q))))
    return math.nan


def increase(earlier: CounterState, later: CounterState) -> float:
    """How much a counter grew from ``earlier`` to ``later``; never negative.

    A smaller ``later`` value means the counter was reset (its process
    restarted), so it grew by ``later``'s whole value since the reset.

    >>> increase(CounterState(value=10.0), CounterState(value=25.0))
    15.0
    >>> increase(CounterState(value=10.0), CounterState(value=4.0))  # reset in between
    4.0

    NaN when either is not a ``CounterState`` holding a finite number zero or
    more (a hand-made state): there is no increase to read, and it never raises.

    >>> increase(CounterState(value=1.0), "3.0")
    nan
    """
    first = _counter_reading(earlier)
    second = _counter_reading(later)
    if first is None or second is None:
        return math.nan
    if second < first:
        return second
    return second - first


def _counter_reading(state: object) -> float | None:
    """A counter state's value when it is a valid one, else ``None``."""
    if not isinstance(state, CounterState):
        return None
    return _counter_value([], "value", state.value)


def _kind(problems: Problems, field: str, state: object) -> str | None:
    """The kind of ``state``, or ``None`` (reported) when it is not a state at all."""
    for cls, name in _KINDS:
        if isinstance(state, cls):
            return name
    problems.append(_wrong_state(field, state, _ANY_STATE))
    return None


def _wrong_state(field: str, state: object, expected: str) -> FlextFieldError:
    return FlextFieldError(
        code=FlextErrorCode.WRONG_TYPE,
        field=field,
        message=f"expected {expected}, got {describe(state)}",
    )


def _counter_value(problems: Problems, field: str, value: object) -> float | None:
    """A counter state's value: finite and zero or more."""
    number = check_finite(problems, field, value)
    if number is not None and number < 0:
        add(problems, FlextErrorCode.NEGATIVE_COUNTER, field, f"a counter cannot be negative; got {number!r}")
        return None
    return number


def _total_state(entity: str, total: float, make: type[_N]) -> Result[_N, FlextValidationError]:
    if not math.isfinite(total):
        return invalid(entity, [_overflow("value")])
    return Success(make(value=total))


def _is_well_formed_histogram(state: HistogramState) -> bool:
    # Exact types only: subclasses could override the comparisons used below.
    bounds, counts, count, total = state.bounds, state.counts, state.count, state.sum
    return (
        type(bounds) is tuple
        and type(counts) is tuple
        and len(counts) == len(bounds) + 1
        and all(type(bound) is float and math.isfinite(bound) for bound in bounds)
        and all(low < high for low, high in pairwise(bounds))
        and all(type(item) is int and item >= 0 for item in counts)
        and type(count) is int
        and count == sum(counts)
        and type(total) is float
        and math.isfinite(total)
    )


def _malformed_histogram(field: str) -> Failure[FlextValidationError]:
    return invalid_one(
        "histogram",
        FlextErrorCode.WRONG_TYPE,
        field,
        "this HistogramState breaks the histogram rules (it was built or changed by hand); "
        "start from new_histogram() and use observe and merge",
    )


def _overflow(field: str) -> FlextFieldError:
    return FlextFieldError(code=FlextErrorCode.OUT_OF_RANGE, field=field, message=_OVERFLOW)
