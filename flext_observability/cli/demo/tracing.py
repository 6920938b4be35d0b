"""The demo's trace: the sample pipeline run under live spans, and its span tree."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Final

from flext_observability.cli.demo.entities import STEPS
from flext_observability.cli.table import render_table
from flext_observability.shell.tracing.exporters import InMemorySpanRepository
from flext_observability.shell.tracing.service import FlextTracingService

if TYPE_CHECKING:
    from flext_observability.core.tracing.span import FlextSpan
    from flext_observability.core.tracing.trace import FlextTrace
    from flext_observability.shell.logs.service import FlextLoggingService
    from flext_observability.shell.metrics.service import FlextMetricsService

SPEED_UP: Final = 100
"""The demo runs each step a hundred times faster than the sample's timings."""


def traced_run(logs: FlextLoggingService, metrics: FlextMetricsService) -> FlextTrace | None:
    """Run the sample pipeline under spans (its logs carry their ids); the trace it made."""
    repository = InMemorySpanRepository()
    tracing = FlextTracingService(service_name="orders-pipeline", exporters=[repository], metrics=metrics)
    with tracing.start_span("pipeline-run", attributes={"pipeline": "orders"}) as run:
        for step, service, rows, seconds in STEPS:
            with tracing.start_span(step, attributes={"rows": rows, "step.service": service}) as span:
                time.sleep(seconds / SPEED_UP)
                if step == "load":
                    span.add_event("batch retried", {"batch": 3, "reason": "warehouse busy"})
                    span.set_status("error", "one batch needed a retry")
                logs.info("step finished", step=step, rows=rows)
    tracing.shutdown(5)
    found = repository.query_traces(trace_id=run.trace_id)
    return found[0] if found else None


def _depth(trace: FlextTrace, span: FlextSpan) -> int:
    by_id = {item.span_id: item for item in trace.spans}
    depth = 0
    while span.parent_span_id in by_id:
        span = by_id[span.parent_span_id]
        depth += 1
    return depth


def render_span_tree(trace: FlextTrace) -> str:
    """The spans of a trace as an indented table: name, duration, status, events."""
    rows = []

    def visit(span: FlextSpan) -> None:
        status = span.status.code.value + (f" ({span.status.description})" if span.status.description else "")
        rows.append(
            (
                "  " * _depth(trace, span) + span.name,
                f"{span.duration_ns / 1e6:.1f} ms",
                status,
                ", ".join(event.name for event in span.events) or "-",
            ),
        )
        for child in trace.children(span.span_id):
            visit(child)

    visit(trace.root)
    return f"trace {trace.trace_id}\n" + render_table(("span", "duration", "status", "events"), rows)
