"""Alert fingerprints identify the label set; trace assembly accepts trees and only trees."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st
from returns.result import Failure, Success

from flext_observability import FlextErrorCode, FlextSpan, alert_fingerprint, assemble_trace, build_span
from flext_observability.core.alerts.alert import RESERVED_ALERT_LABELS
from flext_observability.testing import strategies
from flext_observability.testing.strategies import MalformedTrace


@given(st.text(max_size=20), strategies.label_sets(), st.randoms())
def test_fingerprint_ignores_label_order(name: str, labels: dict[str, str], random: st.Random) -> None:  # type: ignore[name-defined]
    """The same name and labels, inserted in any order, give the same fingerprint."""
    items = list(labels.items())
    random.shuffle(items)
    assert alert_fingerprint(name, dict(items)) == alert_fingerprint(name, labels)


@given(st.text(max_size=20), strategies.label_sets(), strategies.label_sets())
def test_fingerprint_differs_when_labels_differ(name: str, first: dict[str, str], second: dict[str, str]) -> None:
    """Different label sets (or names) give different fingerprints; an empty value counts as no label."""
    assume(not RESERVED_ALERT_LABELS & (first.keys() | second.keys()))
    if {key: value for key, value in first.items() if value} != {key: value for key, value in second.items() if value}:
        assert alert_fingerprint(name, first) != alert_fingerprint(name, second)
    assert alert_fingerprint(name, first) != alert_fingerprint(name + "x", first)


@given(st.text(max_size=20), strategies.label_sets())
def test_fingerprint_is_sixteen_hex_digits(name: str, labels: dict[str, str]) -> None:
    """Fingerprints are 16 lowercase hex digits."""
    assume(not RESERVED_ALERT_LABELS & labels.keys())
    fingerprint = alert_fingerprint(name, labels)
    assert len(fingerprint) == 16
    assert set(fingerprint) <= set("0123456789abcdef")


@given(strategies.span_trees(), st.data())
def test_any_order_of_a_tree_assembles_to_the_same_trace(spans: list[FlextSpan], data: st.DataObject) -> None:
    """A well-formed tree assembles, and every permutation of it gives the equal trace."""
    first = assemble_trace(spans)
    assert isinstance(first, Success)
    again = assemble_trace(data.draw(st.permutations(spans), label="order"))
    assert again == first
    ids = {span.span_id for span in spans}
    assert [span for span in spans if span.parent_span_id not in ids] == [first.unwrap().root]


@given(strategies.malformed_traces())
def test_malformed_traces_are_rejected_with_their_code(case: MalformedTrace) -> None:
    """Mixed trace ids, duplicate ids, several roots, cycles and empty sets all fail as they should."""
    result = assemble_trace(case.spans)
    assert isinstance(result, Failure), case.shape
    assert case.code in result.failure().codes, (case.shape, str(result.failure()))


def _tree_oracle(spans: list[FlextSpan]) -> bool:
    """Walk each span's parent chain: a tree has one root that every chain reaches."""
    if not spans or len({span.trace_id for span in spans}) != 1:
        return False
    by_id = {span.span_id: span for span in spans}
    if len(by_id) != len(spans):
        return False
    roots = {span.span_id for span in spans if span.parent_span_id not in by_id}
    if len(roots) != 1:
        return False
    for span in spans:
        current, steps = span, 0
        while current.parent_span_id in by_id:
            current, steps = by_id[current.parent_span_id], steps + 1
            if steps > len(spans):
                return False
    return True


_POOL = ["0000000000000001", "0000000000000002", "0000000000000003", "0000000000000004"]
_TRACES = ["0af7651916cd43dd8448eb211c80319c", "4bf92f3577b34da6a3ce929d0e0e4736"]


@st.composite
def _random_span_sets(draw: st.DrawFn) -> list[FlextSpan]:
    made = []
    for _ in range(draw(st.integers(0, 5))):
        span_id = draw(st.sampled_from(_POOL))
        parent = draw(st.sampled_from([None, "00000000000000ff", *(other for other in _POOL if other != span_id)]))
        made.append(
            build_span(
                trace_id=draw(st.sampled_from(_TRACES[:1] * 5 + _TRACES)),
                span_id=span_id,
                parent_span_id=parent,
                name="s",
                service="svc",
                start_time_ns=0,
                end_time_ns=1,
            ).unwrap(),
        )
    return made


@given(_random_span_sets())
def test_assembly_agrees_with_the_parent_chain_oracle(spans: list[FlextSpan]) -> None:
    """Random span sets assemble exactly when walking parent chains finds one tree."""
    result = assemble_trace(spans)
    assert isinstance(result, Success) == _tree_oracle(spans), [(s.span_id, s.parent_span_id) for s in spans]
    if not spans:
        assert result.failure().codes == {FlextErrorCode.EMPTY}
