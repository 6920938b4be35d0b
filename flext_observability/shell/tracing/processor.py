"""The batch span processor: a queue bounded in spans and in bytes, one background thread, exact counters.

Ending a span puts it on a queue (default 2048 spans and 32 MiB); when the
queue is full, by count or by bytes, the span is dropped and counted
(``dropped_queue_full``), so a slow or dead collector never blocks or grows
the application. A span's size is its estimate (``Span.estimated_bytes``,
what its attributes, events and links take) plus its fixed part
(:func:`~flext_observability.core.tracing.span_limits.span_bytes`: 1 KiB, its
name, status description and ``tracestate``); the bytes of the batch being
exported count as queued until its export ends, so ``queued_bytes`` bounds
every span the processor holds. One daemon thread takes batches (default 512) off the
queue every ``schedule_delay`` seconds (default 5), or as soon as a batch is
full, turns them into frozen ``FlextSpan`` entities and hands them to every
exporter in turn; exports therefore never overlap.

Counters are exact: ``started``, ``ended``, ``dropped_queue_full``,
``dropped_after_shutdown``, ``exported`` (every exporter took the span),
``failed`` (some exporter did not, or the span could not be converted) and
``queued`` (waiting, or in the batch being exported). At every moment
``ended == exported + failed + dropped + queued`` and
``queued_bytes <= max_queue_bytes``. Beside them,
``truncated_attributes`` adds up the attribute values the span limits cut in
the spans that ended (each span carries its own count too), and ``refusals``
counts, by reason (:data:`REFUSAL_REASONS`), what the tracing code refused
after set-up (an unknown span kind or status, an attribute, event or link a
span could not take, a parent it could not read, a bad ``OTEL_*`` variable):
nothing raises into the application, and the first refusal of each reason is
logged, with what was wrong and how to fix it.

``shutdown(timeout)`` waits for nothing past its deadline: the final flush,
the thread and each exporter's ``shutdown`` (run at once, each in a daemon
thread) share it; what is still running then is left to finish, logged once,
counted (``queued`` spans, ``exporters_not_shut_down``) and reported as
``False``.

After ``os.fork()`` the child gets a fresh queue, lock, counters and thread;
spans queued before the fork stay with the parent, which exports them once.

Given a metrics service, the counters appear there as
``flext_observability_spans_*_total``, ``flext_observability_span_queue_size``,
``flext_observability_span_attributes_truncated_total`` and
``flext_observability_span_refusals_total{reason}``,
read when the service is scraped (see ``counter_callback``), so they are never
a batch behind and cost the hot path nothing.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Final, overload

from attrs import frozen
from returns.result import Failure, Result, Success

from flext_observability.core.checks import describe
from flext_observability.core.frozen import FrozenMap
from flext_observability.core.tracing.span_limits import span_bytes
from flext_observability.core.tracing.tracestate import EMPTY_TRACE_STATE
from flext_observability.shell.counts import check_count
from flext_observability.shell.library_log import library_logger
from flext_observability.shell.seconds import check_seconds, timeout_seconds
from flext_observability.shell.tracing.span import Span

if TYPE_CHECKING:
    from collections.abc import Callable

    from flext_observability.core.errors import FlextValidationError
    from flext_observability.core.tracing.span import FlextSpan
    from flext_observability.shell.metrics.callbacks import CallbackHandle
    from flext_observability.shell.metrics.service import FlextMetricsService
    from flext_observability.shell.tracing.exporters import SpanExporter

_LOG: Final = library_logger("flext_observability.tracing")
_PLAIN_SPAN_BYTES: Final = span_bytes("", "", EMPTY_TRACE_STATE)
"""The estimate of a span's fixed part with an empty name, no description and no tracestate."""

DEFAULT_MAX_QUEUE_SIZE: Final = 2048
DEFAULT_MAX_QUEUE_BYTES: Final = 32 * 1024 * 1024
DEFAULT_MAX_EXPORT_BATCH_SIZE: Final = 512
DEFAULT_SCHEDULE_DELAY: Final = 5.0
DEFAULT_EXPORT_TIMEOUT: Final = 30.0
_SHUTDOWN: Final = "flext-span-exporter-shutdown"
_SHUTDOWN_GRACE: Final = 0.1
"""Seconds an exporter's shutdown may take past the deadline when the flush left it none."""

REFUSAL_REASONS: Final = (
    "unknown_kind",
    "unknown_status",
    "invalid_attribute",
    "attribute_over_limit",
    "invalid_event",
    "event_over_limit",
    "invalid_link",
    "link_over_limit",
    "invalid_exception",
    "invalid_parent",
    "invalid_name",
    "invalid_environment",
)
"""Why the tracing code refused something after set-up: the ``reason`` label of the refusal counter.

``unknown_kind`` and ``unknown_status``: a span kind or status code that
OpenTelemetry does not define; ``invalid_*``: an attribute, event, link,
exception, parent or span name of the wrong kind; ``*_over_limit``: one beyond the
span's limits (its count or its byte budget); ``invalid_environment``: an
``OTEL_*`` variable that ``from_environment`` replaced by its default.
"""

NO_REFUSALS: Final = FrozenMap(dict.fromkeys(REFUSAL_REASONS, 0))
"""Every reason, counted zero times."""


@frozen(kw_only=True)
class ProcessorCounts:
    """A consistent copy of the processor's counters."""

    started: int
    ended: int
    dropped_queue_full: int
    dropped_after_shutdown: int
    exported: int
    failed: int
    queued: int
    """Spans waiting for export, or in the batch being exported."""
    queued_bytes: int = 0
    """The size of the ``queued`` spans (their estimates plus their fixed parts), never above ``max_queue_bytes``."""
    truncated_attributes: int = 0
    """Attribute values the span limits cut, in the spans that ended."""
    exporters_not_shut_down: int = 0
    """Exporters whose shutdown had not returned at the shutdown deadline."""
    refusals: FrozenMap[str, int] = NO_REFUSALS
    """How many times each of :data:`REFUSAL_REASONS` happened (every reason is present)."""

    @property
    def dropped(self) -> int:
        """Spans dropped for any reason."""
        return self.dropped_queue_full + self.dropped_after_shutdown

    @property
    def refused(self) -> int:
        """Refusals of any reason."""
        return sum(self.refusals.values())


def _check_hooks(metrics: object, time_ns: object) -> None:
    """Raise a ``TypeError`` naming ``metrics`` or ``time_ns`` when it is neither ``None`` nor what it must be."""
    if metrics is not None and not callable(_attribute(metrics, "counter_callback")):
        message = f"metrics must be a FlextMetricsService or None, not {describe(metrics)}"
        raise TypeError(message)
    if time_ns is not None and not callable(time_ns):
        message = f"time_ns must be a function returning nanoseconds, or None, not {describe(time_ns)}"
        raise TypeError(message)


def _attribute(value: object, name: str) -> object:
    """``getattr(value, name, None)``, also ``None`` when the object's attribute lookup itself raises."""
    try:
        return getattr(value, name, None)
    except Exception:  # noqa: BLE001 - an object whose lookup fails has no such method
        return None


def check_exporters(exporters: object, *, argument: str = "exporters") -> tuple[SpanExporter, ...]:
    """``exporters`` as a tuple when it lists objects with ``export`` and ``shutdown``; else a ``TypeError``.

    The message names ``argument`` (and ``argument[i]`` for a bad item): a
    caller passing the list on under its own name gives that name.
    """
    if isinstance(exporters, str | bytes) or not isinstance(exporters, Iterable):
        message = f"{argument} must be a list of span exporters, not {describe(exporters)}"
        raise TypeError(message)
    try:
        chosen = tuple(exporters)
    except Exception as error:
        message = f"{argument} must be a list of span exporters; reading {describe(exporters)} failed"
        raise TypeError(message) from error
    for index, exporter in enumerate(chosen):
        if not (callable(_attribute(exporter, "export")) and callable(_attribute(exporter, "shutdown"))):
            message = (
                f"{argument}[{index}] must be a span exporter (with export and shutdown methods), "
                f"not {describe(exporter)}"
            )
            raise TypeError(message)
    return chosen


_PROCESSORS: Final[weakref.WeakSet[BatchSpanProcessor]] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for processor in list(_PROCESSORS):
        processor._reset_after_fork()  # noqa: SLF001 - the fork hook is part of the class's contract


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class BatchSpanProcessor:
    """Queues ended spans and exports them in batches from one background thread."""

    def __init__(  # noqa: PLR0913 - the queue's settings, all with defaults
        self,
        exporters: Iterable[SpanExporter],
        *,
        max_queue_size: int = DEFAULT_MAX_QUEUE_SIZE,
        max_queue_bytes: int = DEFAULT_MAX_QUEUE_BYTES,
        max_export_batch_size: int = DEFAULT_MAX_EXPORT_BATCH_SIZE,
        schedule_delay: float = DEFAULT_SCHEDULE_DELAY,
        export_timeout: float = DEFAULT_EXPORT_TIMEOUT,
        metrics: FlextMetricsService | None = None,
        time_ns: Callable[[], int] | None = None,
    ) -> None:
        """Set up the queue; a bad setting raises ``TypeError`` or ``ValueError`` naming it.

        ``time_ns`` stamps the end of spans ended without a time (the
        system's clock by default).
        """
        self.exporters = check_exporters(exporters)
        self.max_queue_size = check_count("max_queue_size", max_queue_size)
        self.max_queue_bytes = check_count("max_queue_bytes", max_queue_bytes)
        self.max_export_batch_size = check_count("max_export_batch_size", max_export_batch_size)
        if self.max_export_batch_size > self.max_queue_size:  # a batch larger than the queue could never fill
            top, batch = self.max_queue_size, self.max_export_batch_size
            message = f"max_export_batch_size must be an int from 1 to max_queue_size ({top:,}), not {batch}"
            raise ValueError(message)
        self.schedule_delay = check_seconds("schedule_delay", schedule_delay)
        self.export_timeout = check_seconds("export_timeout", export_timeout)
        _check_hooks(metrics, time_ns)
        self._time_ns = time_ns if time_ns is not None else time.time_ns
        self._fresh_state()
        _PROCESSORS.add(self)
        if metrics is not None:
            _register_metrics(self, metrics)

    def _fresh_state(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._warned: set[tuple[int, str]] = set()
        self._queue: deque[Span] = deque()
        self._queued_bytes = 0
        self._worker: threading.Thread | None = None
        self._stopping = False
        self._shut_down = False
        self._flush_wanted = 0
        self._in_flight = 0
        self._starts = itertools.count()
        self._start_reads = 0
        self._ended = self._dropped_full = self._dropped_late = 0
        self._exported = self._failed = 0
        self._truncated = 0
        self._stuck_exporters = 0
        self._queued_total = 0
        self._handled_total = 0
        self._refusals = dict.fromkeys(REFUSAL_REASONS, 0)
        self._refusals_logged: set[str] = set()

    def _reset_after_fork(self) -> None:
        """In a forked child: a new lock, an empty queue, zero counters, and no thread yet."""
        shut_down = self._shut_down
        self._fresh_state()
        self._shut_down = shut_down

    # --- the hot path ---------------------------------------------------------

    def on_start(self) -> None:
        """Count a started (sampled) span; ``next`` on a counter is atomic, so no lock is taken."""
        next(self._starts)

    def on_end(self, span: Span, end_time_ns: int | None = None) -> None:
        """End ``span`` (once) and queue it, or drop and count it; never blocks on exporting.

        Anything but a recording span of this library is ignored, and an
        ``end_time_ns`` that is not a plain ``int`` means now.
        """
        given: object = span  # a hook: callers outside the type checker may pass anything
        if isinstance(given, Span):
            self._end(given, end_time_ns)

    def _end(self, span: Span, end_time_ns: int | None) -> None:
        """:meth:`on_end` for a span of this library: what the tracing service's spans call when they end."""
        # Read before the lock (it holds no one else up): the clock and the span's size.
        now = end_time_ns if type(end_time_ns) is int else self._time_ns()
        name, description = span.name, span.status_description
        if description or span.trace_state.entries or not name.isascii():
            size = span.estimated_bytes + span_bytes(name, description, span.trace_state)
        else:  # the usual span, inline: span_bytes of an ASCII name, no description, no tracestate
            size = span.estimated_bytes + _PLAIN_SPAN_BYTES + len(name)
        with self._lock:
            if span.end_time_ns is not None:
                return
            span.end_time_ns = now if now > span.start_time_ns else span.start_time_ns  # noqa: FURB136 - no call
            self._ended += 1
            if span.truncated_attributes:
                self._truncated += span.truncated_attributes
            if self._shut_down:
                self._dropped_late += 1
                return
            queue = self._queue
            if len(queue) >= self.max_queue_size or self._queued_bytes + size > self.max_queue_bytes:
                self._dropped_full += 1
                return
            # Kept on the span, as counted, to be given back when its batch is done.
            span.size_bytes = size
            queue.append(span)
            self._queued_bytes += size
            self._queued_total += 1
            if self._worker is None:
                self._start_worker()
            elif len(queue) == self.max_export_batch_size:
                self._wake.notify()

    def _refuse(self, reason: str, template: str, *args: object, count: int = 1, log: bool = True) -> None:
        """Count ``count`` refusals of ``reason``; log the first of its reason (``template % args``).

        Called from span methods and the tracing service, never raises; the
        log call runs outside the lock. ``log=False`` counts what the caller
        logged itself.
        """
        with self._lock:
            self._refusals[reason] = self._refusals.get(reason, 0) + count
            first = log and reason not in self._refusals_logged
            if first:
                self._refusals_logged.add(reason)
        if first:
            _LOG.warning(
                template + "; later refusals of this kind are only counted (counts().refusals[%r])", *args, reason
            )

    def _start_worker(self) -> None:
        """Start the background thread (called with the lock held, on the first span)."""
        self._worker = threading.Thread(target=self._run, name="flext-span-processor", daemon=True)
        self._worker.start()

    # --- the background thread ------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._lock:
                # Wait for a full batch, a flush, a stop, or the end of the schedule delay.
                due = time.monotonic() + self.schedule_delay
                while not self._stopping and not self._flush_wanted and len(self._queue) < self.max_export_batch_size:
                    remaining = due - time.monotonic()
                    if remaining <= 0:
                        break
                    self._wake.wait(remaining)
                if not self._queue:
                    self._flush_wanted = 0
                    self._wake.notify_all()
                    if self._stopping:
                        return
                    continue
                count = min(len(self._queue), self.max_export_batch_size)
                batch = [self._queue.popleft() for _ in range(count)]
                self._in_flight = count
            try:
                exported, failed = self._export(batch)
            except Exception:  # noqa: BLE001 - the thread must survive any bug below it
                _LOG.exception("exporting spans failed")
                exported, failed = 0, len(batch)
            # Each span's size was set once, under the lock, before it was queued.
            released = sum(span.size_bytes for span in batch)
            with self._lock:
                self._exported += exported
                self._failed += failed
                self._handled_total += len(batch)
                self._in_flight = 0
                # The batch's bytes count as queued until here: until now the exporters could hold it.
                self._queued_bytes -= released
                self._wake.notify_all()

    def _export(self, batch: list[Span]) -> tuple[int, int]:
        entities = SpanBatch(batch)
        all_taken = True
        for exporter in self.exporters:
            try:
                result = exporter.export(entities, self.export_timeout)
            except Exception:  # noqa: BLE001 - a user's exporter must not stop the others
                if self._first_warning(exporter, "raised"):
                    _LOG.exception("span exporter %r raised (further failures of it are only counted)", exporter)
                all_taken = False
                continue
            if not (isinstance(result, Success) and result.unwrap() == len(entities)):
                all_taken = False
                if self._first_warning(exporter, "refused"):
                    _LOG.warning(
                        "span exporter %r did not take a batch of %d: %s (further ones are only counted; an "
                        "exporter returns Success(number of spans taken))",
                        exporter,
                        len(entities),
                        result,
                    )
        exported = len(batch) if all_taken else 0
        return exported, len(batch) - exported

    def _first_warning(self, exporter: object, kind: str) -> bool:
        """Whether this is the first failure of ``kind`` of ``exporter`` (each is logged once, then counted)."""
        key = (id(exporter), kind)
        with self._lock:
            if key in self._warned:
                return False
            self._warned.add(key)
            return True

    # --- flushing and shutting down ---------------------------------------------

    def force_flush(self, timeout: float = DEFAULT_EXPORT_TIMEOUT) -> bool:
        """Export what is queued now; ``True`` when done within ``timeout`` seconds.

        A ``timeout`` that is no number (``None`` included) waits the default
        (30 seconds); a negative one waits for nothing (see :func:`timeout_seconds`).
        """
        deadline = time.monotonic() + timeout_seconds(timeout, DEFAULT_EXPORT_TIMEOUT)
        with self._lock:
            target = self._queued_total
            if self._handled_total >= target and not self._queue:
                return True
            if self._worker is None:
                self._start_worker()
            self._flush_wanted += 1
            self._wake.notify_all()
            while self._handled_total < target:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._wake.wait(remaining)
            return True

    def shutdown(self, timeout: float = DEFAULT_EXPORT_TIMEOUT) -> bool:
        """Flush, stop the thread and shut the exporters down, all within ``timeout`` seconds.

        Spans that end afterwards are dropped and counted. ``True`` when
        everything queued was handled and every exporter shut down in time.
        An export or an exporter's shutdown that is still running at the
        deadline is left to finish in its own daemon thread: it is logged
        once and counted in ``exporters_not_shut_down``, and the result is
        ``False``. Calling it again does nothing. A ``timeout`` is read as
        :meth:`force_flush` reads it.
        """
        deadline = time.monotonic() + timeout_seconds(timeout, DEFAULT_EXPORT_TIMEOUT)
        with self._lock:
            if self._shut_down:
                return True
            self._shut_down = True
        flushed = self.force_flush(max(deadline - time.monotonic(), 0.0))
        with self._lock:
            self._stopping = True
            self._wake.notify_all()
            worker = self._worker
        if worker is not None:
            worker.join(max(deadline - time.monotonic(), 0.0))
        stuck = self._shut_exporters_down(deadline)
        with self._lock:
            left = len(self._queue) + self._in_flight
            self._stuck_exporters += len(stuck)
        if left:
            _LOG.warning("%d spans were not exported before the shutdown deadline", left)
        if stuck:
            _LOG.warning("span exporters did not shut down before the deadline: %r", stuck)
        return flushed and not stuck

    def _shut_exporters_down(self, deadline: float) -> list[SpanExporter]:
        """Shut every exporter down at once, each in a daemon thread; the exporters still busy at the deadline.

        Each exporter is told the time left; one that overruns it (or blocks
        for ever) neither delays the others nor the caller beyond the
        deadline, except for a short grace to let an exporter hear the call
        when the flush used all the time.
        """
        remaining = max(deadline - time.monotonic(), 0.0)
        threads = [
            (exporter, threading.Thread(target=_shut_down, args=(exporter, remaining), daemon=True, name=_SHUTDOWN))
            for exporter in self.exporters
        ]
        for _, thread in threads:
            thread.start()
        stop = max(deadline, time.monotonic() + _SHUTDOWN_GRACE)
        for _, thread in threads:
            thread.join(max(stop - time.monotonic(), 0.0))
        return [exporter for exporter, thread in threads if thread.is_alive()]

    def _read_starts(self) -> int:
        """Spans started so far (call with the lock held); ``on_start`` only calls ``next``, lock-free."""
        started = next(self._starts) - self._start_reads
        self._start_reads += 1
        return started

    def counts(self) -> ProcessorCounts:
        """The counters, read together."""
        with self._lock:
            return ProcessorCounts(
                # Taking a value from the count is how it is read; the reads taken are subtracted.
                started=self._read_starts(),
                ended=self._ended,
                dropped_queue_full=self._dropped_full,
                dropped_after_shutdown=self._dropped_late,
                exported=self._exported,
                failed=self._failed,
                # Spans being exported count as queued until their export ends.
                queued=len(self._queue) + self._in_flight,
                queued_bytes=self._queued_bytes,
                truncated_attributes=self._truncated,
                exporters_not_shut_down=self._stuck_exporters,
                refusals=FrozenMap(self._refusals),
            )


class SpanBatch(Sequence["FlextSpan"]):
    """The spans of one export, turned into frozen entities when an exporter first reads them.

    An exporter that only counts them (or discards them) costs nothing per
    span; the others pay the conversion once, shared between them.
    """

    __slots__ = ("_entities", "_spans")

    def __init__(self, spans: list[Span]) -> None:
        self._spans = spans
        self._entities: list[FlextSpan | None] = [None] * len(spans)

    def __len__(self) -> int:
        return len(self._spans)

    @property
    def remote_parents(self) -> frozenset[str]:
        """The parent ids that came from another process (for OTLP's span flags)."""
        return frozenset(span.parent_span_id for span in self._spans if span.remote_parent and span.parent_span_id)

    @overload
    def __getitem__(self, index: int) -> FlextSpan: ...

    @overload
    def __getitem__(self, index: slice) -> list[FlextSpan]: ...

    def __getitem__(self, index: int | slice) -> FlextSpan | list[FlextSpan]:
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(len(self._spans)))]
        entity = self._entities[index]
        if entity is None:
            entity = self._entities[index] = self._spans[index].to_entity()
        return entity


def _shut_down(exporter: SpanExporter, timeout: float) -> None:
    try:
        exporter.shutdown(timeout)
    except Exception:  # noqa: BLE001 - one exporter's failure must not stop the others
        _LOG.exception("shutting span exporter %r down failed", exporter)


def _register_metrics(processor: BatchSpanProcessor, service: FlextMetricsService) -> None:
    """Publish the processor's counters in ``service``, read when scraped (no lag, nothing on the hot path).

    The readers hold the processor weakly: once it is gone they report nothing.
    """
    ref = weakref.ref(processor)

    def reader(pick: Callable[[ProcessorCounts], object]) -> Callable[[], object]:
        def read() -> object:
            alive = ref()
            return () if alive is None else pick(alive.counts())

        return read

    for name, help_text, pick in (
        ("flext_observability_spans_started_total", "Sampled spans started.", _started),
        ("flext_observability_spans_ended_total", "Sampled spans ended.", _ended),
        ("flext_observability_spans_exported_total", "Spans every exporter accepted.", _exported),
        (
            "flext_observability_spans_failed_total",
            "Spans an exporter refused or that could not be converted.",
            _failed,
        ),
        (
            "flext_observability_span_attributes_truncated_total",
            "Attribute values the span limits cut (text to max_attribute_length, arrays to max_array_length).",
            _truncated,
        ),
    ):
        _report(service.counter_callback(name, help_text, reader(pick)))
    _report(
        service.counter_callback(
            "flext_observability_spans_dropped_total",
            "Ended spans dropped before export, by reason (queue_full: by count or bytes, after_shutdown).",
            reader(_dropped),
            labels=("reason",),
        )
    )
    _report(
        service.counter_callback(
            "flext_observability_span_refusals_total",
            "What tracing refused after set-up, by reason (unknown_kind, invalid_attribute, invalid_parent, ...).",
            reader(_refusals),
            labels=("reason",),
        )
    )
    _report(
        service.gauge_callback(
            "flext_observability_span_queue_size", "Ended spans waiting for export.", reader(_queued)
        )
    )
    _report(
        service.gauge_callback(
            "flext_observability_span_queue_bytes",
            "Estimated bytes of the ended spans waiting for export (bounded by max_queue_bytes).",
            reader(_queued_bytes),
        )
    )


def _report(registered: Result[CallbackHandle, FlextValidationError]) -> None:
    """A self-metric the metrics service refused (its name is taken by another kind) is logged, not raised."""
    if isinstance(registered, Failure):
        _LOG.warning("the span processor's self-metric was not registered: %s", registered.failure())


def _started(counts: ProcessorCounts) -> int:
    return counts.started


def _ended(counts: ProcessorCounts) -> int:
    return counts.ended


def _exported(counts: ProcessorCounts) -> int:
    return counts.exported


def _failed(counts: ProcessorCounts) -> int:
    return counts.failed


def _truncated(counts: ProcessorCounts) -> int:
    return counts.truncated_attributes


def _queued(counts: ProcessorCounts) -> int:
    return counts.queued


def _queued_bytes(counts: ProcessorCounts) -> int:
    return counts.queued_bytes


def _dropped(counts: ProcessorCounts) -> list[tuple[dict[str, str], int]]:
    return [
        ({"reason": "queue_full"}, counts.dropped_queue_full),
        ({"reason": "after_shutdown"}, counts.dropped_after_shutdown),
    ]


def _refusals(counts: ProcessorCounts) -> list[tuple[dict[str, str], int]]:
    return [({"reason": reason}, count) for reason, count in counts.refusals.items()]
