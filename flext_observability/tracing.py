"""Tracing: the service, spans in context, samplers, span limits, the batch processor and exporters.

This module only re-exports; it is one of the public faces of the package.
W3C headers and context helpers are in :mod:`flext_observability.propagation`.
Import from here, not from the internal ``core`` and ``shell`` packages,
which may move between releases.

>>> from flext_observability.tracing import FlextTracingService, InMemorySpanRepository
>>> repository = InMemorySpanRepository()
>>> tracing = FlextTracingService(exporters=[repository])
>>> with tracing.start_span("extract") as span:
...     span.set_attribute("tap", "postgres")
>>> tracing.shutdown()
True
>>> [span.name for span in repository.spans()]
['extract']
"""

from __future__ import annotations

from flext_observability.core.errors import FlextExportError
from flext_observability.core.settings import TracingSettings, parse_otel_environment
from flext_observability.core.tracing.sampling import (
    AlwaysOffSampler,
    AlwaysOnSampler,
    ParentBasedSampler,
    Sampler,
    TraceIdRatioSampler,
    always_off,
    always_on,
    parent_based,
    trace_id_ratio,
)
from flext_observability.core.tracing.span import (
    FlextSpan,
    SpanEvent,
    SpanLink,
    SpanStatus,
    build_span,
    span_from_dict,
    validate_span,
)
from flext_observability.core.tracing.span_limits import DEFAULT_LIMITS, SpanLimits
from flext_observability.core.tracing.trace import FlextTrace, assemble_trace, trace_from_dict, validate_trace
from flext_observability.core.values import SpanKind, SpanStatusCode
from flext_observability.shell.tracing.exporters import (
    ConsoleSpanExporter,
    FlextOtlpHttpExporter,
    InMemorySpanRepository,
    SpanExporter,
    TraceQuery,
)
from flext_observability.shell.tracing.processor import BatchSpanProcessor, ProcessorCounts
from flext_observability.shell.tracing.service import FlextTracingService, SpanScope, current_span
from flext_observability.shell.tracing.span import AnySpan, NonRecordingSpan, Span

__all__ = [
    "DEFAULT_LIMITS",
    "AlwaysOffSampler",
    "AlwaysOnSampler",
    "AnySpan",
    "BatchSpanProcessor",
    "ConsoleSpanExporter",
    "FlextExportError",
    "FlextOtlpHttpExporter",
    "FlextSpan",
    "FlextTrace",
    "FlextTracingService",
    "InMemorySpanRepository",
    "NonRecordingSpan",
    "ParentBasedSampler",
    "ProcessorCounts",
    "Sampler",
    "Span",
    "SpanEvent",
    "SpanExporter",
    "SpanKind",
    "SpanLimits",
    "SpanLink",
    "SpanScope",
    "SpanStatus",
    "SpanStatusCode",
    "TraceIdRatioSampler",
    "TraceQuery",
    "TracingSettings",
    "always_off",
    "always_on",
    "assemble_trace",
    "build_span",
    "current_span",
    "parent_based",
    "parse_otel_environment",
    "span_from_dict",
    "trace_from_dict",
    "trace_id_ratio",
    "validate_span",
    "validate_trace",
]
