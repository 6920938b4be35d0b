"""The command line: ``python -m flext_observability demo``."""

from __future__ import annotations

import subprocess
import sys

import pytest
from returns.pipeline import is_successful

from flext_observability.shell.cli import main
from flext_observability.shell.demo import bad_inputs, sample_run
from flext_observability.shell.factory import FlextObservabilityMasterFactory
from flext_observability.testing import DeterministicIdGenerator, FakeClock


def test_demo_runs_as_a_module_and_exits_zero() -> None:
    """The README's demo command prints both tables and exits 0."""
    out = subprocess.run(
        [sys.executable, "-m", "flext_observability", "demo"], capture_output=True, text=True, check=False, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert "Created" in out.stdout
    assert "Rejected (every broken rule is reported)" in out.stdout
    assert "negative_counter" in out.stdout
    assert out.stderr == ""


def test_sample_run_succeeds_and_bad_inputs_all_fail() -> None:
    """Every entity of the sample run is valid, and every bad input is rejected."""
    factory = FlextObservabilityMasterFactory(clock=FakeClock(), id_generator=DeterministicIdGenerator())
    good = sample_run(factory)
    assert [label for label, result in good if not is_successful(result)] == []
    assert any(label == "run trace" for label, _ in good)
    bad = bad_inputs(factory)
    assert [label for label, result in bad if is_successful(result)] == []


def test_main_requires_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a command the CLI prints its usage and exits 2."""
    with pytest.raises(SystemExit) as stop:
        main([])
    assert stop.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_main_demo_returns_zero(capsys: pytest.CaptureFixture[str]) -> None:
    """``main(["demo"])`` prints the demo and returns 0."""
    assert main(["demo"]) == 0
    assert "pipeline_rows_total" in capsys.readouterr().out
