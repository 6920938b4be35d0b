"""``FlextTracingService``: spans in context, W3C propagation, sampling and batched export.

>>> from flext_observability.shell.tracing.exporters import InMemorySpanRepository
>>> repository = InMemorySpanRepository()
>>> tracing = FlextTracingService(service_name="orders-pipeline", exporters=[repository])
>>> with tracing.start_span("nightly-load") as run:
...     with tracing.start_span("extract", attributes={"rows": 1200}) as step:
...         step.add_event("batch read")
>>> tracing.force_flush(5)
True
>>> trace = repository.query_traces()[0]
>>> trace.root.name, [span.name for span in trace.children(trace.root.span_id)]
('nightly-load', ['extract'])
>>> tracing.shutdown(5)
True
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, ParamSpec, TypeVar

from flext_observability.core.checks import describe
from flext_observability.core.tracing.baggage import Baggage
from flext_observability.core.tracing.sampling import (
    AlwaysOffSampler,
    AlwaysOnSampler,
    ParentBasedSampler,
    Sampler,
    always_on,
    parent_based,
)
from flext_observability.core.tracing.span_limits import (
    DEFAULT_LIMITS,
    SpanLimits,
    clean_name,
    redacted_name,
)
from flext_observability.core.tracing.traceparent import SpanContext
from flext_observability.core.tracing.tracestate import EMPTY_TRACE_STATE
from flext_observability.core.values import SpanKind, SpanStatusCode
from flext_observability.shell.clock import Clock, SystemClock
from flext_observability.shell.context import (
    BaggageToken,
    SpanToken,
    activate_baggage,
    activate_span,
    current_span_ids,
    deactivate_baggage,
    deactivate_span,
    span_ids_of,
)
from flext_observability.shell.decorating import decorate
from flext_observability.shell.ids import IdGenerator, RandomIdGenerator
from flext_observability.shell.library_log import library_logger
from flext_observability.shell.tracing.environment import EnvironmentProblem, log_problems, read_environment, sampler_of
from flext_observability.shell.tracing.exporters import FlextOtlpHttpExporter, SpanExporter
from flext_observability.shell.tracing.processor import (
    DEFAULT_EXPORT_TIMEOUT,
    DEFAULT_MAX_EXPORT_BATCH_SIZE,
    DEFAULT_MAX_QUEUE_BYTES,
    DEFAULT_MAX_QUEUE_SIZE,
    DEFAULT_SCHEDULE_DELAY,
    BatchSpanProcessor,
    ProcessorCounts,
    check_exporters,
)
from flext_observability.shell.tracing.propagation import RemoteContext, extract, inject
from flext_observability.shell.tracing.span import AnySpan, NonRecordingSpan, Span

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, MutableMapping
    from types import TracebackType

    from flext_observability.shell.metrics.service import FlextMetricsService

P = ParamSpec("P")
R = TypeVar("R")

_LOG: Final = library_logger("flext_observability.tracing")

_RECORDED_STATUS: Final = SpanStatusCode.ERROR
_MAX_REMEMBERED_NAMES: Final = 1024
"""Distinct span names whose cleaned, redacted form a tracing service remembers."""


Parent = AnySpan | SpanContext | RemoteContext | str | Mapping[str, str] | None
"""What a new span may be started below: a span, a span context, what ``extract`` read, or the headers themselves.

A ``str`` is a ``traceparent`` header value; a mapping (or ``http.server``
headers) is read as :func:`~flext_observability.shell.tracing.propagation.extract` reads it.
"""

_NEW_TRACE: Final = RemoteContext(span_context=None)
"""The parent of a span that must start a new trace (a parent that could not be read was given)."""

_KINDS_LISTED: Final = ", ".join(kind.value for kind in SpanKind)


def current_span() -> AnySpan | None:
    """The span the calling code runs in (recording or not), if it is one of ours."""
    current = current_span_ids()
    return current if isinstance(current, Span | NonRecordingSpan) else None


def _baggage_of(arguments: tuple[Any, ...]) -> Baggage | None:
    """The baggage a remote parent brings, to make current while its span runs."""
    parent = arguments[4]
    return parent.baggage if isinstance(parent, RemoteContext) and parent.baggage else None


_Entry = tuple[AnySpan, SpanToken, BaggageToken | None, int]
"""One entry of a scope: its span, the context tokens to restore, and the thread that entered."""


class SpanScope:
    """A span to start: use it as a context manager, or as a decorator of sync or async functions.

    Each entry starts its own span and keeps its own context tokens, so one
    scope object may be entered again inside itself, or by several threads
    (or tasks) at once: every entry ends its span and restores the context it
    found.
    """

    __slots__ = ("_arguments", "_entries", "_service")

    def __init__(self, service: FlextTracingService, arguments: tuple[Any, ...]) -> None:
        """Remember what to start; nothing starts until the scope is entered or the function called."""
        self._service = service
        self._arguments = arguments
        # Keyed by the id of each entry's span, which stays alive (and its id unique) while it is here.
        self._entries: dict[int, _Entry] = {}

    def __enter__(self) -> AnySpan:
        """Start a span and make it current (with the remote parent's baggage, if any)."""
        baggage = _baggage_of(self._arguments)
        baggage_token = activate_baggage(baggage) if baggage is not None else None
        span = self._service._begin(*self._arguments)  # noqa: SLF001 - the scope is the service's own helper
        # One dict store: atomic, so threads entering the same scope do not need a lock.
        self._entries[id(span)] = (span, activate_span(span), baggage_token, threading.get_ident())
        return span

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """End the span this entry started (recording an exception that escapes the block) and restore the context."""
        # The entry's span is current here, since entering made it current in this very context.
        entry = self._entries.pop(id(current_span_ids()), None) or self._stray_entry()
        if entry is None:
            return
        span, token, baggage_token, _ = entry
        if exc is not None:
            _record_failure(span, exc)
        span.end()
        deactivate_span(token)
        if baggage_token is not None:
            deactivate_baggage(baggage_token)

    def _stray_entry(self) -> _Entry | None:
        """The newest entry of this thread, for a block that made another span current and left it so."""
        thread = threading.get_ident()
        for key, entry in reversed(list(self._entries.items())):
            if entry[3] == thread:
                return self._entries.pop(key, None)
        return None

    def __call__(self, function: Callable[P, R]) -> Callable[P, R]:
        """Trace every call of ``function``: a plain or async function, a generator or an async generator.

        A generator's span covers its whole iteration (until it is exhausted,
        closed or raises), and the span is current only while its code runs.
        """
        begin = functools.partial(self._service._begin, *self._arguments)  # noqa: SLF001 - the scope is the service's own helper
        baggage = _baggage_of(self._arguments)
        if baggage is None:
            return decorate(begin=begin, end=_end_span, activate=activate_span, deactivate=deactivate_span)(function)
        remote = baggage

        def activate(span: AnySpan) -> tuple[SpanToken, BaggageToken]:
            return activate_span(span), activate_baggage(remote)

        def deactivate(tokens: tuple[SpanToken, BaggageToken]) -> None:
            deactivate_baggage(tokens[1])
            deactivate_span(tokens[0])

        return decorate(begin=begin, end=_end_span, activate=activate, deactivate=deactivate)(function)


def _end_span(span: AnySpan, error: BaseException | None) -> None:
    """End a decorated call's span, recording the exception that escaped it, if any."""
    if error is not None:
        _record_failure(span, error)
    span.end()


def _record_failure(span: AnySpan, error: BaseException) -> None:
    """An exception escaped the span: record it, and mark the span as failed (not for cancellations)."""
    if isinstance(error, GeneratorExit | asyncio.CancelledError):
        return
    span.record_exception(error)
    try:
        text = str(error)
    except Exception:  # noqa: BLE001 - a broken __str__ must not hide the original exception
        text = ""
    span.set_status(_RECORDED_STATUS, f"{type(error).__name__}: {text}" if text else type(error).__name__)


class FlextTracingService:
    """Starts spans, keeps the current one in context, propagates it, and exports the sampled ones."""

    def __init__(  # noqa: PLR0913 - every part of tracing can be chosen; all have defaults
        self,
        *,
        service_name: str | None = None,
        exporters: Iterable[SpanExporter] = (),
        sampler: Sampler | None = None,
        limits: SpanLimits = DEFAULT_LIMITS,
        id_generator: IdGenerator | None = None,
        metrics: FlextMetricsService | None = None,
        clock: Clock | None = None,
        max_queue_size: int = DEFAULT_MAX_QUEUE_SIZE,
        max_queue_bytes: int = DEFAULT_MAX_QUEUE_BYTES,
        max_export_batch_size: int = DEFAULT_MAX_EXPORT_BATCH_SIZE,
        schedule_delay: float = DEFAULT_SCHEDULE_DELAY,
        export_timeout: float = DEFAULT_EXPORT_TIMEOUT,
    ) -> None:
        """Set up tracing; a bad setting raises ``TypeError`` (wrong kind) or ``ValueError`` naming it.

        Without ``service_name`` the service is named by ``OTEL_SERVICE_NAME``,
        else by ``service.name`` in ``OTEL_RESOURCE_ATTRIBUTES``, else
        ``unknown_service:python`` (OpenTelemetry's default); a bad variable
        is logged and counted, not raised. The default sampler follows the parent's decision and samples every
        trace that starts here (``parent_based(always_on())``). Spans read
        their start, end and event times from ``clock`` (the system's by
        default; a ``FakeClock`` makes them exact in tests). The export
        schedule and timeouts wait in real time.
        """
        problems: tuple[EnvironmentProblem, ...] = ()
        if service_name is None:
            named, problems = read_environment(os.environ, only=("OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES"))
            log_problems(problems)
            service_name = named.service_name
        given: object = service_name
        if not isinstance(given, str):
            message = f"service_name must be text or None, not {describe(given)}"
            raise TypeError(message)
        service_name = str.__str__(given)  # a subclass's own methods may raise or lie
        if not service_name or clean_name(service_name, "") != service_name:
            message = f"service_name must be non-empty text of at most 255 characters, not {describe(service_name)}"
            raise ValueError(message)
        _check_parts(sampler=sampler, limits=limits, id_generator=id_generator, clock=clock)
        self.service_name = service_name
        self.sampler: Sampler = sampler if sampler is not None else parent_based(always_on())
        self.limits = limits
        ids = id_generator or RandomIdGenerator()
        self._new_trace_id = ids.new_trace_id
        self._new_span_id = ids.new_span_id
        self._now_ns = (clock if clock is not None else SystemClock()).time_ns
        self.processor = BatchSpanProcessor(
            exporters,
            max_queue_size=max_queue_size,
            max_queue_bytes=max_queue_bytes,
            max_export_batch_size=max_export_batch_size,
            schedule_delay=schedule_delay,
            export_timeout=export_timeout,
            metrics=metrics,
            time_ns=self._now_ns,
        )
        self._on_start = self.processor.on_start
        self._start_hooks: tuple[Callable[[Span], object], ...] = ()
        # The spans this service makes are ours: they skip the public hook's check of what it was given.
        self._on_end = self.processor._end  # noqa: SLF001 - the processor is this service's own part
        self._parent_based_root: Sampler | None = (
            self.sampler.root if isinstance(self.sampler, ParentBasedSampler) else None
        )
        self._always_on_root = isinstance(self._parent_based_root, AlwaysOnSampler)
        self._always_off = isinstance(self.sampler, AlwaysOffSampler)
        self._not_sampled = 0
        self._names: dict[object, str] = {}
        # The spans and the service report what they refuse through their processor's counters.
        self._refuse = self.processor._refuse  # noqa: SLF001 - the processor is this service's own part
        if problems:
            self._refuse("invalid_environment", "", count=len(problems), log=False)

    @classmethod
    def from_environment(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        exporters: Iterable[SpanExporter] = (),
        metrics: FlextMetricsService | None = None,
        strict: bool = False,
    ) -> FlextTracingService:
        """A service configured by the standard ``OTEL_*`` variables (``os.environ`` by default).

        With an OTLP endpoint set, a :class:`FlextOtlpHttpExporter` is added
        to ``exporters``. A variable that is not valid (a sampler name with a
        typo, a ratio that is no number, an endpoint without ``http://``) is
        logged as an error naming it and its value (redacted), replaced by
        the OpenTelemetry specification's default, and counted
        (``counts().refusals["invalid_environment"]``); the service starts.
        With ``strict=True`` a ``ValueError`` listing every bad variable is
        raised instead. An ``environ`` that is not a mapping is a
        ``TypeError``.
        """
        settings, problems = read_environment(os.environ if environ is None else environ)
        if problems and strict:
            listed = "\n  ".join(problem.describe() for problem in problems)
            message = f"the OpenTelemetry environment variables are not valid:\n  {listed}"
            raise ValueError(message)
        chosen = list(check_exporters(exporters))
        log_problems(problems)
        if settings.traces_endpoint is not None and not settings.disabled:
            chosen.append(
                FlextOtlpHttpExporter(
                    settings.traces_endpoint,
                    headers=settings.headers,
                    timeout=settings.timeout_seconds or 10.0,
                    compression=settings.compression,
                    resource={**settings.resource_attributes, "service.name": settings.service_name},
                ),
            )
        service = cls(
            service_name=settings.service_name,
            exporters=chosen,
            sampler=sampler_of(settings),
            metrics=metrics,
            max_queue_size=settings.max_queue_size or DEFAULT_MAX_QUEUE_SIZE,
            max_export_batch_size=min(
                settings.max_export_batch_size or DEFAULT_MAX_EXPORT_BATCH_SIZE,
                settings.max_queue_size or DEFAULT_MAX_QUEUE_SIZE,
            ),
            schedule_delay=settings.schedule_delay_seconds or DEFAULT_SCHEDULE_DELAY,
            export_timeout=settings.export_timeout_seconds or DEFAULT_EXPORT_TIMEOUT,
        )
        if problems:
            service._refuse("invalid_environment", "", count=len(problems), log=False)
        return service

    # --- starting spans --------------------------------------------------------

    def start_span(
        self,
        name: str,
        *,
        kind: SpanKind | str = SpanKind.INTERNAL,
        attributes: Mapping[str, object] | None = None,
        links: Iterable[SpanContext] | None = None,
        parent: Parent = None,
        start_time_ns: int | None = None,
    ) -> SpanScope:
        """A span named ``name``: ``with tracing.start_span(...) as span:`` or ``@tracing.start_span(...)``.

        Without ``parent`` the current span (if any) is the parent. Else
        ``parent`` is one of: a span (recording or not), a ``SpanContext``, a
        :class:`RemoteContext` from :meth:`extract` (which also makes the
        caller's baggage current for the span), a ``traceparent`` header
        value, or incoming headers (any mapping, a WSGI environ,
        ``http.server`` headers: read by ``extract``). A ``kind`` that is not
        a span kind (the span is ``internal``) and a parent that is none of
        these (the span starts a new trace) are counted and logged, never
        raised.
        """
        checked_kind = kind if isinstance(kind, SpanKind) else self._kind(kind)
        checked_parent = parent if parent is None or isinstance(parent, _PARENTS) else self._parent(parent)
        return SpanScope(self, (self._span_name(name), checked_kind, attributes, links, checked_parent, start_time_ns))

    def _kind(self, value: object) -> SpanKind:
        """The span kind ``value`` names (in any case), else ``internal``, reported."""
        name = value if isinstance(value, str) else getattr(value, "name", None)
        if isinstance(name, str):
            try:
                return SpanKind(str.__str__(name).lower())
            except ValueError:
                pass
        self._refuse(
            "unknown_kind",
            "unknown span kind %s; use one of %s (the span was started as internal)",
            describe(value),
            _KINDS_LISTED,
        )
        return SpanKind.INTERNAL

    def _parent(self, given: object) -> object:
        """A ``parent`` given as headers read as ``extract`` reads them; another library's span kept; else reported."""
        if isinstance(given, str):
            remote = extract({"traceparent": given})
            if remote.span_context is not None:
                return remote
            self._refuse(
                "invalid_parent",
                "parent %s is not a valid traceparent header (00-<32 hex trace id>-<16 hex span id>-<2 hex flags>); "
                "the span started a new trace",
                describe(given),
            )
            return _NEW_TRACE
        if _has_ids(given):
            return given  # another library's span: its ids are read (and checked) when each span starts
        if isinstance(given, Mapping) or (callable(getattr(given, "items", None)) and hasattr(given, "__contains__")):
            return extract(given)  # type: ignore[arg-type]
        self._refuse(
            "invalid_parent",
            "parent was %s; pass a span, a SpanContext, a RemoteContext (extract(headers)), a traceparent header "
            "or the incoming headers; the span started a new trace",
            describe(given),
        )
        return _NEW_TRACE

    def _span_name(self, name: object) -> str:
        """``name`` cleaned and redacted, remembered for the next span of that name (a bounded memo)."""
        names = self._names
        known = names.get(name) if type(name) is str else None
        if known is None:
            # A str subclass is read by ``str.__str__``: its own methods may raise or lie.
            text = str.__str__(name) if isinstance(name, str) else ""
            if not text:
                self._refuse(
                    "invalid_name", "a span name must be non-empty text, not %s (named 'unnamed')", describe(name)
                )
            known = redacted_name(text, self.limits)
            if type(name) is str and len(names) < _MAX_REMEMBERED_NAMES:
                names[name] = known
        return known

    def _begin(
        self,
        name: str,
        kind: SpanKind,
        attributes: Mapping[str, object] | None,
        links: Iterable[SpanContext] | None,
        parent: Parent,
        start_time_ns: int | None,
    ) -> AnySpan:
        """Start one span; never raises (odd arguments become defaults, dropped and counted).

        ``name`` and ``kind`` were checked by :meth:`start_span`, once per
        scope or decorated function, not once per span.
        """
        if parent is None:
            # The usual case, inline: the current span is ours (or there is none).
            current = current_span_ids()
            given: Span | NonRecordingSpan | SpanContext | None = (
                current if current is None or type(current) in _OUR_SPANS else _parent_of(current)  # type: ignore[assignment]
            )
        else:
            given = _parent_of(parent)
        if given is None and parent is not None and not isinstance(parent, RemoteContext):
            self._refuse(
                "invalid_parent",
                "parent %s does not carry W3C ids (32 and 16 lowercase hex digits, not all zero); "
                "the span started a new trace",
                describe(parent),
            )
        if given is None:
            trace_id = self._new_trace_id()
            random, trace_state, parent_span_id, remote = True, EMPTY_TRACE_STATE, None, False
            sampled = self._sample_root(trace_id)
        else:
            trace_id, random, trace_state, parent_span_id = (
                given.trace_id,
                given.random,
                given.trace_state,
                given.span_id,
            )
            remote = isinstance(given, SpanContext) and given.remote
            if self._parent_based_root is not None:
                sampled = given.sampled
            else:
                sampled = self.sampler.should_sample(
                    trace_id, given if isinstance(given, SpanContext) else given.context
                )
        span_id = self._new_span_id()
        if not sampled:
            self._not_sampled += 1
            return NonRecordingSpan(trace_id, span_id, parent_span_id, random, trace_state)
        start = start_time_ns if type(start_time_ns) is int else self._now_ns()
        span = Span(
            trace_id,
            span_id,
            parent_span_id,
            name,
            self.service_name,
            kind,
            start,
            random,
            trace_state,
            remote,
            self.limits,
            self._on_end,
            self._now_ns,
            self._refuse,
        )
        # ``is not None``, not truthiness: the caller's ``__bool__`` or ``__len__`` may raise.
        if attributes is not None:
            span.set_attributes(attributes)
        if links is not None:
            self._add_links(span, links)
        self._on_start()
        if self._start_hooks:
            self._call_start_hooks(span)
        return span

    def _add_links(self, span: Span, links: Iterable[SpanContext]) -> None:
        try:
            for link in links:
                span.add_link(link)
        except Exception:  # noqa: BLE001 - an iterable that fails adds no more links
            span.dropped_links += 1
            self._refuse("invalid_link", "links must be an iterable of span contexts; reading it failed")

    def add_start_hook(self, hook: Callable[[Span], object]) -> None:
        """Have ``hook(span)`` hear of every sampled span as it starts, in the thread that starts it.

        The seam of the platform's ``on_span_start`` plugins. A hook may set
        attributes on the span; one that raises is counted
        (``start_hook_raised``), logged once, and the span goes on. Set-up:
        a ``hook`` that is not callable raises a ``TypeError``.
        """
        given: object = hook
        if not callable(given):
            message = f"hook must be a function taking the span that starts, not {describe(hook)}"
            raise TypeError(message)
        self._start_hooks = (*self._start_hooks, hook)

    def _call_start_hooks(self, span: Span) -> None:
        for hook in self._start_hooks:
            try:
                hook(span)
            except Exception:  # noqa: BLE001 - a hook must never stop a span
                self._refuse("start_hook_raised", "a span start hook raised; the span goes on")

    def _sample_root(self, trace_id: str) -> bool:
        if self._always_off:
            return False
        root = self._parent_based_root
        if root is not None:
            return True if self._always_on_root else root.should_sample(trace_id, None)
        return self.sampler.should_sample(trace_id, None)

    def current_span(self) -> AnySpan | None:
        """The span the calling code runs in, if any."""
        return current_span()

    # --- propagation -----------------------------------------------------------

    def inject(self, carrier: MutableMapping[str, str], span: AnySpan | None = None) -> None:
        """Write ``traceparent``, ``tracestate`` and ``baggage`` for the current span (or ``span``).

        The same as :func:`~flext_observability.shell.tracing.propagation.inject`. Never raises.
        """
        inject(carrier, span if span is not None else current_span())

    def extract(self, carrier: Mapping[Any, Any]) -> RemoteContext:
        """Read the caller's trace context and baggage from incoming headers (any case).

        The same as :func:`~flext_observability.shell.tracing.propagation.extract`.
        """
        return extract(carrier)

    # --- lifecycle ---------------------------------------------------------------

    def force_flush(self, timeout: float = DEFAULT_EXPORT_TIMEOUT) -> bool:
        """Export every ended span now; ``True`` when done within ``timeout`` seconds."""
        return self.processor.force_flush(timeout)

    def shutdown(self, timeout: float = DEFAULT_EXPORT_TIMEOUT) -> bool:
        """Flush, stop and shut the exporters down, within ``timeout`` seconds, whatever an exporter does.

        ``False`` when spans were left unexported or an exporter had not shut
        down at the deadline (see :meth:`BatchSpanProcessor.shutdown`); spans
        ending later are dropped and counted.
        """
        return self.processor.shutdown(timeout)

    def counts(self) -> ProcessorCounts:
        """The exact counters of the span processor."""
        return self.processor.counts()

    @property
    def not_sampled(self) -> int:
        """Spans started but not sampled (an approximate count, kept without a lock)."""
        return self._not_sampled


def _check_parts(*, sampler: object, limits: object, id_generator: object, clock: object) -> None:
    """Raise a ``TypeError`` naming the first part of the service that is not what it must be."""
    if not isinstance(limits, SpanLimits):
        message = f"limits must be a SpanLimits, not {describe(limits)}"
        raise TypeError(message)
    for name, value, methods, kind in (
        ("sampler", sampler, ("should_sample",), "a Sampler (always_on(), parent_based(...), ...)"),
        ("id_generator", id_generator, ("new_trace_id", "new_span_id"), "an IdGenerator"),
        ("clock", clock, ("time_ns",), "a Clock (SystemClock(), FakeClock(...))"),
    ):
        if value is not None and not all(callable(_attribute(value, method)) for method in methods):
            message = f"{name} must be {kind} or None, not {describe(value)}"
            raise TypeError(message)


_PARENTS: Final = (Span, NonRecordingSpan, SpanContext, RemoteContext)
"""The parents ``start_span`` takes as they are."""


def _attribute(value: object, name: str) -> object:
    """``getattr(value, name, None)``, also ``None`` when the object's attribute lookup itself raises."""
    try:
        return getattr(value, name, None)
    except Exception:  # noqa: BLE001 - an object whose lookup fails has no such method
        return None


def _has_ids(given: object) -> bool:
    """Whether ``given`` looks like a span of another library: it has a ``trace_id`` and a ``span_id``."""
    try:
        return getattr(given, "trace_id", None) is not None and getattr(given, "span_id", None) is not None
    except Exception:  # noqa: BLE001 - an object whose attributes fail is no span
        return False


_OUR_SPANS: Final = frozenset({Span, NonRecordingSpan})


def _parent_of(given: object) -> Span | NonRecordingSpan | SpanContext | None:
    """What a new span descends from: our span, a checked span context, or nothing (a new trace)."""
    if isinstance(given, Span | NonRecordingSpan) or given is None:
        return given
    if isinstance(given, RemoteContext):
        given = given.span_context
        if given is None:
            return None
    if not isinstance(given, SpanContext):
        # Another library's span (or ids with its shape): taken as a sampled remote parent.
        return _foreign_parent(given)
    # A SpanContext built by hand skipped the checks; its ids must not reach a trace or a log line.
    # (A refusal is reported by the service, as invalid_parent: once, not here too.)
    return given if span_ids_of(given) is not None else None


def _foreign_parent(ids: object) -> SpanContext | None:
    """Ids of another library's span as a sampled remote parent; ids that are not W3C ids start a new trace."""
    checked = span_ids_of(ids)
    if checked is None:
        return None
    return SpanContext(trace_id=checked.trace_id, span_id=checked.span_id, sampled=True, random=False, remote=True)


__all__ = [
    "EnvironmentProblem",
    "FlextTracingService",
    "RemoteContext",
    "SpanScope",
    "current_span",
]
