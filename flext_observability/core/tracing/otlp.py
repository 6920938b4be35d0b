"""Spans as OTLP/HTTP JSON: the body of an ``ExportTraceServiceRequest`` (trace v1).

OTLP's JSON is the protobuf JSON mapping with three twists: trace and span
ids are lowercase hex (not base64), enums are integers, and 64-bit integers
(times, ``intValue``) are decimal strings. :func:`encode_spans` builds that
shape from valid spans as plain dicts and lists, ready for ``json.dumps``.

>>> from flext_observability.core.tracing.span import build_span
>>> span = build_span(
...     trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
...     span_id="00f067aa0ba902b7",
...     name="extract",
...     service="tap-postgres",
...     kind="client",
...     start_time_ns=1_000,
...     end_time_ns=5_000,
...     attributes={"rows": 120},
... ).unwrap()
>>> payload = encode_spans([span], resource={"deployment.environment": "dev"})
>>> resource_spans = payload["resourceSpans"][0]
>>> [item["key"] for item in resource_spans["resource"]["attributes"]]
['deployment.environment', 'service.name']
>>> encoded = resource_spans["scopeSpans"][0]["spans"][0]
>>> encoded["kind"], encoded["startTimeUnixNano"], encoded["attributes"], "parentSpanId" in encoded
(3, '1000', [{'key': 'rows', 'value': {'intValue': '120'}}], False)
>>> kind_code[SpanKind.SERVER], status_code[SpanStatusCode.ERROR]
(2, 2)
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Final

from flext_observability.core.attributes import AttributeScalar, AttributeValue
from flext_observability.core.frozen import EMPTY_MAP, FrozenMap
from flext_observability.core.records import JsonDict, JsonValue
from flext_observability.core.tracing.span import FlextSpan, SpanEvent, SpanLink
from flext_observability.core.values import SpanKind, SpanStatusCode

DEFAULT_SCOPE_NAME: Final = "flext-observability"
"""The instrumentation scope named in every payload unless the caller names another."""

SERVICE_NAME_KEY: Final = "service.name"
"""The resource attribute that carries each span's service."""

# Plain dicts for the per-span lookups; the public names below are frozen views of them.
_KIND_CODES: Final[dict[SpanKind, int]] = {
    SpanKind.INTERNAL: 1,
    SpanKind.SERVER: 2,
    SpanKind.CLIENT: 3,
    SpanKind.PRODUCER: 4,
    SpanKind.CONSUMER: 5,
}
_STATUS_CODES: Final[dict[SpanStatusCode, int]] = {
    SpanStatusCode.UNSET: 0,
    SpanStatusCode.OK: 1,
    SpanStatusCode.ERROR: 2,
}

kind_code: Final[Mapping[SpanKind, int]] = FrozenMap.adopt(_KIND_CODES)
"""OTLP's ``Span.SpanKind`` number of each kind (0, "unspecified", is never sent)."""

status_code: Final[Mapping[SpanStatusCode, int]] = FrozenMap.adopt(_STATUS_CODES)
"""OTLP's ``Status.StatusCode`` number of each status code."""

TRACE_FLAG_SAMPLED: Final = 0x01
"""W3C trace flag ``sampled`` (bits 0-7 of ``flags`` are the W3C trace flags)."""

FLAG_PARENT_REMOTE_KNOWN: Final = 0x100
"""``SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK``: whether the parent is remote is known."""

FLAG_PARENT_REMOTE: Final = 0x200
"""``SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK``: the parent is remote (meaningful with the bit above)."""

# A span only reaches an exporter when it was sampled, so every encoded span
# carries the sampled trace flag; the other W3C bits are not recorded on spans.
_ROOT_OR_LOCAL: Final = TRACE_FLAG_SAMPLED | FLAG_PARENT_REMOTE_KNOWN
_REMOTE: Final = _ROOT_OR_LOCAL | FLAG_PARENT_REMOTE


def span_flags(span: FlextSpan, remote_parents: Collection[str] | None = None) -> int:
    """The OTLP ``flags`` of ``span``: sampled, plus what is known of its parent.

    A root span has no parent, so its parent is known not to be remote. For a
    span with a parent, ``remote_parents`` holds the ids of the parents that
    came from another process (read from an incoming ``traceparent``): a
    parent among them is remote, any other is local. Without the collection
    (``None``) nothing is known, and bits 8-9 stay clear ("unknown"), as the
    proto asks; guessing from the batch would be wrong, since a child usually
    ends, and is exported, before its local parent.

    >>> from flext_observability.core.tracing.span import build_span
    >>> child = build_span(
    ...     trace_id="4bf92f3577b34da6a3ce929d0e0e4736", span_id="00f067aa0ba902b7",
    ...     parent_span_id="00f067aa0ba902b6", name="load", service="etl",
    ...     start_time_ns=0, end_time_ns=1,
    ... ).unwrap()
    >>> hex(span_flags(child)), hex(span_flags(child, {"00f067aa0ba902b6"})), hex(span_flags(child, ()))
    ('0x1', '0x301', '0x101')
    """
    parent = span.parent_span_id
    if parent is None:
        return _ROOT_OR_LOCAL
    if remote_parents is None:
        return TRACE_FLAG_SAMPLED
    return _REMOTE if parent in remote_parents else _ROOT_OR_LOCAL


def _scalar_value(value: AttributeScalar) -> JsonDict:
    # bool before int: True is an int to isinstance, and must stay a boolValue.
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    return {"stringValue": value}


def _any_value(value: AttributeValue) -> JsonDict:
    # Lists are accepted like tuples so that a resource written by hand with a
    # list still encodes as an array rather than as a broken string value.
    if isinstance(value, tuple | list):
        values: list[JsonValue] = [_scalar_value(item) for item in value]
        return {"arrayValue": {"values": values}}
    return _scalar_value(value)


def _key_values(attributes: Mapping[str, AttributeValue]) -> list[JsonValue]:
    # Sorted by key: equal attribute maps (FrozenMap ignores key order) must
    # give equal payloads.
    return [{"key": key, "value": _any_value(attributes[key])} for key in sorted(attributes)]


def _encode_event(event: SpanEvent) -> JsonDict:
    return {
        "timeUnixNano": str(event.time_ns),
        "name": event.name,
        "attributes": _key_values(event.attributes),
    }


def _encode_link(link: SpanLink) -> JsonDict:
    # A link's own flags stay 0 ("unknown"): nothing records whether the
    # linked context was sampled or remote.
    encoded: JsonDict = {"traceId": link.trace_id, "spanId": link.span_id}
    if link.trace_state:
        encoded["traceState"] = link.trace_state
    encoded["attributes"] = _key_values(link.attributes)
    return encoded


def _encode_span(span: FlextSpan, remote_parents: Collection[str] | None) -> JsonDict:
    encoded: JsonDict = {"traceId": span.trace_id, "spanId": span.span_id}
    if span.parent_span_id is not None:
        encoded["parentSpanId"] = span.parent_span_id
    if span.trace_state:
        encoded["traceState"] = span.trace_state
    status: JsonDict = {"code": _STATUS_CODES[span.status.code]}
    # Only an error carries a description (build_span enforces it).
    if span.status.description:
        status["message"] = span.status.description
    encoded.update(
        {
            "flags": span_flags(span, remote_parents),
            "name": span.name,
            "kind": _KIND_CODES[span.kind],
            "startTimeUnixNano": str(span.start_time_ns),
            "endTimeUnixNano": str(span.end_time_ns),
            "attributes": _key_values(span.attributes),
            "droppedAttributesCount": span.dropped_attributes,
            "events": [_encode_event(event) for event in span.events],
            "droppedEventsCount": span.dropped_events,
            "links": [_encode_link(link) for link in span.links],
            "droppedLinksCount": span.dropped_links,
            "status": status,
        },
    )
    return encoded


def encode_spans(
    spans: Iterable[FlextSpan],
    *,
    resource: Mapping[str, AttributeValue] = EMPTY_MAP,
    scope_name: str = DEFAULT_SCOPE_NAME,
    scope_version: str = "",
    remote_parents: Collection[str] | None = None,
) -> JsonDict:
    """The OTLP/HTTP JSON ``ExportTraceServiceRequest`` carrying ``spans``.

    The spans must be valid (as :func:`~flext_observability.build_span` makes
    them). Each service gets one ``resourceSpans`` entry whose resource holds
    ``resource`` plus ``service.name`` (the span's service wins over a
    ``service.name`` in ``resource``), with one ``scopeSpans`` entry for the
    scope ``scope_name``/``scope_version`` (the version is left out when
    empty). ``remote_parents`` is explained in :func:`span_flags`.

    The output is deterministic: services in sorted order, spans, events and
    links in the order given, attributes sorted by key. Fields with nothing to
    say are left out: ``parentSpanId`` of a root, an empty ``traceState``, and
    a status ``message`` unless the span failed with a description. No spans
    give ``{"resourceSpans": []}``, which a collector accepts but which is not
    worth sending.

    >>> encode_spans([])
    {'resourceSpans': []}
    """
    groups: dict[str, list[JsonValue]] = {}
    for span in spans:
        encoded = _encode_span(span, remote_parents)
        group = groups.get(span.service)
        if group is None:
            groups[span.service] = [encoded]
        else:
            group.append(encoded)
    shared = {key: value for key, value in resource.items() if key != SERVICE_NAME_KEY}
    resource_spans: list[JsonValue] = []
    for service in sorted(groups):
        scope: JsonDict = {"name": scope_name}
        if scope_version:
            scope["version"] = scope_version
        resource_spans.append(
            {
                "resource": {"attributes": _key_values({**shared, SERVICE_NAME_KEY: service})},
                "scopeSpans": [{"scope": scope, "spans": groups[service]}],
            },
        )
    return {"resourceSpans": resource_spans}
