"""Attack: fork while other threads hold the library's locks; every child must still work.

For each path (structlog loggers, the standard-library bridge, the logging
service, metric updates and snapshots, the span repository and the tracing
service) two threads hammer it while the main thread forks 50 times. Each
child uses the same path once and exits; a child that has not exited within
3 s is killed and counted as hung. Zero hangs are allowed.
"""

from __future__ import annotations

import io
import logging
import os
import signal
import threading
import time
from typing import TYPE_CHECKING

import pytest

from flext_observability import FlextMetricsService
from flext_observability.logs import FlextLoggingService, configure_logging, get_logger, reset_logging
from flext_observability.tracing import FlextTracingService, InMemorySpanRepository

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only"),
    # Python 3.12+ warns that forking a threaded process may deadlock: that is the point of this test.
    pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning"),
]

FORKS = 50
CHILD_SECONDS = 3.0


def forks_that_hang(hammer: Callable[[], object], in_child: Callable[[], object], forks: int = FORKS) -> int:
    """Fork ``forks`` times while two threads call ``hammer`` in a loop; the children that did not exit."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            hammer()

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.05)
    hung = 0
    try:
        for _ in range(forks):
            pid = os.fork()
            if pid == 0:  # the child: one thread only, whatever the parent's threads held
                code = 1
                try:
                    in_child()
                    code = 0
                finally:
                    os._exit(code)
            hung += _wait_or_kill(pid)
    finally:
        stop.set()
        for thread in threads:
            thread.join(5.0)
    return hung


def _wait_or_kill(pid: int) -> int:
    """1 if the child had to be killed, 0 if it exited by itself with status 0 (a failing child fails the test)."""
    deadline = time.monotonic() + CHILD_SECONDS
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0, "a forked child failed"
            return 0
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return 1


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """Logging set up on an in-memory stream (which has no lock of its own), undone afterwards."""
    output = io.StringIO()
    yield output
    reset_logging()


def test_structlog_loggers_survive_a_fork(stream: io.StringIO) -> None:
    """Ensures a child can log although a parent thread held the writer's lock at the fork."""
    configure_logging(format="json", stream=stream, capture_stdlib=False)
    logger = get_logger("hammer")
    assert forks_that_hang(lambda: logger.info("busy", password="x", n=1), lambda: logger.info("child")) == 0


def test_the_standard_library_bridge_survives_a_fork(stream: io.StringIO) -> None:
    """Ensures records of the standard library's loggers still go out in a child."""
    setup = configure_logging(format="json", stream=stream, capture_stdlib=True)
    logger = logging.getLogger("stdlib.hammer")
    root = logging.getLogger()
    # Only the library's handler: the test runner's own handlers write to buffered files,
    # whose locks (the interpreter's, not ours) a child can inherit held.
    others = [handler for handler in root.handlers if handler is not setup.handler]
    for handler in others:
        root.removeHandler(handler)
    try:
        assert forks_that_hang(lambda: logger.warning("busy %s", "x"), lambda: logger.warning("child")) == 0
    finally:
        for handler in others:
            root.addHandler(handler)


def test_the_logging_service_survives_a_fork(stream: io.StringIO) -> None:
    """Ensures the logging service's repository lock is usable in a child."""
    configure_logging(format="logfmt", stream=stream, capture_stdlib=False)
    service = FlextLoggingService(capacity=10)

    def in_child() -> None:
        assert service.info("child").unwrap().event == "child"
        assert service.query_logs(limit=1)

    assert forks_that_hang(lambda: service.info("busy", token="abc"), in_child) == 0


def test_metric_updates_and_snapshots_survive_a_fork() -> None:
    """Ensures the service and instrument locks are free in a child while parent threads snapshot and update."""
    service = FlextMetricsService()
    rows = service.counter("rows_total", "Rows.", labels=("tap",)).unwrap()
    depth = service.gauge("depth", "Depth.").unwrap()

    def hammer() -> None:
        rows.labels(tap="a").inc()
        service.snapshot()
        service.export_prometheus()

    def in_child() -> None:
        assert rows.labels(tap="child").inc().unwrap() is None
        assert depth.set(3).unwrap() is None
        assert "rows_total" in service.export_prometheus().unwrap()
        assert service.counter("child_total", "Made in the child.").unwrap() is not None

    # prometheus_client's registry lock is held only while a scrape copies the collector list: a short
    # window, so this path gets more forks than the others.
    assert forks_that_hang(hammer, in_child, forks=4 * FORKS) == 0


def test_the_span_repository_and_tracing_survive_a_fork() -> None:
    """Ensures spans can be started, ended, exported and read back in a child."""
    repository = InMemorySpanRepository(capacity=100)
    tracing = FlextTracingService(exporters=[repository], schedule_delay=0.01)

    def hammer() -> None:
        with tracing.start_span("busy"):
            pass
        repository.spans()

    def in_child() -> None:
        with tracing.start_span("child"):
            pass
        assert tracing.force_flush(2.0)
        assert any(span.name == "child" for span in repository.spans())

    try:
        assert forks_that_hang(hammer, in_child, forks=20) == 0
    finally:
        tracing.shutdown(2.0)
