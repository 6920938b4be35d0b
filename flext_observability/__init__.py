"""flext-observability: metrics, traces, alerts, health checks and logs for data pipelines.

A functional core of frozen entities and pure, total validation (every
operation that can fail returns a ``returns`` ``Result``), and a thin shell
that reads clocks, makes ids and talks to the outside world.

>>> from flext_observability import flext_create_metric
>>> flext_create_metric("pipeline_rows_total", 120, kind="counter", labels={"tap": "postgres"}).map(
...     lambda metric: metric.labels["tap"]
... )
<Success: postgres>
"""

from __future__ import annotations

from flext_observability.core import (
    AlertSeverity,
    AlertStatus,
    FlextAlert,
    FlextErrorCode,
    FlextFieldError,
    FlextHealthCheck,
    FlextLogEntry,
    FlextMetric,
    FlextSpan,
    FlextTrace,
    FlextValidationError,
    FrozenMap,
    HealthStatus,
    LogLevel,
    MetricKind,
    SpanEvent,
    SpanKind,
    SpanLink,
    SpanStatus,
    SpanStatusCode,
    alert_fingerprint,
    alert_from_dict,
    assemble_trace,
    build_alert,
    build_health_check,
    build_log_entry,
    build_metric,
    build_span,
    health_check_from_dict,
    log_entry_from_dict,
    metric_from_dict,
    span_from_dict,
    trace_from_dict,
    validate_alert,
    validate_health_check,
    validate_log_entry,
    validate_metric,
    validate_span,
    validate_trace,
)
from flext_observability.core.errors import FlextExportError
from flext_observability.core.settings import PlatformSettings
from flext_observability.core.tracing.traceparent import format_traceparent, parse_traceparent
from flext_observability.core.tracing.tracestate import format_tracestate, parse_tracestate
from flext_observability.platform.decorator import flext_monitor_function
from flext_observability.platform.default import configure, get_platform, reset_platform
from flext_observability.platform.platform import FlextObservabilityPlatform, ShutdownSummary
from flext_observability.platform.plugins import FlextPlugin
from flext_observability.shell.alerts.service import FlextAlertService
from flext_observability.shell.clock import Clock, SystemClock
from flext_observability.shell.factory import FlextObservabilityMasterFactory
from flext_observability.shell.health.service import FlextHealthService
from flext_observability.shell.ids import IdGenerator, RandomIdGenerator
from flext_observability.shell.logs.service import FlextLoggingService
from flext_observability.shell.logs.setup import FlextLogger, configure_logging, get_logger, reset_logging
from flext_observability.shell.metrics.service import FlextMetricsService
from flext_observability.shell.simple import (
    flext_create_alert,
    flext_create_health_check,
    flext_create_log_entry,
    flext_create_metric,
    flext_create_span,
    flext_create_trace,
)
from flext_observability.shell.tracing.exporters import (
    ConsoleSpanExporter,
    FlextOtlpHttpExporter,
    InMemorySpanRepository,
    SpanExporter,
)
from flext_observability.shell.tracing.service import FlextTracingService

__version__ = "0.1.0"

__all__ = [
    "AlertSeverity",
    "AlertStatus",
    "Clock",
    "ConsoleSpanExporter",
    "FlextAlert",
    "FlextAlertService",
    "FlextErrorCode",
    "FlextExportError",
    "FlextFieldError",
    "FlextHealthCheck",
    "FlextHealthService",
    "FlextLogEntry",
    "FlextLogger",
    "FlextLoggingService",
    "FlextMetric",
    "FlextMetricsService",
    "FlextObservabilityMasterFactory",
    "FlextObservabilityPlatform",
    "FlextOtlpHttpExporter",
    "FlextPlugin",
    "FlextSpan",
    "FlextTrace",
    "FlextTracingService",
    "FlextValidationError",
    "FrozenMap",
    "HealthStatus",
    "IdGenerator",
    "InMemorySpanRepository",
    "LogLevel",
    "MetricKind",
    "PlatformSettings",
    "RandomIdGenerator",
    "ShutdownSummary",
    "SpanEvent",
    "SpanExporter",
    "SpanKind",
    "SpanLink",
    "SpanStatus",
    "SpanStatusCode",
    "SystemClock",
    "__version__",
    "alert_fingerprint",
    "alert_from_dict",
    "assemble_trace",
    "build_alert",
    "build_health_check",
    "build_log_entry",
    "build_metric",
    "build_span",
    "configure",
    "configure_logging",
    "flext_create_alert",
    "flext_create_health_check",
    "flext_create_log_entry",
    "flext_create_metric",
    "flext_create_span",
    "flext_create_trace",
    "flext_monitor_function",
    "format_traceparent",
    "format_tracestate",
    "get_logger",
    "get_platform",
    "health_check_from_dict",
    "log_entry_from_dict",
    "metric_from_dict",
    "parse_traceparent",
    "parse_tracestate",
    "reset_logging",
    "reset_platform",
    "span_from_dict",
    "trace_from_dict",
    "validate_alert",
    "validate_health_check",
    "validate_log_entry",
    "validate_metric",
    "validate_span",
    "validate_trace",
]
