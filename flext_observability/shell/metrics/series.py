"""Live series: the mutable, thread-safe cells behind every instrument.

Each instrument (a *family*) keeps its series in a dict under one lock. The
hot path of every operation is a type check of the value, one lock and one
addition; it returns the shared :data:`OK` constant, so a successful call
allocates nothing. A bad value never touches the series: it is refused with a
``Failure``, and counted.

``labels()`` on an instrument finds an existing series with one dict lookup;
only a new label set takes the slow path, which checks the label values once
and applies the series cap (beyond it, samples go to the overflow series).

Label sets the series are not keyed by as given are remembered, so that
asked for again they go straight to their series, without checks, redaction
or counting again:

- one whose values were redacted or are integers, with its series (at most
  ``max_series`` of them per instrument);
- one sent to the overflow series, by its ``hash`` only, since its
  destination cannot change once the cap is reached (at most
  ``OVERFLOW_MEMORY`` times ``max_series`` of them, 56 to 90 bytes each).
  A different label set with the same 64-bit hash (a chance of about one in
  2**64 per lookup, the hash being seeded per process) would go to the
  overflow series unchecked: where a label set of its types goes anyway.

Beyond these bounds such a label set takes the slow path on every call, and
each call counts again (in ``flext_observability_series_overflow_total`` or
``flext_observability_redacted_label_values_total``): the counters are exact
up to the bound and an upper bound after it, and memory stays bounded.

Memory: a label set holds at most :data:`MAX_LABEL_SET_BYTES` bytes of
UTF-8 in its values, each at most :data:`MAX_LABEL_VALUE_BYTES`, so a
series, and an instrument of at most ``max_series`` series and as many
remembered label sets, has a ceiling in bytes (see ``docs/metrics.md``).
"""

from __future__ import annotations

import math
import time
from bisect import bisect_left
from operator import itemgetter
from typing import TYPE_CHECKING, Any, ClassVar, Final, NamedTuple, Self, TypeVar, cast

from returns.result import Failure, Result, Success

from flext_observability.core.checks import Problems, add, check_finite, check_text
from flext_observability.core.errors import FlextErrorCode, FlextFieldError, FlextValidationError
from flext_observability.core.limits import MAX_LABEL_SET_BYTES, MAX_LABEL_VALUE_BYTES, MAX_LABEL_VALUE_LENGTH
from flext_observability.core.metrics.aggregation import (
    AggregationState,
    CounterState,
    GaugeState,
    HistogramState,
    SketchState,
)
from flext_observability.core.metrics.exposition import (
    BucketExemplars,
    Exemplar,
    FamilySnapshot,
    LabelPairs,
    SeriesSnapshot,
)
from flext_observability.core.metrics.instruments import OVERFLOW_LABEL, InstrumentSpec
from flext_observability.core.redaction import DEFAULT_POLICY, RedactionPolicy, redact_text
from flext_observability.core.values import MetricKind
from flext_observability.shell.context import current_span_ids
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
_now: Final = time.time
_MAX_EXACT: Final = 2**53
_OVERFLOW_PAIRS: Final[LabelPairs] = ((OVERFLOW_LABEL, "true"),)
# Integers of more bits than this have more than MAX_LABEL_VALUE_BYTES digits; they are
# refused before their (quadratic, and beyond 4300 digits raising) conversion to text.
_MAX_LABEL_INT_BITS: Final = int(MAX_LABEL_VALUE_BYTES * math.log2(10)) + 1
# Only these types are remembered as given: equal values of other types (True == 1,
# 1.0 == 1, a str subclass) must not find a series another type's label set made.
_REMEMBERED_TYPES: Final = frozenset({str, int})
_NOT_GIVEN: Final = object()

OVERFLOW_MEMORY: Final = 4
"""Overflowed label sets an instrument remembers (by hash), as a multiple of its series cap."""


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
        "on_redact",
        "on_reject",
        "overflow",
        "overflowed",
        "redaction",
        "remembered",
        "root",
        "spec",
    )

    def __init__(
        self,
        spec: InstrumentSpec,
        *,
        on_reject: Callable[[str, FlextValidationError], None],
        on_overflow: Callable[[str, bool], None],
        on_redact: Callable[[str, tuple[str, ...]], None] | None = None,
        redaction: RedactionPolicy = DEFAULT_POLICY,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Make the family and its root handle (the object users hold).

        New label values pass through ``redaction``: credentials written in
        a value (a URL's user-info, a ``token=`` parameter, a bearer token)
        never reach the exposition; a label's name is never a reason to
        replace its value. ``on_redact`` hears of each new label set that
        redaction changed, with the names of the labels it changed.
        """
        self.spec = spec
        self.redaction = redaction
        self.monotonic = monotonic
        self.lock = fork_safe_lock()
        self.children: dict[Any, Series] = {}
        # Label sets as given -> their series, when that is not children[given] (see the module docstring).
        self.remembered: dict[Any, Series] = {}
        # Hashes of label sets as given that went to the overflow series.
        self.overflowed: set[int] = set()
        self.overflow: Series | None = None
        self.arity = len(spec.label_names)
        # One label: the dict is keyed by the bare value (itemgetter returns it bare).
        self.key_of: Callable[[dict[str, object]], Any] = itemgetter(*spec.label_names) if self.arity else dict
        self.on_reject = on_reject
        self.on_overflow = on_overflow
        self.on_redact = on_redact
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
        given = self._given(values, named)
        if given is not _NOT_GIVEN:
            known = self._recall(given)
            if known is not None:
                return known
        raw = self._raw_values(values, named)
        if isinstance(raw, str):
            return self._refuse_labels(raw)
        checked = self._check_values(raw)
        if isinstance(checked, str):
            return self._refuse_labels(checked)
        key: Any = checked.values if self.arity > 1 else checked.values[0]
        found, overflowed, first_overflow = self._place(key, given)
        if checked.redacted and self.on_redact is not None:
            self.on_redact(self.spec.exposed_name, checked.redacted)
        if overflowed:
            self.on_overflow(self.spec.exposed_name, first_overflow)
        return found

    def _given(self, values: tuple[object, ...], named: dict[str, object]) -> object:
        """The label set as given, keyed as the fast path keys it, when it may be remembered; else ``_NOT_GIVEN``."""
        try:
            if named and not values and len(named) == self.arity:
                given = self.key_of(named)
            elif values and not named and len(values) == self.arity:
                given = values if self.arity > 1 else values[0]
            else:
                return _NOT_GIVEN
        except KeyError:  # a name that is not a label: the checks explain
            return _NOT_GIVEN
        parts = given if self.arity > 1 else (given,)
        return given if all(type(value) in _REMEMBERED_TYPES for value in parts) else _NOT_GIVEN

    def _recall(self, given: object) -> Series | None:
        """The series of a remembered label set (as given, of exact types ``str`` and ``int``), or ``None``."""
        known = self.remembered.get(given)
        if known is not None:
            return known
        overflow = self.overflow
        return overflow if overflow is not None and hash(given) in self.overflowed else None

    def _place(self, key: object, given: object) -> tuple[Series, bool, bool]:
        """The series of checked label values ``key`` (made, or the overflow series), remembering ``given``.

        Returns the series, whether it is the overflow series, and whether
        this call made the overflow series.
        """
        first_overflow = overflowed = False
        with self.lock:
            found = self.children.get(key)
            if found is None:
                if len(self.children) < self.spec.max_series:
                    found = type(self.root).plain()(self)
                    self.children[key] = found
                else:
                    first_overflow = self.overflow is None
                    if self.overflow is None:
                        self.overflow = type(self.root).plain()(self)
                    found = self.overflow
                    overflowed = True
            if given is not _NOT_GIVEN:
                self._remember(given, key, found, overflowed=overflowed)
        return found, overflowed, first_overflow

    def _remember(self, given: object, key: object, found: Series, *, overflowed: bool) -> None:
        """Remember ``given`` (within the bounds) when it is not the key of its series; call with the lock held."""
        if overflowed:
            if len(self.overflowed) < OVERFLOW_MEMORY * self.spec.max_series:
                self.overflowed.add(hash(given))
        elif given != key and len(self.remembered) < self.spec.max_series:
            self.remembered.setdefault(given, found)

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

    def _check_values(self, raw: tuple[object, ...]) -> LabelValues | str:
        return check_label_values(self.spec.label_names, raw, self.redaction)

    def _refuse_labels(self, message: str) -> Series:
        return type(self.root).plain().refusing(self, _problem(FlextErrorCode.WRONG_LABELS, "labels", message))

    # --- refusals and snapshots -------------------------------------------

    def refuse(self, error: FlextValidationError) -> Result[None, FlextValidationError]:
        """Count a refused operation and return its failure."""
        self.on_reject(self.spec.exposed_name, error)
        return Failure(error)

    def snapshot(self) -> FamilySnapshot:
        """An immutable copy of every series, ordered by label values."""
        names = self.spec.label_names
        with self.lock:
            cells = [(key, child.read()) for key, child in self.children.items()]
            overflow = None if self.overflow is None else self.overflow.read()
            root = None if self.arity else self.root.read()
            exemplars = self._exemplars() if self.spec.kind is MetricKind.HISTOGRAM else ()
        series: list[SeriesSnapshot] = []
        if root is not None:
            series.append(SeriesSnapshot((), self.root.state_of(root, self.spec)))
        maker = type(self.root).plain()
        for key, cell in sorted(cells, key=itemgetter(0)):
            values = key if self.arity > 1 else (key,)
            series.append(SeriesSnapshot(tuple(zip(names, values, strict=True)), maker.state_of(cell, self.spec)))
        if overflow is not None:
            series.append(SeriesSnapshot(_OVERFLOW_PAIRS, maker.state_of(overflow, self.spec)))
        return FamilySnapshot(spec=self.spec, series=tuple(series), exemplars=exemplars)

    def _exemplars(self) -> tuple[tuple[LabelPairs, BucketExemplars], ...]:
        """Under the lock: each histogram series' exemplars, by labels (series without any left out)."""
        names = self.spec.label_names
        found: list[tuple[LabelPairs, BucketExemplars]] = []
        if not self.arity:
            taken = cast("Histogram", self.root).exemplars()
            return (((), taken),) if taken else ()
        for key, child in self.children.items():
            taken = cast("Histogram", child).exemplars()
            if taken:
                values = key if self.arity > 1 else (key,)
                found.append((tuple(zip(names, values, strict=True)), taken))
        if self.overflow is not None:
            taken = cast("Histogram", self.overflow).exemplars()
            if taken:
                found.append((_OVERFLOW_PAIRS, taken))
        return tuple(sorted(found))


class LabelValues(NamedTuple):
    """Label values as a series keeps them, and which of them redaction changed."""

    values: tuple[str, ...]
    """The values, checked and redacted, in the order of the label names."""
    redacted: tuple[str, ...]
    """The names of the labels whose values held credentials (and were changed)."""


def check_label_values(names: tuple[str, ...], raw: tuple[object, ...], policy: RedactionPolicy) -> LabelValues | str:
    """The label values as the series keeps them (checked, then redacted), or what is wrong with them.

    Values are text, or integers (written in decimal). Only credentials
    written *in* a value are redacted (``redact_text``: a URL's user-info,
    ``token=``-style parameters, bearer tokens); a label's name never is a
    reason, so ``auth_method="oauth"`` and ``auth_method="basic"`` stay two
    series. A value holds at most ``MAX_LABEL_VALUE_BYTES`` bytes of UTF-8 and
    a label set ``MAX_LABEL_SET_BYTES``, counted before and after redaction
    (the larger), so that a series' size has a ceiling whatever the script.

    >>> check_label_values(("auth_method", "dsn"), ("oauth", "postgresql://etl:pw@db/x"), DEFAULT_POLICY)
    LabelValues(values=('oauth', 'postgresql://REDACTED:REDACTED@db/x'), redacted=('dsn',))
    >>> print(check_label_values(("city",), ("\U0001f600" * 300,), DEFAULT_POLICY))
    labels['city']: has 1200 bytes in UTF-8; shorten it to at most 1024 bytes [too_long]
    """
    problems: Problems = []
    checked: list[str] = []
    redacted: list[str] = []
    total = 0
    for name, value in zip(names, raw, strict=True):
        field = f"labels[{name!r}]"
        text = _label_text(problems, field, value)
        if text is None:
            continue
        label = check_text(problems, field, text, max_length=MAX_LABEL_VALUE_LENGTH, allow_empty=True)
        if label is None:
            continue
        kept = redact_text(policy, label)
        size = _utf8_size(label) if kept is label else max(_utf8_size(label), _utf8_size(kept))
        if size > MAX_LABEL_VALUE_BYTES:
            add(
                problems,
                FlextErrorCode.TOO_LONG,
                field,
                f"has {size} bytes in UTF-8; shorten it to at most {MAX_LABEL_VALUE_BYTES} bytes",
            )
            continue
        total += size
        if kept != label:
            redacted.append(name)
        checked.append(kept)
    if not problems and total > MAX_LABEL_SET_BYTES:
        add(
            problems,
            FlextErrorCode.TOO_LONG,
            "labels",
            f"the label values hold {total} bytes in UTF-8 in all; keep a label set to at most "
            f"{MAX_LABEL_SET_BYTES} bytes (long text belongs in logs, not in labels)",
        )
    if problems:
        return "; ".join(str(problem) for problem in problems)
    return LabelValues(tuple(checked), tuple(redacted))


def _label_text(problems: Problems, field: str, value: object) -> str | None:
    """``value`` as text to check: integers (status codes are common label values) in decimal.

    The type is read with ``type()``, which an object cannot fake (``isinstance``
    believes a ``__class__`` property), so that no value makes the checks raise.
    """
    kind = type(value)
    if issubclass(kind, str):
        return cast("str", value)
    if not issubclass(kind, int) or issubclass(kind, bool):
        add(problems, FlextErrorCode.WRONG_TYPE, field, f"expected text (str), got a value of type {kind.__name__}")
        return None
    if int.bit_length(cast("int", value)) > _MAX_LABEL_INT_BITS:
        add(
            problems,
            FlextErrorCode.TOO_LONG,
            field,
            f"is an integer of more than {MAX_LABEL_VALUE_BYTES} digits; shorten it to at most that",
        )
        return None
    return int.__repr__(cast("int", value))


def _utf8_size(text: str) -> int:
    """Bytes of ``text`` in UTF-8 (a lone surrogate, which the checks refuse, counted as three)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


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
    """Observations counted in buckets with fixed upper bounds (``le`` inclusive).

    An observation made while a sampled span is current becomes its
    bucket's exemplar (the latest one per bucket is kept), which OpenMetrics
    output shows beside the bucket: OpenTelemetry's trace-based exemplar
    filter. Outside a sampled span nothing more is done than one read of a
    context variable.
    """

    __slots__ = ("_bounds", "_counts", "_exemplars", "_sum")
    KIND = MetricKind.HISTOGRAM

    def __init__(self, family: Family) -> None:
        """An empty histogram series."""
        super().__init__(family)
        self._bounds = family.spec.buckets
        self._counts = [0] * (len(self._bounds) + 1)
        self._sum = 0.0
        self._exemplars: list[Exemplar | None] | None = None

    def observe(self, value: float) -> Result[None, FlextValidationError]:
        """Count one observation of ``value`` (finite)."""
        number = _number(value)
        if not isinstance(number, float):
            return self._family.refuse(number)
        index = bisect_left(self._bounds, number)
        span = current_span_ids()
        exemplar = None
        if span is not None and getattr(span, "sampled", False) is True:  # ids bound by hand have no "sampled"
            exemplar = Exemplar(span.trace_id, span.span_id, number, _now())
        with self._lock:
            total = self._sum + number
            if -_INF < total < _INF:
                self._counts[index] += 1
                self._sum = total
                if exemplar is not None:
                    if self._exemplars is None:
                        self._exemplars = [None] * len(self._counts)
                    self._exemplars[index] = exemplar
                return OK
        return self._family.refuse(_OVERFLOW)

    def exemplars(self) -> BucketExemplars:
        """The latest exemplar of each bucket (``None`` where none); taken under the family lock by the caller."""
        return () if self._exemplars is None else tuple(self._exemplars)

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
