"""Attack: a stalled collector lets the span queue hold 2,048 spans of any size (2,048 x 298 KiB: 600 MiB).

The queue is bounded in bytes too, ``max_queue_bytes`` (32 MiB by default):
a span that would take it past the bound is dropped and counted as the count
overflow is (``dropped_queue_full``), and the batch an exporter holds counts
as queued until its export returns.
"""

from __future__ import annotations

import gc
import itertools
import threading
import tracemalloc
from typing import TYPE_CHECKING

from returns.result import Result, Success

from flext_observability.shell.tracing import processor
from flext_observability.tracing import FlextTracingService

if TYPE_CHECKING:
    from collections.abc import Sequence

    from flext_observability.core.errors import FlextExportError
    from flext_observability.core.tracing.span import FlextSpan

BOUND = 2 * 1024 * 1024
SLACK = 1024 * 1024
"""What the flooding threads may hold besides the queue: the spans they are building, the test's own bookkeeping."""
THREADS = 4
SPANS_PER_THREAD = 60


class BlockingExporter:
    """An exporter that holds every batch until it is released, as a collector that stopped answering would."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()
        self.taken = 0

    def export(self, spans: Sequence[FlextSpan], timeout: float) -> Result[int, FlextExportError]:
        """Wait until released, then take the batch."""
        del timeout
        self.entered.set()
        self.release.wait(30)
        self.taken += len(spans)
        return Success(len(spans))

    def shutdown(self, timeout: float) -> None:
        """Nothing to release."""
        del timeout


def test_the_queue_never_holds_more_bytes_than_its_bound() -> None:
    """Ensures spans flooding a stalled exporter from 4 threads keep the queue in max_queue_bytes, counted exactly."""
    exporter = BlockingExporter()
    tracing = FlextTracingService(
        exporters=[exporter], max_queue_size=100_000, max_queue_bytes=BOUND, schedule_delay=0.01
    )
    serial = itertools.count()
    highest = [0] * THREADS
    start = threading.Barrier(THREADS)

    def flood(worker: int) -> None:
        start.wait()
        for _ in range(SPANS_PER_THREAD):
            with tracing.start_span("large") as span:
                for index in range(16):
                    # Distinct texts: nothing shared, so the memory measured is the spans' own.
                    span.set_attribute(f"column.{index}", f"{next(serial):08d}" * 512)
            highest[worker] = max(highest[worker], tracing.counts().queued_bytes)

    with tracing.start_span("first"):
        pass
    assert exporter.entered.wait(5)  # the export thread now holds a batch and waits
    gc.collect()
    tracemalloc.start()
    try:
        threads = [threading.Thread(target=flood, args=(worker,)) for worker in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        gc.collect()
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    counts = tracing.counts()
    total = THREADS * SPANS_PER_THREAD + 1
    assert max(highest) <= BOUND
    assert counts.queued_bytes <= BOUND
    assert counts.queued_bytes > BOUND // 2  # the flood did fill it: the bound, not the flood's size, stopped it
    assert counts.started == counts.ended == total
    assert counts.exported == counts.failed == 0
    assert counts.dropped_queue_full > 0
    assert counts.started == counts.exported + counts.failed + counts.dropped + counts.queued
    # What the queued spans really take stays under the bound (plus what the threads were building).
    assert BOUND // 2 < held < BOUND + SLACK
    assert peak < BOUND + SLACK
    exporter.release.set()
    assert tracing.shutdown(10)
    final = tracing.counts()
    assert final.exported == exporter.taken == total - final.dropped_queue_full
    assert (final.queued, final.queued_bytes) == (0, 0)


def test_one_span_larger_than_the_bound_is_dropped_as_queue_full() -> None:
    """Ensures a span bigger than max_queue_bytes is dropped and counted, while a small one is queued."""
    tracing = FlextTracingService(max_queue_bytes=10_000, schedule_delay=3600.0)
    with tracing.start_span("large") as span:
        span.set_attribute("text", "x" * 4096)
        span.set_attribute("more", "y" * 4096)
        span.set_attribute("still", "z" * 4096)
    with tracing.start_span("small"):
        pass
    counts = tracing.counts()
    assert (counts.dropped_queue_full, counts.queued) == (1, 1)
    assert 1_000 < counts.queued_bytes <= 10_000
    assert tracing.shutdown(5)


def test_the_default_bound_is_32_mib() -> None:
    """Ensures the processor bounds its queue at 32 MiB unless told otherwise, and the service passes its setting."""
    assert getattr(processor, "DEFAULT_MAX_QUEUE_BYTES", None) == 33_554_432
    assert processor.BatchSpanProcessor([]).max_queue_bytes == 33_554_432
    assert FlextTracingService(max_queue_bytes=1_000_000).processor.max_queue_bytes == 1_000_000
