"""``FlextSpan``: one timed operation of a trace, with its events and links.

>>> span = build_span(
...     trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
...     span_id="00f067aa0ba902b7",
...     name="extract",
...     service="tap-postgres",
...     start_time_ns=1_000,
...     end_time_ns=5_000,
...     attributes={"rows": 120},
... ).unwrap()
>>> span.duration_ns, span.status.code
(4000, <SpanStatusCode.UNSET: 'unset'>)
>>> span_from_dict(span.to_dict()).unwrap() == span
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, TypeVar

from attrs import field, frozen
from returns.result import Result, Success

from flext_observability.core.attributes import Attributes, check_attributes
from flext_observability.core.checks import (
    Problems,
    add,
    check_choice,
    check_count,
    check_hex_id,
    check_text,
    check_time_ns,
    describe,
    invalid,
    read_sequence,
)
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.frozen import EMPTY_MAP
from flext_observability.core.limits import MAX_EVENTS, MAX_LINKS, MAX_TEXT_LENGTH, SPAN_ID_LENGTH, TRACE_ID_LENGTH
from flext_observability.core.records import read_fields, read_record, wrong_entity
from flext_observability.core.values import SpanKind, SpanStatusCode

if TYPE_CHECKING:
    from collections.abc import Callable

    from flext_observability.core.records import JsonDict

T = TypeVar("T")

MAX_TRACE_STATE_LENGTH: Final = 512
"""The W3C limit on a ``tracestate`` header value."""

MAX_DROPPED: Final = 2**32 - 1
"""The largest dropped-items count OTLP carries (``uint32``)."""


@frozen(kw_only=True)
class SpanStatus:
    """How a span ended; a description only goes with an error."""

    code: SpanStatusCode = SpanStatusCode.UNSET
    description: str = ""

    def to_dict(self) -> JsonDict:
        """JSON-safe form."""
        return {"code": self.code.value, "description": self.description}


UNSET_STATUS: Final = SpanStatus()
"""The status of a span nobody set a status on."""


@frozen(kw_only=True)
class SpanEvent:
    """Something that happened at one instant during a span."""

    name: str
    time_ns: int
    attributes: Attributes = field(default=EMPTY_MAP)

    def to_dict(self) -> JsonDict:
        """JSON-safe form."""
        return {"name": self.name, "time_ns": self.time_ns, "attributes": _attributes_dict(self.attributes)}


@frozen(kw_only=True)
class SpanLink:
    """A pointer to a span of another trace (or of this one) that caused this span."""

    trace_id: str
    span_id: str
    trace_state: str = ""
    attributes: Attributes = field(default=EMPTY_MAP)

    def to_dict(self) -> JsonDict:
        """JSON-safe form."""
        return {
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "trace_state": self.trace_state,
            "attributes": _attributes_dict(self.attributes),
        }


@frozen(kw_only=True)
class FlextSpan:
    """One finished operation: ids, timing, outcome and what happened.

    Instances made by :func:`build_span` are valid; the constructor itself
    checks nothing (call :meth:`validate_domain_rules` after using it).
    """

    trace_id: str
    span_id: str
    parent_span_id: str | None = None
    name: str
    service: str
    kind: SpanKind = SpanKind.INTERNAL
    start_time_ns: int
    end_time_ns: int
    status: SpanStatus = UNSET_STATUS
    attributes: Attributes = field(default=EMPTY_MAP)
    events: tuple[SpanEvent, ...] = ()
    links: tuple[SpanLink, ...] = ()
    trace_state: str = ""
    dropped_attributes: int = 0
    dropped_events: int = 0
    dropped_links: int = 0
    truncated_attributes: int = 0
    """Attribute values (of the span, its events and links) that the span limits cut; kept, shortened."""

    @property
    def duration_ns(self) -> int:
        """How long the span lasted, in nanoseconds."""
        return self.end_time_ns - self.start_time_ns

    def validate_domain_rules(self) -> Result[FlextSpan, FlextValidationError]:
        """``Success(self)`` when every rule holds, else every broken rule."""
        return validate_span(self)

    def to_dict(self) -> JsonDict:
        """JSON-safe data that :func:`span_from_dict` turns back into this span."""
        return {
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "parent_span_id": self.parent_span_id,
            "name": self.name,
            "service": self.service,
            "kind": self.kind.value,
            "start_time_ns": self.start_time_ns,
            "end_time_ns": self.end_time_ns,
            "status": self.status.to_dict(),
            "attributes": _attributes_dict(self.attributes),
            "events": [event.to_dict() for event in self.events],
            "links": [link.to_dict() for link in self.links],
            "trace_state": self.trace_state,
            "dropped_attributes": self.dropped_attributes,
            "dropped_events": self.dropped_events,
            "dropped_links": self.dropped_links,
            "truncated_attributes": self.truncated_attributes,
        }

    @staticmethod
    def from_dict(data: object) -> Result[FlextSpan, FlextValidationError]:
        """Read a span from :meth:`to_dict` data; see :func:`span_from_dict`."""
        return span_from_dict(data)


def _attributes_dict(attributes: Attributes) -> JsonDict:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in attributes.items()}


def _fields_of(
    problems: Problems,
    path: str,
    value: object,
    kind: type,
    *,
    required: tuple[str, ...],
    optional: tuple[str, ...],
) -> dict[str, object] | None:
    """The fields of an instance of ``kind``, or of a mapping of the same shape."""
    if isinstance(value, kind):
        return {name: getattr(value, name) for name in required + optional}
    return read_fields(problems, path, value, entity=kind.__name__, required=required, optional=optional)


def _check_status(problems: Problems, value: object) -> SpanStatus | None:
    if isinstance(value, str):
        code = check_choice(problems, "status", value, SpanStatusCode)
        return None if code is None else SpanStatus(code=code)
    fields = _fields_of(problems, "status", value, SpanStatus, required=("code",), optional=("description",))
    if fields is None:
        return None
    code = check_choice(problems, "status.code", fields["code"], SpanStatusCode)
    description = check_text(
        problems,
        "status.description",
        fields.get("description", ""),
        max_length=MAX_TEXT_LENGTH,
        allow_empty=True,
    )
    if code is None or description is None:
        return None
    if description and code is not SpanStatusCode.ERROR:
        add(
            problems,
            FlextErrorCode.DESCRIPTION_WITHOUT_ERROR,
            "status.description",
            "only an error status carries a description; set the code to 'error' or drop it",
        )
        return None
    if not description and code is SpanStatusCode.UNSET:
        return UNSET_STATUS
    return SpanStatus(code=code, description=description)


def _check_event(problems: Problems, path: str, value: object) -> SpanEvent | None:
    fields = _fields_of(problems, path, value, SpanEvent, required=("name", "time_ns"), optional=("attributes",))
    if fields is None:
        return None
    name = check_text(problems, f"{path}.name", fields["name"])
    time_ns = check_time_ns(problems, f"{path}.time_ns", fields["time_ns"])
    attributes = check_attributes(problems, f"{path}.attributes", fields.get("attributes"))
    if name is None or time_ns is None or attributes is None:
        return None
    return SpanEvent(name=name, time_ns=time_ns, attributes=attributes)


def _check_link(problems: Problems, path: str, value: object) -> SpanLink | None:
    fields = _fields_of(
        problems,
        path,
        value,
        SpanLink,
        required=("trace_id", "span_id"),
        optional=("trace_state", "attributes"),
    )
    if fields is None:
        return None
    trace_id = check_hex_id(problems, f"{path}.trace_id", fields["trace_id"], TRACE_ID_LENGTH)
    span_id = check_hex_id(problems, f"{path}.span_id", fields["span_id"], SPAN_ID_LENGTH)
    trace_state = check_text(
        problems,
        f"{path}.trace_state",
        fields.get("trace_state", ""),
        max_length=MAX_TRACE_STATE_LENGTH,
        allow_empty=True,
    )
    attributes = check_attributes(problems, f"{path}.attributes", fields.get("attributes"))
    if trace_id is None or span_id is None or trace_state is None or attributes is None:
        return None
    return SpanLink(trace_id=trace_id, span_id=span_id, trace_state=trace_state, attributes=attributes)


def _check_items(
    problems: Problems,
    field_name: str,
    value: object,
    limit: int,
    check: Callable[[Problems, str, object], T | None],
) -> tuple[T, ...] | None:
    if value is None:
        return ()
    items = read_sequence(problems, field_name, value)
    if items is None or not check_count(problems, field_name, len(items), limit, field_name):
        return None
    checked: list[T] = []
    for index, item in enumerate(items):
        result = check(problems, f"{field_name}[{index}]", item)
        if result is not None:
            checked.append(result)
    return tuple(checked) if len(checked) == len(items) else None


def _check_dropped(problems: Problems, field_name: str, value: object) -> int | None:
    """A count of dropped (or truncated) items: an int from 0 to 2**32 - 1 (OTLP's ``uint32``)."""
    if isinstance(value, bool) or not isinstance(value, int):
        add(problems, FlextErrorCode.WRONG_TYPE, field_name, f"expected a count (int), got {describe(value)}")
        return None
    count = int.__int__(value)
    if not 0 <= count <= MAX_DROPPED:
        add(problems, FlextErrorCode.OUT_OF_RANGE, field_name, f"{count} is not a count from 0 to {MAX_DROPPED}")
        return None
    return count


def _check_parent(problems: Problems, value: object, span_id: str | None) -> str | None:
    """The parent id; no parent (``None``) is valid and marks a root span."""
    if value is None:
        return None
    parent = check_hex_id(problems, "parent_span_id", value, SPAN_ID_LENGTH)
    if parent is not None and parent == span_id:
        add(problems, FlextErrorCode.CYCLE, "parent_span_id", "a span cannot be its own parent")
    return parent


def build_span(  # noqa: PLR0913 - one argument per field, all keyword-only
    *,
    trace_id: object,
    span_id: object,
    parent_span_id: object = None,
    name: object,
    service: object,
    kind: object = SpanKind.INTERNAL,
    start_time_ns: object,
    end_time_ns: object,
    status: object = UNSET_STATUS,
    attributes: object = None,
    events: object = None,
    links: object = None,
    trace_state: object = "",
    dropped_attributes: object = 0,
    dropped_events: object = 0,
    dropped_links: object = 0,
    truncated_attributes: object = 0,
) -> Result[FlextSpan, FlextValidationError]:
    """Check every rule on the given fields and build a :class:`FlextSpan`.

    ``status`` is a :class:`SpanStatus`, a code (``"ok"``) or a mapping with
    ``code`` and ``description``; events and links are instances or mappings
    of their fields. ``trace_state`` is the W3C ``tracestate`` the span carried,
    the ``dropped_*`` counts tell how many attributes, events and links its
    limits left out, and ``truncated_attributes`` how many attribute values
    they kept cut (OTLP has no field for it; it stays with the entity and in
    the self-metrics). Values of any type are reported, never raised.
    """
    problems: Problems = []
    checked_trace = check_hex_id(problems, "trace_id", trace_id, TRACE_ID_LENGTH)
    checked_span = check_hex_id(problems, "span_id", span_id, SPAN_ID_LENGTH)
    checked_parent = _check_parent(problems, parent_span_id, checked_span)
    checked_name = check_text(problems, "name", name)
    checked_service = check_text(problems, "service", service)
    checked_kind = check_choice(problems, "kind", kind, SpanKind)
    start = check_time_ns(problems, "start_time_ns", start_time_ns)
    end = check_time_ns(problems, "end_time_ns", end_time_ns)
    if start is not None and end is not None and end < start:
        add(
            problems,
            FlextErrorCode.TIME_ORDER,
            "end_time_ns",
            f"the span ends {start - end} ns before it starts; end it after its start",
        )
    checked_status = _check_status(problems, status)
    checked_attributes = check_attributes(problems, "attributes", attributes)
    checked_events = _check_items(problems, "events", events, MAX_EVENTS, _check_event)
    checked_links = _check_items(problems, "links", links, MAX_LINKS, _check_link)
    checked_state = check_text(
        problems, "trace_state", trace_state, max_length=MAX_TRACE_STATE_LENGTH, allow_empty=True
    )
    dropped = [
        _check_dropped(problems, name, value)
        for name, value in (
            ("dropped_attributes", dropped_attributes),
            ("dropped_events", dropped_events),
            ("dropped_links", dropped_links),
            ("truncated_attributes", truncated_attributes),
        )
    ]
    if (
        problems
        or checked_trace is None
        or checked_span is None
        or checked_name is None
        or checked_service is None
        or checked_kind is None
        or start is None
        or end is None
        or checked_status is None
        or checked_attributes is None
        or checked_events is None
        or checked_links is None
        or checked_state is None
        or dropped[0] is None
        or dropped[1] is None
        or dropped[2] is None
        or dropped[3] is None
    ):
        return invalid("span", problems)
    return Success(
        FlextSpan(
            trace_id=checked_trace,
            span_id=checked_span,
            parent_span_id=checked_parent,
            name=checked_name,
            service=checked_service,
            kind=checked_kind,
            start_time_ns=start,
            end_time_ns=end,
            status=checked_status,
            attributes=checked_attributes,
            events=checked_events,
            links=checked_links,
            trace_state=checked_state,
            dropped_attributes=dropped[0],
            dropped_events=dropped[1],
            dropped_links=dropped[2],
            truncated_attributes=dropped[3],
        ),
    )


_SPAN_REQUIRED: Final = ("trace_id", "span_id", "name", "service", "start_time_ns", "end_time_ns")
_SPAN_OPTIONAL: Final = (
    "parent_span_id",
    "kind",
    "status",
    "attributes",
    "events",
    "links",
    "trace_state",
    "dropped_attributes",
    "dropped_events",
    "dropped_links",
    "truncated_attributes",
)


def validate_span(span: object) -> Result[FlextSpan, FlextValidationError]:
    """``Success(span)`` when ``span`` is a valid :class:`FlextSpan`."""
    if not isinstance(span, FlextSpan):
        return wrong_entity("span", span, "FlextSpan")
    fields = {name: getattr(span, name) for name in _SPAN_REQUIRED + _SPAN_OPTIONAL}
    return build_span(**fields).map(lambda _: span)


def span_from_dict(data: object) -> Result[FlextSpan, FlextValidationError]:
    """Read a span from :meth:`FlextSpan.to_dict` data, checking every rule."""
    return read_record("span", data, build_span, required=_SPAN_REQUIRED, optional=_SPAN_OPTIONAL)
