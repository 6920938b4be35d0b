"""Tracing against opentelemetry-sdk, in the same run: decorated spans, and memory per queued span."""

from __future__ import annotations

import gc
import statistics
import tracemalloc
from typing import TYPE_CHECKING, Any

from harness import Comparison, compare
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON
from returns.result import Result, Success

from flext_observability.core.tracing.sampling import always_off, always_on
from flext_observability.shell.tracing.service import FlextTracingService

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from opentelemetry.sdk.trace import ReadableSpan

    from flext_observability.core.errors import FlextExportError
    from flext_observability.core.tracing.span import FlextSpan

QUEUED = 2_000


class _NoopOtelExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        del spans
        return SpanExportResult.SUCCESS


class _NoopExporter:
    def export(self, spans: Sequence[FlextSpan], timeout: float) -> Result[int, FlextExportError]:
        del timeout
        return Success(len(spans))

    def shutdown(self, timeout: float) -> None:
        del timeout


def _otel(*, sampled: bool, **options: float) -> tuple[TracerProvider, Callable[[], None]]:
    provider = TracerProvider(sampler=ALWAYS_ON if sampled else ALWAYS_OFF)
    provider.add_span_processor(BatchSpanProcessor(_NoopOtelExporter(), **options))  # type: ignore[arg-type]
    tracer = provider.get_tracer("bench")

    @tracer.start_as_current_span("operation")
    def operation() -> None:
        return None

    return provider, operation


def _ours(*, sampled: bool, **options: Any) -> tuple[FlextTracingService, Callable[[], None]]:  # noqa: ANN401 - service settings
    tracing = FlextTracingService(
        service_name="bench", exporters=[_NoopExporter()], sampler=always_on() if sampled else always_off(), **options
    )

    @tracing.start_span("operation")
    def operation() -> None:
        return None

    return tracing, operation


def _decorated(*, sampled: bool) -> tuple[float, float]:
    otel_provider, otel_call = _otel(sampled=sampled)
    tracing, our_call = _ours(sampled=sampled)
    try:
        return compare(our_call, otel_call, number=5_000, repeat=9)
    finally:
        tracing.shutdown(5)
        otel_provider.shutdown()


def _bytes_per_queued_span(make: Callable[[], tuple[Callable[[], None], Callable[[], None]]]) -> float:
    sizes = []
    for _ in range(3):
        call, close = make()
        call()  # the first span starts the worker thread and warms caches
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        for _ in range(QUEUED):
            call()
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        sizes.append(sum(stat.size_diff for stat in after.compare_to(before, "filename")) / QUEUED)
        close()
    return statistics.median(sizes)


def _memory() -> tuple[float, float]:
    # Queues far larger than the run and a long schedule: every span stays queued while measured.
    def ours() -> tuple[Callable[[], None], Callable[[], None]]:
        tracing, call = _ours(
            sampled=True, max_queue_size=4 * QUEUED, max_export_batch_size=4 * QUEUED, schedule_delay=3600.0
        )

        def close() -> None:
            tracing.shutdown(1)

        return call, close

    def theirs() -> tuple[Callable[[], None], Callable[[], None]]:
        provider, call = _otel(
            sampled=True, max_queue_size=4 * QUEUED, max_export_batch_size=4 * QUEUED, schedule_delay_millis=3_600_000
        )
        return call, provider.shutdown

    return _bytes_per_queued_span(ours), _bytes_per_queued_span(theirs)


def run() -> list[Comparison]:
    """Sampled and non-sampled decorated spans, and memory per queued span."""
    sampled = _decorated(sampled=True)
    unsampled = _decorated(sampled=False)
    memory = _memory()
    return [
        Comparison(
            name="sampled span around a trivial function (decorator)",
            ours=sampled[0],
            peer=sampled[1],
            peer_name="opentelemetry-sdk start_as_current_span",
            goal_ratio=0.25,
        ),
        Comparison(
            name="non-sampled span (decorator)",
            ours=unsampled[0],
            peer=unsampled[1],
            peer_name="opentelemetry-sdk non-recording span",
            goal_ratio=0.25,
        ),
        Comparison(
            name="memory per queued span",
            ours=memory[0],
            peer=memory[1],
            peer_name="opentelemetry-sdk finished span",
            goal_ratio=0.5,
            unit="B",
        ),
    ]
