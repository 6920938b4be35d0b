"""The import contracts hold for the package, and each one really breaks on a planted violation."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CONTRACTS = (
    "pure core",
    "layers",
    "faces are leaves",
    "faces are independent",
    "core signals are independent",
    "core alerts read only metrics",
)


def _lint(root: Path) -> dict[str, str]:
    """Run lint-imports on ``root`` and read each contract's verdict (KEPT or BROKEN)."""
    env = {"PYTHONPATH": str(root), "PATH": os.environ.get("PATH", ""), "COLUMNS": "400", "NO_COLOR": "1"}
    out = subprocess.run(  # noqa: S603 - our own tool on our own copy
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True, check=False, env=env
    )
    verdicts = dict(re.findall(r"^(.+?)\s+(KEPT|BROKEN)\s*$", out.stdout, flags=re.MULTILINE))
    assert set(verdicts) == set(CONTRACTS), out.stdout + out.stderr
    return verdicts


def _plant(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of the package whose ``module`` (a path inside it) gains ``line``."""
    shutil.copytree(ROOT / "flext_observability", tmp_path / "flext_observability")
    shutil.copy(ROOT / "setup.cfg", tmp_path / "setup.cfg")
    target = tmp_path / "flext_observability" / module
    target.write_text(target.read_text() + f"\n{line}\n")
    return tmp_path


PLANTS = [
    # The core stays pure: no I/O, clock, locks, threads, context variables, dynamic imports.
    ("core/values.py", "import time", "pure core"),
    ("core/values.py", "import threading", "pure core"),
    ("core/values.py", "from os import getpid", "pure core"),
    ("core/values.py", "import structlog", "pure core"),
    ("core/metrics/naming.py", "import urllib.request", "pure core"),
    ("core/metrics/naming.py", "import http.client", "pure core"),
    ("core/tracing/span.py", "import ssl", "pure core"),
    ("core/tracing/span.py", "import concurrent.futures", "pure core"),
    ("core/logs/event.py", "import contextvars", "pure core"),
    ("core/logs/event.py", "import importlib", "pure core"),
    ("core/health/check.py", "import flext_observability.metrics", "pure core"),
    ("core/health/check.py", "import flext_observability.cli.table", "pure core"),
    # Layers: cli > platform > shell > core; testing below the application.
    ("shell/clock.py", "import flext_observability.cli.table", "layers"),
    ("testing/doubles.py", "import flext_observability.cli.main", "layers"),
    ("core/records.py", "import flext_observability.shell.ids", "layers"),
    # Faces are leaves.
    ("shell/ids.py", "import flext_observability.metrics", "faces are leaves"),
    ("cli/table.py", "from flext_observability.logs import get_logger", "faces are leaves"),
    ("metrics.py", "import flext_observability.tracing", "faces are independent"),
    # The core's signals stay apart; alerts may only read metrics.
    ("core/logs/entry.py", "import flext_observability.core.tracing.span", "core signals are independent"),
    ("core/metrics/naming.py", "import flext_observability.core.health.check", "core signals are independent"),
    ("core/alerts/alert.py", "import flext_observability.core.tracing.span", "core alerts read only metrics"),
]


@pytest.mark.parametrize(("module", "line", "contract"), PLANTS)
def test_a_planted_violation_breaks_its_contract(tmp_path: Path, module: str, line: str, contract: str) -> None:
    """A copy of the package with one forbidden import breaks the contract that forbids it."""
    verdicts = _lint(_plant(tmp_path, module, line))
    assert verdicts[contract] == "BROKEN", verdicts


def test_alerts_may_read_metrics(tmp_path: Path) -> None:
    """The core's alerts importing the core's metrics keeps every contract (the one allowed crossing)."""
    verdicts = _lint(_plant(tmp_path, "core/alerts/alert.py", "import flext_observability.core.metrics.aggregation"))
    assert set(verdicts.values()) == {"KEPT"}, verdicts


def test_contracts_hold_for_the_real_package() -> None:
    """The package as committed keeps every contract."""
    verdicts = _lint(ROOT)
    assert set(verdicts.values()) == {"KEPT"}, verdicts
