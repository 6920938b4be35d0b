"""What ``flext-observability run -- true`` adds to running ``true`` directly, in one run.

Five lines: the whole command (a fresh interpreter, the library's import,
the span, the sampling thread, the textfile); the interpreter start with the
import of what ``run`` uses; the import of the four runtime dependencies
alone (the floor of any command built on the library); the bare interpreter
start; and, inside one process, the work of ``run_command``.

The package's bytecode is compiled first, as an installed package's is: a
machine that sets ``PYTHONDONTWRITEBYTECODE`` would otherwise compile the
library from source at every start and time that instead.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import Comparison, compare

from flext_observability.cli.run import add_parser, run_command

PACKAGE = Path(__file__).resolve().parent.parent / "flext_observability"
GOAL_ADDED_NS = 150e6


def _environment() -> dict[str, str]:
    """Ours without OpenTelemetry variables, so no span goes over the network while timing."""
    return {name: value for name, value in os.environ.items() if not name.startswith("OTEL_")}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flext-observability")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return parser


def run() -> list[Comparison]:
    """Time the command, the start-up alone and ``run_command`` in process, each against ``true``."""
    true = shutil.which("true") or "/bin/true"
    compileall.compile_dir(PACKAGE, quiet=1)
    environment = _environment()
    folder = Path(tempfile.mkdtemp(prefix="bench-cli-run-"))
    textfile = str(folder / "bench.prom")
    try:

        def peer() -> object:
            return subprocess.run([true], check=True, env=environment)  # noqa: S603 - a fixed argv, no shell

        def whole() -> object:
            command = [sys.executable, "-m", "flext_observability", "run", "--textfile", textfile, "--", true]
            return subprocess.run(command, check=True, env=environment)  # noqa: S603 - our own interpreter, no shell

        def start_up() -> object:
            command = [sys.executable, "-c", "import flext_observability.cli.main, flext_observability.cli.run"]
            return subprocess.run(command, check=True, env=environment)  # noqa: S603 - our own interpreter, no shell

        def dependencies() -> object:
            command = [sys.executable, "-c", "import attrs, returns.result, psutil, prometheus_client"]
            return subprocess.run(command, check=True, env=environment)  # noqa: S603 - our own interpreter, no shell

        def bare() -> object:
            return subprocess.run([sys.executable, "-c", "pass"], check=True, env=environment)

        arguments = _parser().parse_args(["run", "--textfile", textfile, "--", true])

        def in_process() -> object:
            return run_command(arguments)

        whole_ns, whole_peer = compare(whole, peer, number=1, repeat=9)
        start_ns, start_peer = compare(start_up, peer, number=1, repeat=9)
        deps_ns, deps_peer = compare(dependencies, peer, number=1, repeat=9)
        bare_ns, bare_peer = compare(bare, peer, number=1, repeat=9)
        inner_ns, inner_peer = compare(in_process, peer, number=5, repeat=9)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return [
        Comparison(
            name="run -- true, the whole command (goal: under 150 ms added)",
            ours=whole_ns,
            peer=whole_peer,
            peer_name="true",
            unit="ms/op",
            goal_ours=whole_peer + GOAL_ADDED_NS,
        ),
        Comparison(
            name="of which: interpreter start and the library's import",
            ours=start_ns,
            peer=start_peer,
            peer_name="true",
            unit="ms/op",
        ),
        Comparison(
            name="of which: the runtime dependencies' import alone (attrs, returns, psutil, prometheus-client)",
            ours=deps_ns,
            peer=deps_peer,
            peer_name="true",
            unit="ms/op",
        ),
        Comparison(
            name="of which: the bare interpreter start (python -c pass)",
            ours=bare_ns,
            peer=bare_peer,
            peer_name="true",
            unit="ms/op",
        ),
        Comparison(
            name="run_command in process (span, sampler, signals, textfile) on true",
            ours=inner_ns,
            peer=inner_peer,
            peer_name="true",
            unit="ms/op",
            goal_ours=inner_peer + GOAL_ADDED_NS,
        ),
    ]


if __name__ == "__main__":
    for comparison in run():
        print(comparison.line())
