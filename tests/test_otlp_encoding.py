"""Examples of the OTLP/HTTP JSON encoding, each payload checked against the official schema.

Every payload goes through ``otlp_receiver.decode_payload`` (strict JSON, hex
ids turned into base64 and checked for length, OTLP's JSON rules, then
protobuf's own parser with unknown fields refused), and the decoded message
is compared with the span it came from. The checker itself is tested at the
end: it must refuse what a collector would refuse.
"""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from google.protobuf import json_format  # type: ignore[import-untyped] # protobuf ships no type information
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1 import trace_pb2
from otlp_receiver import OtlpPayloadError, attributes_of, decode_export_request, decode_payload, typed

from flext_observability import FlextSpan, FrozenMap, SpanKind, SpanStatusCode, build_span
from flext_observability.core.attributes import AttributeValue
from flext_observability.core.limits import MAX_INT64, MAX_TIME_NS, MIN_INT64
from flext_observability.core.records import JsonDict
from flext_observability.core.tracing.otlp import (
    FLAG_PARENT_REMOTE,
    FLAG_PARENT_REMOTE_KNOWN,
    TRACE_FLAG_SAMPLED,
    encode_spans,
    kind_code,
    span_flags,
    status_code,
)

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
OTHER_TRACE = "0af7651916cd43dd8448eb211c80319c"
ROOT = "00f067aa0ba902b7"
CHILD = "00f067aa0ba902b8"
REMOTE_PARENT = "b7ad6b7169203331"


def _span(span_id: str = ROOT, parent: str | None = None, **changes: Any) -> FlextSpan:
    fields: dict[str, Any] = {
        "trace_id": TRACE,
        "span_id": span_id,
        "parent_span_id": parent,
        "name": "load",
        "service": "target-postgres",
        "start_time_ns": 1_700_000_000_000_000_000,
        "end_time_ns": 1_700_000_000_250_000_000,
        **changes,
    }
    return build_span(**fields).unwrap()


def _only_span(payload: JsonDict) -> trace_pb2.Span:
    """The one span of a payload, decoded by the official schema."""
    request = decode_payload(payload)
    assert len(request.resource_spans) == 1
    assert len(request.resource_spans[0].scope_spans) == 1
    assert len(request.resource_spans[0].scope_spans[0].spans) == 1
    span: trace_pb2.Span = request.resource_spans[0].scope_spans[0].spans[0]
    return span


def _encoded_span(payload: JsonDict) -> dict[str, Any]:
    """The one span of a payload as JSON data (before decoding)."""
    encoded: dict[str, Any] = json.loads(json.dumps(payload))["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    return encoded


# --- ids, times, names -------------------------------------------------------


def test_ids_are_hex_in_json_and_the_right_bytes_when_decoded() -> None:
    """Trace, span and parent ids travel as lowercase hex and decode to their 16 and 8 bytes."""
    span = _span(CHILD, ROOT)
    encoded = _encoded_span(encode_spans([span]))
    assert (encoded["traceId"], encoded["spanId"], encoded["parentSpanId"]) == (TRACE, CHILD, ROOT)
    decoded = _only_span(encode_spans([span]))
    assert decoded.trace_id == bytes.fromhex(TRACE)
    assert decoded.span_id == bytes.fromhex(CHILD)
    assert decoded.parent_span_id == bytes.fromhex(ROOT)


def test_a_root_has_no_parent_span_id() -> None:
    """A span without a parent leaves ``parentSpanId`` out, and decodes with empty parent bytes."""
    payload = encode_spans([_span()])
    assert "parentSpanId" not in _encoded_span(payload)
    assert _only_span(payload).parent_span_id == b""


def test_times_are_decimal_strings_up_to_the_largest_fixed64() -> None:
    """Start and end times are decimal strings in JSON and exact nanoseconds once decoded."""
    span = _span(start_time_ns=0, end_time_ns=MAX_TIME_NS)
    encoded = _encoded_span(encode_spans([span]))
    assert (encoded["startTimeUnixNano"], encoded["endTimeUnixNano"]) == ("0", str(2**64 - 1))
    decoded = _only_span(encode_spans([span]))
    assert (decoded.start_time_unix_nano, decoded.end_time_unix_nano) == (0, MAX_TIME_NS)


def test_names_keep_any_unicode() -> None:
    """Span names with quotes, newlines and characters beyond the BMP come back unchanged."""
    name = 'load "orders"\n\u00e9\U0001f680'
    assert _only_span(encode_spans([_span(name=name)])).name == name


# --- kinds and statuses --------------------------------------------------------


@pytest.mark.parametrize("kind", list(SpanKind))
def test_kinds_are_the_proto_enum_numbers(kind: SpanKind) -> None:
    """Every kind is sent as the integer the proto gives ``SPAN_KIND_<NAME>``."""
    expected = trace_pb2.Span.SpanKind.Value(f"SPAN_KIND_{kind.name}")
    assert kind_code[kind] == expected
    assert _encoded_span(encode_spans([_span(kind=kind)]))["kind"] == expected
    assert _only_span(encode_spans([_span(kind=kind)])).kind == expected


def test_kind_codes_are_the_ones_otlp_documents() -> None:
    """INTERNAL=1, SERVER=2, CLIENT=3, PRODUCER=4, CONSUMER=5; 0 (unspecified) is never sent."""
    assert [kind_code[kind] for kind in SpanKind] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("code", list(SpanStatusCode))
def test_status_codes_are_the_proto_enum_numbers(code: SpanStatusCode) -> None:
    """Every status code is sent as the integer the proto gives ``STATUS_CODE_<NAME>``."""
    expected = trace_pb2.Status.StatusCode.Value(f"STATUS_CODE_{code.name}")
    assert status_code[code] == expected
    assert _encoded_span(encode_spans([_span(status=code.value)]))["status"] == {"code": expected}
    assert _only_span(encode_spans([_span(status=code.value)])).status.code == expected


def test_an_error_carries_its_message() -> None:
    """An error's description becomes the status message as is; an error without one has no message key."""
    message = " connection reset by peer\n\tat line 3 "
    failed = _span(status={"code": "error", "description": message})
    assert _encoded_span(encode_spans([failed]))["status"] == {"code": 2, "message": message}
    assert _only_span(encode_spans([failed])).status.message == message
    bare = _span(status="error")
    assert _encoded_span(encode_spans([bare]))["status"] == {"code": 2}


# --- attributes ------------------------------------------------------------------


def test_every_scalar_attribute_type_has_its_own_value_field() -> None:
    """Strings, bools, ints and floats go in ``stringValue``, ``boolValue``, ``intValue`` and ``doubleValue``."""
    span = _span(attributes={"table": "orders", "full": True, "rows": 120, "ratio": 0.25})
    encoded = _encoded_span(encode_spans([span]))
    assert encoded["attributes"] == [
        {"key": "full", "value": {"boolValue": True}},
        {"key": "ratio", "value": {"doubleValue": 0.25}},
        {"key": "rows", "value": {"intValue": "120"}},
        {"key": "table", "value": {"stringValue": "orders"}},
    ]
    decoded = _only_span(encode_spans([span])).attributes
    assert [item.value.WhichOneof("value") for item in decoded] == [
        "bool_value",
        "double_value",
        "int_value",
        "string_value",
    ]
    assert typed(attributes_of(decoded)) == typed({"table": "orders", "full": True, "rows": 120, "ratio": 0.25})


@pytest.mark.parametrize("number", [0, -1, MIN_INT64, MAX_INT64, 2**53 + 1, -(2**53) - 1])
def test_ints_keep_every_digit(number: int) -> None:
    """Integers, negative and beyond a double's 53 bits, are decimal strings and decode exactly."""
    span = _span(attributes={"n": number})
    assert _encoded_span(encode_spans([span]))["attributes"] == [{"key": "n", "value": {"intValue": str(number)}}]
    assert typed(attributes_of(_only_span(encode_spans([span])).attributes)) == typed({"n": number})


@pytest.mark.parametrize("number", [0.0, -0.0, 1e308, -1e308, 5e-324, 0.1, 1.0, -2.5, 2.0**63])
def test_floats_come_back_exactly(number: float) -> None:
    """Finite doubles, extremes and whole numbers included, decode to the same float."""
    decoded = attributes_of(_only_span(encode_spans([_span(attributes={"x": number})])).attributes)["x"]
    assert typed(decoded) == typed(number)
    assert str(decoded) == str(number)


def test_bool_attributes_are_not_ints() -> None:
    """``True`` is sent as a bool even though Python counts it as an int."""
    encoded = _encoded_span(encode_spans([_span(attributes={"flag": True, "off": False})]))
    assert [item["value"] for item in encoded["attributes"]] == [{"boolValue": True}, {"boolValue": False}]


def test_array_attributes_of_every_type() -> None:
    """Arrays of each scalar type, and empty arrays, become ``arrayValue.values`` and decode to tuples."""
    attributes: dict[str, list[Any]] = {
        "tables": ["orders", "lines"],
        "flags": [True, False],
        "sizes": [1, -2, MAX_INT64],
        "ratios": [0.5, -1.5],
        "none": [],
    }
    encoded = _encoded_span(encode_spans([_span(attributes=attributes)]))
    values = {item["key"]: item["value"] for item in encoded["attributes"]}
    assert values["sizes"] == {
        "arrayValue": {"values": [{"intValue": "1"}, {"intValue": "-2"}, {"intValue": str(MAX_INT64)}]}
    }
    assert values["none"] == {"arrayValue": {"values": []}}
    decoded = _only_span(encode_spans([_span(attributes=attributes)])).attributes
    assert typed(attributes_of(decoded)) == typed({key: tuple(value) for key, value in attributes.items()})


def test_equal_attribute_maps_give_equal_payloads() -> None:
    """Attributes are sorted by key, so the order they were given in does not change the payload."""
    forward = _span(attributes={"a": 1, "b": 2, "c": 3})
    backward = attrs.evolve(forward, attributes=FrozenMap({"c": 3, "b": 2, "a": 1}))
    assert forward == backward
    assert json.dumps(encode_spans([forward])) == json.dumps(encode_spans([backward]))


def test_dropped_counts_are_carried() -> None:
    """The dropped attribute, event and link counts reach their proto fields, up to uint32's maximum."""
    span = _span(dropped_attributes=2**32 - 1, dropped_events=3, dropped_links=1)
    decoded = _only_span(encode_spans([span]))
    assert decoded.dropped_attributes_count == 2**32 - 1
    assert decoded.dropped_events_count == 3
    assert decoded.dropped_links_count == 1
    clean = _encoded_span(encode_spans([_span()]))
    assert (clean["droppedAttributesCount"], clean["droppedEventsCount"], clean["droppedLinksCount"]) == (0, 0, 0)


# --- events, links, trace state ---------------------------------------------------


def test_events_keep_time_name_and_attributes_in_order() -> None:
    """Each event decodes to its time, name and typed attributes, in the order the span holds them."""
    span = _span(
        events=[
            {"name": "retry", "time_ns": MAX_TIME_NS, "attributes": {"attempt": 2, "reason": "timeout"}},
            {"name": "committed", "time_ns": 5},
        ],
    )
    encoded = _encoded_span(encode_spans([span]))["events"]
    assert encoded[0]["timeUnixNano"] == str(MAX_TIME_NS)
    assert encoded[1] == {"timeUnixNano": "5", "name": "committed", "attributes": []}
    decoded = _only_span(encode_spans([span])).events
    assert [(event.name, event.time_unix_nano) for event in decoded] == [("retry", MAX_TIME_NS), ("committed", 5)]
    assert typed(attributes_of(decoded[0].attributes)) == typed({"attempt": 2, "reason": "timeout"})


def test_links_keep_ids_trace_state_and_attributes() -> None:
    """A link decodes to its trace and span id bytes, its trace state and its attributes."""
    span = _span(
        links=[
            {
                "trace_id": OTHER_TRACE,
                "span_id": REMOTE_PARENT,
                "trace_state": "congo=t61rcWkgMzE",
                "attributes": {"batch": 7},
            },
            {"trace_id": TRACE, "span_id": CHILD},
        ],
    )
    encoded = _encoded_span(encode_spans([span]))["links"]
    assert encoded[0]["traceState"] == "congo=t61rcWkgMzE"
    assert encoded[1] == {"traceId": TRACE, "spanId": CHILD, "attributes": []}
    decoded = _only_span(encode_spans([span])).links
    assert decoded[0].trace_id == bytes.fromhex(OTHER_TRACE)
    assert decoded[0].span_id == bytes.fromhex(REMOTE_PARENT)
    assert decoded[0].trace_state == "congo=t61rcWkgMzE"
    assert typed(attributes_of(decoded[0].attributes)) == typed({"batch": 7})
    assert (decoded[1].trace_id, decoded[1].span_id, decoded[1].trace_state) == (
        bytes.fromhex(TRACE),
        bytes.fromhex(CHILD),
        "",
    )
    # Nothing records whether a linked context was remote: its flags stay "unknown".
    assert decoded[0].flags == 0


def test_the_span_trace_state_is_sent_only_when_set() -> None:
    """A span's W3C trace state is carried as given, and left out when empty."""
    state = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"
    assert _only_span(encode_spans([_span(trace_state=state)])).trace_state == state
    assert "traceState" not in _encoded_span(encode_spans([_span()]))


# --- flags --------------------------------------------------------------------------


def test_flag_constants_match_the_proto_masks() -> None:
    """The flag bits are the ones ``SpanFlags`` defines."""
    assert TRACE_FLAG_SAMPLED & trace_pb2.SPAN_FLAGS_TRACE_FLAGS_MASK == TRACE_FLAG_SAMPLED
    assert trace_pb2.SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK == FLAG_PARENT_REMOTE_KNOWN
    assert trace_pb2.SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK == FLAG_PARENT_REMOTE


@pytest.mark.parametrize(
    ("parent", "remote_parents", "known", "remote"),
    [
        pytest.param(None, None, True, False, id="root"),
        pytest.param(None, {REMOTE_PARENT}, True, False, id="root-with-list"),
        pytest.param(REMOTE_PARENT, None, False, False, id="unknown-without-list"),
        pytest.param(REMOTE_PARENT, {REMOTE_PARENT}, True, True, id="remote"),
        pytest.param(ROOT, {REMOTE_PARENT}, True, False, id="local"),
        pytest.param(ROOT, frozenset(), True, False, id="local-empty-list"),
    ],
)
def test_flags_say_what_is_known_of_the_parent(
    parent: str | None, remote_parents: set[str] | None, known: bool, remote: bool
) -> None:
    """Bits 8-9 tell a remote parent from a local one only when the caller said which parents are remote."""
    span = _span(CHILD, parent)
    flags = _only_span(encode_spans([span], remote_parents=remote_parents)).flags
    assert flags == span_flags(span, remote_parents)
    assert flags & trace_pb2.SPAN_FLAGS_TRACE_FLAGS_MASK == TRACE_FLAG_SAMPLED
    assert bool(flags & trace_pb2.SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK) is known
    assert bool(flags & trace_pb2.SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK) is remote
    # The proto asks for the 22 high bits to be zero when the source has no flags field.
    assert flags >> 10 == 0


# --- resources, scopes, grouping -------------------------------------------------------


def test_spans_are_grouped_by_service_in_sorted_order() -> None:
    """One resource per service, services sorted, each keeping its spans in the order given."""
    spans = [
        _span("0000000000000001", service="tap-postgres"),
        _span("0000000000000002", service="target-snowflake"),
        _span("0000000000000003", service="tap-postgres"),
        _span("0000000000000004", service="dbt"),
    ]
    request = decode_payload(encode_spans(spans))
    layout = [
        (
            attributes_of(resource.resource.attributes)["service.name"],
            [span.span_id.hex() for scope in resource.scope_spans for span in scope.spans],
        )
        for resource in request.resource_spans
    ]
    assert layout == [
        ("dbt", ["0000000000000004"]),
        ("tap-postgres", ["0000000000000001", "0000000000000003"]),
        ("target-snowflake", ["0000000000000002"]),
    ]
    assert sum(len(scope.spans) for resource in request.resource_spans for scope in resource.scope_spans) == 4


def test_resource_attributes_join_the_service_name() -> None:
    """Every resource holds the given attributes plus ``service.name``, which the span's service overrides."""
    resource: dict[str, AttributeValue] = {
        "service.name": "ignored",
        "deployment.environment": "prod",
        "host.cores": 8,
        "process.command_args": ("meltano", "run"),
    }
    request = decode_payload(encode_spans([_span(service="tap-a"), _span(CHILD, service="tap-b")], resource=resource))
    decoded = [typed(attributes_of(item.resource.attributes)) for item in request.resource_spans]
    shared = {"deployment.environment": "prod", "host.cores": 8, "process.command_args": ("meltano", "run")}
    assert decoded == [typed({**shared, "service.name": "tap-a"}), typed({**shared, "service.name": "tap-b"})]


def test_a_resource_array_given_as_a_list_is_still_an_array() -> None:
    """A list in the resource (written by hand, untyped) is sent as an array, not as a broken string."""
    resource: dict[str, Any] = {"process.command_args": ["meltano", "run"]}
    request = decode_payload(encode_spans([_span()], resource=resource))
    assert attributes_of(request.resource_spans[0].resource.attributes)["process.command_args"] == ("meltano", "run")


def test_the_scope_is_named_and_versioned() -> None:
    """The scope defaults to this library's name without a version, and takes the given name and version."""
    default = decode_payload(encode_spans([_span()])).resource_spans[0].scope_spans[0].scope
    assert (default.name, default.version) == ("flext-observability", "")
    payload = encode_spans([_span()], scope_name="tap-postgres.extract", scope_version="1.4.0")
    sent = json.loads(json.dumps(payload))["resourceSpans"][0]["scopeSpans"][0]["scope"]
    assert sent == {"name": "tap-postgres.extract", "version": "1.4.0"}
    assert (
        "version" not in json.loads(json.dumps(encode_spans([_span()])))["resourceSpans"][0]["scopeSpans"][0]["scope"]
    )
    scope = decode_payload(payload).resource_spans[0].scope_spans[0].scope
    assert (scope.name, scope.version) == ("tap-postgres.extract", "1.4.0")


def test_no_spans_give_an_empty_request() -> None:
    """Nothing to send is an empty ``resourceSpans`` list, which the schema accepts."""
    assert encode_spans([]) == {"resourceSpans": []}
    assert len(decode_payload(encode_spans(iter([]))).resource_spans) == 0


def test_the_same_spans_always_give_the_same_bytes() -> None:
    """Encoding is deterministic: the same input serializes to the same JSON text."""
    spans = [
        _span(service="b", attributes={"x": 1}),
        _span(CHILD, ROOT, service="a", events=[{"name": "e", "time_ns": 1}]),
    ]
    assert json.dumps(encode_spans(spans)) == json.dumps(encode_spans(list(spans)))


def test_the_payload_is_strict_json() -> None:
    """The payload serializes with NaN forbidden and reads back to the same data."""
    payload = encode_spans([_span(attributes={"ratio": 0.5, "rows": 3}, status="ok")], resource={"k": "v"})
    assert json.loads(json.dumps(payload, allow_nan=False)) == payload


# --- the checker the tests rely on ----------------------------------------------------------

_VALID_SPAN: dict[str, Any] = {
    "traceId": TRACE,
    "spanId": ROOT,
    "name": "load",
    "kind": 1,
    "startTimeUnixNano": "1",
    "endTimeUnixNano": "2",
}


def _request_with(span_changes: dict[str, Any]) -> dict[str, Any]:
    span = {key: value for key, value in {**_VALID_SPAN, **span_changes}.items() if value is not None}
    return {"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}


def test_plain_protobuf_parsing_misreads_hex_ids() -> None:
    """Parsed as protobuf JSON, a hex trace id silently becomes 24 wrong bytes: why the checker converts ids."""
    request = ExportTraceServiceRequest()
    json_format.Parse(json.dumps(_request_with({})), request)
    span: trace_pb2.Span = request.resource_spans[0].scope_spans[0].spans[0]
    assert len(span.trace_id) == 24
    assert span.trace_id != bytes.fromhex(TRACE)


def test_the_checker_accepts_a_minimal_span_and_an_empty_parent() -> None:
    """A minimal valid span decodes, and an empty ``parentSpanId`` means no parent."""
    span: trace_pb2.Span = decode_payload(_request_with({"parentSpanId": ""})).resource_spans[0].scope_spans[0].spans[0]
    assert (span.trace_id, span.parent_span_id) == (bytes.fromhex(TRACE), b"")


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        pytest.param({"traceId": TRACE.upper()}, "traceId", id="uppercase-trace-id"),
        pytest.param({"traceId": TRACE[:30]}, "traceId", id="short-trace-id"),
        pytest.param({"traceId": "0" * 32}, "all zeros", id="zero-trace-id"),
        pytest.param({"traceId": None}, "traceId", id="missing-trace-id"),
        pytest.param({"spanId": ROOT + "00"}, "spanId", id="long-span-id"),
        pytest.param({"spanId": 7}, "spanId", id="numeric-span-id"),
        pytest.param({"parentSpanId": "xyz"}, "parentSpanId", id="bad-parent"),
        pytest.param({"links": [{"traceId": TRACE, "spanId": "00"}]}, r"links\[0\]\.spanId", id="bad-link-id"),
        pytest.param({"kind": "SPAN_KIND_SERVER"}, "kind", id="enum-name"),
        pytest.param({"status": {"code": "STATUS_CODE_OK"}}, r"status\.code", id="status-name"),
        pytest.param({"startTimeUnixNano": 1}, "startTimeUnixNano", id="time-as-number"),
        pytest.param({"events": [{"timeUnixNano": 5}]}, "timeUnixNano", id="event-time-as-number"),
        pytest.param({"attributes": [{"key": "n", "value": {"intValue": 5}}]}, "intValue", id="int-as-number"),
        pytest.param(
            {"attributes": [{"key": "a", "value": {"arrayValue": {"values": [{"intValue": 5}]}}}]},
            "intValue",
            id="int-in-array-as-number",
        ),
        pytest.param(
            {
                "attributes": [
                    {"key": "m", "value": {"kvlistValue": {"values": [{"key": "n", "value": {"intValue": 5}}]}}}
                ]
            },
            "intValue",
            id="int-in-kvlist-as-number",
        ),
        pytest.param({"nam": "typo"}, "nam", id="unknown-field"),
        pytest.param({"status": {"code": 1, "reason": "x"}}, "reason", id="unknown-nested-field"),
        pytest.param({"flags": "often"}, "flags", id="wrong-type"),
    ],
)
def test_the_checker_refuses_what_a_collector_refuses(changes: dict[str, Any], complaint: str) -> None:
    """Bad ids, enum names, numeric 64-bit ints, unknown fields and wrong types are refused, naming the field."""
    with pytest.raises(OtlpPayloadError, match=complaint):
        decode_payload(_request_with(changes))


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        pytest.param(b'{"resourceSpans": [], "resourceSpans": []}', "duplicate", id="duplicate-keys"),
        pytest.param(b"[]", "JSON object", id="not-an-object"),
        pytest.param(b"{", "not JSON", id="truncated"),
        pytest.param(b"\xff\xfe{", "not JSON", id="not-utf8"),
        pytest.param(
            b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"attributes": '
            b'[{"key": "x", "value": {"doubleValue": NaN}}]}]}]}]}',
            "NaN",
            id="nan",
        ),
    ],
)
def test_the_checker_refuses_bodies_that_are_not_strict_json_objects(body: bytes, complaint: str) -> None:
    """Duplicate keys, NaN, truncated or non-UTF-8 text and non-object bodies are refused."""
    with pytest.raises(OtlpPayloadError, match=complaint):
        decode_export_request(body)


def test_the_checker_checks_resource_and_scope_attributes() -> None:
    """Resource and scope attributes follow OTLP's rules too."""
    bad_int = [{"key": "n", "value": {"intValue": 5}}]
    for where in ("resource", "scope"):
        request = _request_with({})
        request["resourceSpans"][0][where] = {"attributes": bad_int}
        if where == "scope":
            request["resourceSpans"][0]["scopeSpans"][0]["scope"] = request["resourceSpans"][0].pop("scope")
        with pytest.raises(OtlpPayloadError, match=where):
            decode_payload(request)
