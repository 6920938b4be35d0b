"""Propagation: W3C trace context and baggage on any carrier, and context carried into threads.

This module only re-exports; it is one of the public faces of the package.
Import from here, not from the internal ``core`` and ``shell`` packages,
which may move between releases.

>>> from flext_observability.propagation import extract, inject, use_baggage
>>> incoming = extract({"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})
>>> outgoing = {}
>>> with use_baggage(run_id="r-42"):
...     inject(outgoing, incoming.span_context)
>>> outgoing["baggage"]
'run_id=r-42'
"""

from __future__ import annotations

from flext_observability.core.tracing.baggage import (
    EMPTY_BAGGAGE,
    Baggage,
    BaggageEntry,
    BaggageProperty,
    format_baggage,
    parse_baggage,
)
from flext_observability.core.tracing.traceparent import (
    SpanContext,
    build_span_context,
    child_of,
    format_trace_context,
    format_traceparent,
    parse_trace_context,
    parse_traceparent,
)
from flext_observability.core.tracing.tracestate import (
    EMPTY_TRACE_STATE,
    TraceState,
    format_tracestate,
    parse_tracestate,
)
from flext_observability.shell.context import (
    ContextExecutor,
    SpanIds,
    bind_context,
    bound_context,
    clear_context,
    current_baggage,
    current_context,
    current_span_ids,
    refused_span_ids,
    unbind_context,
    use_baggage,
    use_span_ids,
    valid_span_ids,
    with_current_context,
)
from flext_observability.shell.tracing.propagation import HeaderCarrier, RemoteContext, extract, inject

__all__ = [
    "EMPTY_BAGGAGE",
    "EMPTY_TRACE_STATE",
    "Baggage",
    "BaggageEntry",
    "BaggageProperty",
    "ContextExecutor",
    "HeaderCarrier",
    "RemoteContext",
    "SpanContext",
    "SpanIds",
    "TraceState",
    "bind_context",
    "bound_context",
    "build_span_context",
    "child_of",
    "clear_context",
    "current_baggage",
    "current_context",
    "current_span_ids",
    "extract",
    "format_baggage",
    "format_trace_context",
    "format_traceparent",
    "format_tracestate",
    "inject",
    "parse_baggage",
    "parse_trace_context",
    "parse_traceparent",
    "parse_tracestate",
    "refused_span_ids",
    "unbind_context",
    "use_baggage",
    "use_span_ids",
    "valid_span_ids",
    "with_current_context",
]
