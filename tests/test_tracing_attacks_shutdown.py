"""Attack: an exporter whose ``export`` or ``shutdown`` never returns makes ``shutdown(timeout)`` hang for ever.

The processor handed each exporter the time left but waited for its
``shutdown`` however long it took. The whole shutdown (final flush, the
worker, every exporter's shutdown) must now end by the deadline, report
``False`` and count what did not finish. Each shutdown runs in a helper
thread here, so that the old code fails the test instead of hanging it.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import pytest
from returns.result import Result, Success

from flext_observability.tracing import BatchSpanProcessor, FlextTracingService, InMemorySpanRepository

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from flext_observability.tracing import FlextExportError, FlextSpan

BOUND = 2.0
"""shutdown(1.0) must return within this many seconds: the deadline, plus a generous second."""


class BlockingExporter:
    """A real exporter whose export and shutdown, when told to, wait on an event nobody sets during the test."""

    def __init__(self, release: threading.Event, *, export_blocks: bool, shutdown_blocks: bool) -> None:
        self.release = release
        self.export_blocks = export_blocks
        self.shutdown_blocks = shutdown_blocks
        self.exporting = threading.Event()

    def export(self, spans: Sequence[FlextSpan], timeout: float) -> Result[int, FlextExportError]:
        del timeout
        self.exporting.set()
        if self.export_blocks:
            self.release.wait()
        return Success(len(spans))

    def shutdown(self, timeout: float) -> None:
        del timeout
        if self.shutdown_blocks:
            self.release.wait()

    def __repr__(self) -> str:
        return "BlockingExporter()"


class RecordingExporter(InMemorySpanRepository):
    """The in-memory repository, noting when it is shut down."""

    def __init__(self) -> None:
        super().__init__()
        self.shut_down = threading.Event()

    def shutdown(self, timeout: float) -> None:
        del timeout
        self.shut_down.set()


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """The event blocking exporters wait on; set only after the test, to let their threads end."""
    event = threading.Event()
    yield event
    event.set()


def _timed(call: Callable[[], bool]) -> tuple[bool | None, float]:
    """``call()``'s result and duration; ``None`` when it had not returned within BOUND + 1 s."""
    results: list[bool] = []
    started = time.monotonic()
    helper = threading.Thread(target=lambda: results.append(call()), daemon=True)
    helper.start()
    helper.join(BOUND + 1.0)
    return (results[0] if results else None), time.monotonic() - started


def test_an_exporter_whose_shutdown_blocks_does_not_hold_the_shutdown(release: threading.Event) -> None:
    """Ensures shutdown(1.0) returns False within 2 s, shuts the other exporter down, and counts the stuck one."""
    blocking = BlockingExporter(release, export_blocks=False, shutdown_blocks=True)
    recording = RecordingExporter()
    processor = BatchSpanProcessor([blocking, recording])
    result, elapsed = _timed(lambda: processor.shutdown(1.0))
    assert result is False
    assert elapsed < BOUND
    assert recording.shut_down.is_set()
    assert processor.counts().exporters_not_shut_down == 1
    assert processor.shutdown(1.0) is True  # a second call does nothing


def test_an_exporter_blocking_in_export_and_shutdown_does_not_hold_the_service(release: threading.Event) -> None:
    """Ensures the service's shutdown(1.0) returns False within 2 s with the batch stuck and counted as queued."""
    blocking = BlockingExporter(release, export_blocks=True, shutdown_blocks=True)
    tracing = FlextTracingService(exporters=[blocking], schedule_delay=0.01)
    for _ in range(3):
        with tracing.start_span("stuck"):
            pass
    assert blocking.exporting.wait(5)
    result, elapsed = _timed(lambda: tracing.shutdown(1.0))
    assert result is False
    assert elapsed < BOUND
    counts = tracing.counts()
    assert counts.exporters_not_shut_down == 1
    assert counts.ended == counts.exported + counts.failed + counts.dropped + counts.queued
    assert counts.queued == 3


def test_a_blocking_export_with_a_quick_shutdown_is_bounded_and_reported(release: threading.Event) -> None:
    """Ensures a blocked final export makes shutdown(1.0) return False in time, the exporters still shut down."""
    blocking = BlockingExporter(release, export_blocks=True, shutdown_blocks=False)
    recording = RecordingExporter()
    tracing = FlextTracingService(exporters=[blocking, recording], schedule_delay=0.01)
    with tracing.start_span("stuck"):
        pass
    assert blocking.exporting.wait(5)
    result, elapsed = _timed(lambda: tracing.shutdown(1.0))
    assert result is False
    assert elapsed < BOUND
    assert recording.shut_down.is_set()
    assert tracing.counts().exporters_not_shut_down == 0
