"""The demo: entities of a sample pipeline run, and what validation says of bad input.

The sample pipeline extracts rows from PostgreSQL, transforms them and loads
them into Snowflake. The demo builds the run's metrics, trace, alert, health
checks and log entries with the factory, then feeds in typical mistakes and
prints every rule each one breaks.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

from returns.result import Failure, Success

from flext_observability.cli.table import render_table
from flext_observability.core.alerts.alert import FlextAlert
from flext_observability.core.health.check import FlextHealthCheck
from flext_observability.core.logs.entry import FlextLogEntry
from flext_observability.core.metrics.metric import FlextMetric
from flext_observability.core.tracing.span import FlextSpan
from flext_observability.core.tracing.trace import FlextTrace, assemble_trace

if TYPE_CHECKING:
    from returns.result import Result

    from flext_observability.core.errors import FlextValidationError
    from flext_observability.shell.factory import FlextObservabilityMasterFactory

Outcome = tuple[str, "Result[object, FlextValidationError]"]
"""A labelled result of creating one entity."""

STEPS: Final = (
    ("extract", "tap-postgres", 1200, 0.84),
    ("transform", "transform", 1190, 0.12),
    ("load", "target-snowflake", 1190, 2.31),
)
"""The sample pipeline: step, service, rows out and seconds taken."""

_NS: Final = 1_000_000_000


def sample_run(factory: FlextObservabilityMasterFactory) -> list[Outcome]:
    """The entities of one run of the sample pipeline."""
    start = factory.clock.time_ns()
    total = sum(round(seconds * _NS) for *_, seconds in STEPS)
    root = factory.create_span("pipeline-run", service="orchestrator", start_time_ns=start, end_time_ns=start + total)
    outcomes: list[Outcome] = []
    match root:
        case Success(root_span):
            outcomes.extend(_steps(factory, root_span))
        case Failure(_):
            outcomes.append(("root span", root))
    outcomes.append(
        (
            "slow load alert",
            factory.create_alert(
                "PipelineLoadSlow",
                "loading into Snowflake took 2.31 s (budget 2 s)",
                labels={"pipeline": "orders", "step": "load"},
                annotations={"runbook": "https://runbooks.example/pipeline-slow"},
            ),
        ),
    )
    outcomes.append(
        (
            "postgres health",
            factory.create_health_check(
                "postgres", measurement="responseTime", observed_value=12, observed_unit="ms", duration=0.012
            ),
        ),
    )
    outcomes.append(
        (
            "snowflake health",
            factory.create_health_check(
                "snowflake", status="warn", measurement="queue", observed_value=0.85, output="queue 85% full"
            ),
        ),
    )
    return outcomes


def _steps(factory: FlextObservabilityMasterFactory, root: FlextSpan) -> list[Outcome]:
    outcomes: list[Outcome] = []
    spans = [root]
    start = root.start_time_ns
    for step, service, rows, seconds in STEPS:
        labels = {"step": step, "service": service}
        outcomes.append(
            (f"{step} rows", factory.create_metric("pipeline_rows_total", rows, kind="counter", labels=labels)),
        )
        outcomes.append(
            (
                f"{step} duration",
                factory.create_metric(
                    "pipeline_step_duration_seconds", seconds, "seconds", kind="histogram", labels=labels
                ),
            ),
        )
        end = start + round(seconds * _NS)
        span = factory.create_span(
            step,
            service=service,
            trace_id=root.trace_id,
            parent_span_id=root.span_id,
            start_time_ns=start,
            end_time_ns=end,
            status="ok",
            attributes={"rows": rows},
        )
        outcomes.append((f"{step} span", span))
        match span:
            case Success(child):
                spans.append(child)
        outcomes.append(
            (
                f"{step} log",
                factory.create_log_entry(
                    f"{step} finished",
                    logger=f"pipeline.{step}",
                    context={"rows": rows, "seconds": seconds},
                    trace_id=root.trace_id,
                    span_id=span.map(lambda made: made.span_id).value_or(None),
                ),
            ),
        )
        start = end
    outcomes.append(("run trace", assemble_trace(spans)))
    return outcomes


def bad_inputs(factory: FlextObservabilityMasterFactory) -> list[Outcome]:
    """Typical mistakes, one entity each, with several broken rules in most."""
    now = factory.clock.time_ns()
    return [
        ("metric 'rows/sec'", factory.create_metric("rows/sec", -5, "ms", kind="counter")),
        (
            "metric with NaN",
            factory.create_metric("pipeline_lag_seconds", math.nan, "seconds", labels={"__shard": "1", "le": "5"}),
        ),
        (
            "span with bad ids",
            factory.create_span(
                "load",
                trace_id="4BF92F3577B34DA6A3CE929D0E0E4736",
                span_id="0" * 16,
                start_time_ns=now,
                end_time_ns=now - 1,
            ),
        ),
        ("trace with two roots", _two_roots(factory, now)),
        (
            "resolved alert",
            factory.create_alert(
                "PipelineDown", "", status="resolved", severity="page", labels={"alertname": "x", "bad-label": "y"}
            ),
        ),
        (
            "health check",
            factory.create_health_check("db:primary", status="ok", duration=-0.5, observed_value=math.inf),
        ),
        (
            "log entry",
            factory.create_log_entry("", level="verbose", context={"level": "x"}, span_id="00f067aa0ba902b7"),
        ),
    ]


def _two_roots(factory: FlextObservabilityMasterFactory, now: int) -> Result[object, FlextValidationError]:
    first = factory.create_span("extract", start_time_ns=now, end_time_ns=now + 10)
    second = factory.create_span("load", start_time_ns=now, end_time_ns=now + 10)
    trace_id = first.map(lambda span: span.trace_id).value_or("")
    rebased = second.bind(
        lambda span: factory.create_span(
            span.name, trace_id=trace_id, start_time_ns=span.start_time_ns, end_time_ns=span.end_time_ns
        )
    )
    return assemble_trace([first.value_or(None), rebased.value_or(None)])


def summarize(entity: object) -> str:
    """One line saying what an entity holds."""
    match entity:
        case FlextMetric(name=name, value=value, kind=kind, labels=labels):
            pairs = ",".join(f'{key}="{item}"' for key, item in labels.items())
            return f"{kind} {name}{{{pairs}}} = {value:g}"
        case FlextSpan(name=name, service=service, status=status):
            return f"{name} in {service}, {entity.duration_ns / 1e6:.0f} ms, status {status.code}"
        case FlextTrace(trace_id=trace_id, spans=spans):
            return f"trace {trace_id} with {len(spans)} spans, root {entity.root.name!r}"
        case FlextAlert(name=name, severity=severity, status=status):
            return f"{severity} {name} ({status}), fingerprint {entity.fingerprint}"
        case FlextHealthCheck(status=status, observed_value=observed, observed_unit=unit):
            return f"{entity.key} {status}, observed {observed} {unit}".rstrip()
        case FlextLogEntry(level=level, logger=logger, event=event):
            return f"{level} {logger}: {event}"
    return repr(entity)


def render_outcomes(title: str, outcomes: list[Outcome]) -> str:
    """Successes in one table, every broken rule of the failures in another."""
    made: list[tuple[str, str]] = []
    broken: list[tuple[str, str, str, str]] = []
    for label, result in outcomes:
        match result:
            case Success(entity):
                made.append((label, summarize(entity)))
            case Failure(error):
                broken.extend((label, item.field or "-", item.code.value, item.message) for item in error.errors)
    parts = [title, ""]
    if made:
        parts += ["Created", render_table(("input", "entity"), made, max_width=80), ""]
    if broken:
        parts += [
            "Rejected (every broken rule is reported)",
            render_table(("input", "field", "code", "how to fix"), broken),
            "",
        ]
    return "\n".join(parts)
