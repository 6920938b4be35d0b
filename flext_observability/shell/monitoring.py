"""Monitoring a function: its calls, durations, errors and calls in progress, a span per call, and log lines.

:func:`monitor` wraps a function (plain, a coroutine function, a generator
or an async generator function, a method, a ``classmethod`` or a
``staticmethod``) with :func:`~flext_observability.shell.decorating.decorate`,
so that each call records, in the services it is given:

- ``flext_function_duration_seconds{function, outcome}``: a histogram of the
  seconds each call took (a generator: from its first ``next()`` to its
  end), ``outcome`` being ``success`` or ``error``;
- ``flext_function_calls_total{function, outcome}``: the calls that ended,
  read from the histograms' counts when the metrics are scraped;
- ``flext_function_errors_total{function, exception}``: by the exception's
  type name; a function counts at most :data:`MAX_EXCEPTION_TYPES` names,
  later ones count as :data:`OTHER_EXCEPTION`, and the metrics service's
  series cap bounds the family as a whole;
- ``flext_function_in_progress{function}``: calls started and not yet ended,
  read when scraped from a lock-free count of starts;

each with the constant ``labels`` given at decoration as well. A span named
after the function covers the call (the exception recorded and its status
``error`` on failure), and an error line is logged on failure (a debug line
on success when asked), while the span is current, so that the line carries
its ``trace_id`` and ``span_id``.

Everything that can be checked is checked once, when the function is
decorated: the name, the labels, the services; the label sets are bound to
their series then, so a call pays for no lookup, no label check and no dict,
and takes one lock (to observe its duration).
A call gets what the function returns or raises (the same objects); nothing
the monitoring does raises into it.

>>> from flext_observability.shell.metrics.service import FlextMetricsService
>>> from flext_observability.shell.logs.setup import get_logger
>>> metrics = FlextMetricsService()
>>> instruments = FunctionInstruments.register(metrics).unwrap()
>>> def load(rows: int) -> int:
...     return rows * 2
>>> load = monitor(load, name="load", instruments=instruments, tracing=None, logger=get_logger("etl"))
>>> load(21)
42
>>> metrics.snapshot().family("flext_function_calls").state(function="load", outcome="success")
CounterState(value=1.0)
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar, cast

from attrs import frozen
from returns.result import Failure, Result, Success

from flext_observability.core.checks import Problems, check_label_name, describe
from flext_observability.core.errors import FlextValidationError
from flext_observability.core.metrics.instruments import RESERVED_INSTRUMENT_LABELS
from flext_observability.core.redaction import DEFAULT_POLICY
from flext_observability.core.tracing.span_limits import redacted_name
from flext_observability.core.values import SpanKind, SpanStatusCode
from flext_observability.shell.context import activate_span, deactivate_span
from flext_observability.shell.decorating import decorate
from flext_observability.shell.library_log import library_logger
from flext_observability.shell.locks import fork_safe_lock
from flext_observability.shell.metrics.series import Counter, Histogram, check_label_values
from flext_observability.shell.metrics.service import FlextMetricsService
from flext_observability.shell.tracing.service import FlextTracingService

if TYPE_CHECKING:
    from flext_observability.shell.context import SpanToken
    from flext_observability.shell.metrics.callbacks import CallbackHandle
    from flext_observability.shell.tracing.span import AnySpan

F = TypeVar("F", bound="Callable[..., Any]")

FUNCTION_CALLS: Final = "flext_function_calls_total"
FUNCTION_DURATION: Final = "flext_function_duration_seconds"
FUNCTION_ERRORS: Final = "flext_function_errors_total"
FUNCTION_IN_PROGRESS: Final = "flext_function_in_progress"

OWN_LABELS: Final = frozenset({"function", "outcome", "exception"})
"""The label names the monitoring sets itself; ``labels`` given at decoration may not use them."""

OTHER_EXCEPTION: Final = "other"
"""The ``exception`` label value of the exception types a function saw beyond :data:`MAX_EXCEPTION_TYPES`."""

MAX_EXCEPTION_TYPES: Final = 32
"""Distinct exception type names one monitored function counts under their own ``exception`` label."""

MAX_EXCEPTION_NAME: Final = 128
"""Characters of an exception's type name kept in the ``exception`` label."""

SUCCEEDED: Final = "monitored call succeeded"
FAILED: Final = "monitored call failed"
CANCELLED: Final = "monitored call cancelled"
"""The events of the log lines a monitored call writes."""

_CANCELLATIONS: Final = (asyncio.CancelledError, GeneratorExit)
"""Exceptions that stop a call without it failing: counted as errors, logged at info, the span left unset."""

_LOG: Final = library_logger("flext_observability.monitoring")


class MonitorLogger(Protocol):
    """What a monitored function logs through: a structlog logger (``get_logger(...)``) has these."""

    def debug(self, event: str, *args: Any, **fields: Any) -> Any:  # noqa: ANN401 - structlog's loggers return anything
        """Log a debug line."""
        ...

    def info(self, event: str, *args: Any, **fields: Any) -> Any:  # noqa: ANN401 - same
        """Log an info line."""
        ...

    def error(self, event: str, *args: Any, **fields: Any) -> Any:  # noqa: ANN401 - same
        """Log an error line."""
        ...


class _Refusals:
    """What the monitoring refused or could not do at run time, by kind; each kind is logged once."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.lock = fork_safe_lock()

    def refuse(self, kind: str, template: str, *args: object) -> None:
        with self.lock:
            first = kind not in self.counts
            self.counts[kind] = self.counts.get(kind, 0) + 1
        if first:
            _LOG.warning(template + " (later ones of this kind are only counted: monitor_refusals())", *args)


_REFUSALS: Final = _Refusals()


def monitor_refusals() -> dict[str, int]:
    """How many times, by kind, monitored calls in this process could not record something (never raised)."""
    with _REFUSALS.lock:
        return dict(_REFUSALS.counts)


# --- the instruments -------------------------------------------------------------------


@frozen
class FunctionInstruments:
    """The metric families of monitored functions in one metrics service, with their label names.

    Durations are the one family updated by calls; the calls by outcome and
    the calls in progress are read from them (and from a lock-free count of
    starts) when the metrics are scraped, so that a call takes one lock.
    """

    metrics: FlextMetricsService
    duration: Histogram
    errors: Counter
    label_names: tuple[str, ...]
    """The names of the constant labels every function monitored through these instruments gives."""

    @classmethod
    def register(
        cls, metrics: FlextMetricsService, *, label_names: Iterable[str] = ()
    ) -> Result[FunctionInstruments, FlextValidationError]:
        """Define the families in ``metrics`` (asking again gives the same ones), with ``label_names`` added.

        Every function monitored through one metrics service gives the same
        label names; other names than the first ones defined are a
        ``Failure`` (``conflicting_definition``). A ``metrics`` that is no
        :class:`FlextMetricsService` is a ``TypeError`` naming it.
        """
        given: object = metrics
        if not isinstance(given, FlextMetricsService):
            message = f"metrics must be a FlextMetricsService, got {describe(given)}"
            raise TypeError(message)
        extra = tuple(label_names)
        duration = metrics.histogram(
            FUNCTION_DURATION,
            "Seconds each call of a monitored function took, by outcome.",
            unit="seconds",
            labels=("function", "outcome", *extra),
        )
        errors = metrics.counter(
            FUNCTION_ERRORS,
            "Calls of monitored functions that raised, by the exception's type name.",
            labels=("function", "exception", *extra),
        )
        # Defined with readers of no samples; each monitored function adds its own (see watch).
        read = _calls(metrics, extra, _no_samples).bind(lambda _: _in_progress(metrics, extra, _no_samples))
        for result in (duration, errors, read):
            if isinstance(result, Failure):
                return Failure(result.failure())
        return Success(cls(metrics=metrics, duration=duration.unwrap(), errors=errors.unwrap(), label_names=extra))

    def watch(
        self, calls: Callable[[], object], in_progress: Callable[[], object]
    ) -> Result[tuple[CallbackHandle, CallbackHandle], FlextValidationError]:
        """Add the readers of a function's calls and calls in progress (each gives ``(labels, value)`` pairs)."""
        return _calls(self.metrics, self.label_names, calls).bind(
            lambda counted: _in_progress(self.metrics, self.label_names, in_progress).map(
                lambda watched: (counted, watched)
            )
        )


def _calls(
    metrics: FlextMetricsService, label_names: tuple[str, ...], read: Callable[[], object]
) -> Result[CallbackHandle, FlextValidationError]:
    return metrics.counter_callback(
        FUNCTION_CALLS,
        "Calls of monitored functions, by outcome.",
        read,
        labels=("function", "outcome", *label_names),
    )


def _in_progress(
    metrics: FlextMetricsService, label_names: tuple[str, ...], read: Callable[[], object]
) -> Result[CallbackHandle, FlextValidationError]:
    return metrics.gauge_callback(
        FUNCTION_IN_PROGRESS,
        "Calls of monitored functions started and not ended yet.",
        read,
        labels=("function", *label_names),
    )


def _no_samples() -> tuple[()]:
    return ()


class _Starts:
    """Calls started, counted without a lock: ``itertools.count`` advances atomically under the GIL.

    Reading the count takes a number from it too; the reads are counted
    (under a lock, off the hot path) and subtracted.
    """

    __slots__ = ("_lock", "_next", "_reads", "add")

    def __init__(self) -> None:
        self._next = itertools.count().__next__
        self.add = self._next
        self._reads = 0
        self._lock = fork_safe_lock()

    def total(self) -> int:
        with self._lock:
            taken = self._next() - self._reads
            self._reads += 1
        return taken


def check_monitor_name(name: object) -> str:
    """``name`` as plain text fit for a label value and a span name; ``TypeError``/``ValueError`` naming it."""
    if not isinstance(name, str):
        message = f"name must be non-empty text (the function's name in metrics, spans and logs), got {describe(name)}"
        raise TypeError(message)
    text = str.__str__(name)  # a subclass's own methods may raise or lie
    if not text.strip():
        message = "name must be non-empty text (the function's name in metrics, spans and logs), got an empty text"
        raise ValueError(message)
    checked = check_label_values(("function",), (text,), DEFAULT_POLICY)
    problem = checked if isinstance(checked, str) else None
    if problem is not None:
        message = f"name {describe(text)} cannot be a label value: {problem}"
        raise ValueError(message)
    return text


def check_monitor_labels(labels: object) -> dict[str, str]:
    """``labels`` as a plain dict of label names to text values; ``TypeError``/``ValueError`` naming it."""
    if labels is None:
        return {}
    if not isinstance(labels, Mapping):
        message = f"labels must be a mapping of label names to text values (or None), got {describe(labels)}"
        raise TypeError(message)
    try:
        items = list(labels.items())
    except Exception as error:  # noqa: BLE001 - a mapping whose items() fails is a set-up mistake, named
        message = f"labels could not be read as a mapping ({type(error).__name__}); pass a plain dict"
        raise TypeError(message) from None
    names: list[str] = []
    values: list[object] = []
    for key, value in items:
        if not isinstance(key, str):
            message = f"labels must have text keys (label names), got {describe(key)}"
            raise TypeError(message)
        name = str.__str__(key)
        if not isinstance(value, str):
            message = f"labels[{name!r}] must be text (a constant label value), got {describe(value)}"
            raise TypeError(message)
        if name in OWN_LABELS:
            message = f"labels may not set {name!r}: the monitoring sets {sorted(OWN_LABELS)} itself; rename it"
            raise ValueError(message)
        problems: Problems = []
        if check_label_name(problems, f"labels[{name!r}]", name, RESERVED_INSTRUMENT_LABELS) is None:
            message = "labels: " + "; ".join(str(problem) for problem in problems)
            raise ValueError(message)
        names.append(name)
        values.append(value)
    # Checked here, so that a mistake raises at decoration; the metrics service redacts them with its own policy.
    checked = check_label_values(tuple(names), tuple(values), DEFAULT_POLICY)
    problem = checked if isinstance(checked, str) else None
    if problem is not None:
        message = f"labels are not valid label values: {problem}"
        raise ValueError(message)
    return {name: str.__str__(cast("str", value)) for name, value in zip(names, values, strict=True)}


def _type_name(kind: type) -> str:
    """The ``exception`` label value of an exception type: its name, cut to :data:`MAX_EXCEPTION_NAME`."""
    try:
        name: object = kind.__name__
    except Exception:  # noqa: BLE001 - a metaclass's property may raise
        return OTHER_EXCEPTION
    text = str.__str__(name) if isinstance(name, str) else ""
    return text[:MAX_EXCEPTION_NAME] or OTHER_EXCEPTION


# --- what one monitored function records into ------------------------------------------------


class _Binding:
    """One function's series handles in one set of services, bound once (the hot path only calls them)."""

    __slots__ = (
        "entered",
        "errors",
        "exceptions",
        "failed",
        "generation",
        "labels",
        "lock",
        "logger",
        "name",
        "start_span",
        "succeeded",
    )

    def __init__(
        self,
        instruments: FunctionInstruments,
        tracing: FlextTracingService | None,
        logger: MonitorLogger,
        name: str,
        labels: dict[str, str],
        generation: int,
    ) -> None:
        self.name = name
        self.labels = labels
        self.generation = generation
        succeeded = instruments.duration.labels(function=name, outcome="success", **labels)
        failed = instruments.duration.labels(function=name, outcome="error", **labels)
        self.succeeded = succeeded.observe
        self.failed = failed.observe
        starts = _Starts()
        self.entered = starts.add
        ok_labels = {"function": name, "outcome": "success", **labels}
        error_labels = {"function": name, "outcome": "error", **labels}
        series_labels = {"function": name, **labels}

        def calls() -> tuple[tuple[dict[str, str], int], ...]:
            return (ok_labels, _count(succeeded)), (error_labels, _count(failed))

        def in_progress() -> tuple[tuple[dict[str, str], int]]:
            # The ended calls first: a call ended by the time it is read was started by then too.
            ended = _count(succeeded) + _count(failed)
            return ((series_labels, starts.total() - ended),)

        watched = instruments.watch(calls, in_progress)
        if isinstance(watched, Failure):
            _REFUSALS.refuse("watch", "%s: its calls are not reported: %s", name, watched.failure())
        self.errors = instruments.errors
        self.exceptions: dict[type, Callable[[], object]] = {}
        self.start_span = None if tracing is None else _span_starter(tracing, name)
        self.logger = logger
        self.lock = fork_safe_lock()

    def count_exception(self, kind: type) -> None:
        """Count one error of type ``kind``, its series made on its first sight (bounded)."""
        count = self.exceptions.get(kind)
        if count is None:
            count = self._exception_series(kind)
        count()

    def _exception_series(self, kind: type) -> Callable[[], object]:
        label = _type_name(kind)
        with self.lock:
            known = self.exceptions.get(kind)
            if known is not None:
                return known
            key: type = kind
            if len(self.exceptions) >= MAX_EXCEPTION_TYPES:
                key, label = _Other, OTHER_EXCEPTION
                known = self.exceptions.get(_Other)
                if known is not None:
                    return known
            count = self.errors.labels(function=self.name, exception=label, **self.labels).inc
            self.exceptions[key] = count
            return count


def _count(series: Histogram) -> int:
    """The observations of a histogram series so far (read without its lock: a copy of its counts)."""
    counts, _ = series.read()
    return sum(counts)


class _Other:
    """The key of the ``exception="other"`` series in a binding's table of exception types."""


def _span_starter(tracing: FlextTracingService, name: str) -> Callable[[], AnySpan]:
    """A function that starts a span named ``name`` below the current one, without making it current.

    The monitoring makes the span current itself, around each step of the
    call (never across a generator's ``yield``), as the tracing service's
    own decorator does; the name is cleaned and redacted here, once.
    """
    span_name = redacted_name(name, tracing.limits)
    begin = tracing._begin  # noqa: SLF001 - the service's own span start, as its decorator uses it
    return functools.partial(begin, span_name, SpanKind.INTERNAL, None, None, None, None)


def _record_failure(bound: _Binding, span: AnySpan | None, error: BaseException, elapsed: float) -> None:
    """Count the exception's type, trace and log one call that raised ``error``; never raises."""
    try:
        kind = type(error)
        bound.count_exception(kind)
        cancelled = isinstance(error, _CANCELLATIONS)
        if span is not None and not cancelled:
            span.record_exception(error)
            span.set_status(SpanStatusCode.ERROR, _status_text(kind, error))
        log = bound.logger.info if cancelled else bound.logger.error
        log(
            CANCELLED if cancelled else FAILED,
            function=bound.name,
            exception_type=_type_name(kind),
            duration_seconds=elapsed,
            exc_info=error,
        )
    except Exception as failure:  # noqa: BLE001 - recording a failure must not replace it
        _REFUSALS.refuse(
            "record_failure",
            "a failed call of %s could not be fully recorded (%s)",
            bound.name,
            type(failure).__name__,
        )


def _status_text(kind: type, error: BaseException) -> str:
    name = _type_name(kind)
    try:
        text = str(error)
    except Exception:  # noqa: BLE001 - a broken __str__ must not hide the original exception
        return name
    return f"{name}: {text}" if text else name


# --- the decorator ---------------------------------------------------------------------------


class ServiceSource(Protocol):
    """Where a function that follows a replaceable set of services finds the current one."""

    def generation(self) -> int:
        """A number that changes whenever the services are replaced."""
        ...

    def services(self) -> tuple[FlextMetricsService, FlextTracingService | None, MonitorLogger]:
        """The current metrics service, tracing service (or ``None``) and logger."""
        ...


_State = tuple[_Binding, "AnySpan | None", float]
"""One call in progress: the binding it records into, its span, and its start on the monotonic clock."""


def monitor(  # noqa: PLR0913 - every part of the monitoring is chosen here, once
    function: F,
    *,
    name: str,
    instruments: FunctionInstruments,
    tracing: FlextTracingService | None,
    logger: MonitorLogger,
    labels: Mapping[str, str] | None = None,
    log_success: bool = False,
    clock: Callable[[], float] | None = None,
    source: ServiceSource | None = None,
    generation: int = 0,
) -> F:
    """``function`` wrapped so that each call records its metrics, a span (with ``tracing``) and log lines.

    ``instruments`` come from :meth:`FunctionInstruments.register` with the
    names of ``labels``; ``tracing=None`` records metrics and logs only.
    ``clock`` is the monotonic clock durations are read from
    (``time.perf_counter`` by default). With ``source``, the function
    follows the services ``source`` gives: when its ``generation()`` differs
    from the one it recorded into (``generation`` at first), it binds itself
    again, once, to ``source.services()``.

    Mistakes raise ``TypeError`` or ``ValueError`` naming the argument; after
    that, nothing the monitoring does reaches the caller.
    """
    checked_name = check_monitor_name(name)
    checked_labels = check_monitor_labels(labels)
    _check_parts(
        function,
        instruments=instruments,
        tracing=tracing,
        logger=logger,
        log_success=log_success,
        clock=clock,
        source=source,
    )
    if tuple(sorted(checked_labels)) != tuple(sorted(instruments.label_names)):
        message = (
            f"labels must have the names the instruments were registered with, {sorted(instruments.label_names)}, "
            f"got {sorted(checked_labels)}"
        )
        raise ValueError(message)
    if type(generation) is not int:
        message = f"generation must be an int, got {describe(generation)}"
        raise TypeError(message)
    now = time.perf_counter if clock is None else clock
    binding = _Binding(instruments, tracing, logger, checked_name, checked_labels, generation)
    begin = _fixed_begin(binding, now) if source is None else _following_begin(binding, now, source)
    end = _end(now, log_success=log_success)
    if source is None and tracing is None:
        return decorate(begin=begin, end=end)(function)
    if source is None:
        # Every call of this function has a span: no check for one, and the context variable's own reset.
        return decorate(begin=begin, end=end, activate=_activate_span_of, deactivate=deactivate_span)(function)
    return decorate(begin=begin, end=end, activate=_activate, deactivate=_deactivate)(function)


def _check_parts(  # noqa: PLR0913 - each part is checked once, here
    function: object,
    *,
    instruments: object,
    tracing: object,
    logger: object,
    log_success: object,
    clock: object,
    source: object,
) -> None:
    """A ``TypeError`` naming the first part of a monitor that is not what it must be."""
    if not callable(function) and not isinstance(function, classmethod | staticmethod):
        message = f"function must be a function or other callable to monitor, got {describe(function)}"
        raise TypeError(message)
    if not isinstance(instruments, FunctionInstruments):
        message = (
            f"instruments must be FunctionInstruments (FunctionInstruments.register(...)), got {describe(instruments)}"
        )
        raise TypeError(message)
    if tracing is not None and not isinstance(tracing, FlextTracingService):
        message = f"tracing must be a FlextTracingService or None, got {describe(tracing)}"
        raise TypeError(message)
    if not all(callable(getattr(logger, method, None)) for method in ("debug", "info", "error")):
        message = f"logger must be a logger with debug(), info() and error() (get_logger(...)), got {describe(logger)}"
        raise TypeError(message)
    if type(log_success) is not bool:
        message = f"log_success must be True or False, got {describe(log_success)}"
        raise TypeError(message)
    if clock is not None and not callable(clock):
        message = f"clock must be a function giving monotonic seconds (time.perf_counter), got {describe(clock)}"
        raise TypeError(message)
    if source is not None and not all(callable(getattr(source, method, None)) for method in ("generation", "services")):
        message = f"source must have generation() and services() methods, got {describe(source)}"
        raise TypeError(message)


def _fixed_begin(binding: _Binding, now: Callable[[], float]) -> Callable[[], _State]:
    """The start of a call that always records into ``binding``."""
    entered = binding.entered
    start_span = binding.start_span
    if start_span is None:

        def begin() -> _State:
            entered()
            return binding, None, now()

        return begin

    def begin_traced() -> _State:
        entered()
        return binding, start_span(), now()

    return begin_traced


def _following_begin(binding: _Binding, now: Callable[[], float], source: ServiceSource) -> Callable[[], _State]:
    """The start of a call that records into the services ``source`` gives now (bound again when they change)."""
    current = [binding]
    generation = source.generation
    lock = fork_safe_lock()

    def rebind() -> _Binding:
        with lock:
            bound = current[0]
            wanted = bound.generation
            try:
                wanted = generation()
                if bound.generation != wanted:
                    current[0] = _rebound(bound, source, wanted)
            except Exception as error:  # noqa: BLE001 - the call goes on recording where it did
                _REFUSALS.refuse(
                    "rebind", "%s could not follow the new services (%s)", bound.name, type(error).__name__
                )
                # Tried once per change of services, not once per call.
                bound.generation = wanted
            return current[0]

    def begin() -> _State:
        bound = current[0]
        if bound.generation != generation():
            bound = rebind()
        bound.entered()
        start_span = bound.start_span
        return bound, None if start_span is None else start_span(), now()

    return begin


def _rebound(bound: _Binding, source: ServiceSource, wanted: int) -> _Binding:
    """``bound``'s function bound to the services ``source`` gives now; ``bound`` kept when that fails."""
    metrics, tracing, logger = source.services()
    instruments = FunctionInstruments.register(metrics, label_names=tuple(bound.labels))
    if isinstance(instruments, Failure):
        _REFUSALS.refuse(
            "rebind",
            "%s keeps recording into the services it had: the new metrics service refused its instruments: %s",
            bound.name,
            instruments.failure(),
        )
        bound.generation = wanted
        return bound
    return _Binding(instruments.unwrap(), tracing, logger, bound.name, bound.labels, wanted)


def _end(now: Callable[[], float], *, log_success: bool) -> Callable[[_State, BaseException | None], None]:
    """The end of a call: its duration, its outcome, its log lines, its span ended."""

    def end(state: _State, error: BaseException | None) -> None:
        bound, span, start = state
        elapsed = now() - start
        try:
            if error is None:
                bound.succeeded(elapsed)
                if log_success:
                    bound.logger.debug(SUCCEEDED, function=bound.name, duration_seconds=elapsed)
            else:
                bound.failed(elapsed)
                _record_failure(bound, span, error, elapsed)
        finally:
            if span is not None:
                span.end()

    return end


def _activate_span_of(state: _State) -> SpanToken:
    return activate_span(state[1])


def _activate(state: _State) -> SpanToken | None:
    span = state[1]
    return None if span is None else activate_span(span)


def _deactivate(token: SpanToken | None) -> None:
    if token is not None:
        deactivate_span(token)


__all__ = [
    "FUNCTION_CALLS",
    "FUNCTION_DURATION",
    "FUNCTION_ERRORS",
    "FUNCTION_IN_PROGRESS",
    "MAX_EXCEPTION_TYPES",
    "OTHER_EXCEPTION",
    "FunctionInstruments",
    "MonitorLogger",
    "ServiceSource",
    "check_monitor_labels",
    "check_monitor_name",
    "monitor",
    "monitor_refusals",
]
