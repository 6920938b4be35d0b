"""The demo's summary: plain-text tables of what the platform recorded of one run.

Each part reads the platform the way an operator would: the metrics from its
snapshot, the trace from its span repository, the alerts from the alert
service, health from one readiness run, and the log lines from the stream the
platform wrote them to.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final

from flext_observability.cli.table import render_metrics_summary, render_table

if TYPE_CHECKING:
    from collections.abc import Iterable

    from flext_observability.core.health.report import HealthReport
    from flext_observability.core.tracing.span import FlextSpan
    from flext_observability.core.tracing.trace import FlextTrace
    from flext_observability.platform.platform import FlextObservabilityPlatform
    from flext_observability.shell.alerts.service import ActiveAlert

SHOWN_PREFIXES: Final = ("flext_function_", "orders_")
"""The metric families the summary shows: the decorator's and the pipeline's own (not the self-metrics)."""

LOG_FIELDS: Final = ("level", "event", "function", "exception_type", "trace_id", "span_id")


def metrics_table(platform: FlextObservabilityPlatform) -> str:
    """The decorator's and the pipeline's series, one row each; series still at zero are left out."""
    rows = [
        row
        for row in platform.metrics.get_metrics_summary()
        if row.metric.startswith(SHOWN_PREFIXES) and row.value != "0" and not row.value.startswith("count 0,")
    ]
    return render_metrics_summary(rows)


def render_span_tree(trace: FlextTrace) -> str:
    """The spans of a trace as an indented table: name, duration, status, events."""
    rows: list[tuple[str, str, str, str]] = []

    def visit(span: FlextSpan, depth: int) -> None:
        status = span.status.code.value + (f" ({span.status.description})" if span.status.description else "")
        rows.append(
            (
                "  " * depth + span.name,
                f"{span.duration_ns / 1e6:.1f} ms",
                status,
                ", ".join(event.name for event in span.events) or "-",
            ),
        )
        for child in trace.children(span.span_id):
            visit(child, depth + 1)

    visit(trace.root, 0)
    return f"trace {trace.trace_id}\n" + render_table(("span", "duration", "status", "events"), rows, max_width=50)


def alerts_table(active: Iterable[ActiveAlert]) -> str:
    """The firing alerts: name, severity, labels and summary."""
    rows = [
        (
            item.alert.name,
            item.alert.severity.value,
            ", ".join(f"{key}={value}" for key, value in sorted(item.alert.labels.items())),
            item.alert.message,
        )
        for item in active
    ]
    if not rows:
        return "no alert is firing"
    return render_table(("alert", "severity", "labels", "summary"), rows)


def health_table(report: HealthReport) -> str:
    """Each check's status, observed value and output, under the overall status."""
    rows = [
        (
            f"{outcome.check.component}:{outcome.check.measurement}",
            outcome.check.status.value,
            "yes" if outcome.critical else "no",
            "" if outcome.check.observed_value is None else str(outcome.check.observed_value),
            outcome.check.output,
        )
        for outcome in report.outcomes
    ]
    return f"readiness: {report.status.value} (HTTP {report.http_status})\n" + render_table(
        ("check", "status", "critical", "observed", "output"), rows
    )


def log_table(lines: Iterable[str], *, limit: int = 5) -> str:
    """The first ``limit`` JSON log lines as a table of their main fields, and how many there were."""
    entries: list[dict[str, object]] = []
    total = 0
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            total += 1
            if len(entries) < limit:
                entries.append(entry)
    rows = [tuple(str(entry.get(field, "")) for field in LOG_FIELDS) for entry in entries]
    shown = f"{len(rows)} of {total} log lines" if total > len(rows) else f"{total} log lines"
    return f"{shown} (JSON; the full lines carry the timestamp, the service and the traceback)\n" + render_table(
        LOG_FIELDS, rows
    )
