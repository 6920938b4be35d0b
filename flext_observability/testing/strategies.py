"""Hypothesis strategies for valid entities and for inputs that break one rule.

Use them in your own property tests: the valid strategies generate entities
that pass :func:`~flext_observability.validate_metric` and friends, and the
``broken_*`` strategies generate field sets that break exactly one named
rule, each tagged with the code validation must report.

>>> from hypothesis import given
>>> from flext_observability import metric_from_dict
>>> @given(metrics())
... def test_round_trip(metric):
...     assert metric_from_dict(metric.to_dict()).unwrap() == metric
>>> test_round_trip()
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, NoReturn

from attrs import frozen
from hypothesis import strategies as st
from returns.result import Result

from flext_observability.core.alerts.alert import RESERVED_ALERT_LABELS, FlextAlert, build_alert
from flext_observability.core.checks import LABEL_NAME, METRIC_NAME
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.health.check import FlextHealthCheck, build_health_check
from flext_observability.core.limits import (
    MAX_INT64,
    MAX_LABEL_VALUE_LENGTH,
    MAX_LABELS,
    MAX_NAME_LENGTH,
    MAX_TIME_NS,
    MAX_TIMESTAMP,
    MIN_INT64,
)
from flext_observability.core.logs.entry import RESERVED_CONTEXT_KEYS, FlextLogEntry, build_log_entry
from flext_observability.core.metrics.metric import NON_BASE_UNITS, RESERVED_METRIC_LABELS, FlextMetric, build_metric
from flext_observability.core.tracing.span import FlextSpan, build_span
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

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

Fields = dict[str, Any]
"""Keyword arguments for one of the core's ``build_*`` functions."""


@frozen
class BrokenCase:
    """Fields that break one rule: ``build(**fields)`` must report ``code`` on ``field``."""

    rule: str
    fields: Fields
    code: FlextErrorCode
    field: str


# --- building blocks -------------------------------------------------------

UTF8_TEXT: Final = st.characters(exclude_categories=["Cs"])
"""Any character that encodes as UTF-8 (no lone surrogates), controls included."""


def texts(*, min_size: int = 0, max_size: int = 40) -> SearchStrategy[str]:
    """Text of any encodable characters, control characters and newlines included."""
    return st.text(UTF8_TEXT, min_size=min_size, max_size=max_size)


def metric_names() -> SearchStrategy[str]:
    """Valid Prometheus metric names."""
    return st.from_regex(METRIC_NAME, fullmatch=True).filter(lambda name: len(name) <= MAX_NAME_LENGTH)


def label_names(reserved: frozenset[str] = RESERVED_METRIC_LABELS) -> SearchStrategy[str]:
    """Valid label names, none starting with ``__`` and none in ``reserved``."""
    return (
        st.from_regex(LABEL_NAME, fullmatch=True)
        .filter(lambda name: len(name) <= MAX_NAME_LENGTH and not name.startswith("__"))
        .filter(lambda name: name not in reserved)
    )


def label_sets(
    reserved: frozenset[str] = RESERVED_METRIC_LABELS, *, max_size: int = 5
) -> SearchStrategy[dict[str, str]]:
    """Valid label mappings (values may hold quotes, newlines and any Unicode)."""
    return st.dictionaries(label_names(reserved), texts(max_size=60), max_size=max_size)


def timestamps() -> SearchStrategy[float]:
    """Seconds since the epoch between 1970 and 9999."""
    return st.floats(min_value=0.0, max_value=MAX_TIMESTAMP, allow_nan=False)


def finite_numbers() -> SearchStrategy[float]:
    """Finite floats and integers that fit a float."""
    return st.one_of(
        st.floats(allow_nan=False, allow_infinity=False),
        st.integers(min_value=-(2**53), max_value=2**53),
    )


def hex_ids(length: int) -> SearchStrategy[str]:
    """Valid W3C ids: ``length`` lowercase hex digits, not all zero."""
    return st.text("0123456789abcdef", min_size=length, max_size=length).filter(lambda text: text.strip("0") != "")


def trace_ids() -> SearchStrategy[str]:
    """Valid trace ids (32 hex digits)."""
    return hex_ids(32)


def span_ids() -> SearchStrategy[str]:
    """Valid span ids (16 hex digits)."""
    return hex_ids(16)


def attribute_values() -> SearchStrategy[object]:
    """Valid OpenTelemetry attribute values, arrays as lists or tuples."""
    scalars: list[SearchStrategy[Any]] = [
        st.booleans(),
        st.integers(min_value=MIN_INT64, max_value=MAX_INT64),
        st.floats(allow_nan=False, allow_infinity=False),
        texts(max_size=30),
    ]
    arrays = [st.lists(scalar, max_size=4) for scalar in scalars]
    return st.one_of(*scalars, *arrays, *(array.map(tuple) for array in arrays))


def attribute_maps(*, max_size: int = 4) -> SearchStrategy[dict[str, object]]:
    """Valid attribute mappings."""
    return st.dictionaries(texts(min_size=1, max_size=20), attribute_values(), max_size=max_size)


def context_values(max_leaves: int = 10) -> SearchStrategy[object]:
    """JSON values for a log entry's context (nesting bounded well under the limit)."""
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        texts(max_size=30),
    )
    return st.recursive(
        leaves,
        lambda children: st.lists(children, max_size=3) | st.dictionaries(texts(max_size=10), children, max_size=3),
        max_leaves=max_leaves,
    )


# --- valid entities --------------------------------------------------------

UNITS: Final = ("", "", "seconds", "bytes", "ratio", "rows")


@st.composite
def metric_fields(draw: st.DrawFn, kind: MetricKind | None = None) -> Fields:
    """Fields that :func:`~flext_observability.build_metric` accepts."""
    chosen = draw(st.sampled_from(MetricKind)) if kind is None else kind
    unit = draw(st.sampled_from(UNITS))
    name = draw(metric_names().filter(lambda text: len(text) < MAX_NAME_LENGTH - 20))
    if unit:
        name = f"{name}_{unit}"
    if chosen is MetricKind.COUNTER and draw(st.booleans()):
        name += "_total"
    value = draw(finite_numbers())
    if chosen is MetricKind.COUNTER:
        value = abs(value)
    return {
        "name": name,
        "value": value,
        "kind": chosen,
        "unit": unit,
        "labels": draw(label_sets()),
        "timestamp": draw(timestamps()),
    }


def metrics(kind: MetricKind | None = None) -> SearchStrategy[FlextMetric]:
    """Valid metrics."""
    return metric_fields(kind).map(lambda fields: build_metric(**fields).unwrap())


@st.composite
def _status(draw: st.DrawFn) -> dict[str, str]:
    code = draw(st.sampled_from(SpanStatusCode))
    description = draw(texts(max_size=30)) if code is SpanStatusCode.ERROR else ""
    return {"code": code.value, "description": description}


@st.composite
def span_fields(
    draw: st.DrawFn,
    *,
    trace_id: str | None = None,
    span_id: str | None = None,
    parent_span_id: str | None = None,
    rich: bool = True,
) -> Fields:
    """Fields that :func:`~flext_observability.build_span` accepts.

    ``rich=False`` leaves out events, links and attributes (cheaper to draw).
    """
    start = draw(st.integers(min_value=0, max_value=MAX_TIME_NS // 2))
    end = start + draw(st.integers(min_value=0, max_value=10**12))
    events = (
        []
        if not rich
        else draw(
            st.lists(
                st.fixed_dictionaries(
                    {"name": texts(min_size=1, max_size=20), "time_ns": st.integers(0, MAX_TIME_NS)},
                    optional={"attributes": attribute_maps(max_size=2)},
                ),
                max_size=3,
            ),
        )
    )
    links = (
        []
        if not rich
        else draw(
            st.lists(
                st.fixed_dictionaries(
                    {"trace_id": trace_ids(), "span_id": span_ids()},
                    optional={"trace_state": st.just("vendor=value"), "attributes": attribute_maps(max_size=2)},
                ),
                max_size=2,
            ),
        )
    )
    own_id = span_id if span_id is not None else draw(span_ids())
    return {
        "trace_id": trace_id if trace_id is not None else draw(trace_ids()),
        "span_id": own_id,
        "parent_span_id": parent_span_id
        if parent_span_id is not None
        else draw(st.none() | span_ids().filter(lambda parent: parent != own_id)),
        "name": draw(texts(min_size=1, max_size=30)),
        "service": draw(texts(min_size=1, max_size=30)),
        "kind": draw(st.sampled_from(SpanKind)),
        "start_time_ns": start,
        "end_time_ns": end,
        "status": draw(_status()),
        "attributes": draw(attribute_maps()) if rich else {},
        "events": events,
        "links": links,
        "trace_state": draw(st.sampled_from(["", "vendor=value", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"])),
        "dropped_attributes": draw(st.integers(0, 2**32 - 1)),
        "dropped_events": draw(st.integers(0, 5)),
        "dropped_links": draw(st.integers(0, 5)),
    }


def spans() -> SearchStrategy[FlextSpan]:
    """Valid spans."""
    return span_fields().map(lambda fields: build_span(**fields).unwrap())


@st.composite
def span_trees(draw: st.DrawFn, *, max_spans: int = 8) -> list[FlextSpan]:
    """The spans of one well-formed trace, in a random order.

    The root has no parent, or (half the time) a parent in another service.
    """
    trace_id = draw(trace_ids())
    ids = draw(st.lists(span_ids(), min_size=1, max_size=max_spans, unique=True))
    remote = draw(st.none() | span_ids().filter(lambda parent: parent not in ids))
    made: list[FlextSpan] = []
    for index, span_id in enumerate(ids):
        parent = remote if index == 0 else ids[draw(st.integers(0, index - 1))]
        fields = draw(span_fields(trace_id=trace_id, span_id=span_id, rich=index == 0))
        fields["parent_span_id"] = parent
        made.append(build_span(**fields).unwrap())
    return draw(st.permutations(made))


def traces() -> SearchStrategy[FlextTrace]:
    """Valid traces."""
    return span_trees().map(lambda spans: assemble_trace(spans).unwrap())


@st.composite
def alert_fields(draw: st.DrawFn) -> Fields:
    """Fields that :func:`~flext_observability.build_alert` accepts."""
    status = draw(st.sampled_from(AlertStatus))
    starts_at = draw(st.floats(min_value=0.0, max_value=MAX_TIMESTAMP / 2, allow_nan=False))
    ends_at = starts_at + draw(st.floats(min_value=0.0, max_value=10**6, allow_nan=False))
    return {
        "name": draw(texts(min_size=1, max_size=30)),
        "message": draw(texts(min_size=1, max_size=60)),
        "severity": draw(st.sampled_from(AlertSeverity)),
        "source": draw(texts(min_size=1, max_size=30)),
        "labels": draw(label_sets(RESERVED_ALERT_LABELS)),
        "annotations": draw(label_sets(frozenset(), max_size=3)),
        "status": status,
        "starts_at": starts_at,
        "ends_at": ends_at if status is AlertStatus.RESOLVED or draw(st.booleans()) else None,
    }


def alerts() -> SearchStrategy[FlextAlert]:
    """Valid alerts."""
    return alert_fields().map(lambda fields: build_alert(**fields).unwrap())


_KEY_TEXT: Final = texts(min_size=1, max_size=30).filter(lambda text: ":" not in text)


@st.composite
def health_check_fields(draw: st.DrawFn) -> Fields:
    """Fields that :func:`~flext_observability.build_health_check` accepts."""
    return {
        "component": draw(_KEY_TEXT),
        "measurement": draw(_KEY_TEXT),
        "status": draw(st.sampled_from(HealthStatus)),
        "observed_value": draw(
            st.none()
            | st.booleans()
            | st.integers()
            | st.floats(allow_nan=False, allow_infinity=False)
            | texts(max_size=30),
        ),
        "observed_unit": draw(st.sampled_from(["", "ms", "percent", "connections", "bytes"])),
        "output": draw(texts(max_size=60)),
        "time": draw(timestamps()),
        "duration": draw(st.floats(min_value=0.0, max_value=3600.0)),
    }


def health_checks() -> SearchStrategy[FlextHealthCheck]:
    """Valid health checks."""
    return health_check_fields().map(lambda fields: build_health_check(**fields).unwrap())


@st.composite
def log_entry_fields(draw: st.DrawFn) -> Fields:
    """Fields that :func:`~flext_observability.build_log_entry` accepts."""
    trace_id = draw(st.none() | trace_ids())
    context_keys = texts(max_size=15).filter(lambda key: key not in RESERVED_CONTEXT_KEYS)
    return {
        "event": draw(texts(min_size=1, max_size=60)),
        "level": draw(st.sampled_from(LogLevel)),
        "logger": draw(texts(min_size=1, max_size=30)),
        "timestamp": draw(timestamps()),
        "context": draw(st.dictionaries(context_keys, context_values(), max_size=4)),
        "trace_id": trace_id,
        "span_id": None if trace_id is None else draw(st.none() | span_ids()),
    }


def log_entries() -> SearchStrategy[FlextLogEntry]:
    """Valid log entries."""
    return log_entry_fields().map(lambda fields: build_log_entry(**fields).unwrap())


# --- inputs that break one rule -------------------------------------------


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


# --- anything at all -------------------------------------------------------


def _raise(*_args: object, **_kwargs: object) -> NoReturn:
    message = "hostile value"
    raise RuntimeError(message)


class _Hostile:
    """An object every dunder method of which raises."""

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _raise
    __hash__ = __str__ = __repr__ = __format__ = __bool__ = __len__ = _raise
    __iter__ = __getitem__ = __contains__ = __float__ = __int__ = __index__ = _raise


class _HostileStr(str):
    __slots__ = ()
    __eq__ = __hash__ = __len__ = __iter__ = __str__ = __format__ = _raise


class _HostileFloat(float):
    __eq__ = __hash__ = __float__ = __lt__ = __gt__ = __le__ = __ge__ = _raise


class _HostileInt(int):
    __eq__ = __hash__ = __int__ = __index__ = __float__ = __lt__ = __gt__ = __le__ = __ge__ = _raise


class _HostileDict(dict[object, object]):
    __iter__ = __getitem__ = __len__ = keys = items = values = _raise


class _HostileList(list[object]):
    __iter__ = __getitem__ = __len__ = _raise


def _self_containing_list() -> list[object]:
    loop: list[object] = []
    loop.append(loop)
    return loop


def _self_containing_dict() -> dict[str, object]:
    loop: dict[str, object] = {}
    loop["self"] = loop
    return loop


HOSTILE_MAKERS: Final[tuple[Callable[[], object], ...]] = (
    _Hostile,
    lambda: _HostileStr("name"),
    lambda: _HostileFloat(1.5),
    lambda: _HostileInt(3),
    lambda: _HostileDict(a=1),
    lambda: _HostileList([1, 2]),
    lambda: {"k": _Hostile()},
    lambda: [_Hostile()],
    _self_containing_list,
    _self_containing_dict,
    lambda: 10**400,
    lambda: -(10**400),
    lambda: 2**64,
    lambda: math.nan,
    lambda: -0.0,
    lambda: "\udc80",
    lambda: b"bytes",
    lambda: bytearray(b"x"),
    object,
    lambda: type,
    lambda: print,
    lambda: Ellipsis,
    lambda: NotImplemented,
    lambda: frozenset({1}),
    lambda: range(3),
    lambda: complex(1, 2),
)


def hostile_values() -> SearchStrategy[object]:
    """Values built to break careless code: their comparisons, hashing, iteration and str() raise.

    Each draw makes a fresh object (Hypothesis itself must never hash one).
    """
    return st.sampled_from(HOSTILE_MAKERS).map(lambda make: make())


def anything() -> SearchStrategy[object]:
    """A value of any type: ordinary data, containers of it, and hostile values."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(),
        st.binary(max_size=8),
        hostile_values(),
    )
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.tuples(children, children),
            st.dictionaries(st.text(max_size=5) | st.integers() | st.none(), children, max_size=3),
        ),
        max_leaves=4,
    )
