"""The ``flext-observability`` command (also ``python -m flext_observability``).

Each subcommand lives in its own module, imported only when it runs: a cron
line calling ``run`` or ``check`` pays for what that subcommand uses, not for
the demo or the platform. The table below names them; ``--help`` lists them
without importing any.
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


SUBCOMMANDS: Final = {
    "demo": (
        "flext_observability.cli.demo.command",
        "run_demo_command",
        "run a small instrumented pipeline and show its metrics, trace, alert and health",
    ),
    "serve": (
        "flext_observability.cli.serve",
        "run_serve",
        "serve /metrics, the health endpoints, /status and the status page, with process and system probes",
    ),
    "run": (
        "flext_observability.cli.run",
        "run_command",
        "run a batch job, trace it and publish its duration, exit code, CPU time and peak memory",
    ),
    "check": (
        "flext_observability.cli.check",
        "run_check",
        "ask a health endpoint once; exit 0 when it answers pass or warn",
    ),
}
"""Each subcommand's module, the function that runs it, and the line ``--help`` shows (its parser says the same)."""


def make_parser(selected: str | None = None) -> argparse.ArgumentParser:
    """The command's parser: every subcommand's name and help, and the arguments of ``selected`` only."""
    parser = argparse.ArgumentParser(
        prog="flext-observability",
        description="Observability for data-integration services and batch jobs.",
        epilog="Exit codes: each subcommand's --help lists its own; 2 always means a usage mistake.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{" + ",".join(SUBCOMMANDS) + "}")
    for name, (_, _, help_text) in SUBCOMMANDS.items():
        if name == selected:
            # Each subcommand's module has add_parser(subparsers), which names it and adds its arguments.
            import_module(SUBCOMMANDS[name][0]).add_parser(commands)
        else:
            commands.add_parser(name, help=help_text, add_help=False)
    return parser


def _selected(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` names: its first word that is not an option, when that is a subcommand."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in SUBCOMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command named in ``argv`` (default: the process arguments); the exit code."""
    words = list(sys.argv[1:] if argv is None else argv)
    selected = _selected(words)
    arguments = make_parser(selected).parse_args(words)
    module_name, entry, _ = SUBCOMMANDS[arguments.command]
    run: Callable[[argparse.Namespace], int] = getattr(import_module(module_name), entry)
    return run(arguments)
