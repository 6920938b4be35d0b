"""The demo's metrics: the sample pipeline's rows, durations and failures in a metrics service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from returns.pipeline import is_successful

from flext_observability.core.metrics.metric import FlextMetric
from flext_observability.shell.metrics.service import FlextMetricsService

if TYPE_CHECKING:
    from flext_observability.cli.demo.entities import Outcome
    from flext_observability.shell.factory import FlextObservabilityMasterFactory

FAILED_BATCHES = {"load": 1}
"""The sample run's load step retried one batch that Snowflake refused."""


def pipeline_metrics(factory: FlextObservabilityMasterFactory, outcomes: list[Outcome]) -> FlextMetricsService:
    """A service holding the sample run's metrics.

    The instruments are defined first, with their help texts; the run's metric
    entities are then recorded into them, and the failures and the time of the
    last success are added through the instruments directly.
    """
    service = FlextMetricsService()
    service.counter("pipeline_rows_total", "Rows each step of the pipeline produced.", labels=("step", "service"))
    service.histogram(
        "pipeline_step_duration_seconds",
        "How long each step of the pipeline took.",
        unit="seconds",
        labels=("service", "step"),
        buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    )
    failures = service.counter(
        "pipeline_batch_failures_total", "Batches a step had to retry.", labels=("step",)
    ).unwrap()
    last_success = service.gauge(
        "pipeline_last_success_timestamp_seconds",
        "When the pipeline last finished without error, in seconds since the epoch.",
        unit="seconds",
    ).unwrap()
    for _, result in outcomes:
        entity = result.value_or(None)
        if isinstance(entity, FlextMetric):
            service.record_metric(entity)
    for step, count in FAILED_BATCHES.items():
        failures.labels(step=step).inc(count)
    if all(is_successful(result) for _, result in outcomes):
        last_success.set(factory.clock.time())
    return service
