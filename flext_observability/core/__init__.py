"""The functional core: frozen entities and total, pure functions over them.

Nothing here performs I/O, reads a clock, holds a lock, starts a thread or
touches global state; time and ids come in as arguments. An import contract
checked in CI keeps it that way.
"""

from __future__ import annotations

from flext_observability.core.alerts.alert import (
    FlextAlert,
    alert_fingerprint,
    alert_from_dict,
    build_alert,
    validate_alert,
)
from flext_observability.core.errors import FlextErrorCode, FlextFieldError, FlextValidationError
from flext_observability.core.frozen import FrozenMap
from flext_observability.core.health.check import (
    FlextHealthCheck,
    build_health_check,
    health_check_from_dict,
    validate_health_check,
)
from flext_observability.core.logs.entry import (
    FlextLogEntry,
    build_log_entry,
    log_entry_from_dict,
    validate_log_entry,
)
from flext_observability.core.metrics.metric import FlextMetric, build_metric, metric_from_dict, validate_metric
from flext_observability.core.tracing.span import (
    FlextSpan,
    SpanEvent,
    SpanLink,
    SpanStatus,
    build_span,
    span_from_dict,
    validate_span,
)
from flext_observability.core.tracing.trace import FlextTrace, assemble_trace, trace_from_dict, validate_trace
from flext_observability.core.values import (
    AlertSeverity,
    AlertStatus,
    HealthStatus,
    LogLevel,
    MetricKind,
    SpanKind,
    SpanStatusCode,
)

__all__ = [
    "AlertSeverity",
    "AlertStatus",
    "FlextAlert",
    "FlextErrorCode",
    "FlextFieldError",
    "FlextHealthCheck",
    "FlextLogEntry",
    "FlextMetric",
    "FlextSpan",
    "FlextTrace",
    "FlextValidationError",
    "FrozenMap",
    "HealthStatus",
    "LogLevel",
    "MetricKind",
    "SpanEvent",
    "SpanKind",
    "SpanLink",
    "SpanStatus",
    "SpanStatusCode",
    "alert_fingerprint",
    "alert_from_dict",
    "assemble_trace",
    "build_alert",
    "build_health_check",
    "build_log_entry",
    "build_metric",
    "build_span",
    "health_check_from_dict",
    "log_entry_from_dict",
    "metric_from_dict",
    "span_from_dict",
    "trace_from_dict",
    "validate_alert",
    "validate_health_check",
    "validate_log_entry",
    "validate_metric",
    "validate_span",
    "validate_trace",
]
