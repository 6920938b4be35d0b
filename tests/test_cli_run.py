"""``flext-observability run -- CMD ...``, always through real processes: a real Pushgateway, promtool, signals."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from commands import child, clean_environment, peak_rss_until_exit, run_arguments
from otlp_receiver import OtlpReceiver, down_endpoint
from prometheus_client.parser import text_string_to_metric_families
from servers import promtool_lint

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from servers import Pushgateway

TIMEOUT = 120
# Bounds the wait for a forwarded signal's effect, so that a broken forwarder fails the test soon.
SIGNAL_TIMEOUT = 20
UPSTREAM_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
UPSTREAM_SPAN = "00f067aa0ba902b7"
MIB = 1 << 20


def run_cli(*arguments: str, environment: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``flext-observability run ARGUMENTS`` to its end, capturing its output."""
    return subprocess.run(  # noqa: S603 - our own interpreter and test programs, no shell
        run_arguments(*arguments),
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT,
        env=clean_environment() if environment is None else dict(environment),
    )


def samples(text: str, **labels: str) -> dict[str, float]:
    """The ``batch_job_*`` samples of an exposition whose labels include ``labels``, by name."""
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.startswith("batch_job_") and labels.items() <= sample.labels.items():
                assert sample.name not in found, f"{sample.name} appears twice"
                found[sample.name] = sample.value
    return found


def wait_for_file(path: Path, process: subprocess.Popen[str]) -> None:
    """Wait until ``path`` exists (the child says it is ready), failing if the run ends first."""
    deadline = time.monotonic() + TIMEOUT
    while not path.exists():
        assert process.poll() is None, f"the run ended early with {process.returncode}"
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


@pytest.mark.integration
def test_push_reaches_a_real_pushgateway_with_every_batch_metric(pushgateway: Pushgateway) -> None:
    """A successful run pushes duration, exit code, CPU, peak memory and both timestamps, read back from /metrics."""
    work = "import time\ndata = b'x' * 60_000_000\ntime.sleep(0.6)"
    before = time.time()
    done = run_cli(
        "--job", "nightly", "--pushgateway", pushgateway.url, "--grouping", "pipeline=orders", "--", *child(work)
    )
    after = time.time()
    assert (done.returncode, done.stderr) == (0, "")
    pushed = samples(pushgateway.metrics_text(), job="nightly", pipeline="orders")
    assert sorted(pushed) == [
        "batch_job_cpu_seconds",
        "batch_job_duration_seconds",
        "batch_job_exit_code",
        "batch_job_last_completion_timestamp_seconds",
        "batch_job_last_success_timestamp_seconds",
        "batch_job_peak_resident_memory_bytes",
    ]
    assert pushed["batch_job_exit_code"] == 0
    assert before <= pushed["batch_job_last_completion_timestamp_seconds"] <= after
    assert pushed["batch_job_last_success_timestamp_seconds"] == pushed["batch_job_last_completion_timestamp_seconds"]
    assert 0.6 <= pushed["batch_job_duration_seconds"] <= after - before
    assert 0 < pushed["batch_job_cpu_seconds"] <= after - before
    # The child held 60 MB of touched bytes for the whole sleep, so a sample saw them.
    assert 60_000_000 <= pushed["batch_job_peak_resident_memory_bytes"] < 400 * MIB


@pytest.mark.integration
def test_a_failed_run_keeps_the_last_success_and_the_jobs_own_metrics(pushgateway: Pushgateway) -> None:
    """After exit code 3 the gateway keeps the earlier success time and what the job pushed itself."""
    assert pushgateway.push("nightly", "rows_loaded 42\n", method="POST", pipeline="orders").status == 200
    common = ("--job", "nightly", "--pushgateway", pushgateway.url, "--grouping", "pipeline=orders", "--")
    assert run_cli(*common, "true").returncode == 0
    first = samples(pushgateway.metrics_text(), job="nightly", pipeline="orders")
    failed = run_cli(*common, *child("raise SystemExit(3)"))
    assert (failed.returncode, failed.stderr) == (3, "")
    text = pushgateway.metrics_text()
    second = samples(text, job="nightly", pipeline="orders")
    assert second["batch_job_exit_code"] == 3
    assert second["batch_job_last_success_timestamp_seconds"] == first["batch_job_last_success_timestamp_seconds"]
    assert second["batch_job_last_completion_timestamp_seconds"] > first["batch_job_last_completion_timestamp_seconds"]
    assert 'rows_loaded{instance="",job="nightly",pipeline="orders"} 42' in text


@pytest.mark.integration
def test_hostile_grouping_values_reach_the_gateway_intact(pushgateway: Pushgateway) -> None:
    """A grouping value with slashes, spaces, quotes and non-ASCII text is the label value read back."""
    value = 'a/b c"d\\é/'
    done = run_cli("--job", "j/1", "--pushgateway", pushgateway.url, "--grouping", f"path={value}", "--", "true")
    assert (done.returncode, done.stderr) == (0, "")
    assert samples(pushgateway.metrics_text(), job="j/1", path=value)["batch_job_exit_code"] == 0


def test_textfile_passes_promtool_and_carries_the_last_success_over(tmp_path: Path) -> None:
    """The textfile is a clean exposition with job and grouping labels; a failed run keeps the success time."""
    path = tmp_path / "nightly.prom"
    common = ("--job", "nightly", "--textfile", str(path), "--grouping", "pipeline=orders", "--")
    assert run_cli(*common, "true").returncode == 0
    first = path.read_text()
    promtool_lint(first)
    written = samples(first, job="nightly", pipeline="orders")
    assert len(written) == 6
    assert written["batch_job_exit_code"] == 0
    failed = run_cli(*common, *child("raise SystemExit(5)"))
    assert (failed.returncode, failed.stderr) == (5, "")
    assert sorted(path.parent.iterdir()) == [path]  # written through a rename, no temporary left
    again = samples(path.read_text(), job="nightly", pipeline="orders")
    assert again["batch_job_exit_code"] == 5
    assert again["batch_job_last_success_timestamp_seconds"] == written["batch_job_last_success_timestamp_seconds"]


def test_a_first_run_that_fails_writes_no_success_time(tmp_path: Path) -> None:
    """Without an earlier success there is no success timestamp, rather than a made-up zero."""
    path = tmp_path / "job.prom"
    path.write_text("not an exposition {{{\n")
    assert run_cli("--textfile", str(path), "--", "false").returncode == 1
    written = samples(path.read_text(), job="false")
    assert "batch_job_last_success_timestamp_seconds" not in written
    assert written["batch_job_exit_code"] == 1


@pytest.mark.parametrize("code", [0, 3, 255])
def test_the_run_exits_with_the_commands_exit_code(code: int) -> None:
    """Whatever code the command ends with is the run's own."""
    assert run_cli("--", *child(f"raise SystemExit({code})")).returncode == code


def test_a_command_killed_by_sigterm_makes_the_run_exit_143(tmp_path: Path) -> None:
    """A child ended by SIGTERM gives exit code 128 + 15, in the metrics too."""
    path = tmp_path / "killed.prom"
    done = run_cli("--textfile", str(path), "--", *child("import os, signal; os.kill(os.getpid(), signal.SIGTERM)"))
    assert (done.returncode, done.stderr) == (143, "")
    assert samples(path.read_text())["batch_job_exit_code"] == 143


@pytest.mark.parametrize(("sent", "expected"), [(signal.SIGINT, 7), (signal.SIGTERM, 143)])
def test_signals_sent_to_the_run_reach_the_command(tmp_path: Path, sent: signal.Signals, expected: int) -> None:
    """SIGINT and SIGTERM sent to the run's PID alone are forwarded to the child, which decides the exit code."""
    ready, heard = tmp_path / "ready", tmp_path / "heard"
    code = (
        "import pathlib, signal, sys, time\n"
        "def on_int(number, frame):\n"
        f"    pathlib.Path({str(heard)!r}).write_text(str(number)); sys.exit(7)\n"
        "signal.signal(signal.SIGINT, on_int)\n"
        f"pathlib.Path({str(ready)!r}).touch()\n"
        "while True: time.sleep(0.05)\n"
    )
    # A session of its own: no terminal delivers anything to the child; only the run can.
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and test programs, no shell
        run_arguments("--", *child(code)),
        env=clean_environment(),
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for_file(ready, process)
        os.kill(process.pid, sent)
        _, stderr = process.communicate(timeout=SIGNAL_TIMEOUT)
    finally:
        if process.poll() is None:
            # The run still lives, so its group is the one made here: end the child too, should forwarding fail.
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert (process.returncode, stderr) == (expected, "")
    assert (heard.read_text() if heard.exists() else None) == (str(int(sent)) if sent == signal.SIGINT else None)


@pytest.mark.integration
def test_the_child_sees_the_runs_span_in_traceparent() -> None:
    """TRACEPARENT names the exported span of the run, which continues the trace the run was given."""
    show = "import os; print(os.environ['TRACEPARENT']); print(os.environ.get('BAGGAGE', ''))"
    with OtlpReceiver() as receiver:
        done = run_cli(
            "--job",
            "nightly",
            "--",
            *child(show),
            environment=clean_environment(
                OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
                TRACEPARENT=f"00-{UPSTREAM_TRACE}-{UPSTREAM_SPAN}-01",
                BAGGAGE="run_id=r-7",
            ),
        )
        assert (done.returncode, done.stderr) == (0, "")
        [spans] = [
            list(scope.spans)
            for request in receiver.decoded_requests()
            for resource in request.resource_spans
            for scope in resource.scope_spans
        ]
    traceparent, baggage = done.stdout.splitlines()
    version, trace_id, parent_id, flags = traceparent.split("-")
    [span] = spans
    assert (version, trace_id, flags[-1]) == ("00", UPSTREAM_TRACE, "1")
    assert (span.trace_id.hex(), span.span_id.hex(), span.parent_span_id.hex()) == (
        UPSTREAM_TRACE,
        parent_id,
        UPSTREAM_SPAN,
    )
    assert span.name == "nightly"
    assert "run_id=r-7" in baggage


def test_without_a_given_trace_the_child_gets_a_new_one() -> None:
    """A run with no trace context starts a trace and hands the child a valid traceparent, never a stale one."""
    done = run_cli(
        "--",
        *child("import os; print(os.environ['TRACEPARENT'], os.environ.get('TRACESTATE'))"),
        environment=clean_environment(TRACESTATE="stale=1"),
    )
    assert done.returncode == 0, done.stderr
    traceparent, tracestate = done.stdout.split()
    version, trace_id, span_id, _ = traceparent.split("-")
    assert (version, len(trace_id), len(span_id), tracestate) == ("00", 32, 16, "None")
    assert {trace_id, span_id}.isdisjoint({"0" * 32, "0" * 16})


def test_100_mb_of_output_passes_through_without_the_run_holding_it(tmp_path: Path) -> None:
    """A child's 100 MiB of stdout lands in the run's stdout file whole and in order, while the run stays small."""
    output, metrics = tmp_path / "out.bin", tmp_path / "big.prom"
    # Each byte is its offset modulo 256, so that a byte lost, added or moved shows.
    write = "import sys\nchunk = bytes(range(256)) * 4096\nfor _ in range(100): sys.stdout.buffer.write(chunk)\n"
    with output.open("wb") as stdout:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and test programs, no shell
            run_arguments("--textfile", str(metrics), "--", *child(write)),
            stdout=stdout,
            stderr=subprocess.PIPE,
            env=clean_environment(),
        )
        largest = peak_rss_until_exit(process)
        _, stderr = process.communicate(timeout=TIMEOUT)
    assert (process.returncode, stderr) == (0, b"")
    assert output.stat().st_size == 100 * MIB
    expected = bytes(range(256)) * 4096
    with output.open("rb") as written:
        while chunk := written.read(MIB):
            assert chunk == expected[: len(chunk)]
    # The run itself needs about 35 MiB; had it buffered the stream, it would have needed 100 MiB more.
    assert 0 < largest < 100 * MIB
    assert samples(metrics.read_text())["batch_job_peak_resident_memory_bytes"] < 100 * MIB


def test_stdin_reaches_the_command_untouched() -> None:
    """What is written to the run's stdin is what the command reads."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and test programs, no shell
        run_arguments("--", *child("import sys; sys.stdout.write(sys.stdin.read()[::-1])")),
        input="abc\n\u00e9",
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT,
        env=clean_environment(),
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "\u00e9\ncba", "")


@pytest.mark.parametrize("code", [0, 3])
def test_a_dead_gateway_costs_one_stderr_line_and_never_the_exit_code(code: int) -> None:
    """Pushing to a port where nothing listens prints one redacted line; the exit code stays the command's."""
    with down_endpoint() as endpoint:
        gateway = endpoint.replace("http://", "http://etl:s3cret@")
        done = run_cli("--pushgateway", gateway, "--", *child(f"raise SystemExit({code})"))
    assert done.returncode == code
    [line] = done.stderr.splitlines()
    assert line.startswith("flext-observability run: the metrics were not pushed")
    assert "s3cret" not in line
    assert "REDACTED" in line


def test_an_unwritable_textfile_costs_one_stderr_line(tmp_path: Path) -> None:
    """A textfile in a folder that does not exist is reported once; the exit code stays the command's."""
    done = run_cli("--textfile", str(tmp_path / "missing" / "job.prom"), "--", *child("raise SystemExit(4)"))
    assert done.returncode == 4
    [line] = done.stderr.splitlines()
    assert line.startswith("flext-observability run: the metrics were not written")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((), "give the command to run after --"),
        (("--",), "give the command to run after --"),
        (("--textfile", "job.txt", "--", "true"), "name it job.prom"),
        (("--grouping", "pipeline", "--", "true"), "is not NAME=VALUE"),
        (("--grouping", "1x=a", "--", "true"), "is not a label name"),
        (("--grouping", "job=a", "--", "true"), "set by --job"),
        (("--grouping", "a=1", "a=2", "--", "true"), "may be given once"),
        (("--pushgateway", "http://x", "--textfile", "a.prom", "--", "true"), "not allowed with"),
        (("--job", "", "--", "true"), "must not be empty"),
    ],
)
def test_usage_mistakes_exit_2_before_running_anything(tmp_path: Path, arguments: Sequence[str], message: str) -> None:
    """Each set-up mistake exits 2 with a message saying what to write, and the command never starts."""
    marker = tmp_path / "ran"
    command = list(arguments)
    if command[-1:] == ["true"]:
        command[-1:] = ["sh", "-c", f"touch {marker}"]
    done = run_cli(*command)
    assert done.returncode == 2
    assert message in done.stderr
    assert not marker.exists()


@pytest.mark.parametrize(("command", "code"), [("/nonexistent/command", 127), ("/dev/null", 126)])
def test_a_command_that_cannot_start_exits_like_a_shell(tmp_path: Path, command: str, code: int) -> None:
    """A missing command exits 127, one that cannot be executed 126, with one line and the metrics written."""
    path = tmp_path / "job.prom"
    done = run_cli("--textfile", str(path), "--", command, "argument")
    assert done.returncode == code
    [line] = done.stderr.splitlines()
    assert line.startswith(f"flext-observability run: cannot run {command!r}")
    assert samples(path.read_text())["batch_job_exit_code"] == code


def test_arguments_after_the_separator_belong_to_the_command() -> None:
    """Options written after -- (even the run's own) are passed to the command as they are."""
    done = run_cli("--", *child("import sys; print(sys.argv[1:])"), "--job", "x", "--")
    assert (done.returncode, done.stdout.strip()) == (0, "['--job', 'x', '--']")


def test_memory_and_cpu_cover_the_whole_process_tree(tmp_path: Path) -> None:
    """A grandchild's memory and CPU time count, although the command itself holds and spends little."""
    path = tmp_path / "tree.prom"
    grandchild = "import time\ndata = b'x' * 60_000_000\nwhile time.process_time() < 0.4: pass\ntime.sleep(0.6)"
    code = f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {grandchild!r}], check=True)"
    done = run_cli("--textfile", str(path), "--", *child(code))
    assert (done.returncode, done.stderr) == (0, "")
    written = samples(path.read_text())
    assert written["batch_job_peak_resident_memory_bytes"] >= 60_000_000
    assert written["batch_job_cpu_seconds"] >= 0.4
