"""``flext-observability run -- CMD ...``: run a batch job as a child process and report on it.

The command runs with no shell, its standard streams inherited untouched
(never piped, so its output is neither buffered nor copied here). While it
runs, one sampling thread reads the resident memory of its process tree with
psutil; when it ends, the run publishes the metrics Prometheus recommends for
batch jobs, in base units:

- ``batch_job_last_completion_timestamp_seconds``: when it ended, whatever
  the outcome;
- ``batch_job_last_success_timestamp_seconds``: when it last ended with exit
  code 0 (left as it was after a failure);
- ``batch_job_duration_seconds``, ``batch_job_exit_code``,
  ``batch_job_cpu_seconds`` (user and system time of the child and of the
  descendants it waited for) and ``batch_job_peak_resident_memory_bytes``
  (the largest sum, over the samples, of the tree's resident memory).

They go to a Pushgateway with ``pushadd`` (HTTP ``POST``): only metrics of
these names are replaced in the group, so a failed run leaves the previous
success timestamp, and the job's own pushes to the same group, in place. Or
they go to a node_exporter textfile, written atomically; a failed run carries
the previous file's success timestamp over.

The child runs under a span of the run (configured by the standard
``OTEL_*`` variables, continuing a trace given in ``TRACEPARENT``), and finds
that span in its ``TRACEPARENT``, ``TRACESTATE`` and ``BAGGAGE`` variables,
the OpenTelemetry convention for environment carriers. SIGINT and SIGTERM
sent to the run are passed on to the child; the run exits with the child's
exit code, or 128 + N when a signal N ended it. Publishing never changes that
code: a push or write that fails prints one line on stderr.

With ``--singer`` (a Singer tap or target), the child's stderr is a pipe
instead: every byte is copied to ours as it arrives, and its ``METRIC:`` lines
become ``singer_*`` metrics published with the others (see
:mod:`flext_observability.cli.singer`).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final, Self

import attrs
import psutil
from prometheus_client.parser import text_string_to_metric_families
from returns.result import Failure

from flext_observability.cli.singer import RESERVED_LABELS, SingerMetrics, StderrRelay
from flext_observability.core.redaction import DEFAULT_POLICY, redact_text
from flext_observability.shell.metrics.service import FlextMetricsService
from flext_observability.shell.tracing.service import FlextTracingService

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from types import FrameType

    from flext_observability.shell.tracing.span import AnySpan

SAMPLE_INTERVAL_SECONDS: Final = 0.2
"""How often the sampling thread reads the child's process tree."""

PUSH_TIMEOUT_SECONDS: Final = 5.0
"""The bound on the whole push, retries included."""

SPAN_EXPORT_TIMEOUT_SECONDS: Final = 5.0
"""The bound on exporting the run's span when the child has ended."""

SINGER_DRAIN_SECONDS: Final = 5.0
"""With ``--singer``, how long the copy of stderr may go without a byte once the child has ended."""

ENVIRONMENT_CARRIER: Final = {"traceparent": "TRACEPARENT", "tracestate": "TRACESTATE", "baggage": "BAGGAGE"}
"""The environment variable that carries each propagation header, as OpenTelemetry names them."""

FORWARDED_SIGNALS: Final = (signal.SIGINT, signal.SIGTERM)
"""The signals passed on to the child."""

METRIC_PREFIX: Final = "batch_job_"

_COMMAND_NOT_FOUND: Final = 127
_COMMAND_NOT_RUNNABLE: Final = 126
_SIGNAL_BASE: Final = 128
_MAX_TEXTFILE_BYTES: Final = 1 << 20
_LABEL_NAME: Final = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_PROGRAM: Final = "flext-observability run"


@attrs.frozen
class RunOutcome:
    """What one run of the command measured.

    ``exit_status`` is what the run exits with: the child's exit code, 128 + N
    when signal N ended it, 127 when the command was not found and 126 when it
    could not be started.
    """

    exit_status: int
    started_at: float
    ended_at: float
    duration_seconds: float
    cpu_seconds: float
    peak_rss_bytes: int

    @property
    def succeeded(self) -> bool:
        """Whether the command ended with exit code 0."""
        return self.exit_status == 0


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``run`` subcommand to the command line's subcommands."""
    parser = subparsers.add_parser(
        "run",
        help="run a batch job, trace it and publish its duration, exit code, CPU time and peak memory",
        description=(
            "Run CMD as a child process (no shell; its stdin, stdout and stderr are its own, but for --singer, "
            "which reads its stderr and copies it through), pass it the "
            "run's span in TRACEPARENT, TRACESTATE and BAGGAGE, and publish the metrics of a batch job. "
            "Exits with the command's exit code, or 128+N when signal N ended it."
        ),
    )
    parser.add_argument("--job", type=_job_name, help="the job's name (default: the command's file name)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--pushgateway", metavar="URL", help="push the metrics to this Pushgateway (method pushadd)")
    output.add_argument(
        "--textfile", metavar="PATH", type=_textfile_path, help="write the metrics to this .prom file, atomically"
    )
    parser.add_argument(
        "--grouping",
        metavar="NAME=VALUE",
        type=_grouping_pair,
        action="extend",
        nargs="+",
        default=[],
        help="a label of the job's group (its grouping key on the Pushgateway, labels in a textfile); repeatable",
    )
    parser.add_argument(
        "--singer",
        action="store_true",
        help=(
            "CMD is a Singer tap or target: copy its stderr through unchanged, read its METRIC: lines "
            "(record counts, sync and HTTP request durations) and publish them as singer_* metrics "
            "with the batch_job_* ones"
        ),
    )
    # Not "command": the main parser keeps the subcommand's name there.
    parser.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- CMD ...", help="the command and its arguments")


def run_command(arguments: argparse.Namespace) -> int:
    """Run the command of parsed ``run`` arguments; return the exit code the process should end with."""
    argv = list(arguments.argv)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        _say("give the command to run after --, as in: flext-observability run --job nightly -- ./load.sh")
        return 2
    grouping = dict(arguments.grouping)
    if len(grouping) != len(arguments.grouping):
        _say("each --grouping label may be given once")
        return 2
    job = arguments.job or Path(argv[0]).name or "batch"
    singer = None
    if arguments.singer:
        taken = sorted(RESERVED_LABELS & grouping.keys())
        if taken:
            _say(f"--grouping {taken[0]}=... clashes with a label of the Singer metrics; name the label otherwise")
            return 2
        try:
            singer = SingerMetrics(constant_labels={"job": job, **grouping} if arguments.textfile is not None else {})
        except ValueError as error:
            _say(str(error))
            return 2
    outcome = run_traced(argv, job, singer=singer)
    if singer is not None:
        _report(singer)
    service = None if singer is None else singer.service
    if arguments.pushgateway is not None:
        _push(outcome, arguments.pushgateway, job, grouping, service)
    elif arguments.textfile is not None:
        _write(outcome, arguments.textfile, {"job": job, **grouping}, service)
    return outcome.exit_status


def _report(singer: SingerMetrics) -> None:
    """Say, once the child's stderr is copied, what its METRIC lines had that was not recorded."""
    report = singer.report()
    if report and singer.open_line:
        sys.stderr.write("\n")  # the child's last line had no end: ours start on a line of their own
    for line in report:
        _say(line)


def run_traced(
    argv: Sequence[str], job: str, environ: Mapping[str, str] | None = None, singer: SingerMetrics | None = None
) -> RunOutcome:
    """Run ``argv`` under a span named ``job`` and return what was measured; never raises for the child's sake.

    With ``singer``, the child's stderr is copied through and its ``METRIC:`` lines recorded there.
    """
    environment = dict(os.environ if environ is None else environ)
    tracing = FlextTracingService.from_environment(_tracing_environment(environment, job))
    incoming = {header: environment[name] for header, name in ENVIRONMENT_CARRIER.items() if name in environment}
    try:
        with tracing.start_span(
            job, parent=tracing.extract(incoming), attributes={"process.executable.name": Path(argv[0]).name}
        ) as span:
            outcome = supervise(argv, _child_environment(tracing, span, environment), singer)
            span.set_attribute("process.exit.code", outcome.exit_status)
            if not outcome.succeeded:
                span.set_status("error", f"exit status {outcome.exit_status}")
    finally:
        tracing.shutdown(SPAN_EXPORT_TIMEOUT_SECONDS)
    return outcome


def supervise(argv: Sequence[str], environment: Mapping[str, str], singer: SingerMetrics | None = None) -> RunOutcome:
    """Start ``argv`` with ``environment``, pass SIGINT and SIGTERM on to it, wait for it and measure it.

    With ``singer``, its stderr is a pipe copied to ours, its ``METRIC:`` lines recorded in ``singer``.
    """
    forwarder = _SignalForwarder()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started_at, start = time.time(), time.monotonic()
    with forwarder:
        try:
            process = subprocess.Popen(  # noqa: S603 - running the user's command is the point
                list(argv), env=dict(environment), stderr=None if singer is None else subprocess.PIPE
            )
        except OSError as error:
            code = _COMMAND_NOT_FOUND if isinstance(error, FileNotFoundError) else _COMMAND_NOT_RUNNABLE
            _say(f"cannot run {argv[0]!r}: {error.strerror or error}")
            return RunOutcome(code, started_at, time.time(), time.monotonic() - start, 0.0, 0)
        forwarder.attach(process)
        relay = None if singer is None or process.stderr is None else StderrRelay(process.stderr.fileno(), singer)
        if relay is not None:
            relay.start()
        sampler = _PeakSampler(process.pid)
        sampler.start()
        try:
            returncode = process.wait()
        finally:
            sampler.stop()
            if relay is not None and relay.finish(SINGER_DRAIN_SECONDS) and process.stderr is not None:
                process.stderr.close()
    duration, ended_at = time.monotonic() - start, time.time()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    status = returncode if returncode >= 0 else _SIGNAL_BASE - returncode
    return RunOutcome(status, started_at, ended_at, duration, max(cpu, 0.0), sampler.peak)


class _SignalForwarder:
    """While entered, SIGINT and SIGTERM go to the attached child instead of ending this process.

    A signal that arrives before the child exists is held and sent as soon as
    it is attached. A SIGINT while this process is in its terminal's
    foreground group is not sent again: the terminal's Ctrl-C already reached
    the child, which shares the group. Outside the main thread (where Python
    cannot install handlers) nothing is forwarded.
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._pending: list[int] = []
        self._previous: dict[int, object] = {}

    def __enter__(self) -> Self:
        if threading.current_thread() is threading.main_thread():
            for number in FORWARDED_SIGNALS:
                self._previous[number] = signal.signal(number, self._received)
        return self

    def __exit__(self, *_: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type] # what signal.signal returned before
        self._previous.clear()

    def attach(self, process: subprocess.Popen[bytes]) -> None:
        """Forward to ``process`` from now on, starting with any signal already held."""
        self._process = process
        pending, self._pending = self._pending, []
        for number in pending:
            self._send(number)

    def _received(self, number: int, _frame: FrameType | None) -> None:
        if number == signal.SIGINT and _terminal_delivered_it():
            return
        if self._process is None:
            self._pending.append(number)
        else:
            self._send(number)

    def _send(self, number: int) -> None:
        if self._process is not None:
            # Popen checks first that the child was not reaped, so a reused PID is never signalled.
            with contextlib.suppress(OSError):
                self._process.send_signal(number)


def _terminal_delivered_it() -> bool:
    """Whether this process is in the foreground group of its terminal (where a Ctrl-C goes to every member)."""
    for descriptor in (0, 1, 2):
        try:
            if os.isatty(descriptor):
                return os.tcgetpgrp(descriptor) == os.getpgrp()
        except OSError:
            continue
    return False


class _PeakSampler:
    """One daemon thread reading the resident memory of a process tree every :data:`SAMPLE_INTERVAL_SECONDS`.

    The first sample is taken at once. ``peak`` is the largest sum seen; it is
    read after :meth:`stop` has joined the thread.
    """

    def __init__(self, pid: int) -> None:
        self.peak = 0
        self._pid = pid
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="flext-run-memory", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5.0)

    def _sample(self) -> None:
        try:
            root = psutil.Process(self._pid)
        except psutil.Error:
            return
        while True:
            self.peak = max(self.peak, _tree_rss(root))
            if self._stopped.wait(SAMPLE_INTERVAL_SECONDS):
                return


def _tree_rss(root: psutil.Process) -> int:
    """The resident bytes of ``root`` and its descendants now; processes that vanish meanwhile count 0."""
    try:
        members = [root, *root.children(recursive=True)]
    except psutil.Error:
        members = [root]
    total = 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue
    return total


def _tracing_environment(environment: Mapping[str, str], job: str) -> dict[str, str]:
    """The ``OTEL_*`` variables, naming the service after the job unless they already name it."""
    chosen = dict(environment)
    if "OTEL_SERVICE_NAME" not in chosen and "service.name=" not in chosen.get("OTEL_RESOURCE_ATTRIBUTES", ""):
        chosen["OTEL_SERVICE_NAME"] = job
    return chosen


def _child_environment(tracing: FlextTracingService, span: AnySpan, environment: Mapping[str, str]) -> dict[str, str]:
    """The child's environment: ours, with the run's span in place of any trace context we were given."""
    carrier: dict[str, str] = {}
    tracing.inject(carrier, span)
    child = {name: value for name, value in environment.items() if name not in ENVIRONMENT_CARRIER.values()}
    child.update(
        {ENVIRONMENT_CARRIER[header]: value for header, value in carrier.items() if header in ENVIRONMENT_CARRIER}
    )
    return child


def _metrics(
    outcome: RunOutcome,
    labels: Mapping[str, str],
    last_success: float | None,
    service: FlextMetricsService | None = None,
) -> FlextMetricsService | str:
    """The metrics service (a new one, or ``service``) with the run's gauges (with ``labels``), or why not."""
    service = FlextMetricsService() if service is None else service
    values: list[tuple[str, str, str, float]] = [
        ("last_completion_timestamp_seconds", "When the job last ended, in Unix time.", "seconds", outcome.ended_at),
        ("duration_seconds", "How long the job's last run took.", "seconds", outcome.duration_seconds),
        ("exit_code", "The exit code of the job's last run (128+N: ended by signal N).", "", outcome.exit_status),
        ("cpu_seconds", "CPU time (user and system) of the job's last run.", "seconds", outcome.cpu_seconds),
        (
            "peak_resident_memory_bytes",
            "The largest resident memory of the job's process tree seen in its last run.",
            "bytes",
            outcome.peak_rss_bytes,
        ),
    ]
    if last_success is not None:
        values.insert(
            0,
            (
                "last_success_timestamp_seconds",
                "When the job last ended with exit code 0, in Unix time.",
                "seconds",
                last_success,
            ),
        )
    for suffix, help_text, unit, value in values:
        defined = service.gauge(METRIC_PREFIX + suffix, help_text, unit=unit, labels=tuple(labels))
        if isinstance(defined, Failure):
            return str(defined.failure())
        gauge = defined.unwrap()
        recorded = (gauge.labels(**labels) if labels else gauge).set(value)
        if isinstance(recorded, Failure):
            return str(recorded.failure())
    return service


def _push(
    outcome: RunOutcome,
    gateway: str,
    job: str,
    grouping: Mapping[str, str],
    singer: FlextMetricsService | None = None,
) -> None:
    """Push the run's metrics, and those ``singer`` holds, to the gateway's group (``pushadd``).

    One stderr line when that fails.
    """
    service = _metrics(outcome, {}, outcome.ended_at if outcome.succeeded else None, singer)
    if isinstance(service, str):
        _say(f"the metrics were not pushed: {service}")
        return
    pushed = service.push(
        gateway,
        job,
        grouping_key=grouping,
        method="pushadd",
        timeout=PUSH_TIMEOUT_SECONDS,
        include_self_metrics=False,
    )
    if isinstance(pushed, Failure):
        _say(f"the metrics were not pushed (the exit code is the command's): {pushed.failure()}")


def _write(
    outcome: RunOutcome, path: Path, labels: Mapping[str, str], singer: FlextMetricsService | None = None
) -> None:
    """Write the run's metrics (and those ``singer`` holds) to the textfile; one stderr line when that fails."""
    last_success = outcome.ended_at if outcome.succeeded else _previous_success(path, labels)
    service = _metrics(outcome, labels, last_success, singer)
    if isinstance(service, str):
        _say(f"the metrics were not written: {service}")
        return
    written = service.write_textfile(path, include_self_metrics=False)
    if isinstance(written, Failure):
        _say(f"the metrics were not written (the exit code is the command's): {written.failure()}")


def _previous_success(path: Path, labels: Mapping[str, str]) -> float | None:
    """The success timestamp an earlier run left in the textfile for the same labels, if any."""
    try:
        with path.open("rb") as stream:
            content = stream.read(_MAX_TEXTFILE_BYTES + 1)
        if len(content) > _MAX_TEXTFILE_BYTES:
            return None
        families = list(text_string_to_metric_families(content.decode("utf-8")))
    except (OSError, UnicodeDecodeError, ValueError, TypeError, IndexError):
        # No file yet, or one that is not an exposition: there is no earlier success to keep.
        return None
    wanted = METRIC_PREFIX + "last_success_timestamp_seconds"
    for family in families:
        for sample in family.samples:
            if sample.name == wanted and sample.labels == dict(labels) and math.isfinite(sample.value):
                return float(sample.value)
    return None


def _job_name(text: str) -> str:
    if not text:
        message = "the job name must not be empty"
        raise argparse.ArgumentTypeError(message)
    return text


def _textfile_path(text: str) -> Path:
    path = Path(text)
    if path.suffix != ".prom":
        message = f"node_exporter's textfile collector reads only *.prom files; name it {path.stem or 'job'}.prom"
        raise argparse.ArgumentTypeError(message)
    return path


def _grouping_pair(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals:
        message = f"{text!r} is not NAME=VALUE; write it as, for example, pipeline=orders"
        raise argparse.ArgumentTypeError(message)
    if not _LABEL_NAME.fullmatch(name) or name.startswith("__"):
        message = f"{name!r} is not a label name; use letters, digits and underscores, not starting with a digit or __"
        raise argparse.ArgumentTypeError(message)
    if name == "job":
        message = "the job label is set by --job, not by --grouping"
        raise argparse.ArgumentTypeError(message)
    return name, value


def _say(message: str) -> None:
    """One line on stderr, its credentials redacted."""
    line = redact_text(DEFAULT_POLICY, message).replace("\r", " ").replace("\n", " ")
    sys.stderr.write(f"{_PROGRAM}: {line}\n")
    sys.stderr.flush()
