"""Reading alert expressions over a history of metrics snapshots.

A history is a sequence of ``(timestamp_seconds, MetricsSnapshot)`` samples,
oldest first, with strictly increasing timestamps; the last one is the
current snapshot and is not later than ``now``. A window of ``w`` seconds
holds the samples taken from ``now - w`` to ``now``, both ends included.

:func:`evaluate_expression` gives the series for which an expression holds,
each with one value, sorted by labels (as ``(name, value)`` pairs sorted by
name). A problem with the input is a ``Failure`` (entity ``alert
evaluation``), never an exception: a history that is not such a sequence, a
metric of a kind the expression cannot read (``INCOMPATIBLE`` on
``expression.metric``), or a snapshot built by hand that breaks the rules of
the states it holds. Series of a metric are matched across samples by their
labels; a metric missing from a snapshot has no series there.

>>> from flext_observability.core.alerts.expressions import increase_over
>>> from flext_observability.core.metrics.aggregation import CounterState
>>> from flext_observability.core.metrics.exposition import FamilySnapshot, MetricsSnapshot, SeriesSnapshot
>>> from flext_observability.core.metrics.instruments import define_instrument
>>> rows = define_instrument(kind="counter", name="rows_total", help_text="Rows.", label_names=("tap",)).unwrap()
>>> def at(value):
...     series = SeriesSnapshot((("tap", "pg"),), CounterState(value=value))
...     return MetricsSnapshot(families=(FamilySnapshot(spec=rows, series=(series,)),))
>>> history = [(100.0, at(50.0)), (160.0, at(80.0)), (220.0, at(5.0))]  # a restart before 220
>>> evaluate_expression(increase_over("rows", ">", 10, window=120).unwrap(), history, now=220.0)
<Success: (ExpressionElement(labels=(('tap', 'pg'),), value=35.0),)>
"""

from __future__ import annotations

import math
from bisect import bisect_left
from itertools import pairwise
from typing import TYPE_CHECKING, Final, NamedTuple, TypeVar

from attrs import frozen
from returns.result import Failure, Result, Success

from flext_observability.core.alerts.expressions import (
    EXPRESSION_HELP,
    HEALTH_CHECK_STATUS_METRIC,
    AbsentExpression,
    Comparison,
    Expression,
    HealthCheckExpression,
    IncreaseExpression,
    QuantileExpression,
    RateExpression,
    StaleExpression,
    ThresholdExpression,
    is_well_formed_expression,
)
from flext_observability.core.alerts.matchers import LabelMatcher, MatchOp
from flext_observability.core.checks import (
    Problems,
    add,
    as_number,
    check_timestamp,
    describe,
    invalid,
    read_sequence,
)
from flext_observability.core.errors import FlextErrorCode, FlextFieldError, FlextValidationError
from flext_observability.core.metrics.aggregation import (
    CounterState,
    GaugeState,
    HistogramState,
    SketchState,
    histogram_quantile,
    increase,
)
from flext_observability.core.metrics.exposition import FamilySnapshot, MetricsSnapshot, SeriesSnapshot
from flext_observability.core.metrics.instruments import InstrumentSpec
from flext_observability.core.values import MetricKind

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")

LabelKey = tuple[tuple[str, str], ...]
"""A label set as ``(name, value)`` pairs sorted by name: hashable, and the same whatever the label order."""

ENTITY: Final = "alert evaluation"
_PAIR: Final = 2


class ExpressionElement(NamedTuple):
    """One series for which an expression holds: its labels and its value."""

    labels: LabelKey
    value: float


@frozen(kw_only=True)
class History:
    """A checked history: strictly increasing ``times``, their ``snapshots``, and ``now``."""

    times: tuple[float, ...]
    snapshots: tuple[MetricsSnapshot, ...]
    now: float


def check_history(history: object, now: object) -> Result[History, FlextValidationError]:
    """Check the samples and ``now`` (seconds since the epoch); every problem is reported.

    >>> for error in check_history([(10.0, None), (5.0, MetricsSnapshot(families=()))], now=1.0).failure().errors:
    ...     print(error)
    history[0][1]: expected a MetricsSnapshot, got a value of type NoneType [wrong_type]
    history[1][0]: 5.0 is not after the sample before it (10.0); list the samples oldest first, \
one per timestamp [not_increasing]
    now: 1.0 is before the latest sample (10.0); evaluate at the time of the latest snapshot or later [time_order]
    """
    problems: Problems = []
    checked_now = check_timestamp(problems, "now", now)
    items = read_sequence(problems, "history", history)
    times: list[float] = []
    snapshots: list[MetricsSnapshot] = []
    latest: float | None = None
    for index, item in enumerate(items or ()):
        path = f"history[{index}]"
        pair = read_sequence([], path, item)
        if pair is None or len(pair) != _PAIR:
            add(
                problems,
                FlextErrorCode.WRONG_TYPE,
                path,
                f"expected a (timestamp, MetricsSnapshot) pair, got {describe(item)}",
            )
            continue
        time = check_timestamp(problems, f"{path}[0]", pair[0])
        snapshot = pair[1]
        if type(snapshot) is not MetricsSnapshot or type(snapshot.families) is not tuple:
            add(
                problems,
                FlextErrorCode.WRONG_TYPE,
                f"{path}[1]",
                f"expected a MetricsSnapshot, got {describe(snapshot)}",
            )
        else:
            snapshots.append(snapshot)
        if time is not None and latest is not None and time <= latest:
            add(
                problems,
                FlextErrorCode.NOT_INCREASING,
                f"{path}[0]",
                f"{time!r} is not after the sample before it ({latest!r}); list the samples oldest first, "
                "one per timestamp",
            )
        if time is not None and (latest is None or time > latest):
            latest = time
        times.append(0.0 if time is None else time)
    if items == []:
        add(problems, FlextErrorCode.EMPTY, "history", "give at least the current snapshot, as (timestamp, snapshot)")
    if checked_now is not None and latest is not None and checked_now < latest:
        add(
            problems,
            FlextErrorCode.TIME_ORDER,
            "now",
            f"{checked_now!r} is before the latest sample ({latest!r}); "
            "evaluate at the time of the latest snapshot or later",
        )
    if problems or checked_now is None:
        return invalid(ENTITY, problems)
    return Success(History(times=tuple(times), snapshots=tuple(snapshots), now=checked_now))


def _malformed(where: str, message: str) -> FlextFieldError:
    return FlextFieldError(code=FlextErrorCode.WRONG_TYPE, field=where, message=message)


def _find_family(snapshot: MetricsSnapshot, where: str, metric: str) -> FamilySnapshot | FlextFieldError | None:
    for index, family in enumerate(snapshot.families):
        if (
            type(family) is not FamilySnapshot
            or type(family.spec) is not InstrumentSpec
            or type(family.spec.name) is not str
            or not isinstance(family.spec.kind, MetricKind)
        ):
            return _malformed(
                f"{where}.families[{index}]",
                "is not a FamilySnapshot with an InstrumentSpec; take snapshots from a metrics service",
            )
        if metric in {family.spec.name, family.spec.exposed_name}:
            return family
    return None


# The readers are only given states of their family's kind (_series checks it), hand-made or not.


def _read_counter(state: object) -> CounterState | None:
    number = as_number(state.value) if type(state) is CounterState else None
    if number is None or not math.isfinite(number) or number < 0:
        return None
    return CounterState(value=number)


def _read_value(state: object) -> float | None:
    """A counter's or gauge's value: finite (and not negative for a counter)."""
    if type(state) is CounterState:
        counter = _read_counter(state)
        return None if counter is None else counter.value
    number = as_number(state.value) if type(state) is GaugeState else None
    return number if number is not None and math.isfinite(number) else None


def _read_histogram(state: object) -> HistogramState | None:
    return state if type(state) is HistogramState and _is_well_formed_histogram(state) else None


def _is_well_formed_histogram(state: HistogramState) -> bool:
    bounds, counts = state.bounds, state.counts
    return (
        type(bounds) is tuple
        and type(counts) is tuple
        and len(counts) == len(bounds) + 1
        and all(type(bound) is float and math.isfinite(bound) for bound in bounds)
        and all(low < high for low, high in pairwise(bounds))
        and all(type(count) is int and count >= 0 for count in counts)
        and type(state.count) is int
        and state.count == sum(counts)
        and type(state.sum) is float
        and math.isfinite(state.sum)
    )


def _read_signature(state: object) -> object:
    """What tells one reading of a series from another, for staleness; ``None`` for a broken state."""
    if type(state) is HistogramState:
        histogram = _read_histogram(state)
        return None if histogram is None else ("histogram", histogram.bounds, histogram.counts, histogram.sum)
    if type(state) is SketchState:
        count, total = state.count, as_number(state.sum)
        if type(count) is not int or total is None or not math.isfinite(total):
            return None
        return ("summary", int.__int__(count), total)
    value = _read_value(state)
    return None if value is None else (type(state).__name__, value)


class _Query(NamedTuple):
    """What to read: one metric, of some kinds, through a reader, for one kind of expression."""

    metric: str
    matchers: tuple[LabelMatcher, ...]
    kinds: frozenset[MetricKind]
    what: str


_ANY_KIND: Final = frozenset(MetricKind)
_STATES: Final[dict[MetricKind, type]] = {
    MetricKind.COUNTER: CounterState,
    MetricKind.GAUGE: GaugeState,
    MetricKind.HISTOGRAM: HistogramState,
    MetricKind.SUMMARY: SketchState,
}
_HINTS: Final = {
    MetricKind.COUNTER: "for a counter use threshold(), increase_over() or rate_over()",
    MetricKind.GAUGE: "for a gauge use threshold()",
    MetricKind.HISTOGRAM: "for a histogram use quantile_over()",
    MetricKind.SUMMARY: "a summary keeps a quantile sketch, not buckets: only absent() and stale_for() read it",
}


def _series(
    snapshot: MetricsSnapshot,
    where: str,
    query: _Query,
    read: Callable[[object], T | None],
) -> dict[LabelKey, T] | FlextFieldError:
    """The matching series of ``query.metric`` in one snapshot, each read by ``read``."""
    family = _find_family(snapshot, where, query.metric)
    if family is None or isinstance(family, FlextFieldError):
        return {} if family is None else family
    kind = family.spec.kind
    if kind not in query.kinds:
        return FlextFieldError(
            code=FlextErrorCode.INCOMPATIBLE,
            field="expression.metric",
            message=f"{query.metric!r} is a {kind.value} in {where}, and {query.what} cannot read it; {_HINTS[kind]}",
        )
    if type(family.series) is not tuple:
        return _malformed(where, f"the series of {query.metric!r} are not a tuple of SeriesSnapshot")
    found: dict[LabelKey, T] = {}
    for position, series in enumerate(family.series):
        named = _label_dict(series.labels) if type(series) is SeriesSnapshot else None
        if named is not None and not all(matcher.matches(named) for matcher in query.matchers):
            continue  # the series the query does not read need not be checked either
        reading = read(series.state) if named is not None and type(series.state) is _STATES[kind] else None
        if named is None or reading is None:
            return _malformed(
                where,
                f"series {position} of {query.metric!r} breaks the rules of a {kind.value}'s series "
                "(it was built or changed by hand); take snapshots from a metrics service",
            )
        found[tuple(sorted(named.items()))] = reading
    return found


def _label_dict(labels: object) -> dict[str, str] | None:
    if type(labels) is not tuple:
        return None
    named: dict[str, str] = {}
    for pair in labels:
        if type(pair) is not tuple or len(pair) != _PAIR or type(pair[0]) is not str or type(pair[1]) is not str:
            return None
        named[pair[0]] = pair[1]
    return named if len(named) == len(labels) else None


def _latest(history: History, query: _Query, read: Callable[[object], T | None]) -> dict[LabelKey, T] | FlextFieldError:
    index = len(history.snapshots) - 1
    return _series(history.snapshots[index], f"history[{index}][1]", query, read)


def _in_window(
    history: History,
    window: float,
    query: _Query,
    read: Callable[[object], T | None],
) -> dict[LabelKey, list[tuple[float, T]]] | FlextFieldError:
    """Each matching series' samples in the window, oldest first."""
    samples: dict[LabelKey, list[tuple[float, T]]] = {}
    for index in range(bisect_left(history.times, history.now - window), len(history.times)):
        found = _series(history.snapshots[index], f"history[{index}][1]", query, read)
        if isinstance(found, FlextFieldError):
            return found
        time = history.times[index]
        for key, reading in found.items():
            samples.setdefault(key, []).append((time, reading))
    return samples


def _counter_increase(samples: list[tuple[float, CounterState]]) -> float:
    return math.fsum(increase(earlier, later) for (_, earlier), (_, later) in pairwise(samples))


def _bucket_increase(samples: list[tuple[float, HistogramState]]) -> HistogramState | None:
    """The observations the buckets gained over the samples; ``None`` without two samples of the same bounds.

    A bucket count that went down means the histogram was reset between two
    samples, so the later counts are all new; bounds that changed start the
    count over from the later sample.
    """
    gained: tuple[int, ...] | None = None
    for (_, earlier), (_, later) in pairwise(samples):
        if later.bounds != earlier.bounds:
            gained = None
            continue
        step = tuple(new - old for old, new in zip(earlier.counts, later.counts, strict=True))
        if min(step) < 0:
            step = later.counts
        gained = step if gained is None else tuple(old + new for old, new in zip(gained, step, strict=True))
    if gained is None:
        return None
    bounds = samples[-1][1].bounds
    return HistogramState(bounds=bounds, counts=gained, sum=0.0, count=sum(gained))


def _holding(elements: dict[LabelKey, float], comparison: Comparison, number: float) -> tuple[ExpressionElement, ...]:
    return tuple(
        ExpressionElement(key, value) for key, value in sorted(elements.items()) if comparison.holds(value, number)
    )


Found = tuple[ExpressionElement, ...] | FlextFieldError


def _threshold(history: History, expression: ThresholdExpression) -> Found:
    query = _Query(
        expression.metric, expression.matchers, frozenset({MetricKind.GAUGE, MetricKind.COUNTER}), "threshold()"
    )
    found = _latest(history, query, _read_value)
    if isinstance(found, FlextFieldError):
        return found
    return _holding(found, expression.comparison, expression.value)


def _health(history: History, expression: HealthCheckExpression) -> Found:
    query = _Query(
        HEALTH_CHECK_STATUS_METRIC, expression.matchers, frozenset({MetricKind.GAUGE}), "health_check_status()"
    )
    found = _latest(history, query, _read_value)
    if isinstance(found, FlextFieldError):
        return found
    return _holding(found, Comparison.LE, expression.level)


def _counter_window(history: History, expression: IncreaseExpression | RateExpression) -> Found:
    name = "increase_over()" if isinstance(expression, IncreaseExpression) else "rate_over()"
    query = _Query(expression.metric, expression.matchers, frozenset({MetricKind.COUNTER}), name)
    found = _in_window(history, expression.window, query, _read_counter)
    if isinstance(found, FlextFieldError):
        return found
    values: dict[LabelKey, float] = {}
    for key, samples in found.items():
        if len(samples) < _PAIR:
            continue
        grown = _counter_increase(samples)
        span = samples[-1][0] - samples[0][0]
        values[key] = grown if isinstance(expression, IncreaseExpression) else grown / span
    return _holding(values, expression.comparison, expression.value)


def _quantile(history: History, expression: QuantileExpression) -> Found:
    query = _Query(expression.metric, expression.matchers, frozenset({MetricKind.HISTOGRAM}), "quantile_over()")
    found = _in_window(history, expression.window, query, _read_histogram)
    if isinstance(found, FlextFieldError):
        return found
    values: dict[LabelKey, float] = {}
    for key, samples in found.items():
        gained = _bucket_increase(samples)
        if gained is not None:
            values[key] = histogram_quantile(gained, expression.q)
    return _holding(values, expression.comparison, expression.value)


def _absent(history: History, expression: AbsentExpression) -> Found:
    query = _Query(expression.metric, expression.matchers, _ANY_KIND, "absent()")
    found = _latest(history, query, _read_signature)
    if isinstance(found, FlextFieldError):
        return found
    if found:
        return ()
    equal = [matcher for matcher in expression.matchers if matcher.op is MatchOp.EQUAL]
    names = [matcher.name for matcher in equal]
    labels = {matcher.name: matcher.value for matcher in equal if matcher.value and names.count(matcher.name) == 1}
    return (ExpressionElement(tuple(sorted(labels.items())), 1.0),)


def _stale(history: History, expression: StaleExpression) -> Found:
    query = _Query(expression.metric, expression.matchers, _ANY_KIND, "stale_for()")
    unchanged = _latest(history, query, _read_signature)
    if isinstance(unchanged, FlextFieldError):
        return unchanged
    since: dict[LabelKey, float] = {}
    index = len(history.snapshots) - 1
    # Walk back while some series still shows its current state; each stops at its last change.
    while unchanged and index > 0:
        older = _series(history.snapshots[index - 1], f"history[{index - 1}][1]", query, _read_signature)
        if isinstance(older, FlextFieldError):
            return older
        for key in [key for key, signature in unchanged.items() if older.get(key) != signature]:
            since[key] = history.times[index]
            del unchanged[key]
        index -= 1
    for key in unchanged:
        since[key] = history.times[0]
    ages = {key: history.now - time for key, time in since.items()}
    return _holding(ages, Comparison.GE, expression.duration)


def read_expression(
    expression: Expression, history: History
) -> Result[tuple[ExpressionElement, ...], FlextValidationError]:
    """The elements of a well-formed ``expression`` over a checked ``history``."""
    found: Found
    if isinstance(expression, ThresholdExpression):
        found = _threshold(history, expression)
    elif isinstance(expression, HealthCheckExpression):
        found = _health(history, expression)
    elif isinstance(expression, IncreaseExpression | RateExpression):
        found = _counter_window(history, expression)
    elif isinstance(expression, QuantileExpression):
        found = _quantile(history, expression)
    elif isinstance(expression, AbsentExpression):
        found = _absent(history, expression)
    else:
        found = _stale(history, expression)
    if isinstance(found, FlextFieldError):
        return invalid(ENTITY, [found])
    return Success(found)


def evaluate_expression(
    expression: Expression,
    history: object,
    now: object,
) -> Result[tuple[ExpressionElement, ...], FlextValidationError]:
    """The series for which ``expression`` holds over ``history`` at ``now``, sorted by labels.

    >>> print(evaluate_expression("queue_depth > 5", [], now=0.0).failure())
    invalid alert evaluation: expression: expected an expression made by threshold(), increase_over(), \
rate_over(), quantile_over(), absent(), stale_for() or health_check_status(), got 'queue_depth > 5' [wrong_type]
      history: give at least the current snapshot, as (timestamp, snapshot) [empty]
    """
    problems: Problems = []
    if not is_well_formed_expression(expression):
        add(problems, FlextErrorCode.WRONG_TYPE, "expression", f"{EXPRESSION_HELP}, got {describe(expression)}")
    checked = check_history(history, now)
    if isinstance(checked, Failure):
        problems.extend(checked.failure().errors)
    if problems:
        return invalid(ENTITY, problems)
    return read_expression(expression, checked.unwrap())
