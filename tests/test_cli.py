"""The command line: ``python -m flext_observability demo``."""

from __future__ import annotations

import subprocess
import sys

import pytest
from returns.pipeline import is_successful

from flext_observability.cli.demo.entities import bad_inputs, sample_run
from flext_observability.cli.main import main
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


def test_demo_records_the_runs_metrics(capsys: pytest.CaptureFixture[str]) -> None:
    """The demo prints the run's rows, durations and failures as a table."""
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Metrics of the run" in out
    assert "pipeline_batch_failures_total" in out
    assert "step=load, service=target-snowflake  1190" in out


def test_demo_serve_keeps_metrics_up_until_interrupted() -> None:
    """``demo --serve`` prints its loopback URL, serves /metrics there, and exits 0 on Ctrl-C."""
    import signal  # noqa: PLC0415 - only this test needs these
    import urllib.request  # noqa: PLC0415

    with subprocess.Popen(
        [sys.executable, "-m", "flext_observability", "demo", "--serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            url = ""
            for line in process.stdout:
                if line.startswith("Serving the run's metrics at "):
                    url = line.split(" at ", 1)[1].split()[0]
                    break
            assert url.startswith("http://127.0.0.1:")
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own loopback URL
                body = response.read().decode()
            assert 'pipeline_rows_total{service="tap-postgres",step="extract"} 1200.0' in body
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=10) == 0
        finally:
            if process.poll() is None:
                process.kill()


def test_demo_serve_and_the_documented_scrape_config_agree_on_the_port() -> None:
    """Ensures the port ``demo --serve`` uses by default is the one docs/metrics.md tells Prometheus to scrape."""
    from pathlib import Path  # noqa: PLC0415 - only this test reads the docs

    from flext_observability.cli.main import DEFAULT_PORT, _parser  # noqa: PLC0415 - the option's default

    docs = (Path(__file__).resolve().parent.parent / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert f'targets: ["127.0.0.1:{DEFAULT_PORT}"]' in docs
    assert _parser().parse_args(["demo", "--serve"]).port == DEFAULT_PORT == 9464
