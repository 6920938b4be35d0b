"""The ``flext-observability`` command (also ``python -m flext_observability``).

``demo`` runs the sample pipeline on the built-in defaults and prints what
the library made of it: its entities, its metrics, and the failures of some
deliberately bad inputs; it exits 0 when the demo itself worked.
``demo --serve`` then keeps the run's ``/metrics`` up on loopback.
"""

from __future__ import annotations

import argparse
import sys
import threading
from typing import TYPE_CHECKING

from returns.result import Failure

from flext_observability.cli import check as check_command
from flext_observability.cli import run as run_command
from flext_observability.cli.demo.entities import bad_inputs, render_outcomes, sample_run
from flext_observability.cli.demo.logs import demo_logging, emit_logs
from flext_observability.cli.demo.metrics import pipeline_metrics
from flext_observability.cli.demo.tracing import render_span_tree, traced_run
from flext_observability.cli.table import render_metrics_summary
from flext_observability.shell.factory import FlextObservabilityMasterFactory

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flext-observability",
        description="Observability for data-integration services and batch jobs.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check_command.add_parser(commands)
    run_command.add_parser(commands)
    demo = commands.add_parser("demo", help="run the sample pipeline and show what the library made of it")
    demo.add_argument(
        "--serve",
        action="store_true",
        help="then keep serving the run's metrics at /metrics on loopback until interrupted",
    )
    demo.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port for --serve (default: {DEFAULT_PORT}, which the docs' scrape configuration reads; 0: any port)",
    )
    return parser


DEFAULT_PORT = 9464
"""Where ``demo --serve`` serves ``/metrics`` unless told otherwise (docs/metrics.md scrapes it)."""


def run_demo(*, serve: bool = False, port: int = DEFAULT_PORT, wait: Callable[[], object] | None = None) -> int:
    """Print the sample pipeline's entities, logs, trace and metrics, and the rejected bad inputs.

    With ``serve``, keep ``/metrics`` up on 127.0.0.1 until interrupted
    (``wait`` returns when it is time to stop; by default, Ctrl-C).
    """
    factory = FlextObservabilityMasterFactory(service="orders-pipeline")
    outcomes = sample_run(factory)
    print(render_outcomes("flext-observability demo: one run of the sample pipeline", outcomes))
    service = pipeline_metrics(factory, outcomes)
    print("Logs of the run (the planted password comes out redacted; logs inside spans carry their ids)", flush=True)
    with demo_logging(service) as logs:
        emit_logs(logs, outcomes)
        trace = traced_run(logs, service)
    print()
    if trace is not None:
        print("Trace of the run")
        print(render_span_tree(trace))
        print()
    print("Metrics of the run")
    print(render_metrics_summary(service.get_metrics_summary()))
    print()
    print(render_outcomes("Bad inputs and what validation says", bad_inputs(factory)))
    if not serve:
        return 0
    started = service.serve(port=port)
    if isinstance(started, Failure):
        print(f"cannot serve metrics: {started.failure()}", file=sys.stderr)
        return 1
    server = started.unwrap()
    print(f"Serving the run's metrics at {server.url} (Ctrl-C to stop)", flush=True)
    try:
        (wait or threading.Event().wait)()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command named in ``argv`` (default: the process arguments)."""
    arguments = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    if arguments.command == "demo":
        return run_demo(serve=arguments.serve, port=arguments.port)
    if arguments.command == "check":
        return check_command.run_check(arguments)
    if arguments.command == "run":
        return run_command.run_command(arguments)
    return 2  # pragma: no cover - argparse rejects unknown commands first
