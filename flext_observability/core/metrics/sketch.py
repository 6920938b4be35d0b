"""A mergeable quantile sketch with a relative-error guarantee, after DDSketch.

A summary cannot keep every observation, and averaging the quantiles of
several processes gives no meaningful number. This sketch keeps counts in
logarithmic bins instead: two sketches with the same parameters merge into
exactly the sketch of all their observations, and a quantile read from it is
within a chosen *relative* error of the exact one.

With relative accuracy ``a``, let ``gamma = (1 + a) / (1 - a)``. A value
``x > 0`` goes to bin ``ceil(log(x) / log(gamma))``; bin ``k`` covers
``(gamma**(k-1), gamma**k]`` and is represented by ``gamma**(k-1) * (1 + a)``,
which lies within ``a * x`` of every ``x`` it covers. Negative values use the
bins of their magnitude in a second store, and values whose magnitude is at
most :data:`MIN_INDEXABLE` count as zero.

Guarantee: with ``values`` the observations and ``n`` their number, let
``exact = sorted(values)[floor(q * (n - 1))]``. Then
``abs(sketch_quantile(state, q) - exact) <= a * abs(exact)``, up to float
rounding, as long as ``abs(exact) > MIN_INDEXABLE`` and no collapsing (below)
touched the bin of ``exact``.

The size is bounded: when a store holds more than ``max_bins`` bins, its
lowest bins are folded into the lowest bin it keeps. Counts are never lost;
the largest magnitudes (the high quantiles of the positive values, the low
ones of the negative values) keep the guarantee. Folding commutes with
merging, so merging in any order or grouping gives the same sketch.

>>> state = new_sketch(relative_accuracy=0.02).unwrap()
>>> for value in range(1, 101):
...     state = sketch_add(state, value).unwrap()
>>> state.count, state.sum, state.min, state.max
(100, 5050.0, 1.0, 100.0)
>>> median = sketch_quantile(state, 0.5)  # the exact value is sorted(values)[49] == 50
>>> abs(median - 50) <= 0.02 * 50
True
>>> sketch_quantile(state, 1.0)  # clamped to the largest value seen
100.0
>>> sketch_merge(state, new_sketch(relative_accuracy=0.05).unwrap()).failure().codes
frozenset({<FlextErrorCode.INCOMPATIBLE: 'incompatible'>})
"""

from __future__ import annotations

import math
from bisect import bisect_right
from itertools import accumulate
from typing import Final, final

from attrs import field, frozen
from returns.result import Failure, Result, Success

from flext_observability.core.checks import Problems, add, check_finite, describe, invalid, invalid_one
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.frozen import EMPTY_MAP, FrozenMap

DEFAULT_RELATIVE_ACCURACY: Final = 0.01
"""Quantiles within 1% of the exact value."""

DEFAULT_MAX_BINS: Final = 2048
"""At 1% accuracy, enough for about 17 orders of magnitude (say 1e-9 to 1e8) per sign before folding."""

MIN_RELATIVE_ACCURACY: Final = 1e-6
"""Below this, float rounding in the bin mapping approaches the accuracy asked for."""

MIN_BINS: Final = 16
"""Fewer bins than this would fold away all but the very highest quantiles."""

MIN_INDEXABLE: Final = 1e-9
"""Values at most this far from zero are counted as zero."""

_ENTITY: Final = "sketch"
# The natural log of the largest float: representatives are computed in logs
# and must not overflow for bins near the top of the float range.
_LOG_MAX_FLOAT: Final = 709.782712893384


@final
@frozen(kw_only=True)
class SketchState:
    """The bins of a sketch, its parameters, and the exact count, sum, min and max.

    Make one with :func:`new_sketch` and change it only through
    :func:`sketch_add` and :func:`sketch_merge`; the constructor checks
    nothing, and those functions refuse a hand-made state that breaks the
    invariants (``count`` equal to the counts in the bins, integer bin keys,
    positive counts, at most ``max_bins`` bins per store, a finite sum).
    """

    relative_accuracy: float = DEFAULT_RELATIVE_ACCURACY
    max_bins: int = DEFAULT_MAX_BINS
    positive: FrozenMap[int, int] = field(default=EMPTY_MAP)
    negative: FrozenMap[int, int] = field(default=EMPTY_MAP)
    zero_count: int = 0
    count: int = 0
    sum: float = 0.0
    min: float = math.inf
    max: float = -math.inf


def new_sketch(
    relative_accuracy: object = DEFAULT_RELATIVE_ACCURACY,
    max_bins: object = DEFAULT_MAX_BINS,
) -> Result[SketchState, FlextValidationError]:
    """An empty sketch, or every problem of the parameters.

    ``relative_accuracy`` is a number in ``[MIN_RELATIVE_ACCURACY, 1)``;
    ``max_bins`` an int of at least :data:`MIN_BINS`.

    >>> new_sketch(0.05, 64).map(lambda state: (state.relative_accuracy, state.max_bins))
    <Success: (0.05, 64)>
    >>> for error in new_sketch(1.5, 4).failure().errors:
    ...     print(error)
    relative_accuracy: must be at least 1e-06 and below 1 (0.01 means within 1%); got 1.5 [out_of_range]
    max_bins: must be at least 16; got 4 [out_of_range]
    """
    problems: Problems = []
    accuracy = check_finite(problems, "relative_accuracy", relative_accuracy)
    if accuracy is not None and not MIN_RELATIVE_ACCURACY <= accuracy < 1.0:
        add(
            problems,
            FlextErrorCode.OUT_OF_RANGE,
            "relative_accuracy",
            f"must be at least {MIN_RELATIVE_ACCURACY} and below 1 (0.01 means within 1%); got {accuracy!r}",
        )
    bins = _check_max_bins(problems, max_bins)
    if problems or accuracy is None or bins is None:
        return invalid(_ENTITY, problems)
    return Success(SketchState(relative_accuracy=accuracy, max_bins=bins))


def _check_max_bins(problems: Problems, value: object) -> int | None:
    if not isinstance(value, int) or isinstance(value, bool):
        add(problems, FlextErrorCode.WRONG_TYPE, "max_bins", f"expected an int, got {describe(value)}")
        return None
    number = int.__int__(value)
    if number < MIN_BINS:
        add(problems, FlextErrorCode.OUT_OF_RANGE, "max_bins", f"must be at least {MIN_BINS}; got {number}")
        return None
    return number


def sketch_add(state: SketchState, value: object) -> Result[SketchState, FlextValidationError]:
    """The sketch with one more observation of ``value`` (a finite int or float, not a bool).

    >>> state = sketch_add(new_sketch().unwrap(), -2.5).unwrap()
    >>> state.count, dict(state.negative), state.min
    (1, {46: 1}, -2.5)
    >>> sketch_add(state, float("nan")).failure().codes
    frozenset({<FlextErrorCode.NOT_FINITE: 'not_finite'>})
    """
    problems: Problems = []
    if _checked_state(problems, "state", state) is None:
        return invalid(_ENTITY, problems)
    number = check_finite(problems, "value", value)
    if number is None:
        return invalid(_ENTITY, problems)
    total = state.sum + number
    if not math.isfinite(total):
        return _overflow("value")
    positive, negative, zero_count = state.positive, state.negative, state.zero_count
    magnitude = abs(number)
    if magnitude <= MIN_INDEXABLE:
        zero_count += 1
    else:
        key = bin_key(magnitude, log_gamma(state.relative_accuracy))
        if number > 0:
            positive = _stored(positive, {key: 1}, state.max_bins)
        else:
            negative = _stored(negative, {key: 1}, state.max_bins)
    return Success(
        SketchState(
            relative_accuracy=state.relative_accuracy,
            max_bins=state.max_bins,
            positive=positive,
            negative=negative,
            zero_count=zero_count,
            count=state.count + 1,
            sum=total,
            min=min(state.min, number),
            max=max(state.max, number),
        ),
    )


def sketch_merge(a: SketchState, b: SketchState) -> Result[SketchState, FlextValidationError]:
    """The sketch of the observations of both ``a`` and ``b``.

    Both must have the same relative accuracy and bin limit (else
    ``INCOMPATIBLE``). Merging is commutative and associative, and the empty
    sketch with the same parameters is its identity.
    """
    problems: Problems = []
    first = _checked_state(problems, "a", a)
    second = _checked_state(problems, "b", b)
    if first is None or second is None:
        return invalid(_ENTITY, problems)
    if first.relative_accuracy != second.relative_accuracy:
        add(
            problems,
            FlextErrorCode.INCOMPATIBLE,
            "b.relative_accuracy",
            f"is {second.relative_accuracy!r} but a's is {first.relative_accuracy!r}; "
            "only sketches with the same accuracy can be merged",
        )
    if first.max_bins != second.max_bins:
        add(
            problems,
            FlextErrorCode.INCOMPATIBLE,
            "b.max_bins",
            f"is {second.max_bins} but a's is {first.max_bins}; only sketches with the same bin limit can be merged",
        )
    if problems:
        return invalid(_ENTITY, problems)
    total = first.sum + second.sum
    if not math.isfinite(total):
        return _overflow("b.sum")
    return Success(
        SketchState(
            relative_accuracy=first.relative_accuracy,
            max_bins=first.max_bins,
            positive=_stored(first.positive, second.positive, first.max_bins),
            negative=_stored(first.negative, second.negative, first.max_bins),
            zero_count=first.zero_count + second.zero_count,
            count=first.count + second.count,
            sum=total,
            min=min(first.min, second.min),
            max=max(first.max, second.max),
        ),
    )


def sketch_quantile(state: SketchState, q: float) -> float:
    """The estimate of the ``q``-quantile, or NaN when empty or ``q`` is not in ``[0, 1]``.

    It is the representative of the bin holding the element of index
    ``floor(q * (count - 1))`` in sorted order (0.0 for the zero bin),
    clamped to the observed minimum and maximum: the exact value lies
    between them, so clamping only brings the estimate closer.

    >>> state = new_sketch().unwrap()
    >>> for value in (-3.0, 0.0, 0.0, 10.0):
    ...     state = sketch_add(state, value).unwrap()
    >>> [round(sketch_quantile(state, q), 2) for q in (0.0, 0.5, 0.9, 1.0)]
    [-2.97, 0.0, 0.0, 10.0]
    >>> round(sketch_quantile(sketch_add(state, 5.0).unwrap(), 0.75), 3)  # exact: 5.0
    5.003
    >>> sketch_quantile(state, 1.5), sketch_quantile(new_sketch().unwrap(), 0.5)
    (nan, nan)
    """
    level = check_finite([], "q", q)
    if level is None or not 0.0 <= level <= 1.0 or _checked_state([], "state", state) is None or state.count == 0:
        return math.nan
    rank = math.floor(level * (state.count - 1))
    width = log_gamma(state.relative_accuracy)
    accuracy = state.relative_accuracy
    # Sorted order: the most negative values first, then zeros, then the positives.
    bins = [(-_representative(key, width, accuracy), state.negative[key]) for key in sorted(state.negative)[::-1]]
    bins.append((0.0, state.zero_count))
    bins.extend((_representative(key, width, accuracy), state.positive[key]) for key in sorted(state.positive))
    index = bisect_right(list(accumulate(count for _, count in bins)), rank)
    return min(max(bins[index][0], state.min), state.max)


def log_gamma(accuracy: float) -> float:
    """``log(gamma)`` for a relative accuracy: the width of one bin in log space."""
    return math.log((1.0 + accuracy) / (1.0 - accuracy))


def bin_key(magnitude: float, width: float) -> int:
    """The bin of a magnitude above :data:`MIN_INDEXABLE` (shared by the shell's live sketch)."""
    return math.ceil(math.log(magnitude) / width)


def _representative(key: int, log_gamma: float, accuracy: float) -> float:
    """``gamma**(key-1) * (1+a)``, in logs, capped at the largest float."""
    return math.exp(min((key - 1) * log_gamma + math.log1p(accuracy), _LOG_MAX_FLOAT))


def _stored(
    store: FrozenMap[int, int], extra: FrozenMap[int, int] | dict[int, int], max_bins: int
) -> FrozenMap[int, int]:
    """``store`` plus the counts of ``extra``, folded down to ``max_bins`` bins."""
    counts = store.to_dict()
    for key, count in extra.items():
        counts[key] = counts.get(key, 0) + count
    return FrozenMap.adopt(collapse_bins(counts, max_bins))


def collapse_bins(counts: dict[int, int], max_bins: int) -> dict[int, int]:
    """Fold the lowest bins into the lowest kept one until at most ``max_bins`` remain.

    The result depends only on the total counts per key, never on the order
    in which they arrived, which is what keeps merging associative.
    """
    if len(counts) <= max_bins:
        return counts
    keys = sorted(counts)
    excess = len(keys) - max_bins
    kept = {key: counts[key] for key in keys[excess:]}
    kept[keys[excess]] += sum(counts[key] for key in keys[:excess])
    return kept


def _checked_state(problems: Problems, field: str, state: object) -> SketchState | None:
    """``state`` when it is a well-formed sketch, else ``None`` (reported)."""
    if not isinstance(state, SketchState):
        add(problems, FlextErrorCode.WRONG_TYPE, field, f"expected a SketchState, got {describe(state)}")
        return None
    if not _is_well_formed(state):
        add(
            problems,
            FlextErrorCode.WRONG_TYPE,
            field,
            "this SketchState breaks the sketch invariants (it was built or changed by hand); "
            "start from new_sketch() and use sketch_add and sketch_merge",
        )
        return None
    return state


def _is_well_formed(state: SketchState) -> bool:
    # Exact types only: subclasses could override the comparisons used below.
    accuracy, max_bins, zero_count, count = state.relative_accuracy, state.max_bins, state.zero_count, state.count
    if not (
        type(accuracy) is float
        and MIN_RELATIVE_ACCURACY <= accuracy < 1.0
        and type(max_bins) is int
        and max_bins >= MIN_BINS
        and type(zero_count) is int
        and zero_count >= 0
        and type(count) is int
    ):
        return False
    positive = _store_size(state.positive, max_bins)
    negative = _store_size(state.negative, max_bins)
    return (
        positive >= 0
        and negative >= 0
        and count == zero_count + positive + negative
        and type(state.sum) is float
        and math.isfinite(state.sum)
        and type(state.min) is float
        and type(state.max) is float
        and (
            (count > 0 and math.isfinite(state.min) and math.isfinite(state.max) and state.min <= state.max)
            or (count == 0 and state.min == math.inf and state.max == -math.inf)
        )
    )


def _store_size(store: object, max_bins: int) -> int:
    """The observations in a well-formed store (int keys, positive int counts), else -1."""
    if type(store) is not FrozenMap or len(store) > max_bins:
        return -1
    counts = store.to_dict()
    # map() and set() keep these checks in C: they run on every update of the sketch.
    well_formed = (
        set(map(type, counts)) | set(map(type, counts.values())) <= {int} and min(counts.values(), default=1) > 0
    )
    return sum(counts.values()) if well_formed else -1


def _overflow(field: str) -> Failure[FlextValidationError]:
    return invalid_one(
        _ENTITY,
        FlextErrorCode.OUT_OF_RANGE,
        field,
        "the sum of the observations would exceed the largest float; record them in a larger unit",
    )
