"""Spans while they run: the mutable, recording span, and the free non-recording one.

A :class:`Span` is made by the tracing service when a sampled operation
starts; it collects attributes, events, links and a status under the limits
of :class:`~flext_observability.core.tracing.span_limits.SpanLimits`, then, when it
ends, goes to the span processor as it is. It is turned into a frozen
:class:`~flext_observability.core.tracing.span.FlextSpan` later, in the processor's
thread, so that ending a span costs little.

A :class:`NonRecordingSpan` stands for an operation that was not sampled: it
carries ids for propagation and ignores everything else.

Span methods never raise: a value that cannot be an attribute is dropped and
counted, like one beyond the limits; a value the limits cut is kept and
counted in ``truncated_attributes``. Whatever a recording span refuses (an
unknown status, an attribute, event, link or exception it cannot take) is
also reported to the span processor, which counts it by reason and logs the
first of each reason with what was wrong and how to fix it (see
``ProcessorCounts.refusals``). A span keeps ``estimated_bytes``, the
estimate of what its attributes, events and links take (computed from each
value as it is accepted, see :func:`~flext_observability.core.tracing.span_limits.value_bytes`);
an attribute, event or link that would take it past ``max_span_bytes`` is
dropped and counted in ``dropped_attributes``, ``dropped_events`` or
``dropped_links``.
"""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING, ClassVar, Final

from flext_observability.core.checks import describe
from flext_observability.core.frozen import EMPTY_MAP, FrozenMap
from flext_observability.core.tracing.span import UNSET_STATUS, FlextSpan, SpanEvent, SpanLink, SpanStatus
from flext_observability.core.tracing.span_limits import (
    SpanLimits,
    attribute_bytes,
    attribute_problem,
    event_bytes,
    fit_attributes,
    limit_attribute,
    link_bytes,
    redacted_description,
    redacted_name,
    value_bytes,
)
from flext_observability.core.tracing.traceparent import SpanContext
from flext_observability.core.tracing.tracestate import TraceState, format_tracestate
from flext_observability.core.values import SpanKind, SpanStatusCode

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from flext_observability.core.attributes import AttributeValue

    Refuse = Callable[..., None]


class Span:
    """A sampled span that is recording; see the module documentation."""

    __slots__ = (
        "_now_ns",
        "_on_end",
        "_recorded_error",
        "_refuse",
        "attributes",
        "dropped_attributes",
        "dropped_events",
        "dropped_links",
        "end_time_ns",
        "estimated_bytes",
        "events",
        "kind",
        "limits",
        "links",
        "name",
        "parent_span_id",
        "random",
        "remote_parent",
        "service",
        "size_bytes",
        "span_id",
        "start_time_ns",
        "status_code",
        "status_description",
        "trace_id",
        "trace_state",
        "truncated_attributes",
    )

    def __init__(  # noqa: PLR0913, PLR0917 - everything a span starts with (positional: the hot path)
        self,
        trace_id: str,
        span_id: str,
        parent_span_id: str | None,
        name: str,
        service: str,
        kind: SpanKind,
        start_time_ns: int,
        random: bool,
        trace_state: TraceState,
        remote_parent: bool,
        limits: SpanLimits,
        on_end: Callable[[Span, int | None], object],
        now_ns: Callable[[], int],
        refuse: Refuse,
        /,
    ) -> None:
        """A running span; made by the tracing service, which has checked every argument."""
        self.trace_id = trace_id
        self.span_id = span_id
        self.parent_span_id = parent_span_id
        self.name = name
        self.service = service
        self.kind = kind
        self.start_time_ns = start_time_ns
        self.end_time_ns: int | None = None
        self.random = random
        self.trace_state = trace_state
        self.remote_parent = remote_parent
        self.limits = limits
        self._on_end = on_end
        self._now_ns = now_ns
        self._refuse = refuse
        self._recorded_error: BaseException | None = None
        self.attributes: dict[str, AttributeValue] | None = None
        self.events: list[tuple[str, int, dict[str, AttributeValue]]] | None = None
        self.links: list[tuple[SpanContext, dict[str, AttributeValue]]] | None = None
        self.status_code = SpanStatusCode.UNSET
        self.status_description = ""
        self.dropped_attributes = 0
        self.dropped_events = 0
        self.dropped_links = 0
        self.truncated_attributes = 0
        self.estimated_bytes = 0
        self.size_bytes = 0
        """Set by the span processor when the span is queued: ``estimated_bytes`` and the fixed part, as counted."""

    @property
    def context(self) -> SpanContext:
        """The span's W3C context, for propagation."""
        return SpanContext(
            trace_id=self.trace_id, span_id=self.span_id, sampled=True, random=self.random, trace_state=self.trace_state
        )

    sampled: ClassVar[bool] = True
    """Always ``True``: only sampled spans record (a class attribute: histograms read it on every observation)."""

    def is_recording(self) -> bool:
        """Whether the span still records (it has not ended)."""
        return self.end_time_ns is None

    def set_attribute(self, key: str, value: object) -> None:
        """Set one attribute (cleaned, truncated and counted, redacted; dropped beyond the limits)."""
        if self.end_time_ns is not None:
            return
        if type(key) is not str and isinstance(key, str):
            key = str.__str__(key)  # a subclass's hash and comparisons may raise or lie
        limits = self.limits
        cleaned, truncated = limit_attribute(key, value, limits)
        attributes = self.attributes
        if attributes is None:
            attributes = self.attributes = {}
        if cleaned is None:
            self.dropped_attributes += 1
            self._refuse("invalid_attribute", "a span attribute was dropped: %s", attribute_problem(key, value))
            return
        old = attributes.get(key)
        if old is None:
            if len(attributes) >= limits.max_attributes:
                self._over_limit("attribute_over_limit", "attributes", "max_attributes", limits.max_attributes)
                return
            cost = attribute_bytes(key, cleaned)
        else:
            cost = value_bytes(cleaned) - value_bytes(old)
        if self.estimated_bytes + cost > limits.max_span_bytes:
            self._over_limit("attribute_over_limit", "attributes", "max_span_bytes", limits.max_span_bytes)
            return
        attributes[key] = cleaned
        self.estimated_bytes += cost
        if truncated:
            self.truncated_attributes += 1

    def set_attributes(self, attributes: Mapping[str, object]) -> None:
        """Set several attributes at once."""
        if self.end_time_ns is not None:
            return
        limits = self.limits
        accepted, dropped, truncated, used = fit_attributes(
            self.attributes or {}, attributes, limits, limits.max_span_bytes - self.estimated_bytes
        )
        self.attributes = accepted
        self.estimated_bytes += used
        self.dropped_attributes += dropped
        self.truncated_attributes += truncated
        if dropped:
            self._report_dropped_attributes(attributes, dropped)

    def _report_dropped_attributes(self, attributes: Mapping[str, object], dropped: int) -> None:
        """Report ``dropped`` attributes of ``attributes`` that were left out: the invalid ones, then the others.

        Only runs when something was dropped, so the hot path pays nothing.
        """
        limits = self.limits
        try:
            problems = [
                attribute_problem(key, value)
                for key, value in attributes.items()
                if limit_attribute(key, value, limits)[0] is None
            ]
        except Exception:  # noqa: BLE001 - a mapping that cannot be read is itself the problem
            problems = ["the attributes given are not a readable mapping of names to values"]
        invalid = min(len(problems), dropped)
        if invalid:
            self._refuse("invalid_attribute", "a span attribute was dropped: %s", problems[0], count=invalid)
        if dropped > invalid:
            self._refuse(
                "attribute_over_limit",
                "span attributes were dropped: the span was full (max_attributes=%d, max_span_bytes=%d); "
                "set fewer or smaller attributes, or raise the SpanLimits given to FlextTracingService(limits=...)",
                limits.max_attributes,
                limits.max_span_bytes,
                count=dropped - invalid,
            )

    def _over_limit(self, reason: str, items: str, limit: str, value: int) -> None:
        """Count one attribute, event or link dropped for the span's limits, and report it."""
        if items == "events":
            self.dropped_events += 1
        elif items == "links":
            self.dropped_links += 1
        else:
            self.dropped_attributes += 1
        self._refuse(
            reason,
            "span %s were dropped: the span reached its limit %s=%d; add fewer, "
            "or raise it in the SpanLimits given to FlextTracingService(limits=...)",
            items,
            limit,
            value,
        )

    def _fit(self, fixed: int, attributes: Mapping[str, object] | None) -> dict[str, AttributeValue] | None:
        """The attributes of a new event or link costing ``fixed`` bytes without them, or ``None`` when it does not fit.

        The item is kept when its fixed part fits; its attributes are then
        added while they fit, and the others dropped and counted.
        """
        limits = self.limits
        room = limits.max_span_bytes - self.estimated_bytes - fixed
        if room < 0:
            return None
        # ``is None``, not truthiness: a mapping's own ``__bool__`` or ``__len__`` may raise.
        given: Mapping[str, object] = {} if attributes is None else attributes
        accepted, dropped, truncated, used = fit_attributes({}, given, limits, room)
        self.estimated_bytes += fixed + used
        self.dropped_attributes += dropped
        self.truncated_attributes += truncated
        if dropped:
            self._report_dropped_attributes(given, dropped)
        return accepted

    def add_event(
        self, name: str, attributes: Mapping[str, object] | None = None, timestamp_ns: int | None = None
    ) -> None:
        """Record something that happened at one instant (now, unless ``timestamp_ns`` is given)."""
        if self.end_time_ns is not None:
            return
        events = self.events
        if events is None:
            events = self.events = []
        given: object = name  # callers outside the type checker may pass anything
        # A str subclass is read by ``str.__str__``: its own methods may raise or lie.
        text = given if type(given) is str else str.__str__(given) if isinstance(given, str) else ""
        if not text:
            self.dropped_events += 1
            self._refuse(
                "invalid_event",
                "a span event was dropped: its name must be non-empty text, not %s",
                describe(given),
            )
            return
        limits = self.limits
        if len(events) >= limits.max_events:
            self._over_limit("event_over_limit", "events", "max_events", limits.max_events)
            return
        cleaned = redacted_name(text, limits)
        accepted = self._fit(event_bytes(cleaned), attributes)
        if accepted is None:
            self._over_limit("event_over_limit", "events", "max_span_bytes", limits.max_span_bytes)
            return
        moment: object = timestamp_ns
        if isinstance(moment, int) and not isinstance(moment, bool):
            when = int.__int__(moment)  # not ``int()``: a subclass's ``__int__`` may raise
        else:
            when = self._now_ns()
            if moment is not None:
                self._refuse(
                    "invalid_event",
                    "the time of span event %s was not used: timestamp_ns must be an int of nanoseconds "
                    "since the epoch or None (now), not %s; the event was kept at the current time",
                    describe(cleaned),
                    describe(moment),
                )
        events.append((cleaned, when, accepted))

    def add_link(self, context: SpanContext | AnySpan, attributes: Mapping[str, object] | None = None) -> None:
        """Point to a span (of this trace or another) that caused this one: its ``SpanContext``, or the span."""
        if self.end_time_ns is not None:
            return
        links = self.links
        if links is None:
            links = self.links = []
        given: object = context
        if isinstance(given, Span | NonRecordingSpan):
            given = given.context
        if not isinstance(given, SpanContext):
            self.dropped_links += 1
            self._refuse(
                "invalid_link",
                "a span link was dropped: link to a span or a SpanContext (span.context, "
                "parse_traceparent(...).unwrap(), extract(headers).span_context), not %s",
                describe(given),
            )
            return
        limits = self.limits
        if len(links) >= limits.max_links:
            self._over_limit("link_over_limit", "links", "max_links", limits.max_links)
            return
        accepted = self._fit(link_bytes(given), attributes)
        if accepted is None:
            self._over_limit("link_over_limit", "links", "max_span_bytes", limits.max_span_bytes)
            return
        links.append((given, accepted))

    def record_exception(self, error: BaseException, attributes: Mapping[str, object] | None = None) -> None:
        """Add an ``exception`` event with the OpenTelemetry semantic-convention attributes.

        ``exception.type`` (the qualified class name), ``exception.message``
        and ``exception.stacktrace``. Recording the exception recorded last
        again does nothing, so ``record_exception(error)`` before re-raising
        ``error`` out of the span gives one event, not two.
        """
        given: object = error  # callers outside the type checker may pass anything
        if not isinstance(given, BaseException):
            if self.end_time_ns is None:
                self.dropped_events += 1
                self._refuse(
                    "invalid_exception",
                    "record_exception was given %s, not an exception; pass the exception object "
                    "(except Exception as error: span.record_exception(error))",
                    describe(given),
                )
            return
        if given is self._recorded_error or self.end_time_ns is not None:
            return
        self._recorded_error = given
        kind = type(given)
        module = kind.__module__
        try:
            message = str(given)
        except Exception:  # noqa: BLE001 - a broken __str__ must not break the span
            message = f"<unprintable {kind.__name__}>"
        details: dict[str, object] = {
            "exception.type": kind.__qualname__
            if module in {"builtins", "__main__"}
            else f"{module}.{kind.__qualname__}",
            "exception.message": message,
            "exception.stacktrace": "".join(traceback.format_exception(given)),
        }
        if attributes is not None:
            try:
                details.update(attributes)
            except Exception:  # noqa: BLE001 - attributes that cannot be read are left out, and reported
                self.dropped_attributes += 1
                self._refuse(
                    "invalid_attribute",
                    "the attributes given to record_exception were left out: %s is not a readable mapping of "
                    "names to values",
                    describe(attributes),
                )
        self.add_event("exception", details)

    def set_status(self, code: SpanStatusCode | str, description: str = "") -> None:
        """Set the outcome: ``ok``, ``error`` (with a description) or ``unset``, in any case.

        ``ok`` is final, as OpenTelemetry specifies; the description is kept
        for ``error`` only. An unknown code leaves the status as it was, and
        is reported.
        """
        if self.end_time_ns is not None or self.status_code is SpanStatusCode.OK:
            return
        status = _STATUS_CODES.get(code) if type(code) is str or isinstance(code, SpanStatusCode) else None
        if status is None:
            status = _status_code(code)
            if status is None:
                self._refuse(
                    "unknown_status",
                    "unknown span status %s; use one of %s (the status was left unchanged)",
                    describe(code),
                    ", ".join(_STATUS_CODES_LISTED),
                )
                return
        self.status_code = status
        self.status_description = (
            redacted_description(description, self.limits) if status is SpanStatusCode.ERROR else ""
        )

    def update_name(self, name: str) -> None:
        """Rename the span (for instance once the route is known); a name that is not text is reported."""
        given: object = name
        if self.end_time_ns is not None:
            return
        text = str.__str__(given) if isinstance(given, str) else ""  # a subclass's own methods may raise
        if text:
            self.name = redacted_name(text, self.limits)
        else:
            self._refuse(
                "invalid_name",
                "update_name was given %s; a span name is non-empty text (kept %r)",
                describe(given),
                self.name,
            )

    def to_entity(self) -> FlextSpan:
        """The ended span as a frozen :class:`FlextSpan` (done in the processor's thread).

        Every value was checked when it was set (the name and service when the
        span started, attributes, events and links as they came), so the
        entity is built directly; a property test checks that it always
        passes ``validate_span``.
        """
        end = self.end_time_ns if self.end_time_ns is not None else self.start_time_ns
        status = (
            UNSET_STATUS
            if self.status_code is SpanStatusCode.UNSET
            else SpanStatus(code=self.status_code, description=self.status_description)
        )
        return FlextSpan(
            trace_id=self.trace_id,
            span_id=self.span_id,
            parent_span_id=self.parent_span_id,
            name=self.name,
            service=self.service,
            kind=self.kind,
            start_time_ns=self.start_time_ns,
            end_time_ns=end,
            status=status,
            attributes=FrozenMap.adopt(self.attributes) if self.attributes else EMPTY_MAP,
            events=tuple(
                SpanEvent(name=name, time_ns=when, attributes=FrozenMap.adopt(attributes) if attributes else EMPTY_MAP)
                for name, when, attributes in self.events or ()
            ),
            links=tuple(
                SpanLink(
                    trace_id=context.trace_id,
                    span_id=context.span_id,
                    trace_state=format_tracestate(context.trace_state),
                    attributes=FrozenMap.adopt(attributes) if attributes else EMPTY_MAP,
                )
                for context, attributes in self.links or ()
            ),
            trace_state=format_tracestate(self.trace_state) if self.trace_state else "",
            dropped_attributes=self.dropped_attributes,
            dropped_events=self.dropped_events,
            dropped_links=self.dropped_links,
            truncated_attributes=self.truncated_attributes,
        )

    def end(self, end_time_ns: int | None = None) -> None:
        """End the span (once; later calls do nothing) and hand it to the processor.

        The processor sets the end time under its lock, so two threads ending
        the same span end it once.
        """
        if self.end_time_ns is None:
            given: object = end_time_ns
            if given is not None:
                given = int.__int__(given) if isinstance(given, int) and not isinstance(given, bool) else None
            self._on_end(self, given)  # a plain int or None by now
            # The exception (and the frames its traceback holds) is not kept past the span.
            if self._recorded_error is not None:
                self._recorded_error = None

    def __repr__(self) -> str:
        return f"<Span {self.name!r} trace_id={self.trace_id} span_id={self.span_id}>"


class NonRecordingSpan:
    """A span that was not sampled: it has ids for propagation and records nothing."""

    __slots__ = ("parent_span_id", "random", "span_id", "trace_id", "trace_state")

    def __init__(
        self, trace_id: str, span_id: str, parent_span_id: str | None, random: bool, trace_state: TraceState
    ) -> None:
        """Ids only."""
        self.trace_id = trace_id
        self.span_id = span_id
        self.parent_span_id = parent_span_id
        self.random = random
        self.trace_state = trace_state

    @property
    def context(self) -> SpanContext:
        """The span's W3C context, not sampled."""
        return SpanContext(
            trace_id=self.trace_id,
            span_id=self.span_id,
            sampled=False,
            random=self.random,
            trace_state=self.trace_state,
        )

    sampled: ClassVar[bool] = False
    """Always ``False``."""

    def is_recording(self) -> bool:
        """Always ``False``."""
        return False

    def set_attribute(self, key: str, value: object) -> None:
        """Ignored."""

    def set_attributes(self, attributes: Mapping[str, object]) -> None:
        """Ignored."""

    def add_event(
        self, name: str, attributes: Mapping[str, object] | None = None, timestamp_ns: int | None = None
    ) -> None:
        """Ignored."""

    def add_link(self, context: SpanContext | AnySpan, attributes: Mapping[str, object] | None = None) -> None:
        """Ignored."""

    def record_exception(self, error: BaseException, attributes: Mapping[str, object] | None = None) -> None:
        """Ignored."""

    def set_status(self, code: SpanStatusCode | str, description: str = "") -> None:
        """Ignored."""

    def update_name(self, name: str) -> None:
        """Ignored."""

    def end(self, end_time_ns: int | None = None) -> None:
        """Ignored."""

    def __repr__(self) -> str:
        return f"<NonRecordingSpan trace_id={self.trace_id} span_id={self.span_id}>"


AnySpan = Span | NonRecordingSpan
"""What the tracing service hands out: a recording span or a non-recording one."""

_STATUS_CODES: Final[dict[object, SpanStatusCode]] = {
    **{code: code for code in SpanStatusCode},
    **{code.value: code for code in SpanStatusCode},
}
"""The codes ``set_status`` takes at once (the hot path): each code, and its lowercase name."""

_STATUS_CODES_LISTED: Final = tuple(code.value for code in SpanStatusCode)


def _status_code(code: object) -> SpanStatusCode | None:
    """A status code written in another case (``"ERROR"``, OpenTelemetry's ``StatusCode.ERROR``), if it is one."""
    name = getattr(code, "name", code)
    return _STATUS_CODES.get(name.lower()) if isinstance(name, str) else None
