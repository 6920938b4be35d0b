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

from importlib import import_module
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from flext_observability.core.alerts.alert import (
        FlextAlert,
        alert_fingerprint,
        alert_from_dict,
        build_alert,
        validate_alert,
    )
    from flext_observability.core.errors import FlextErrorCode, FlextExportError, FlextFieldError, FlextValidationError
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
    from flext_observability.core.settings import PlatformSettings
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
    from flext_observability.core.tracing.traceparent import format_traceparent, parse_traceparent
    from flext_observability.core.tracing.tracestate import format_tracestate, parse_tracestate
    from flext_observability.core.values import (
        AlertSeverity,
        AlertStatus,
        HealthStatus,
        LogLevel,
        MetricKind,
        SpanKind,
        SpanStatusCode,
    )
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

_EXPORTS: Final[dict[str, tuple[str, ...]]] = {
    "core.alerts.alert": (
        "FlextAlert",
        "alert_fingerprint",
        "alert_from_dict",
        "build_alert",
        "validate_alert",
    ),
    "core.errors": (
        "FlextErrorCode",
        "FlextExportError",
        "FlextFieldError",
        "FlextValidationError",
    ),
    "core.frozen": ("FrozenMap",),
    "core.health.check": (
        "FlextHealthCheck",
        "build_health_check",
        "health_check_from_dict",
        "validate_health_check",
    ),
    "core.logs.entry": (
        "FlextLogEntry",
        "build_log_entry",
        "log_entry_from_dict",
        "validate_log_entry",
    ),
    "core.metrics.metric": (
        "FlextMetric",
        "build_metric",
        "metric_from_dict",
        "validate_metric",
    ),
    "core.settings": ("PlatformSettings",),
    "core.tracing.span": (
        "FlextSpan",
        "SpanEvent",
        "SpanLink",
        "SpanStatus",
        "build_span",
        "span_from_dict",
        "validate_span",
    ),
    "core.tracing.trace": (
        "FlextTrace",
        "assemble_trace",
        "trace_from_dict",
        "validate_trace",
    ),
    "core.tracing.traceparent": (
        "format_traceparent",
        "parse_traceparent",
    ),
    "core.tracing.tracestate": (
        "format_tracestate",
        "parse_tracestate",
    ),
    "core.values": (
        "AlertSeverity",
        "AlertStatus",
        "HealthStatus",
        "LogLevel",
        "MetricKind",
        "SpanKind",
        "SpanStatusCode",
    ),
    "platform.decorator": ("flext_monitor_function",),
    "platform.default": (
        "configure",
        "get_platform",
        "reset_platform",
    ),
    "platform.platform": (
        "FlextObservabilityPlatform",
        "ShutdownSummary",
    ),
    "platform.plugins": ("FlextPlugin",),
    "shell.alerts.service": ("FlextAlertService",),
    "shell.clock": (
        "Clock",
        "SystemClock",
    ),
    "shell.factory": ("FlextObservabilityMasterFactory",),
    "shell.health.service": ("FlextHealthService",),
    "shell.ids": (
        "IdGenerator",
        "RandomIdGenerator",
    ),
    "shell.logs.service": ("FlextLoggingService",),
    "shell.logs.setup": (
        "FlextLogger",
        "configure_logging",
        "get_logger",
        "reset_logging",
    ),
    "shell.metrics.service": ("FlextMetricsService",),
    "shell.simple": (
        "flext_create_alert",
        "flext_create_health_check",
        "flext_create_log_entry",
        "flext_create_metric",
        "flext_create_span",
        "flext_create_trace",
    ),
    "shell.tracing.exporters": (
        "ConsoleSpanExporter",
        "FlextOtlpHttpExporter",
        "InMemorySpanRepository",
        "SpanExporter",
    ),
    "shell.tracing.service": ("FlextTracingService",),
}
"""Where each public name lives, by module (relative to this package); read by :func:`__getattr__`."""

_HOME: Final = {name: module for module, names in _EXPORTS.items() for name in names}


def __getattr__(name: str) -> object:
    """Import a public name's module on first use (PEP 562), so ``import flext_observability`` stays cheap.

    The command line's ``run`` starts in a few tens of milliseconds because it
    loads only what it uses; a program using the platform pays for it when it
    first names it, once.
    """
    module = _HOME.get(name)
    if module is None:
        message = f"module 'flext_observability' has no attribute {name!r}"
        raise AttributeError(message)
    value = getattr(import_module(f"flext_observability.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, as if they had all been imported."""
    return sorted({*globals(), *_HOME})


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
