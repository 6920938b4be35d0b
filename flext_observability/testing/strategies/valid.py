"""Strategies for valid entities and for the field sets their ``build_*`` functions accept."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from hypothesis import strategies as st

from flext_observability.core.alerts.alert import RESERVED_ALERT_LABELS, FlextAlert, build_alert
from flext_observability.core.health.check import FlextHealthCheck, build_health_check
from flext_observability.core.limits import MAX_NAME_LENGTH, MAX_TIME_NS, MAX_TIMESTAMP
from flext_observability.core.logs.entry import RESERVED_CONTEXT_KEYS, FlextLogEntry, build_log_entry
from flext_observability.core.metrics.metric import FlextMetric, build_metric
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
from flext_observability.testing.strategies._common import (
    Fields,
    attribute_maps,
    context_values,
    finite_numbers,
    label_sets,
    metric_names,
    span_ids,
    texts,
    timestamps,
    trace_ids,
)

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

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
