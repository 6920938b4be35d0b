"""Live series: the mutable, thread-safe cells behind every instrument.

Each instrument (a *family*) keeps its series in a dict under one lock. The
hot path of every operation is a type check of the value, one lock and one
addition; it returns the shared :data:`OK` constant, so a successful call
allocates nothing. A bad value never touches the series: it is refused with a
``Failure``, and counted.

``labels()`` on an instrument finds an existing series with one dict lookup;
only a new label set takes the slow path, which checks the label values once
and applies the series cap (beyond it, samples go to the overflow series).
"""

from __future__ import annotations

import math
import time
from bisect import bisect_left
from operator import itemgetter
from typing import TYPE_CHECKING, Any, ClassVar, Final, Self, TypeVar, cast

from returns.result import Failure, Result, Success

from flext_observability.core.checks import Problems, add, check_finite, check_text
from flext_observability.core.errors import FlextErrorCode, FlextFieldError, FlextValidationError
from flext_observability.core.limits import MAX_LABEL_VALUE_LENGTH
from flext_observability.core.metrics.aggregation import (
    AggregationState,
    CounterState,
    GaugeState,
    HistogramState,
    SketchState,
)
from flext_observability.core.metrics.exposition import FamilySnapshot, LabelPairs, SeriesSnapshot
from flext_observability.core.metrics.instruments import OVERFLOW_LABEL, InstrumentSpec
from flext_observability.core.redaction import DEFAULT_POLICY, RedactionPolicy, is_sensitive_key, redact_text
from flext_observability.core.values import MetricKind
from flext_observability.shell.decorating import decorate
from flext_observability.shell.locks import fork_safe_lock
from flext_observability.shell.metrics.sketch import LiveSketch

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

F = TypeVar("F", bound="Callable[..., Any]")

OK: Final[Result[None, FlextValidationError]] = Success(None)
"""The result of every successful operation: one shared object, no allocation."""

_INF: Final = math.inf
_MAX_EXACT: Final = 2**53
_OVERFLOW_PAIRS: Final[LabelPairs] = ((OVERFLOW_LABEL, "true"),)


def _problem(code: FlextErrorCode, field: str, message: str) -> FlextValidationError:
    return FlextValidationError(
        entity="sample",
        errors=(FlextFieldError(code=code, field=field, message=message),),
    )


def _slow_number(value: object, *, allow_negative: bool) -> float | FlextValidationError:
    """The core's number rules, for values off the fast path (ints beyond 2**53, subclasses, bad values)."""
    problems: Problems = []
    number = check_finite(problems, "value", value)
    if number is not None and not allow_negative and number < 0:
        add(
            problems,
            FlextErrorCode.NEGATIVE_COUNTER,
            "value",
            f"a counter only goes up; got {number!r} (use a gauge for values that go down)",
        )
    if problems or number is None:
        return FlextValidationError(entity="sample", errors=tuple(problems))
    return number


def _number(value: object) -> float | FlextValidationError:
    """``value`` as a finite float, or why not; plain floats and small ints take the fast path."""
    if value.__class__ is float:
        if -_INF < value < _INF:
            return value
    elif value.__class__ is int and -_MAX_EXACT <= value <= _MAX_EXACT:
        return float(value)
    return _slow_number(value, allow_negative=True)


_OVERFLOW: Final = _problem(
    FlextErrorCode.OUT_OF_RANGE,
    "value",
    "the total would exceed the largest float; record the values in a larger unit",
)


class Family:
    """The live state of one instrument: its definition, its series and their lock."""

    __slots__ = (
        "arity",
        "children",
        "key_of",
        "lock",
        "monotonic",
        "on_overflow",
        "on_reject",
        "overflow",
        "redaction",
        "root",
        "spec",
    )

    def __init__(
        self,
        spec: InstrumentSpec,
        *,
        on_reject: Callable[[str, FlextErrorCode], None],
        on_overflow: Callable[[str, bool], None],
        redaction: RedactionPolicy = DEFAULT_POLICY,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Make the family and its root handle (the object users hold).

        New label values pass through ``redaction`` (as log values do): a
        label named like a secret, or a URL with credentials in a value,
        never reaches the exposition.
        """
        self.spec = spec
        self.redaction = redaction
        self.monotonic = monotonic
        self.lock = fork_safe_lock()
        self.children: dict[Any, Series] = {}
        self.overflow: Series | None = None
        self.arity = len(spec.label_names)
        # One label: the dict is keyed by the bare value (itemgetter returns it bare).
        self.key_of: Callable[[dict[str, object]], Any] = itemgetter(*spec.label_names) if self.arity else dict
        self.on_reject = on_reject
        self.on_overflow = on_overflow
        series_class = SERIES_CLASSES[spec.kind]
        if self.arity:
            self.root: Series = series_class.refusing(
                self,
                _problem(
                    FlextErrorCode.WRONG_LABELS,
                    "labels",
                    f"{spec.name!r} has labels {list(spec.label_names)}; call .labels(...) first",
                ),
            )
        else:
            self.root = series_class(self)

    # --- label lookup (slow path) ------------------------------------------

    def child(self, requester: Series, values: tuple[object, ...], named: dict[str, object]) -> Series:
        """The series for these label values, made on first use; never raises."""
        if requester is not self.root:
            return self._refuse_labels("labels() belongs to the instrument, not to one of its series")
        if not self.arity:
            if values or named:
                return self._refuse_labels(f"{self.spec.name!r} has no labels")
            return self.root
        raw = self._raw_values(values, named)
        if isinstance(raw, str):
            return self._refuse_labels(raw)
        checked = self._check_values(raw)
        if isinstance(checked, str):
            return self._refuse_labels(checked)
        key: Any = checked if self.arity > 1 else checked[0]
        with self.lock:
            found = self.children.get(key)
            if found is not None:
                return found
            if len(self.children) < self.spec.max_series:
                made = type(self.root).plain()(self)
                self.children[key] = made
                return made
            first_overflow = self.overflow is None
            if self.overflow is None:
                self.overflow = type(self.root).plain()(self)
            overflow = self.overflow
        self.on_overflow(self.spec.exposed_name, first_overflow)
        return overflow

    def _raw_values(self, values: tuple[object, ...], named: dict[str, object]) -> tuple[object, ...] | str:
        names = self.spec.label_names
        if values and named:
            return "pass label values either by position or by name, not both"
        if named:
            if set(named) != set(names):
                missing = sorted(set(names) - set(named))
                unknown = sorted(set(named) - set(names))
                return f"expected labels {list(names)}; missing {missing}, unknown {unknown}"
            return tuple(named[name] for name in names)
        if len(values) != len(names):
            return f"expected {len(names)} label values {list(names)}, got {len(values)}"
        return values

    def _check_values(self, raw: tuple[object, ...]) -> tuple[str, ...] | str:
        return check_label_values(self.spec.label_names, raw, self.redaction)

    def _refuse_labels(self, message: str) -> Series:
        return type(self.root).plain().refusing(self, _problem(FlextErrorCode.WRONG_LABELS, "labels", message))

    # --- refusals and snapshots -------------------------------------------

    def refuse(self, error: FlextValidationError) -> Result[None, FlextValidationError]:
        """Count a refused operation and return its failure."""
        self.on_reject(self.spec.exposed_name, error.errors[0].code)
        return Failure(error)

    def snapshot(self) -> FamilySnapshot:
        """An immutable copy of every series, ordered by label values."""
        names = self.spec.label_names
        with self.lock:
            cells = [(key, child.read()) for key, child in self.children.items()]
            overflow = None if self.overflow is None else self.overflow.read()
            root = None if self.arity else self.root.read()
        series: list[SeriesSnapshot] = []
        if root is not None:
            series.append(SeriesSnapshot((), self.root.state_of(root, self.spec)))
        maker = type(self.root).plain()
        for key, cell in sorted(cells, key=itemgetter(0)):
            values = key if self.arity > 1 else (key,)
            series.append(SeriesSnapshot(tuple(zip(names, values, strict=True)), maker.state_of(cell, self.spec)))
        if overflow is not None:
            series.append(SeriesSnapshot(_OVERFLOW_PAIRS, maker.state_of(overflow, self.spec)))
        return FamilySnapshot(spec=self.spec, series=tuple(series))


def check_label_values(
    names: tuple[str, ...], raw: tuple[object, ...], policy: RedactionPolicy
) -> tuple[str, ...] | str:
    """The label values as the series keeps them (checked, then redacted), or what is wrong with them."""
    problems: Problems = []
    checked: list[str] = []
    for name, value in zip(names, raw, strict=True):
        # Integers are common label values (status codes); anything else must be text.
        text = int.__repr__(value) if isinstance(value, int) and not isinstance(value, bool) else value
        label = check_text(problems, f"labels[{name!r}]", text, max_length=MAX_LABEL_VALUE_LENGTH, allow_empty=True)
        if label is not None:
            checked.append(policy.replacement if is_sensitive_key(policy, name) else redact_text(policy, label))
    if problems:
        return "; ".join(str(problem) for problem in problems)
    return tuple(checked)


class Series:
    """One series of an instrument. Operations return a ``Result`` and never raise."""

    __slots__ = ("_family", "_lock")
    KIND: ClassVar[MetricKind]

    def __init__(self, family: Family) -> None:
        """A new, empty series of ``family``."""
        self._family = family
        self._lock = family.lock

    def labels(self, *values: object, **named: object) -> Self:
        """The series of these label values (by position or by name), made on first use.

        A wrong label set gives a series whose every operation returns a
        ``Failure`` saying what is wrong; nothing raises.
        """
        family = self._family
        if self is family.root:
            try:
                if named and not values and len(named) == family.arity:
                    found = family.children.get(family.key_of(named))
                elif values and not named and len(values) == family.arity:
                    found = family.children.get(values if family.arity > 1 else values[0])
                else:
                    found = None
            except Exception:  # noqa: BLE001 - missing names, unhashable values...: the slow path explains
                found = None
            if found is not None:
                return found  # type: ignore[return-value]
        return family.child(self, values, named)  # type: ignore[return-value]

    @classmethod
    def plain(cls) -> type[Series]:
        """The working (not refusing) class of this kind."""
        return SERIES_CLASSES[cls.KIND]

    @classmethod
    def refusing(cls, family: Family, error: FlextValidationError) -> Series:
        """A series of this kind whose every operation is refused with ``error``."""
        return REFUSING_CLASSES[cls.KIND](family, error)

    def read(self) -> object:
        """A copy of the mutable state, taken under the family lock by the caller."""
        raise NotImplementedError

    @classmethod
    def state_of(cls, cell: object, spec: InstrumentSpec) -> AggregationState:
        """The core state for a copy made by :meth:`read`."""
        raise NotImplementedError


class _Timer:
    """Measures a block, or each call of a decorated function, and records its seconds when it ends.

    As a context manager it times the block; as a decorator (of a plain or
    async function, a generator or an async generator) it times every call
    on its own, a generator from its first ``next()`` to its end. Time is
    read from the service's monotonic clock.
    """

    __slots__ = ("_monotonic", "_record", "_start", "result")

    def __init__(
        self, record: Callable[[float], Result[None, FlextValidationError]], monotonic: Callable[[], float]
    ) -> None:
        self._record = record
        self._monotonic = monotonic
        self._start = 0.0
        self.result: Result[None, FlextValidationError] = OK

    def __enter__(self) -> Self:
        self._start = self._monotonic()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.result = self._record(max(self._monotonic() - self._start, 0.0))

    def __call__(self, function: F) -> F:
        """``function`` with every call timed (see the class docstring)."""
        monotonic, record = self._monotonic, self._record

        def end(start: float, _error: BaseException | None) -> None:
            record(max(monotonic() - start, 0.0))

        return decorate(begin=monotonic, end=end)(function)


class Counter(Series):
    """A value that only goes up: rows read, requests served, errors seen."""

    __slots__ = ("_value",)
    KIND = MetricKind.COUNTER

    def __init__(self, family: Family) -> None:
        """A counter series at zero."""
        super().__init__(family)
        self._value = 0.0

    def inc(self, amount: float | int = 1.0) -> Result[None, FlextValidationError]:  # noqa: PYI041 - ints take their own fast path
        """Add ``amount`` (finite, zero or more)."""
        if (amount.__class__ is float and 0.0 <= amount < _INF) or (
            amount.__class__ is int and 0 <= amount <= _MAX_EXACT
        ):
            number = amount
        else:
            checked = _slow_number(amount, allow_negative=False)
            if not isinstance(checked, float):
                return self._family.refuse(checked)
            number = checked
        with self._lock:
            total = self._value + number
            if total < _INF:
                self._value = total
                return OK
        return self._family.refuse(_OVERFLOW)

    def read(self) -> float:
        """The current value."""
        return self._value

    @classmethod
    def state_of(cls, cell: object, spec: InstrumentSpec) -> AggregationState:
        """A counter state."""
        del spec
        return CounterState(value=cast("float", cell))


class Gauge(Series):
    """A value that goes up and down: queue depth, lag, last success time."""

    __slots__ = ("_value",)
    KIND = MetricKind.GAUGE

    def __init__(self, family: Family) -> None:
        """A gauge series at zero."""
        super().__init__(family)
        self._value = 0.0

    def set(self, value: float) -> Result[None, FlextValidationError]:
        """Set the gauge to ``value`` (finite)."""
        number = _number(value)
        if not isinstance(number, float):
            return self._family.refuse(number)
        with self._lock:
            self._value = number
        return OK

    def inc(self, amount: float = 1.0) -> Result[None, FlextValidationError]:
        """Add ``amount`` (finite; negative goes down)."""
        number = _number(amount)
        if not isinstance(number, float):
            return self._family.refuse(number)
        return self._add(number)

    def dec(self, amount: float = 1.0) -> Result[None, FlextValidationError]:
        """Subtract ``amount`` (finite)."""
        number = _number(amount)
        if not isinstance(number, float):
            return self._family.refuse(number)
        return self._add(-number)

    def _add(self, number: float) -> Result[None, FlextValidationError]:
        with self._lock:
            total = self._value + number
            if -_INF < total < _INF:
                self._value = total
                return OK
        return self._family.refuse(_OVERFLOW)

    def time(self) -> _Timer:
        """A context manager that sets the gauge to the seconds its block took."""
        return _Timer(self.set, self._family.monotonic)

    def read(self) -> float:
        """The current value."""
        return self._value

    @classmethod
    def state_of(cls, cell: object, spec: InstrumentSpec) -> AggregationState:
        """A gauge state."""
        del spec
        return GaugeState(value=cast("float", cell))


class Histogram(Series):
    """Observations counted in buckets with fixed upper bounds (``le`` inclusive)."""

    __slots__ = ("_bounds", "_counts", "_sum")
    KIND = MetricKind.HISTOGRAM

    def __init__(self, family: Family) -> None:
        """An empty histogram series."""
        super().__init__(family)
        self._bounds = family.spec.buckets
        self._counts = [0] * (len(self._bounds) + 1)
        self._sum = 0.0

    def observe(self, value: float) -> Result[None, FlextValidationError]:
        """Count one observation of ``value`` (finite)."""
        number = _number(value)
        if not isinstance(number, float):
            return self._family.refuse(number)
        index = bisect_left(self._bounds, number)
        with self._lock:
            total = self._sum + number
            if -_INF < total < _INF:
                self._counts[index] += 1
                self._sum = total
                return OK
        return self._family.refuse(_OVERFLOW)

    def time(self) -> _Timer:
        """A context manager that observes the seconds its block took."""
        return _Timer(self.observe, self._family.monotonic)

    def read(self) -> tuple[tuple[int, ...], float]:
        """The bucket counts and the sum."""
        return tuple(self._counts), self._sum

    @classmethod
    def state_of(cls, cell: object, spec: InstrumentSpec) -> AggregationState:
        """A histogram state."""
        counts, total = cast("tuple[tuple[int, ...], float]", cell)
        return HistogramState(bounds=spec.buckets, counts=counts, sum=total, count=sum(counts))


class Summary(Series):
    """Observations summarised by count, sum and quantiles of a mergeable sketch."""

    __slots__ = ("_sketch",)
    KIND = MetricKind.SUMMARY

    def __init__(self, family: Family) -> None:
        """An empty summary series."""
        super().__init__(family)
        self._sketch = LiveSketch()

    def observe(self, value: float) -> Result[None, FlextValidationError]:
        """Add one observation of ``value`` (finite)."""
        number = _number(value)
        if not isinstance(number, float):
            return self._family.refuse(number)
        with self._lock:
            added = self._sketch.add(number)
        return OK if added else self._family.refuse(_OVERFLOW)

    def time(self) -> _Timer:
        """A context manager that observes the seconds its block took."""
        return _Timer(self.observe, self._family.monotonic)

    def read(self) -> SketchState:
        """The sketch, frozen."""
        return self._sketch.freeze()

    @classmethod
    def state_of(cls, cell: object, spec: InstrumentSpec) -> AggregationState:
        """The frozen sketch itself."""
        del spec
        return cast("SketchState", cell)


class _Refusal:
    """Mixin: every operation is refused with the stored error."""

    __slots__ = ()
    _family: Family
    _error: FlextValidationError

    def _refused(self) -> Result[None, FlextValidationError]:
        return self._family.refuse(self._error)


class RefusedCounter(_Refusal, Counter):
    """A counter whose operations are refused (wrong labels)."""

    __slots__ = ("_error",)

    def __init__(self, family: Family, error: FlextValidationError) -> None:
        """Refuse every operation with ``error``."""
        super().__init__(family)
        self._error = error

    def inc(self, amount: float = 1.0) -> Result[None, FlextValidationError]:
        """Refused."""
        del amount
        return self._refused()


class RefusedGauge(_Refusal, Gauge):
    """A gauge whose operations are refused (wrong labels)."""

    __slots__ = ("_error",)

    def __init__(self, family: Family, error: FlextValidationError) -> None:
        """Refuse every operation with ``error``."""
        super().__init__(family)
        self._error = error

    def set(self, value: float) -> Result[None, FlextValidationError]:
        """Refused."""
        del value
        return self._refused()

    def inc(self, amount: float = 1.0) -> Result[None, FlextValidationError]:
        """Refused."""
        del amount
        return self._refused()

    def dec(self, amount: float = 1.0) -> Result[None, FlextValidationError]:
        """Refused."""
        del amount
        return self._refused()


class RefusedHistogram(_Refusal, Histogram):
    """A histogram whose operations are refused (wrong labels)."""

    __slots__ = ("_error",)

    def __init__(self, family: Family, error: FlextValidationError) -> None:
        """Refuse every operation with ``error``."""
        super().__init__(family)
        self._error = error

    def observe(self, value: float) -> Result[None, FlextValidationError]:
        """Refused."""
        del value
        return self._refused()


class RefusedSummary(_Refusal, Summary):
    """A summary whose operations are refused (wrong labels)."""

    __slots__ = ("_error",)

    def __init__(self, family: Family, error: FlextValidationError) -> None:
        """Refuse every operation with ``error``."""
        super().__init__(family)
        self._error = error

    def observe(self, value: float) -> Result[None, FlextValidationError]:
        """Refused."""
        del value
        return self._refused()


SERIES_CLASSES: Final[dict[MetricKind, type[Series]]] = {
    MetricKind.COUNTER: Counter,
    MetricKind.GAUGE: Gauge,
    MetricKind.HISTOGRAM: Histogram,
    MetricKind.SUMMARY: Summary,
}
REFUSING_CLASSES: Final[dict[MetricKind, Callable[[Family, FlextValidationError], Series]]] = {
    MetricKind.COUNTER: RefusedCounter,
    MetricKind.GAUGE: RefusedGauge,
    MetricKind.HISTOGRAM: RefusedHistogram,
    MetricKind.SUMMARY: RefusedSummary,
}
