"""The demo's logs: the sample run's log entries, and one planted secret, through the pipeline."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING

from flext_observability.core.logs.entry import FlextLogEntry
from flext_observability.shell.logs.service import FlextLoggingService
from flext_observability.shell.logs.setup import configure_logging, reset_logging

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import TextIO

    from flext_observability.cli.demo.entities import Outcome
    from flext_observability.shell.metrics.service import FlextMetricsService

PLANTED_SECRET = "s3cr3t-Pa55"  # noqa: S105 - planted on purpose, to be seen redacted
"""A password the demo logs on purpose, to show that it comes out redacted."""


@contextmanager
def demo_logging(metrics: FlextMetricsService, stream: TextIO | None = None) -> Iterator[FlextLoggingService]:
    """Logging set up for the demo (console at a terminal, JSON otherwise), undone afterwards.

    Events are counted per level in ``metrics``.
    """
    output = stream if stream is not None else sys.stdout
    configure_logging(stream=output, service_name="orders-pipeline", metrics=metrics)
    try:
        yield FlextLoggingService(logger="orders-pipeline", metrics=metrics)
    finally:
        output.flush()
        reset_logging()


def emit_logs(logs: FlextLoggingService, outcomes: list[Outcome]) -> None:
    """Log the planted secret and the sample run's log entries."""
    logs.info(
        "connecting to the warehouse",
        warehouse_url=f"snowflake://etl:{PLANTED_SECRET}@acme/orders",
        password=PLANTED_SECRET,
    )
    for _, result in outcomes:
        entry = result.value_or(None)
        if isinstance(entry, FlextLogEntry):
            logs.log_entry(entry)
