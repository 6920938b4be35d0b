"""The demo's logs: the sample run's log entries, and one planted secret, through the pipeline."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from flext_observability.core.log_entry import FlextLogEntry
from flext_observability.shell.logconfig import configure_logging, reset_logging
from flext_observability.shell.logging_service import FlextLoggingService

if TYPE_CHECKING:
    from typing import TextIO

    from flext_observability.shell.demo import Outcome
    from flext_observability.shell.metrics import FlextMetricsService

PLANTED_SECRET = "s3cr3t-Pa55"  # noqa: S105 - planted on purpose, to be seen redacted
"""A password the demo logs on purpose, to show that it comes out redacted."""


def emit_logs(
    outcomes: list[Outcome], metrics: FlextMetricsService, stream: TextIO | None = None
) -> FlextLoggingService:
    """Log the run through the configured pipeline (console at a terminal, JSON otherwise).

    Events are counted per level in ``metrics``.
    """
    output = stream if stream is not None else sys.stdout
    configure_logging(stream=output, service_name="orders-pipeline", metrics=metrics)
    logs = FlextLoggingService(logger="orders-pipeline", metrics=metrics)
    try:
        logs.info(
            "connecting to the warehouse",
            warehouse_url=f"snowflake://etl:{PLANTED_SECRET}@acme/orders",
            password=PLANTED_SECRET,
        )
        for _, result in outcomes:
            entry = result.value_or(None)
            if isinstance(entry, FlextLogEntry):
                logs.log_entry(entry)
        logs.warning("loading into Snowflake took longer than its budget", seconds=2.31, budget_seconds=2.0)
    finally:
        output.flush()
        reset_logging()
    return logs
