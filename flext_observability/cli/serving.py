"""Serving a platform from the command line until interrupted: ``demo --serve`` and ``serve`` share it."""

from __future__ import annotations

import signal
import sys
import threading
from typing import TYPE_CHECKING, Final, TextIO

from returns.result import Failure

if TYPE_CHECKING:
    from collections.abc import Callable

    from flext_observability.platform.platform import FlextObservabilityPlatform

SHOWN_PATHS: Final = ("/", "/metrics", "/status", "/health", "/readyz", "/livez")
"""The endpoints printed once serving: the status page first."""

EXIT_CANNOT_SERVE: Final = 1
"""The exit code when the address cannot be served (the port is taken, the host is wrong)."""


def serve_until_stopped(
    platform: FlextObservabilityPlatform,
    *,
    host: str | None,
    port: int | None,
    title: str,
    out: TextIO | None = None,
    wait: Callable[[], object] | None = None,
) -> int:
    """Serve ``platform``'s routes, print their URLs under ``title``, and keep serving until ``wait`` returns.

    ``wait`` is by default :func:`wait_for_signal`. The exit code: 0 after a
    stop, :data:`EXIT_CANNOT_SERVE` (with a line on standard error naming the
    address) when the address cannot be served.
    """
    stream = sys.stdout if out is None else out
    served = platform.serve(host, port)
    if isinstance(served, Failure):
        print(f"flext-observability: {served.failure()} (choose another --port, or 0 for any)", file=sys.stderr)
        return EXIT_CANNOT_SERVE
    base = served.unwrap().url.removesuffix("/metrics")
    print(f"{title} (Ctrl-C or SIGTERM to stop):", file=stream)
    for path in SHOWN_PATHS:
        print(f"  {base}{path}", file=stream)
    stream.flush()
    (wait or wait_for_signal)()
    return 0


def wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM arrives (in the main thread; elsewhere, until the process ends)."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():  # pragma: no cover - the CLI runs in main
        stop.wait()
        return
    previous = {number: signal.signal(number, lambda *_: stop.set()) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
