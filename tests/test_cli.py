"""The command line's main entry, ``demo`` and ``serve``, through subprocesses and in process."""

from __future__ import annotations

import argparse
import io
import json
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from commands import CLI, clean_environment, served_urls
from prometheus_client.parser import text_string_to_metric_families
from servers import promtool_lint

from flext_observability.cli.demo.command import DEFAULT_PORT, run_demo
from flext_observability.cli.main import SUBCOMMANDS, main, make_parser

ROOT = Path(__file__).resolve().parent.parent


def _get(url: str) -> tuple[int, str, str]:
    request = urllib.request.Request(url)  # noqa: S310 - our own loopback URL
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode()


# --- main --------------------------------------------------------------------------


def test_main_requires_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a command the CLI prints its usage, naming every subcommand, and exits 2."""
    with pytest.raises(SystemExit) as stop:
        main([])
    assert stop.value.code == 2
    error = capsys.readouterr().err
    assert "usage:" in error
    assert "{demo,serve,run,check}" in error


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """A misspelt subcommand exits 2 and lists the right ones."""
    with pytest.raises(SystemExit) as stop:
        main(["dmeo"])
    assert stop.value.code == 2
    assert "invalid choice: 'dmeo'" in capsys.readouterr().err


def test_the_help_lines_are_the_subcommands_own() -> None:
    """The one-line help main shows without importing a subcommand is the help its own parser gives."""
    for name, (_, _, help_text) in SUBCOMMANDS.items():
        parser = make_parser(name)
        action = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
        shown = {choice.dest: choice.help for choice in action._choices_actions}
        assert shown[name] == help_text


def test_help_imports_no_subcommand() -> None:
    """``--help`` lists the subcommands without loading their modules (nor the platform)."""
    code = (
        "import sys\n"
        "from flext_observability.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('flext_observability.'))\n"
        "print(loaded)\n"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip().splitlines()[-1] == "['flext_observability.cli', 'flext_observability.cli.main']"


def test_importing_the_package_loads_nothing_else() -> None:
    """``import flext_observability`` is cheap: the public names load on first use, and then work."""
    code = (
        "import sys, flext_observability as fo\n"
        "print(sorted(m for m in sys.modules if m.startswith('flext_observability.')))\n"
        "print(fo.flext_create_metric('rows_total', 3, kind='counter').unwrap().value)\n"
        "print('flext_observability.shell.simple' in sys.modules)\n"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.splitlines() == ["[]", "3.0", "True"]


# --- demo ----------------------------------------------------------------------------


def test_demo_runs_as_a_module_and_prints_every_part() -> None:
    """The README's demo command prints the metrics, the span tree, the alert, health and logs, and exits 0."""
    out = subprocess.run(  # noqa: S603 - our own command
        [*CLI, "demo"], capture_output=True, text=True, check=False, timeout=120, env=clean_environment()
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    text = out.stdout
    assert "extracted 12 records, loaded 9 and rejected 3" in text
    for title in ("Metrics", "Trace of the run", "Alerts", "Health", "Logs"):
        assert f"\n{title}" in text
    assert re.search(r"flext_function_calls_total\s+counter\s+function=transform, outcome=error\s+3\n", text)
    assert re.search(
        r"flext_function_errors_total\s+counter\s+function=transform, exception=InvalidOrderError\s+3", text
    )
    assert re.search(r"orders_records_loaded_total\s+counter\s+-\s+9\n", text)
    assert re.search(r"\n  transform\s+\d+\.\d ms\s+error \(InvalidOrderError: order 1006", text)
    assert re.search(r"OrdersRejected\s+warning\s+exception=InvalidOrderError, function=transform, team=data", text)
    assert "readiness: warn (HTTP 200)" in text
    assert re.search(r"orders:rejectedShare\s+warn\s+no\s+0\.25", text)


def test_demo_log_lines_carry_the_trace_of_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    """Each failed call's log line names the trace the span tree shows, and a span id of its own."""
    assert run_demo() == 0
    text = capsys.readouterr().out
    trace_id = re.search(r"\ntrace ([0-9a-f]{32})\n", text)
    assert trace_id is not None
    failed = re.findall(
        r"\nerror\s+monitored call failed\s+transform\s+InvalidOrderError\s+([0-9a-f]{32})\s+([0-9a-f]{16})", text
    )
    assert len(failed) == 3
    assert {trace for trace, _ in failed} == {trace_id.group(1)}
    assert len({span for _, span in failed}) == 3


def test_demo_writes_to_the_stream_it_is_given() -> None:
    """``run_demo(out=...)`` prints the summary there, not on standard output."""
    stream = io.StringIO()
    assert run_demo(out=stream) == 0
    assert "Trace of the run" in stream.getvalue()


def test_demo_serve_keeps_the_endpoints_up_until_interrupted() -> None:
    """``demo --serve`` prints its loopback URLs, serves the run there, and exits 0 on SIGINT and on SIGTERM."""
    for stop in (signal.SIGINT, signal.SIGTERM):
        with subprocess.Popen(  # noqa: S603 - our own command
            [*CLI, "demo", "--serve", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_environment(),
        ) as process:
            try:
                urls = served_urls(process)
                assert set(urls) == {"/", "/metrics", "/status", "/health", "/readyz", "/livez"}
                status, content_type, body = _get(urls["/metrics"])
                assert status == 200
                assert content_type.startswith("text/plain")
                families = {family.name: family for family in text_string_to_metric_families(body)}
                loaded = families["orders_records_loaded"].samples
                assert [sample.value for sample in loaded if sample.name == "orders_records_loaded_total"] == [9.0]
                status, _, body = _get(urls["/status"])
                document = json.loads(body)
                assert [alert["name"] for alert in document["alerts"]["firing"]] == ["OrdersRejected"]
                assert any(trace["root"] == "orders_pipeline" for trace in document["traces"])
                status, content_type, body = _get(urls["/health"])
                assert (status, content_type) == (200, "application/health+json")
                assert json.loads(body)["status"] == "warn"
                process.send_signal(stop)
                assert process.wait(timeout=20) == 0
                assert process.stderr is not None
                assert process.stderr.read() == ""
            finally:
                if process.poll() is None:
                    process.kill()


def test_demo_serve_on_a_taken_port_says_so_and_exits_1() -> None:
    """A port already in use is a clear error naming the address, and exit code 1."""
    import socket  # noqa: PLC0415 - only this test holds a port

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = subprocess.run(  # noqa: S603 - our own command
            [*CLI, "demo", "--serve", "--port", str(port)],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            env=clean_environment(),
        )
    assert out.returncode == 1
    assert f"127.0.0.1:{port}" in out.stderr
    assert "choose another --port" in out.stderr


@pytest.mark.parametrize("port", ["-1", "65536", "http", "\uff19"])
def test_a_bad_port_is_a_usage_error(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``--port`` takes a whole number from 0 to 65535; anything else exits 2 saying so."""
    for command in ("demo", "serve"):
        with pytest.raises(SystemExit) as stop:
            main([command, "--port", port])
        assert stop.value.code == 2
        assert "give a whole number from 0 to 65535" in capsys.readouterr().err


def test_demo_serve_and_the_documented_scrape_config_agree_on_the_port() -> None:
    """The port ``demo --serve`` uses by default is the one docs/metrics.md tells Prometheus to scrape."""
    docs = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert f'targets: ["127.0.0.1:{DEFAULT_PORT}"]' in docs
    assert make_parser("demo").parse_args(["demo", "--serve"]).port == DEFAULT_PORT == 9464


# --- serve ---------------------------------------------------------------------------


def test_serve_answers_every_endpoint_with_the_probes_and_process_metrics() -> None:
    """``serve`` serves health with the psutil checks and /metrics with process and system families (promtool-clean)."""
    environment = clean_environment(FLEXT_OBSERVABILITY_SERVICE_NAME="sidecar", FLEXT_OBSERVABILITY_PORT="0")
    with subprocess.Popen(  # noqa: S603 - our own command
        [*CLI, "serve"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
    ) as process:
        try:
            urls = served_urls(process)
            status, content_type, body = _get(urls["/health"])
            assert content_type == "application/health+json"
            checks = json.loads(body)["checks"]
            assert {"cpu:utilization", "memory:utilization", "disk:utilization", "process:rss"} <= set(checks)
            status, _, body = _get(urls["/metrics"])
            assert status == 200
            names = {family.name for family in text_string_to_metric_families(body)}
            assert {
                "process_resident_memory_bytes",
                "python_info",
                "python_gc_objects_collected",
                "system_memory_utilization_ratio",
                "system_filesystem_utilization_ratio",
                "system_cpu_utilization_ratio",
                "flext_health_check_status",
            } <= names
            promtool_lint(body)
            status, _, body = _get(urls["/status"])
            assert json.loads(body)["service"]["name"] == "sidecar"
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=20) == 0
        finally:
            if process.poll() is None:
                process.kill()


def test_serve_with_a_bad_environment_variable_still_starts_and_says_so() -> None:
    """A bad FLEXT_OBSERVABILITY_* value is logged naming the variable, and serve starts on its default."""
    environment = clean_environment(FLEXT_OBSERVABILITY_LOG_LEVEL="loud")
    with subprocess.Popen(  # noqa: S603 - our own command
        [*CLI, "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
    ) as process:
        try:
            seen: list[str] = []
            urls = served_urls(process, seen)
            assert _get(urls["/livez"])[0] == 200
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=20) == 0
            refused = [json.loads(line) for line in seen if "FLEXT_OBSERVABILITY_LOG_LEVEL" in line]
            assert [entry["level"] for entry in refused] == ["error"]
            assert "'loud' is not one of debug, info" in refused[0]["event"]
        finally:
            if process.poll() is None:
                process.kill()
