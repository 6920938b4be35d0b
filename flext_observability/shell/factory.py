"""``FlextObservabilityMasterFactory``: entities stamped with the time and fresh ids.

The factory is the shell's side of entity creation: it reads its clock, makes
ids with its id generator, and hands everything to the core's builders, which
check every rule. Each ``create_*`` returns a ``Result`` and never raises.

>>> from flext_observability.testing import DeterministicIdGenerator, FakeClock
>>> factory = FlextObservabilityMasterFactory(
...     clock=FakeClock(1_700_000_000.0), id_generator=DeterministicIdGenerator(), service="etl",
... )
>>> factory.create_metric("pipeline_rows_total", 120, kind="counter").unwrap().timestamp
1700000000.0
>>> trace = factory.create_trace("nightly-load").unwrap()
>>> trace.root.service, len(trace.spans)
('etl', 1)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from returns.result import Result, Success

from flext_observability.core.alerts.alert import FlextAlert, build_alert
from flext_observability.core.health.check import FlextHealthCheck, ObservedValue, build_health_check
from flext_observability.core.logs.entry import FlextLogEntry, build_log_entry
from flext_observability.core.metrics.metric import FlextMetric, build_metric, quick_metric
from flext_observability.core.settings import DEFAULT_SERVICE_NAME
from flext_observability.core.tracing.span import UNSET_STATUS, FlextSpan, SpanEvent, SpanLink, SpanStatus, build_span
from flext_observability.core.tracing.trace import FlextTrace, assemble_trace
from flext_observability.core.values import (
    AlertSeverity,
    AlertStatus,
    HealthStatus,
    LogLevel,
    MetricKind,
    SpanKind,
    SpanStatusCode,
)
from flext_observability.shell.clock import Clock, SystemClock
from flext_observability.shell.ids import IdGenerator, RandomIdGenerator

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from flext_observability.core.attributes import AttributeValue
    from flext_observability.core.errors import FlextValidationError

DEFAULT_SERVICE = DEFAULT_SERVICE_NAME
"""The service name used when none is given: ``unknown_service:python``, as for logs and traces."""


class FlextObservabilityMasterFactory:
    """Creates valid entities, reading ``clock`` and ``id_generator`` for what callers leave out."""

    __slots__ = ("_clock", "_ids", "_now", "service")

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        id_generator: IdGenerator | None = None,
        service: str = DEFAULT_SERVICE,
    ) -> None:
        """Use the system clock and random ids unless told otherwise.

        Raises ``TypeError`` naming the argument for a ``clock`` without
        ``time()``, an ``id_generator`` without ``new_trace_id()`` and
        ``new_span_id()``, or a ``service`` that is not text (set-up mistakes).
        """
        if clock is not None and not callable(getattr(clock, "time", None)):
            message = f"clock must be a Clock (with time()), got {type(clock).__name__}"
            raise TypeError(message)
        if id_generator is not None and not all(
            callable(getattr(id_generator, method, None)) for method in ("new_trace_id", "new_span_id")
        ):
            kind = type(id_generator).__name__
            message = f"id_generator must be an IdGenerator (new_trace_id(), new_span_id()), got {kind}"
            raise TypeError(message)
        name: object = service  # what callers pass at runtime may be anything
        if not isinstance(name, str):
            message = f"service must be a service name (str), got {type(name).__name__}"
            raise TypeError(message)
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._now = self._clock.time
        self._ids: IdGenerator = id_generator if id_generator is not None else RandomIdGenerator()
        self.service = str.__str__(name)

    @property
    def clock(self) -> Clock:
        """The clock this factory stamps entities with."""
        return self._clock

    def __repr__(self) -> str:
        return (
            f"FlextObservabilityMasterFactory(clock={self._clock!r}, "
            f"id_generator={self._ids!r}, service={self.service!r})"
        )

    def create_metric(
        self,
        name: str,
        value: float,
        unit: str = "",
        *,
        kind: MetricKind | str = MetricKind.GAUGE,
        labels: Mapping[str, str] | None = None,
        timestamp: float | None = None,
    ) -> Result[FlextMetric, FlextValidationError]:
        """A metric measured now (or at ``timestamp``)."""
        when = self._now() if timestamp is None else timestamp
        # The common case in one call; anything unusual gets the full check and its explanations.
        metric = quick_metric(name, value, kind, unit, labels, when)
        if metric is not None:
            return Success(metric)
        return build_metric(name=name, value=value, kind=kind, unit=unit, labels=labels, timestamp=when)

    def create_span(  # noqa: PLR0913 - mirrors the span's fields
        self,
        name: str,
        *,
        service: str | None = None,
        trace_id: str | None = None,
        span_id: str | None = None,
        parent_span_id: str | None = None,
        kind: SpanKind | str = SpanKind.INTERNAL,
        start_time_ns: int | None = None,
        end_time_ns: int | None = None,
        status: SpanStatus | SpanStatusCode | str = UNSET_STATUS,
        attributes: Mapping[str, AttributeValue] | None = None,
        events: Iterable[SpanEvent | Mapping[str, object]] | None = None,
        links: Iterable[SpanLink | Mapping[str, object]] | None = None,
    ) -> Result[FlextSpan, FlextValidationError]:
        """A finished span; a new trace unless ``trace_id`` is given, ending now unless told."""
        now = self._clock.time_ns()
        return build_span(
            trace_id=self._ids.new_trace_id() if trace_id is None else trace_id,
            span_id=self._ids.new_span_id() if span_id is None else span_id,
            parent_span_id=parent_span_id,
            name=name,
            service=self.service if service is None else service,
            kind=kind,
            start_time_ns=now if start_time_ns is None else start_time_ns,
            end_time_ns=now if end_time_ns is None else end_time_ns,
            status=status,
            attributes=attributes,
            events=None if events is None else _as_tuple(events),
            links=None if links is None else _as_tuple(links),
        )

    def create_trace(  # noqa: PLR0913 - mirrors the root span's fields
        self,
        name: str,
        *,
        service: str | None = None,
        kind: SpanKind | str = SpanKind.INTERNAL,
        start_time_ns: int | None = None,
        end_time_ns: int | None = None,
        status: SpanStatus | SpanStatusCode | str = UNSET_STATUS,
        attributes: Mapping[str, AttributeValue] | None = None,
    ) -> Result[FlextTrace, FlextValidationError]:
        """A new trace holding one root span named ``name``.

        Add child spans with :meth:`create_span` (passing the root's
        ``trace_id`` and ``span_id``) and combine them with ``assemble_trace``.
        """
        return self.create_span(
            name,
            service=service,
            kind=kind,
            start_time_ns=start_time_ns,
            end_time_ns=end_time_ns,
            status=status,
            attributes=attributes,
        ).bind(_single_span_trace)

    def create_alert(  # noqa: PLR0913 - mirrors the alert's fields
        self,
        name: str,
        message: str,
        *,
        severity: AlertSeverity | str = AlertSeverity.WARNING,
        source: str | None = None,
        labels: Mapping[str, str] | None = None,
        annotations: Mapping[str, str] | None = None,
        status: AlertStatus | str = AlertStatus.FIRING,
        starts_at: float | None = None,
        ends_at: float | None = None,
    ) -> Result[FlextAlert, FlextValidationError]:
        """An alert starting now (or at ``starts_at``), raised by this service unless told."""
        return build_alert(
            name=name,
            message=message,
            severity=severity,
            source=self.service if source is None else source,
            labels=labels,
            annotations=annotations,
            status=status,
            starts_at=self._now() if starts_at is None else starts_at,
            ends_at=ends_at,
        )

    def create_health_check(  # noqa: PLR0913 - mirrors the check's fields
        self,
        component: str,
        *,
        status: HealthStatus | str = HealthStatus.PASS,
        measurement: str = "status",
        observed_value: ObservedValue = None,
        observed_unit: str = "",
        output: str = "",
        time: float | None = None,
        duration: float = 0.0,
    ) -> Result[FlextHealthCheck, FlextValidationError]:
        """A health check result observed now (or at ``time``)."""
        return build_health_check(
            component=component,
            measurement=measurement,
            status=status,
            observed_value=observed_value,
            observed_unit=observed_unit,
            output=output,
            time=self._now() if time is None else time,
            duration=duration,
        )

    def create_log_entry(  # noqa: PLR0913 - mirrors the entry's fields
        self,
        event: str,
        *,
        level: LogLevel | str = LogLevel.INFO,
        logger: str | None = None,
        context: Mapping[str, object] | None = None,
        trace_id: str | None = None,
        span_id: str | None = None,
        timestamp: float | None = None,
    ) -> Result[FlextLogEntry, FlextValidationError]:
        """A log entry written now (or at ``timestamp``), by this service's logger unless told."""
        return build_log_entry(
            event=event,
            level=level,
            logger=self.service if logger is None else logger,
            timestamp=self._now() if timestamp is None else timestamp,
            context=context,
            trace_id=trace_id,
            span_id=span_id,
        )


def _as_tuple(items: Iterable[object]) -> object:
    """Materialise an iterable for the core, which reads lists and tuples only."""
    if isinstance(items, list | tuple):
        return items
    try:
        return tuple(items)
    except Exception:  # noqa: BLE001 - a failing iterable becomes a validation failure, not a crash
        return items


def _single_span_trace(span: FlextSpan) -> Result[FlextTrace, FlextValidationError]:
    return assemble_trace((span,))
