"""Any valid spans encode to an OTLP payload that the official schema accepts and that loses nothing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import attrs
from hypothesis import given
from hypothesis import strategies as st
from opentelemetry.proto.trace.v1 import trace_pb2

from flext_observability import FlextSpan, FrozenMap
from flext_observability.core.tracing.otlp import (
    FLAG_PARENT_REMOTE,
    FLAG_PARENT_REMOTE_KNOWN,
    TRACE_FLAG_SAMPLED,
    encode_spans,
)
from flext_observability.testing import strategies

# The schema check lives beside the receiver in tests/, which is not a package:
# pytest puts it on the path only once a test there has loaded, so a run of
# properties/ alone needs it added here.
_TESTS = str(Path(__file__).resolve().parents[1] / "tests")
if _TESTS not in sys.path:
    sys.path.append(_TESTS)

from otlp_receiver import attributes_of, decode_payload, typed  # noqa: E402 - importable once tests/ is on the path


def _id(hex_id: str | None) -> bytes:
    return b"" if hex_id is None else bytes.fromhex(hex_id)


def _expected(span: FlextSpan) -> dict[str, object]:
    """What the decoded message must hold, computed from the span and the proto's own enum names."""
    return {
        "ids": (_id(span.trace_id), _id(span.span_id), _id(span.parent_span_id)),
        "name": span.name,
        "kind": trace_pb2.Span.SpanKind.Value(f"SPAN_KIND_{span.kind.name}"),
        "times": (span.start_time_ns, span.end_time_ns),
        "status": (trace_pb2.Status.StatusCode.Value(f"STATUS_CODE_{span.status.code.name}"), span.status.description),
        "trace_state": span.trace_state,
        "attributes": typed(span.attributes),
        "events": [(event.name, event.time_ns, typed(event.attributes)) for event in span.events],
        "links": [
            (_id(link.trace_id), _id(link.span_id), link.trace_state, typed(link.attributes)) for link in span.links
        ],
        "dropped": (span.dropped_attributes, span.dropped_events, span.dropped_links),
    }


def _decoded(span: trace_pb2.Span) -> dict[str, object]:
    """The same view of a span decoded by the official schema."""
    return {
        "ids": (span.trace_id, span.span_id, span.parent_span_id),
        "name": span.name,
        "kind": span.kind,
        "times": (span.start_time_unix_nano, span.end_time_unix_nano),
        "status": (span.status.code, span.status.message),
        "trace_state": span.trace_state,
        "attributes": typed(attributes_of(span.attributes)),
        "events": [(event.name, event.time_unix_nano, typed(attributes_of(event.attributes))) for event in span.events],
        "links": [
            (link.trace_id, link.span_id, link.trace_state, typed(attributes_of(link.attributes)))
            for link in span.links
        ],
        "dropped": (span.dropped_attributes_count, span.dropped_events_count, span.dropped_links_count),
    }


def _decoded_spans(spans: list[FlextSpan], remote_parents: set[str] | None = None) -> list[tuple[str, trace_pb2.Span]]:
    """Encode, check against the schema, decode: each span with the service its resource names."""
    request = decode_payload(encode_spans(spans, remote_parents=remote_parents))
    decoded: list[tuple[str, trace_pb2.Span]] = []
    for resource in request.resource_spans:
        service = attributes_of(resource.resource.attributes)["service.name"]
        assert isinstance(service, str)
        decoded.extend((service, span) for scope in resource.scope_spans for span in scope.spans)
    return decoded


@given(st.lists(strategies.spans(), max_size=2), st.randoms(use_true_random=False))
def test_any_spans_round_trip_through_the_official_schema(spans: list[FlextSpan], random: st.Random) -> None:  # type: ignore[name-defined]
    """Every span comes back, under its service, with every field; attribute order never changes the payload."""
    decoded = _decoded_spans(spans)
    assert len(decoded) == len(spans)
    # Services come out sorted; within one, spans keep the order given (sorted() is stable).
    expected = sorted(spans, key=lambda span: span.service)
    assert [service for service, _ in decoded] == [span.service for span in expected]
    assert [_decoded(span) for _, span in decoded] == [_expected(span) for span in expected]
    # Checked on the same draw, because drawing spans is what costs time here.
    shuffled = [
        attrs.evolve(span, attributes=FrozenMap(random.sample(list(span.attributes.items()), len(span.attributes))))
        for span in spans
    ]
    assert shuffled == spans
    assert json.dumps(encode_spans(shuffled)) == json.dumps(encode_spans(spans))


@given(strategies.span_trees())
def test_a_trace_keeps_its_tree_and_says_which_parent_is_remote(spans: list[FlextSpan]) -> None:
    """A trace's spans all come back whole, with their parents, and only the remote parent is flagged remote."""
    ids = {span.span_id for span in spans}
    remote = {span.parent_span_id for span in spans if span.parent_span_id is not None} - ids
    decoded = _decoded_spans(spans, remote_parents=remote)
    assert sorted(span.span_id.hex() for _, span in decoded) == sorted(ids)
    by_id = {span.span_id: span for span in spans}
    assert all(_decoded(span) == _expected(by_id[span.span_id.hex()]) for _, span in decoded)
    for _, span in decoded:
        parent = span.parent_span_id.hex()
        assert parent == "" or parent in ids | remote
        known_local = TRACE_FLAG_SAMPLED | FLAG_PARENT_REMOTE_KNOWN
        assert span.flags == (known_local | FLAG_PARENT_REMOTE if parent in remote else known_local)
