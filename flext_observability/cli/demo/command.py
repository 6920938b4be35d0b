"""``flext-observability demo``: one run of a small instrumented pipeline, and what the platform made of it.

The demo builds one :class:`FlextObservabilityPlatform` on its built-in
defaults (the environment is not read), runs the pipeline of
:mod:`flext_observability.cli.demo.pipeline` once, evaluates the alert rules
and the health checks, and prints a summary: the metrics, the span tree of
the run, the alert that fired, health, and the first log lines. It exits 0
when all of that was there to show.

``demo --serve`` then keeps the platform's endpoints and the status page up
on 127.0.0.1 (port 9464 unless ``--port``) until interrupted.
"""

from __future__ import annotations

import argparse
import io
import sys
from typing import TYPE_CHECKING, Final, TextIO

from returns.result import Failure

from flext_observability.cli.arguments import port_argument
from flext_observability.cli.demo.pipeline import ALERT_NAME, SERVICE, make_pipeline
from flext_observability.cli.demo.summary import alerts_table, health_table, log_table, metrics_table, render_span_tree
from flext_observability.cli.serving import serve_until_stopped
from flext_observability.core.settings import DEFAULT_PORT as SETTINGS_DEFAULT_PORT
from flext_observability.platform.platform import FlextObservabilityPlatform

if TYPE_CHECKING:
    from collections.abc import Callable

DEFAULT_PORT: Final = SETTINGS_DEFAULT_PORT
"""Where ``demo --serve`` listens unless told otherwise (docs/metrics.md's scrape configuration reads it)."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``demo`` subcommand to the command line's subcommands."""
    demo = subparsers.add_parser(
        "demo",
        help="run a small instrumented pipeline and show its metrics, trace, alert and health",
        description=(
            "Run a small extract-transform-load pipeline (three of its twelve records are bad) instrumented "
            "with flext_monitor_function on one platform, then print its metrics, the span tree of the run, "
            "the alert that fired on the failures, health and the first log lines. Reads no environment "
            "variable. Exit code 0 when the demo worked, 1 otherwise."
        ),
    )
    demo.add_argument(
        "--serve",
        action="store_true",
        help="then keep /, /metrics, /status and the health endpoints up on 127.0.0.1 until interrupted",
    )
    demo.add_argument(
        "--port",
        type=port_argument,
        default=DEFAULT_PORT,
        help=f"port for --serve (default: {DEFAULT_PORT}, which the docs' scrape configuration reads; 0: any port)",
    )


def run_demo_command(arguments: argparse.Namespace) -> int:
    """Run ``demo`` with its parsed arguments; the exit code."""
    return run_demo(serve=arguments.serve, port=arguments.port)


def run_demo(
    *,
    serve: bool = False,
    port: int = DEFAULT_PORT,
    wait: Callable[[], object] | None = None,
    out: TextIO | None = None,
) -> int:
    """Run the pipeline once on a new platform and print the summary to ``out`` (standard output).

    With ``serve``, keep the platform's endpoints up until ``wait`` returns
    (by default: until SIGINT or SIGTERM).
    """
    stream = sys.stdout if out is None else out
    logs = io.StringIO()
    platform = FlextObservabilityPlatform(SERVICE, environ={}, log_stream=logs, load_plugins=False)
    try:
        problems = _run_once(platform, logs, stream)
        if problems:
            print(f"the demo did not work: {'; '.join(problems)}", file=sys.stderr)
            return 1
        if not serve:
            return 0
        print(file=stream)
        return serve_until_stopped(
            platform, host="127.0.0.1", port=port, title=f"Serving {SERVICE}", out=stream, wait=wait
        )
    finally:
        platform.shutdown(timeout=5)


def _run_once(platform: FlextObservabilityPlatform, logs: io.StringIO, out: TextIO) -> list[str]:
    """Run and summarise; what was missing from the summary (nothing when the demo worked)."""
    problems: list[str] = []
    report = make_pipeline(platform)()
    print(
        f"flext-observability demo: the orders pipeline extracted {report.extracted} records, "
        f"loaded {report.loaded} and rejected {sum(report.rejected.values())}",
        file=out,
    )
    if not platform.tracing.force_flush(5):
        problems.append("the spans were not flushed within 5 s")
    evaluated = platform.alerts.evaluate_now()
    if isinstance(evaluated, Failure):
        problems.append(f"the alert rules were not evaluated: {evaluated.failure()}")
    active = [item for item in platform.alerts.active_alerts() if item.alert.name == ALERT_NAME]
    if not active:
        problems.append(f"the {ALERT_NAME} alert did not fire")
    health = platform.health.check_health("readiness")
    traces = [trace for trace in platform.spans.query_traces() if trace.root.name == "orders_pipeline"]
    if not traces:
        problems.append("the run's trace was not recorded")

    _section(
        out,
        "Metrics (the decorator's families and the pipeline's own; series at zero left out)",
        metrics_table(platform),
    )
    if traces:
        _section(out, "Trace of the run", render_span_tree(traces[-1]))
    _section(out, "Alerts", alerts_table(platform.alerts.active_alerts()))
    if isinstance(health, Failure):
        problems.append(f"health could not be checked: {health.failure()}")
    else:
        _section(out, "Health", health_table(health.unwrap()))
    _section(out, "Logs (each failed call's line carries its span's trace_id and span_id)", log_table(_lines(logs)))
    return problems


def _lines(logs: io.StringIO) -> list[str]:
    return logs.getvalue().splitlines()


def _section(out: TextIO, title: str, body: str) -> None:
    print(f"\n{title}\n{body}", file=out, flush=True)
