"""Inputs that break one rule each: ``BrokenCase`` and the ``broken_*`` strategies, and malformed traces."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from attrs import frozen
from hypothesis import strategies as st
from returns.result import Result

from flext_observability.core.alerts.alert import RESERVED_ALERT_LABELS, build_alert
from flext_observability.core.checks import LABEL_NAME, METRIC_NAME
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.health.check import build_health_check
from flext_observability.core.limits import (
    MAX_INT64,
    MAX_LABEL_VALUE_LENGTH,
    MAX_LABELS,
    MAX_NAME_LENGTH,
    MAX_TIME_NS,
    MAX_TIMESTAMP,
)
from flext_observability.core.logs.entry import RESERVED_CONTEXT_KEYS, build_log_entry
from flext_observability.core.metrics.metric import NON_BASE_UNITS, build_metric
from flext_observability.core.tracing.span import FlextSpan, build_span
from flext_observability.core.values import AlertStatus, MetricKind
from flext_observability.testing.strategies._common import Fields, span_ids, texts, trace_ids
from flext_observability.testing.strategies.valid import (
    alert_fields,
    health_check_fields,
    log_entry_fields,
    metric_fields,
    span_fields,
    span_trees,
)

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy


@frozen
class BrokenCase:
    """Fields that break one rule: ``build(**fields)`` must report ``code`` on ``field``."""

    rule: str
    fields: Fields
    code: FlextErrorCode
    field: str


def _break(
    valid: SearchStrategy[Fields],
    rule: str,
    code: FlextErrorCode,
    field: str,
    change: Callable[[Fields], SearchStrategy[Fields]],
) -> SearchStrategy[BrokenCase]:
    return valid.flatmap(change).map(lambda fields: BrokenCase(rule=rule, fields=fields, code=code, field=field))


def _set(**changes: SearchStrategy[Any]) -> Callable[[Fields], SearchStrategy[Fields]]:
    """Replace some fields of a valid field set by values drawn from ``changes``."""
    return lambda fields: st.fixed_dictionaries(changes).map(lambda drawn: {**fields, **drawn})


_NOT_TEXT: Final = st.one_of(st.none(), st.integers(), st.floats(), st.binary(), st.lists(st.integers(), max_size=2))
_NOT_NUMBER: Final = st.one_of(
    st.none(), st.booleans(), texts(max_size=5), st.binary(), st.lists(st.integers(), max_size=2)
)
_NOT_FINITE: Final = st.sampled_from([math.nan, math.inf, -math.inf])
_BAD_METRIC_NAMES: Final = texts(min_size=1, max_size=20).filter(lambda text: METRIC_NAME.fullmatch(text) is None)
_BAD_LABEL_NAMES: Final = texts(min_size=1, max_size=20).filter(lambda text: LABEL_NAME.fullmatch(text) is None)
_UPPER_HEX: Final = st.text("0123456789ABCDEF", min_size=32, max_size=32).filter(
    lambda text: any(c.isalpha() for c in text)
)
_SURROGATE_TEXT: Final = st.text(min_size=1, max_size=10).map(lambda text: text + "\udc80")


def _gauge(fields: Fields) -> Fields:
    return {**fields, "kind": MetricKind.GAUGE, "name": fields["name"].removesuffix("_total")}


def broken_metrics() -> SearchStrategy[BrokenCase]:
    """Metric fields breaking one rule each, tagged with the expected code."""
    valid = metric_fields()
    counters = metric_fields(MetricKind.COUNTER)
    unitless = valid.map(lambda fields: {**fields, "unit": ""})
    return st.one_of(
        _break(valid, "name type", FlextErrorCode.WRONG_TYPE, "name", _set(name=_NOT_TEXT)),
        _break(valid, "name empty", FlextErrorCode.EMPTY, "name", _set(name=st.just(""))),
        _break(unitless, "name grammar", FlextErrorCode.INVALID_NAME, "name", _set(name=_BAD_METRIC_NAMES)),
        _break(
            unitless,
            "name length",
            FlextErrorCode.TOO_LONG,
            "name",
            _set(name=st.integers(MAX_NAME_LENGTH + 1, 2 * MAX_NAME_LENGTH).map(lambda size: "a" * size)),
        ),
        _break(valid, "value type", FlextErrorCode.WRONG_TYPE, "value", _set(value=_NOT_NUMBER)),
        _break(valid, "value finite", FlextErrorCode.NOT_FINITE, "value", _set(value=_NOT_FINITE)),
        _break(
            counters,
            "counter negative",
            FlextErrorCode.NEGATIVE_COUNTER,
            "value",
            _set(value=st.floats(max_value=-1e-300, allow_infinity=False)),
        ),
        _break(
            valid,
            "kind",
            FlextErrorCode.INVALID_CHOICE,
            "kind",
            _set(kind=texts(max_size=8).filter(lambda t: t not in set(MetricKind))),
        ),
        _break(
            valid.map(_gauge),
            "non-base unit",
            FlextErrorCode.NON_BASE_UNIT,
            "unit",
            lambda f: st.sampled_from(sorted(NON_BASE_UNITS)).map(
                lambda unit: {**f, "unit": unit, "name": f"{f['name']}_{unit}"}
            ),
        ),
        _break(
            unitless.map(_gauge),
            "unit grammar",
            FlextErrorCode.INVALID_UNIT,
            "unit",
            lambda f: st.sampled_from(["Seconds", "rows/s", "1x", "per-row"]).map(lambda unit: {**f, "unit": unit}),
        ),
        _break(
            unitless.map(_gauge),
            "unit suffix",
            FlextErrorCode.UNIT_SUFFIX_MISSING,
            "name",
            lambda f: st.just({**f, "name": f"{f['name']}_x", "unit": "seconds"}),
        ),
        _break(
            valid,
            "label name grammar",
            FlextErrorCode.INVALID_NAME,
            "labels",
            lambda f: _BAD_LABEL_NAMES.map(lambda key: {**f, "labels": {key: "v"}}),
        ),
        _break(
            valid,
            "label name reserved",
            FlextErrorCode.RESERVED_NAME,
            "labels",
            lambda f: st.sampled_from(["le", "quantile", "__name__", "__x"]).map(
                lambda key: {**f, "labels": {key: "v"}}
            ),
        ),
        _break(
            valid,
            "label value type",
            FlextErrorCode.WRONG_TYPE,
            "labels",
            lambda f: _NOT_TEXT.map(lambda value: {**f, "labels": {"tap": value}}),
        ),
        _break(
            valid,
            "label value length",
            FlextErrorCode.TOO_LONG,
            "labels",
            lambda f: st.just({**f, "labels": {"tap": "x" * (MAX_LABEL_VALUE_LENGTH + 1)}}),
        ),
        _break(
            valid,
            "label value encoding",
            FlextErrorCode.INVALID_TEXT,
            "labels",
            lambda f: _SURROGATE_TEXT.map(lambda value: {**f, "labels": {"tap": value}}),
        ),
        _break(
            valid,
            "label count",
            FlextErrorCode.TOO_MANY,
            "labels",
            lambda f: st.just({**f, "labels": {f"l{i}": "v" for i in range(MAX_LABELS + 1)}}),
        ),
        _break(
            valid,
            "labels type",
            FlextErrorCode.WRONG_TYPE,
            "labels",
            _set(labels=st.one_of(texts(min_size=1, max_size=5), st.lists(st.integers(), max_size=2), st.integers())),
        ),
        _break(
            valid,
            "timestamp range",
            FlextErrorCode.OUT_OF_RANGE,
            "timestamp",
            _set(
                timestamp=st.one_of(
                    st.floats(max_value=-1e-9, allow_infinity=False),
                    st.floats(min_value=MAX_TIMESTAMP * 1.01, allow_infinity=False),
                )
            ),
        ),
        _break(valid, "timestamp type", FlextErrorCode.WRONG_TYPE, "timestamp", _set(timestamp=_NOT_NUMBER)),
    )


def broken_spans() -> SearchStrategy[BrokenCase]:
    """Span fields breaking one rule each, tagged with the expected code."""
    valid = span_fields()
    return st.one_of(
        _break(
            valid,
            "trace id format",
            FlextErrorCode.INVALID_ID,
            "trace_id",
            _set(trace_id=_UPPER_HEX | st.text("0123456789abcdef", max_size=31) | st.just("x" * 32)),
        ),
        _break(valid, "trace id zero", FlextErrorCode.ZERO_ID, "trace_id", _set(trace_id=st.just("0" * 32))),
        _break(valid, "span id type", FlextErrorCode.WRONG_TYPE, "span_id", _set(span_id=_NOT_TEXT)),
        _break(valid, "span id zero", FlextErrorCode.ZERO_ID, "span_id", _set(span_id=st.just("0" * 16))),
        _break(
            valid,
            "parent format",
            FlextErrorCode.INVALID_ID,
            "parent_span_id",
            _set(parent_span_id=st.text("0123456789abcdef", min_size=17, max_size=20)),
        ),
        _break(
            valid,
            "own parent",
            FlextErrorCode.CYCLE,
            "parent_span_id",
            lambda f: st.just({**f, "parent_span_id": f["span_id"]}),
        ),
        _break(valid, "name empty", FlextErrorCode.EMPTY, "name", _set(name=st.just(""))),
        _break(valid, "service type", FlextErrorCode.WRONG_TYPE, "service", _set(service=_NOT_TEXT)),
        _break(valid, "kind", FlextErrorCode.INVALID_CHOICE, "kind", _set(kind=st.sampled_from(["SERVER", "rpc", ""]))),
        _break(
            valid,
            "start type",
            FlextErrorCode.WRONG_TYPE,
            "start_time_ns",
            _set(start_time_ns=st.one_of(st.floats(), st.booleans(), st.none(), texts(max_size=4))),
        ),
        _break(
            valid,
            "end range",
            FlextErrorCode.OUT_OF_RANGE,
            "end_time_ns",
            _set(end_time_ns=st.integers(min_value=MAX_TIME_NS + 1)),
        ),
        _break(
            valid,
            "time order",
            FlextErrorCode.TIME_ORDER,
            "end_time_ns",
            lambda f: st.integers(1, 10**9).map(lambda gap: {**f, "start_time_ns": f["end_time_ns"] + gap}),
        ),
        _break(
            valid,
            "status code",
            FlextErrorCode.INVALID_CHOICE,
            "status",
            _set(status=st.sampled_from(["failed", "OK"])),
        ),
        _break(
            valid,
            "status description",
            FlextErrorCode.DESCRIPTION_WITHOUT_ERROR,
            "status.description",
            _set(
                status=st.sampled_from([{"code": "ok", "description": "fine"}, {"code": "unset", "description": "?"}])
            ),
        ),
        _break(
            valid,
            "attribute value type",
            FlextErrorCode.WRONG_TYPE,
            "attributes",
            _set(attributes=st.just({"k": None}) | st.just({"k": {"nested": 1}})),
        ),
        _break(
            valid,
            "attribute mixed array",
            FlextErrorCode.MIXED_ARRAY,
            "attributes",
            _set(attributes=st.sampled_from([{"k": [1, "a"]}, {"k": [True, 1]}, {"k": [1, 1.5]}])),
        ),
        _break(
            valid,
            "attribute int range",
            FlextErrorCode.OUT_OF_RANGE,
            "attributes",
            _set(attributes=st.integers(min_value=MAX_INT64 + 1).map(lambda big: {"k": big})),
        ),
        _break(
            valid,
            "attribute count",
            FlextErrorCode.TOO_MANY,
            "attributes",
            _set(attributes=st.just({f"a{i}": i for i in range(129)})),
        ),
        _break(
            valid,
            "event time",
            FlextErrorCode.WRONG_TYPE,
            "events[0].time_ns",
            _set(events=st.just([{"name": "retry", "time_ns": 1.5}])),
        ),
        _break(
            valid,
            "event field",
            FlextErrorCode.UNKNOWN_FIELD,
            "events[0].when",
            _set(events=st.just([{"name": "retry", "time_ns": 1, "when": 2}])),
        ),
        _break(
            valid,
            "link id",
            FlextErrorCode.INVALID_ID,
            "links[0].span_id",
            _set(links=st.just([{"trace_id": "1" * 32, "span_id": "xyz"}])),
        ),
        _break(valid, "events type", FlextErrorCode.WRONG_TYPE, "events", _set(events=st.just("retry"))),
    )


def broken_alerts() -> SearchStrategy[BrokenCase]:
    """Alert fields breaking one rule each, tagged with the expected code."""
    valid = alert_fields()
    firing = valid.map(lambda fields: {**fields, "status": AlertStatus.FIRING, "ends_at": None})
    return st.one_of(
        _break(valid, "name empty", FlextErrorCode.EMPTY, "name", _set(name=st.just(""))),
        _break(valid, "message length", FlextErrorCode.TOO_LONG, "message", _set(message=st.just("m" * 8193))),
        _break(
            valid,
            "severity",
            FlextErrorCode.INVALID_CHOICE,
            "severity",
            _set(severity=st.sampled_from(["page", "fatal", "WARNING"])),
        ),
        _break(valid, "source type", FlextErrorCode.WRONG_TYPE, "source", _set(source=_NOT_TEXT)),
        _break(
            valid,
            "reserved label",
            FlextErrorCode.RESERVED_NAME,
            "labels",
            lambda f: st.sampled_from(sorted(RESERVED_ALERT_LABELS)).map(lambda key: {**f, "labels": {key: "x"}}),
        ),
        _break(
            valid,
            "label name",
            FlextErrorCode.INVALID_NAME,
            "labels",
            lambda f: _BAD_LABEL_NAMES.map(lambda key: {**f, "labels": {key: "x"}}),
        ),
        _break(
            valid,
            "annotation name",
            FlextErrorCode.INVALID_NAME,
            "annotations",
            lambda f: _BAD_LABEL_NAMES.map(lambda key: {**f, "annotations": {key: "x"}}),
        ),
        _break(
            valid, "status", FlextErrorCode.INVALID_CHOICE, "status", _set(status=st.sampled_from(["active", "ok"]))
        ),
        _break(
            firing,
            "resolved without end",
            FlextErrorCode.MISSING,
            "ends_at",
            _set(status=st.just(AlertStatus.RESOLVED)),
        ),
        _break(
            valid,
            "ends before start",
            FlextErrorCode.TIME_ORDER,
            "ends_at",
            lambda f: st.floats(1e-3, 1e6).map(
                lambda gap: {**f, "ends_at": max(f["starts_at"] - gap, 0.0), "starts_at": max(f["starts_at"], gap)}
            ),
        ),
        _break(valid, "start type", FlextErrorCode.WRONG_TYPE, "starts_at", _set(starts_at=_NOT_NUMBER)),
    )


def broken_health_checks() -> SearchStrategy[BrokenCase]:
    """Health check fields breaking one rule each, tagged with the expected code."""
    valid = health_check_fields()
    return st.one_of(
        _break(
            valid,
            "component colon",
            FlextErrorCode.INVALID_NAME,
            "component",
            lambda f: st.just({**f, "component": f["component"] + ":x"}),
        ),
        _break(valid, "measurement empty", FlextErrorCode.EMPTY, "measurement", _set(measurement=st.just(""))),
        _break(
            valid, "status", FlextErrorCode.INVALID_CHOICE, "status", _set(status=st.sampled_from(["ok", "up", "PASS"]))
        ),
        _break(
            valid,
            "observed value finite",
            FlextErrorCode.NOT_FINITE,
            "observed_value",
            _set(observed_value=_NOT_FINITE),
        ),
        _break(
            valid,
            "observed value type",
            FlextErrorCode.WRONG_TYPE,
            "observed_value",
            _set(observed_value=st.lists(st.integers(), max_size=2) | st.binary()),
        ),
        _break(
            valid,
            "duration negative",
            FlextErrorCode.OUT_OF_RANGE,
            "duration",
            _set(duration=st.floats(max_value=-1e-9, allow_infinity=False)),
        ),
        _break(valid, "time type", FlextErrorCode.WRONG_TYPE, "time", _set(time=_NOT_NUMBER)),
    )


def broken_log_entries() -> SearchStrategy[BrokenCase]:
    """Log entry fields breaking one rule each, tagged with the expected code."""
    valid = log_entry_fields()
    return st.one_of(
        _break(valid, "event empty", FlextErrorCode.EMPTY, "event", _set(event=st.just(""))),
        _break(
            valid,
            "level",
            FlextErrorCode.INVALID_CHOICE,
            "level",
            _set(level=st.sampled_from(["verbose", "warn", "INFO"])),
        ),
        _break(valid, "logger type", FlextErrorCode.WRONG_TYPE, "logger", _set(logger=_NOT_TEXT)),
        _break(
            valid,
            "reserved context key",
            FlextErrorCode.RESERVED_NAME,
            "context",
            _set(context=st.sampled_from(sorted(RESERVED_CONTEXT_KEYS)).map(lambda key: {key: 1})),
        ),
        _break(
            valid,
            "context value type",
            FlextErrorCode.WRONG_TYPE,
            "context",
            _set(context=st.just({"when": object()}) | st.just({"raw": b"bytes"})),
        ),
        _break(
            valid,
            "context float",
            FlextErrorCode.NOT_FINITE,
            "context",
            _set(context=_NOT_FINITE.map(lambda bad: {"ratio": bad})),
        ),
        _break(
            valid, "context depth", FlextErrorCode.TOO_DEEP, "context", _set(context=st.integers(9, 20).map(_nested))
        ),
        _break(
            valid,
            "span without trace",
            FlextErrorCode.MISSING,
            "trace_id",
            lambda f: span_ids().map(lambda span: {**f, "trace_id": None, "span_id": span}),
        ),
        _break(valid, "trace id format", FlextErrorCode.INVALID_ID, "trace_id", _set(trace_id=_UPPER_HEX)),
    )


def _nested(depth: int) -> dict[str, object]:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return {"deep": value}


@frozen
class MalformedTrace:
    """Spans that do not form one trace tree, and the code ``assemble_trace`` must report."""

    shape: str
    spans: list[FlextSpan]
    code: FlextErrorCode


def _rebuilt(span: FlextSpan, **changes: object) -> FlextSpan:
    fields = {**span.to_dict(), **changes}
    return FlextSpan.from_dict(fields).unwrap()


@st.composite
def malformed_traces(draw: st.DrawFn) -> MalformedTrace:
    """Span sets that break the tree rules: mixed ids, duplicates, several roots, cycles."""
    tree = draw(span_trees(max_spans=6))
    shape = draw(st.sampled_from(["mixed", "duplicate", "roots", "cycle", "all-cycle", "empty"]))
    # Fresh ids avoid the tree's ids and its root's remote parent alike.
    taken = {span.span_id for span in tree} | {span.parent_span_id for span in tree}
    fresh = span_ids().filter(lambda new: new not in taken)
    if shape == "mixed":
        other = draw(trace_ids().filter(lambda new: new != tree[0].trace_id))
        parent = draw(st.sampled_from(tree))
        stray = _rebuilt(parent, trace_id=other, span_id=draw(fresh), parent_span_id=parent.span_id)
        return MalformedTrace(
            shape=shape, spans=draw(st.permutations([*tree, stray])), code=FlextErrorCode.MIXED_TRACE_IDS
        )
    if shape == "duplicate":
        twin = draw(st.sampled_from(tree))
        return MalformedTrace(
            shape=shape, spans=[*tree, _rebuilt(twin, name="twin")], code=FlextErrorCode.DUPLICATE_SPAN
        )
    if shape == "roots":
        orphan = _rebuilt(tree[0], span_id=draw(fresh), parent_span_id=None)
        return MalformedTrace(
            shape=shape, spans=draw(st.permutations([*tree, orphan])), code=FlextErrorCode.MULTIPLE_ROOTS
        )
    if shape == "cycle":
        first, second = draw(st.lists(fresh, min_size=2, max_size=2, unique=True))
        loop = [
            _rebuilt(tree[0], span_id=first, parent_span_id=second),
            _rebuilt(tree[0], span_id=second, parent_span_id=first),
        ]
        return MalformedTrace(shape=shape, spans=draw(st.permutations([*tree, *loop])), code=FlextErrorCode.CYCLE)
    if shape == "all-cycle":
        size = draw(st.integers(2, 5))
        loop_ids = draw(st.lists(span_ids(), min_size=size, max_size=size, unique=True))
        loop = [
            _rebuilt(tree[0], span_id=span_id, parent_span_id=loop_ids[(index + 1) % size])
            for index, span_id in enumerate(loop_ids)
        ]
        return MalformedTrace(shape=shape, spans=loop, code=FlextErrorCode.NO_ROOT)
    return MalformedTrace(shape=shape, spans=[], code=FlextErrorCode.EMPTY)


Builder = Callable[..., Result[Any, FlextValidationError]]
"""One of the core's ``build_*`` functions."""

ALL_BROKEN: Final[dict[str, tuple[Builder, Callable[[], SearchStrategy[BrokenCase]]]]] = {
    "metric": (build_metric, broken_metrics),
    "span": (build_span, broken_spans),
    "alert": (build_alert, broken_alerts),
    "health_check": (build_health_check, broken_health_checks),
    "log_entry": (build_log_entry, broken_log_entries),
}
"""For each entity kind: its builder and the strategy of rule-breaking field sets."""
