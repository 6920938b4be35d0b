"""``flext-observability serve``: the platform's endpoints, with process and system probes, for a sidecar.

It builds one platform from the environment (the ``FLEXT_OBSERVABILITY_*``
and ``OTEL_*`` variables, as an application's platform would), registers the
ready-made psutil health checks (CPU, memory, the root file system, and this
process's resident memory, open files and threads; none of them critical, so
they warn and never make the service unready on their own), adds the process
metrics prometheus-client collects (``process_*``, ``python_gc_*``,
``python_info``) and three system gauges read at scrape time, and serves
``/``, ``/metrics``, ``/status`` and the health endpoints until SIGINT or
SIGTERM, then shuts the platform down within its timeout.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Final

import psutil
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from flext_observability.cli.arguments import port_argument
from flext_observability.cli.serving import serve_until_stopped
from flext_observability.platform.platform import FlextObservabilityPlatform
from flext_observability.shell.health.probes import cpu_plan, disk_plan, memory_plan, process_plans

if TYPE_CHECKING:
    from collections.abc import Callable

    from flext_observability.shell.metrics.service import FlextMetricsService

_PERCENT: Final = 100.0


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``serve`` subcommand to the command line's subcommands."""
    serve = subparsers.add_parser(
        "serve",
        help="serve /metrics, the health endpoints, /status and the status page, with process and system probes",
        description=(
            "Serve the platform's endpoints (/, /metrics, /status, /livez, /readyz, /startupz, /health) with "
            "psutil health checks of CPU, memory, the root file system and this process, and the process "
            "metrics, until SIGINT or SIGTERM. Reads the FLEXT_OBSERVABILITY_* and OTEL_* variables as the "
            "platform does. Exit code 0 after a clean stop, 1 when the address cannot be served, 2 for a "
            "usage mistake."
        ),
    )
    serve.add_argument("--host", help="address to listen on (default: FLEXT_OBSERVABILITY_HOST, else 127.0.0.1)")
    serve.add_argument(
        "--port",
        type=port_argument,
        help="port to listen on (default: FLEXT_OBSERVABILITY_PORT, else 9464; 0: any port)",
    )
    serve.add_argument(
        "--service", help="the service name (default: FLEXT_OBSERVABILITY_SERVICE_NAME, else OTEL_SERVICE_NAME)"
    )


def add_system_metrics(metrics: FlextMetricsService) -> None:
    """Process metrics from prometheus-client's collectors, and system utilisation gauges read from psutil."""
    ProcessCollector(registry=metrics.registry)
    PlatformCollector(registry=metrics.registry)
    GCCollector(registry=metrics.registry)
    readers: tuple[tuple[str, str, Callable[[], object]], ...] = (
        (
            "system_cpu_utilization_ratio",
            "Share of the machine's CPU time in use since the previous scrape.",
            lambda: psutil.cpu_percent(interval=None) / _PERCENT,
        ),
        (
            "system_memory_utilization_ratio",
            "Share of the machine's memory in use.",
            lambda: psutil.virtual_memory().percent / _PERCENT,
        ),
        (
            "system_filesystem_utilization_ratio",
            "Share of the root file system in use.",
            lambda: psutil.disk_usage("/").percent / _PERCENT,
        ),
    )
    for name, help_text, read in readers:
        metrics.gauge_callback(name, help_text, read, unit="ratio").unwrap()


def run_serve(arguments: argparse.Namespace) -> int:
    """Run ``serve`` with its parsed arguments; the exit code."""
    try:
        platform = FlextObservabilityPlatform(arguments.service)
    except (TypeError, ValueError) as error:
        print(f"flext-observability serve: {error}", file=sys.stderr)
        return 2
    try:
        for plan in (cpu_plan(), memory_plan(), disk_plan("/"), *process_plans()):
            platform.health.register_plan(plan)
        add_system_metrics(platform.metrics)
        platform.start()
        return serve_until_stopped(
            platform, host=arguments.host, port=arguments.port, title=f"Serving {platform.service_name}"
        )
    finally:
        platform.shutdown(platform.settings.shutdown_timeout)
