"""Examples of the span rules and of trace assembly."""

from __future__ import annotations

from typing import Any

import attrs
from returns.result import Failure, Success

from flext_observability import (
    FlextErrorCode,
    FlextSpan,
    FlextTrace,
    SpanEvent,
    SpanLink,
    SpanStatus,
    SpanStatusCode,
    assemble_trace,
    build_span,
    trace_from_dict,
    validate_trace,
)

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
ROOT = "00f067aa0ba902b7"
CHILD = "00f067aa0ba902b8"


def _span(span_id: str = ROOT, parent: str | None = None, **changes: Any) -> FlextSpan:
    fields: dict[str, Any] = {
        "trace_id": TRACE,
        "span_id": span_id,
        "parent_span_id": parent,
        "name": "load",
        "service": "target",
        "start_time_ns": 100,
        "end_time_ns": 200,
        **changes,
    }
    return build_span(**fields).unwrap()


def test_status_accepts_a_code_a_mapping_or_an_instance() -> None:
    """The three ways of giving a status build the same value."""
    assert _span(status="ok").status == SpanStatus(code=SpanStatusCode.OK)
    assert _span(status={"code": "error", "description": "boom"}).status.description == "boom"
    assert _span(status=SpanStatus(code=SpanStatusCode.ERROR, description="x")).status.code is SpanStatusCode.ERROR
    assert _span(status={"code": "unset"}).status == SpanStatus()


def test_status_errors_are_reported() -> None:
    """Unknown codes and descriptions without an error are rejected."""
    result = build_span(
        trace_id=TRACE, span_id=ROOT, name="n", service="s", start_time_ns=0, end_time_ns=0, status={"code": "bad"}
    )
    assert result.failure().codes == {FlextErrorCode.INVALID_CHOICE}
    assert result.failure().errors[0].field == "status.code"
    result = build_span(trace_id=TRACE, span_id=ROOT, name="n", service="s", start_time_ns=0, end_time_ns=0, status=5)
    assert result.failure().codes == {FlextErrorCode.WRONG_TYPE}


def test_events_and_links_accept_instances_and_mappings() -> None:
    """Events and links may be given as value objects or as plain mappings."""
    span = _span(
        events=[SpanEvent(name="retry", time_ns=150), {"name": "done", "time_ns": 190, "attributes": {"n": 1}}],
        links=[SpanLink(trace_id="1" * 32, span_id="2" * 16), {"trace_id": "3" * 32, "span_id": "4" * 16}],
    )
    assert [event.name for event in span.events] == ["retry", "done"]
    assert span.events[1].attributes == {"n": 1}
    assert [link.span_id for link in span.links] == ["2" * 16, "4" * 16]


def test_event_and_link_problems_carry_their_position() -> None:
    """A bad event or link is reported at ``events[i]`` or ``links[i]``."""
    result = build_span(
        trace_id=TRACE,
        span_id=ROOT,
        name="n",
        service="s",
        start_time_ns=0,
        end_time_ns=0,
        events=[{"name": "", "time_ns": 1}],
        links=[{"trace_id": "0" * 32, "span_id": "1" * 16, "trace_state": 5}],
    )
    assert [item.field for item in result.failure().errors] == [
        "events[0].name",
        "links[0].trace_id",
        "links[0].trace_state",
    ]


def test_too_many_events_are_rejected() -> None:
    """More than 128 events on one span are refused."""
    events = [{"name": "e", "time_ns": 1}] * 129
    result = build_span(
        trace_id=TRACE, span_id=ROOT, name="n", service="s", start_time_ns=0, end_time_ns=0, events=events
    )
    assert result.failure().codes == {FlextErrorCode.TOO_MANY}


def test_attribute_arrays_must_be_homogeneous_and_valid() -> None:
    """Arrays of one type are kept as tuples; a bad item is reported at its index."""
    assert _span(attributes={"tables": ["a", "b"], "empty": []}).attributes == {"tables": ("a", "b"), "empty": ()}
    result = build_span(
        trace_id=TRACE,
        span_id=ROOT,
        name="n",
        service="s",
        start_time_ns=0,
        end_time_ns=0,
        attributes={"ratios": [1.0, float("nan")], "": 1, "n": 2**70, "many": list(range(5000))},
    )
    assert [item.field for item in result.failure().errors] == [
        "attributes['ratios'][1]",
        "attributes['']",
        "attributes['n']",
        "attributes['many']",
    ]


def test_span_durations() -> None:
    """A span's duration is its end minus its start."""
    assert _span().duration_ns == 100


def test_trace_root_children_and_duration() -> None:
    """An assembled trace knows its root, each span's children and its overall duration."""
    trace = assemble_trace([_span(CHILD, ROOT, start_time_ns=150, end_time_ns=300), _span()]).unwrap()
    assert trace.root.span_id == ROOT
    assert [span.span_id for span in trace.children(ROOT)] == [CHILD]
    assert trace.children(CHILD) == ()
    assert trace.duration_ns == 200


def test_a_remote_parent_above_the_root_is_allowed() -> None:
    """The local root may have a parent in another service."""
    trace = assemble_trace([_span(parent="1234567812345678")]).unwrap()
    assert trace.root.parent_span_id == "1234567812345678"


def test_assembly_reports_bad_spans_by_position() -> None:
    """Invalid spans and non-spans are reported at ``spans[i]``."""
    result = assemble_trace([_span(), "not a span", attrs.evolve(_span(), span_id="x")])
    assert isinstance(result, Failure)
    assert [item.field for item in result.failure().errors] == ["spans[1]", "spans[2].span_id"]


def test_assembly_rejects_empty_and_non_lists() -> None:
    """An empty list and a non-list are both rejected."""
    assert assemble_trace([]).failure().codes == {FlextErrorCode.EMPTY}
    assert assemble_trace(None).failure().codes == {FlextErrorCode.WRONG_TYPE}


def test_trace_records_check_the_declared_trace_id() -> None:
    """A trace record whose spans belong to another trace id is rejected."""
    data = assemble_trace([_span()]).unwrap().to_dict()
    data["trace_id"] = "1" * 32
    assert trace_from_dict(data).failure().codes == {FlextErrorCode.MIXED_TRACE_IDS}
    data["spans"] = [{"name": "x"}]
    assert trace_from_dict(data).failure().errors[0].field.startswith("spans[0].")


def test_validate_trace_accepts_assembled_and_rejects_tampered_traces() -> None:
    """``validate_trace`` re-checks an instance, including its declared id."""
    trace = assemble_trace([_span()]).unwrap()
    assert validate_trace(trace) == Success(trace)
    tampered = FlextTrace(trace_id="1" * 32, spans=trace.spans)
    assert tampered.validate_domain_rules().failure().codes == {FlextErrorCode.MIXED_TRACE_IDS}


OTHER = "00f067aa0ba902b9"


def test_tree_shape_errors() -> None:
    """Mixed ids, duplicates, several roots, all-cycles and hidden cycles each get their code."""
    mixed = assemble_trace([_span(), _span(CHILD, ROOT, trace_id="1" * 32)]).failure()
    assert [(item.code, item.field) for item in mixed.errors] == [(FlextErrorCode.MIXED_TRACE_IDS, "spans[1].trace_id")]
    duplicate = assemble_trace([_span(), _span(name="again")]).failure()
    assert [(item.code, item.field) for item in duplicate.errors] == [
        (FlextErrorCode.DUPLICATE_SPAN, "spans[1].span_id")
    ]
    roots = assemble_trace([_span(), _span(CHILD)]).failure()
    assert roots.codes == {FlextErrorCode.MULTIPLE_ROOTS}
    assert ROOT in roots.errors[0].message
    assert CHILD in roots.errors[0].message
    no_root = assemble_trace([_span(ROOT, CHILD), _span(CHILD, ROOT)]).failure()
    assert no_root.codes == {FlextErrorCode.NO_ROOT}
    hidden = assemble_trace([_span(), _span(CHILD, OTHER), _span(OTHER, CHILD)]).failure()
    assert hidden.codes == {FlextErrorCode.CYCLE}
    assert CHILD in hidden.errors[0].message
