"""After os.fork() the child traces with a fresh queue and thread; queued spans are exported once."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
from returns.result import Result, Success

from flext_observability.core.errors import FlextExportError
from flext_observability.core.tracing.span import FlextSpan
from flext_observability.shell.tracing.service import FlextTracingService


class FileExporter:
    """Appends "pid name" lines to a file shared by parent and child."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[FlextSpan], timeout: float) -> Result[int, FlextExportError]:
        del timeout
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.writelines(f"{os.getpid()} {span.name}\n" for span in spans)
        return Success(len(spans))

    def shutdown(self, timeout: float) -> None:
        del timeout


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork exists on POSIX only")
def test_fork_gives_the_child_a_fresh_processor(tmp_path: Path) -> None:
    """Spans queued before the fork are exported by the parent only; the child exports its own."""
    record = tmp_path / "exported.txt"
    tracing = FlextTracingService(exporters=[FileExporter(record)], schedule_delay=3600)
    with tracing.start_span("before fork"):
        pass
    assert tracing.counts().queued == 1
    pid = os.fork()
    if pid == 0:  # the child: report problems through the exit code only
        code = 0
        try:
            counts = tracing.counts()
            if (counts.ended, counts.queued) != (0, 0):
                code = 3
            with tracing.start_span("in child"):
                pass
            if not tracing.shutdown(10) or tracing.counts().exported != 1:
                code = 4
        except BaseException:  # noqa: BLE001 - a child must never return into the test runner
            code = 5
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    with tracing.start_span("after fork"):
        pass
    assert tracing.shutdown(10)
    lines = sorted(record.read_text(encoding="utf-8").splitlines())
    parent, child = str(os.getpid()), str(pid)
    assert lines == sorted([f"{parent} before fork", f"{parent} after fork", f"{child} in child"])
    assert tracing.counts().exported == 2
