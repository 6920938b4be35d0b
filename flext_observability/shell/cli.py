"""The ``flext-observability`` command (also ``python -m flext_observability``).

``demo`` runs the sample pipeline on the built-in defaults and prints what
the library made of it; it exits 0 when the demo itself worked, whatever the
deliberately bad inputs it shows.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from flext_observability.shell.demo import bad_inputs, render_outcomes, sample_run
from flext_observability.shell.factory import FlextObservabilityMasterFactory

if TYPE_CHECKING:
    from collections.abc import Sequence


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flext-observability",
        description="Observability for data-integration services and batch jobs.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run the sample pipeline and show what the library made of it")
    return parser


def run_demo() -> int:
    """Print the sample pipeline's entities and the rejected bad inputs."""
    factory = FlextObservabilityMasterFactory(service="orders-pipeline")
    print(render_outcomes("flext-observability demo: one run of the sample pipeline", sample_run(factory)))
    print(render_outcomes("Bad inputs and what validation says", bad_inputs(factory)))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command named in ``argv`` (default: the process arguments)."""
    arguments = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    if arguments.command == "demo":
        return run_demo()
    return 2  # pragma: no cover - argparse rejects unknown commands first
