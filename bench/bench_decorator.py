"""The monitoring decorator's overhead against prometheus-client and OpenTelemetry decorators, in one run.

Each figure is an overhead: the median time of a decorated call minus the
median of the same call undecorated, measured interleaved with it. The
decorated function does nothing, so the whole difference is the decorator's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import prometheus_client
from harness import Comparison, compare
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import ALWAYS_ON
from prometheus_client import CollectorRegistry
from returns.result import Result, Success

from flext_observability.core.tracing.sampling import always_on
from flext_observability.shell.logs.setup import get_logger
from flext_observability.shell.metrics.service import FlextMetricsService
from flext_observability.shell.monitoring import FunctionInstruments, monitor
from flext_observability.shell.tracing.service import FlextTracingService

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from opentelemetry.sdk.trace import ReadableSpan

    from flext_observability.core.errors import FlextExportError
    from flext_observability.core.tracing.span import FlextSpan

BUDGET_NS = 2_000_000.0
"""The seed's budget for the decorator's overhead: under 2 ms a call."""

_NUMBER = 5_000
_REPEAT = 11


class _DroppingOtelExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        del spans
        return SpanExportResult.SUCCESS


class _DroppingExporter:
    def export(self, spans: Sequence[FlextSpan], timeout: float) -> Result[int, FlextExportError]:
        del timeout
        return Success(len(spans))

    def shutdown(self, timeout: float) -> None:
        del timeout


def _plain() -> None:
    return None


def _overheads(ours: Callable[[], object], peer: Callable[[], object]) -> tuple[float, float]:
    """The overhead of each decorated call over the plain one, each measured interleaved with the plain call."""
    ours_time, plain_for_ours = compare(ours, _plain, number=_NUMBER, repeat=_REPEAT)
    peer_time, plain_for_peer = compare(peer, _plain, number=_NUMBER, repeat=_REPEAT)
    return max(ours_time - plain_for_ours, 1.0), max(peer_time - plain_for_peer, 1.0)


def _ours(*, traced: bool) -> tuple[Callable[[], None], FlextTracingService | None]:
    metrics = FlextMetricsService()
    tracing = (
        FlextTracingService(service_name="bench", exporters=[_DroppingExporter()], sampler=always_on())
        if traced
        else None
    )
    instruments = FunctionInstruments.register(metrics).unwrap()
    decorated = monitor(_plain, name="operation", instruments=instruments, tracing=tracing, logger=get_logger("bench"))
    return decorated, tracing


def _otel() -> tuple[TracerProvider, Callable[[], None]]:
    provider = TracerProvider(sampler=ALWAYS_ON)
    provider.add_span_processor(BatchSpanProcessor(_DroppingOtelExporter()))
    tracer = provider.get_tracer("bench")
    return provider, tracer.start_as_current_span("operation")(_plain)


def _metrics_only() -> Comparison:
    ours, _ = _ours(traced=False)
    histogram = prometheus_client.Histogram("operation_seconds", "Seconds.", registry=CollectorRegistry())
    peer = histogram.time()(_plain)
    ours_overhead, peer_overhead = _overheads(ours, peer)
    return Comparison(
        name="decorator overhead, metrics only (tracing=False)",
        ours=ours_overhead,
        peer=peer_overhead,
        peer_name="prometheus-client Histogram.time()",
        goal_ratio=0.8,
    )


def _traced() -> tuple[Comparison, Comparison, float]:
    ours, tracing = _ours(traced=True)
    provider, span_only = _otel()
    histogram = prometheus_client.Histogram("operation_seconds", "Seconds.", registry=CollectorRegistry())
    stacked = histogram.time()(span_only)
    try:
        ours_overhead, span_overhead = _overheads(ours, span_only)
        whole_overhead, stacked_overhead = _overheads(ours, stacked)
    finally:
        if tracing is not None:
            tracing.shutdown(5)
        provider.shutdown()
    return (
        Comparison(
            name="decorator overhead, metrics and a sampled span",
            ours=ours_overhead,
            peer=span_overhead,
            peer_name="opentelemetry-sdk start_as_current_span (span only)",
            goal_ratio=0.25,
        ),
        Comparison(
            name="whole decorator (metrics, span, logs off)",
            ours=whole_overhead,
            peer=stacked_overhead,
            peer_name="opentelemetry-sdk span + prometheus-client histogram",
            goal_ratio=0.3,
        ),
        max(ours_overhead, whole_overhead),
    )


def run() -> list[Comparison]:
    """The overheads with metrics only, with a span, and the whole decorator, and the seed's budget."""
    metrics_only = _metrics_only()
    with_span, whole, worst = _traced()
    budget = Comparison(
        name="decorator overhead against the seed's budget",
        ours=worst,
        peer=BUDGET_NS,
        peer_name="the seed's budget (2 ms)",
        unit="µs/op",
        goal_ours=BUDGET_NS,
    )
    return [metrics_only, with_span, whole, budget]


if __name__ == "__main__":
    for comparison in run():
        print(comparison.line())
