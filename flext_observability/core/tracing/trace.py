"""``FlextTrace``: this process's spans of one trace, checked to form a tree.

A trace may be distributed: its local root's parent can be a span of another
service. :func:`assemble_trace` checks that the spans share one trace id, that
exactly one of them has no parent within the set (the local root), and that
every other span hangs below it (no cycles).

>>> from flext_observability.core.tracing.span import build_span
>>> def span(span_id, parent=None, start=0):
...     return build_span(
...         trace_id="4bf92f3577b34da6a3ce929d0e0e4736", span_id=span_id,
...         parent_span_id=parent, name="step", service="etl",
...         start_time_ns=start, end_time_ns=start + 10,
...     ).unwrap()
>>> trace = assemble_trace([span("0000000000000002", "0000000000000001", 5),
...                         span("0000000000000001")]).unwrap()
>>> trace.root.span_id, [s.span_id for s in trace.children("0000000000000001")]
('0000000000000001', ['0000000000000002'])
>>> assemble_trace([span("0000000000000001"), span("0000000000000002")]).failure().codes
frozenset({<FlextErrorCode.MULTIPLE_ROOTS: 'multiple_roots'>})
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from attrs import frozen
from returns.result import Result, Success

from flext_observability.core.checks import Problems, add, check_count, check_hex_id, invalid, read_sequence
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.limits import MAX_SPANS_PER_TRACE, TRACE_ID_LENGTH
from flext_observability.core.records import nest_errors, read_record, wrong_entity
from flext_observability.core.tracing.span import FlextSpan, span_from_dict, validate_span

if TYPE_CHECKING:
    from collections.abc import Sequence

    from flext_observability.core.records import JsonDict


@frozen(kw_only=True)
class FlextTrace:
    """A trace id and its spans, ordered by start time then span id.

    Build one with :func:`assemble_trace`, which guarantees the tree shape.
    """

    trace_id: str
    spans: tuple[FlextSpan, ...]

    @property
    def root(self) -> FlextSpan:
        """The local root: the one span whose parent is not in this trace."""
        ids = {span.span_id for span in self.spans}
        return next(span for span in self.spans if span.parent_span_id not in ids)

    def children(self, span_id: str) -> tuple[FlextSpan, ...]:
        """The spans whose parent is ``span_id``, in trace order; none for an id that is not text."""
        given: object = span_id  # what callers pass at runtime may be anything
        if not isinstance(given, str):
            return ()
        text = str.__str__(given)
        return tuple(span for span in self.spans if span.parent_span_id == text)

    @property
    def duration_ns(self) -> int:
        """From the earliest start to the latest end, in nanoseconds."""
        return max(span.end_time_ns for span in self.spans) - min(span.start_time_ns for span in self.spans)

    def validate_domain_rules(self) -> Result[FlextTrace, FlextValidationError]:
        """``Success(self)`` when the spans are valid and form one tree."""
        return validate_trace(self)

    def to_dict(self) -> JsonDict:
        """JSON-safe data that :func:`trace_from_dict` turns back into this trace."""
        return {"trace_id": self.trace_id, "spans": [span.to_dict() for span in self.spans]}

    @staticmethod
    def from_dict(data: object) -> Result[FlextTrace, FlextValidationError]:
        """Read a trace from :meth:`to_dict` data; see :func:`trace_from_dict`."""
        return trace_from_dict(data)


def _check_tree(problems: Problems, spans: Sequence[FlextSpan]) -> None:
    """Report duplicate ids, a wrong number of roots, and cycles."""
    seen: set[str] = set()
    for index, span in enumerate(spans):
        if span.span_id in seen:
            add(
                problems,
                FlextErrorCode.DUPLICATE_SPAN,
                f"spans[{index}].span_id",
                f"span id {span.span_id} appears twice; every span needs its own id",
            )
        seen.add(span.span_id)
    if problems:
        return
    roots = [span for span in spans if span.parent_span_id not in seen]
    if not roots:
        add(
            problems,
            FlextErrorCode.NO_ROOT,
            "spans",
            "every span's parent is in the trace, so the parents form a cycle; "
            "the root span must have no parent or a parent outside this process",
        )
        return
    if len(roots) > 1:
        ids = ", ".join(sorted(span.span_id for span in roots))
        add(
            problems,
            FlextErrorCode.MULTIPLE_ROOTS,
            "spans",
            f"{len(roots)} spans have no parent in the trace ({ids}); "
            "set parent_span_id so that exactly one span is the root",
        )
        return
    children: dict[str | None, list[str]] = defaultdict(list)
    for span in spans:
        children[span.parent_span_id].append(span.span_id)
    reached = {roots[0].span_id}
    pending = [roots[0].span_id]
    while pending:
        for child in children[pending.pop()]:
            reached.add(child)
            pending.append(child)
    cyclic = sorted(seen - reached)
    if cyclic:
        add(
            problems,
            FlextErrorCode.CYCLE,
            "spans",
            f"spans {', '.join(cyclic)} are their own ancestors; break the cycle in their parent_span_id",
        )


def assemble_trace(spans: object) -> Result[FlextTrace, FlextValidationError]:
    """Check that ``spans`` form one trace tree and order them canonically.

    Any order of the same spans gives the same :class:`FlextTrace`.
    """
    problems: Problems = []
    items = read_sequence(problems, "spans", spans)
    if items is not None and not items:
        add(problems, FlextErrorCode.EMPTY, "spans", "a trace needs at least one span")
    if items is None or problems or not check_count(problems, "spans", len(items), MAX_SPANS_PER_TRACE, "spans"):
        return invalid("trace", problems)
    valid: list[FlextSpan] = []
    for index, item in enumerate(items):
        checked = validate_span(item)
        if isinstance(checked, Success):
            valid.append(checked.unwrap())
        else:
            nest_errors(problems, f"spans[{index}]", checked.failure())
    if problems:
        return invalid("trace", problems)
    trace_id = valid[0].trace_id
    for index, span in enumerate(valid):
        if span.trace_id != trace_id:
            add(
                problems,
                FlextErrorCode.MIXED_TRACE_IDS,
                f"spans[{index}].trace_id",
                f"belongs to trace {span.trace_id}, not {trace_id}; assemble each trace separately",
            )
    _check_tree(problems, valid)
    if problems:
        return invalid("trace", problems)
    ordered = tuple(sorted(valid, key=lambda span: (span.start_time_ns, span.span_id)))
    return Success(FlextTrace(trace_id=trace_id, spans=ordered))


def validate_trace(trace: object) -> Result[FlextTrace, FlextValidationError]:
    """``Success(trace)`` when ``trace`` is a valid :class:`FlextTrace`."""
    if not isinstance(trace, FlextTrace):
        return wrong_entity("trace", trace, "FlextTrace")
    return _build_trace(trace_id=trace.trace_id, spans=trace.spans).map(lambda _: trace)


def _build_trace(*, trace_id: object, spans: object) -> Result[FlextTrace, FlextValidationError]:
    """Assemble spans (entities or their dicts) and check they belong to ``trace_id``."""
    problems: Problems = []
    checked_id = check_hex_id(problems, "trace_id", trace_id, TRACE_ID_LENGTH)
    items = read_sequence(problems, "spans", spans)
    parsed: list[FlextSpan] = []
    for index, item in enumerate(items or ()):
        if isinstance(item, FlextSpan):
            parsed.append(item)  # assemble_trace checks it
            continue
        read = span_from_dict(item)
        if isinstance(read, Success):
            parsed.append(read.unwrap())
        else:
            nest_errors(problems, f"spans[{index}]", read.failure())
    if problems or checked_id is None:
        return invalid("trace", problems)
    return assemble_trace(parsed).bind(lambda assembled: _belongs_to(checked_id, assembled))


def _belongs_to(trace_id: str, trace: FlextTrace) -> Result[FlextTrace, FlextValidationError]:
    if trace.trace_id == trace_id:
        return Success(trace)
    problems: Problems = []
    add(
        problems,
        FlextErrorCode.MIXED_TRACE_IDS,
        "trace_id",
        f"the spans belong to trace {trace.trace_id}, not {trace_id}",
    )
    return invalid("trace", problems)


def trace_from_dict(data: object) -> Result[FlextTrace, FlextValidationError]:
    """Read a trace from :meth:`FlextTrace.to_dict` data, checking every rule."""
    return read_record("trace", data, _build_trace, required=("trace_id", "spans"))
