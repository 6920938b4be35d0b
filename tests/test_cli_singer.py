"""``flext-observability run --singer``: the METRIC line parser, the stderr relay, and real runs of a Singer tap.

The tap is ``tap-rest-api-msdk`` 1.4.2 (Meltano SDK 0.40) in its own virtual
environment (``make tap``), reading a loopback HTTP server the test starts;
its metrics go to a real Pushgateway or to a textfile that promtool checks.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import math
import os
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from commands import PYTHON, child, clean_environment, peak_rss_until_exit, run_arguments
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families
from servers import promtool_lint

from flext_observability.cli.singer import (
    KNOWN_FAMILIES,
    MAX_LABEL_VALUE_LENGTH,
    MAX_LINE_BYTES,
    MAX_OTHER_NAMES,
    MAX_SERIES,
    LineSplitter,
    Reason,
    Refusal,
    SingerMetrics,
    SingerPoint,
    StderrRelay,
    parse_line,
)
from flext_observability.core.metrics.aggregation import CounterState

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from servers import Pushgateway

TIMEOUT = 120
SIGNAL_TIMEOUT = 20
MIB = 1 << 20
REPOSITORY = Path(__file__).resolve().parent.parent
TAP = REPOSITORY / ".venv" / "tap" / "bin" / "tap-rest-api-msdk"
# Each answer of the test's API waits this long, so that request durations have a floor to check.
API_DELAY = 0.05
USERS = [{"id": index, "name": f"user {index}", "active": index % 2 == 0} for index in range(12)]
ORDERS = [{"id": index, "total": index * 1.5} for index in range(4)]
PAGE_SIZE = 5

# What tap-rest-api-msdk 1.4.2 writes (its SDK's logging format), as captured from a run.
SDK_LINES = {
    "http_request_duration": (
        "2026-12-03 14:06:05,669 | INFO     | singer_sdk.metrics   | METRIC: "
        '{"type": "timer", "metric": "http_request_duration", "value": 0.052425, '
        '"tags": {"stream": "users", "endpoint": "/users", "http_status_code": 200, "status": "succeeded"}}'
    ),
    "http_request_count": (
        "2026-12-03 14:06:05,778 | INFO     | singer_sdk.metrics   | METRIC: "
        '{"type": "counter", "metric": "http_request_count", "value": 3, '
        '"tags": {"stream": "users", "endpoint": "/users", "pid": 7915}}'
    ),
    "sync_duration": (
        "2026-12-03 14:06:05,779 | INFO     | singer_sdk.metrics   | METRIC: "
        '{"type": "timer", "metric": "sync_duration", "value": 0.1629793643951416, '
        '"tags": {"stream": "users", "pid": 7915, "context": {}, "status": "succeeded"}}'
    ),
    "record_count": (
        "2026-12-03 14:06:05,779 | INFO     | singer_sdk.metrics   | METRIC: "
        '{"type": "counter", "metric": "record_count", "value": 12, '
        '"tags": {"stream": "users", "pid": 7915, "context": {}}}'
    ),
}


def metric_line(kind: str, metric: str, value: object, **tags: object) -> str:
    """A line as singer-python's logging format writes it."""
    return "INFO METRIC: " + json.dumps({"type": kind, "metric": metric, "value": value, "tags": tags})


def point_of(line: str | bytes) -> SingerPoint:
    """The point ``line`` parses to, failing the test when it does not parse to one."""
    parsed = parse_line(line)
    assert isinstance(parsed, SingerPoint), parsed
    return parsed


def labelled(point: SingerPoint) -> dict[str, str]:
    """The point's labels by name."""
    return dict(zip(point.family.label_names, point.labels, strict=True))


# --- the parser, on hand-written lines ---------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "family", "labels", "value"),
    [
        (
            "http_request_duration",
            "singer_http_request_duration_seconds",
            {"stream": "users", "endpoint": "/users", "status_code": "200", "status": "succeeded"},
            0.052425,
        ),
        ("http_request_count", "singer_http_requests_total", {"stream": "users", "endpoint": "/users"}, 3.0),
        (
            "sync_duration",
            "singer_sync_duration_seconds",
            {"stream": "users", "status": "succeeded"},
            0.1629793643951416,
        ),
        ("record_count", "singer_records_total", {"stream": "users", "endpoint": ""}, 12.0),
    ],
)
def test_the_meltano_sdk_lines_become_their_families(
    metric: str, family: str, labels: dict[str, str], value: float
) -> None:
    """Each kind of line the SDK wrote in a real run names its family, keeps the allowed tags and drops pid, context."""
    point = point_of(SDK_LINES[metric])
    assert (point.family.exposed_name, labelled(point), point.value) == (family, labels, value)


def test_singer_python_lines_become_the_same_families() -> None:
    """singer-python's ``INFO METRIC:`` lines (endpoint for the stream, job_type for jobs) parse alike."""
    records = point_of(metric_line("counter", "record_count", 10, endpoint="users"))
    assert (records.family.exposed_name, labelled(records), records.value) == (
        "singer_records_total",
        {"stream": "", "endpoint": "users"},
        10.0,
    )
    request = point_of(
        metric_line("timer", "http_request_duration", 1.25, endpoint="users", http_status_code=503, status="failed")
    )
    assert labelled(request) == {"stream": "", "endpoint": "users", "status_code": "503", "status": "failed"}
    job = point_of(metric_line("timer", "job_duration", 30, job_type="export"))
    assert (job.family.name, labelled(job), job.value) == (
        "singer_job_duration_seconds",
        {"stream": "", "job_type": "export", "status": ""},
        30.0,
    )


@pytest.mark.parametrize(
    ("kind", "metric", "family"),
    [
        ("counter", "rows_upserted", "singer_rows_upserted_total"),
        ("counter", "Bytes Written", "singer_bytes_written_total"),
        ("counter", "files_total", "singer_files_total"),
        ("timer", "BatchWrite", "singer_batchwrite_seconds"),
        ("timer", "flush.wait-time", "singer_flush_wait_time_seconds"),
        ("timer", "query_seconds", "singer_query_seconds"),
    ],
)
def test_other_metric_names_are_sanitized_with_their_base_unit(kind: str, metric: str, family: str) -> None:
    """A name the table does not know becomes singer_<name>_total or singer_<name>_seconds, lower case."""
    point = point_of(metric_line(kind, metric, 2, stream="s", job_type="j", pid=1))
    assert point.family.exposed_name == family
    assert labelled(point) == {"stream": "s", "endpoint": "", "status_code": "", "status": "", "job_type": "j"}


def test_text_after_the_json_object_is_ignored() -> None:
    """Fields a logging format appends after the message (key=value pairs) do not hide the metric."""
    line = metric_line("counter", "record_count", 4, stream="users") + " cmd_type=elb name=tap-api stdio=stderr"
    point = point_of(line)
    assert (point.family.name, point.labels, point.value) == ("singer_records", ("users", ""), 4.0)


def test_label_values_are_cut_and_cleaned() -> None:
    """A long value is cut, control characters become spaces, a lone surrogate stays valid UTF-8."""
    line = metric_line("counter", "record_count", 1, stream="s" * 5000 + "tail", endpoint="/a\nb\x00c\ud800")
    point = point_of(line.encode("utf-8", "surrogatepass"))
    stream, endpoint = point.labels
    assert stream == "s" * MAX_LABEL_VALUE_LENGTH
    assert endpoint == "/a b c?"
    assert endpoint.encode("utf-8")


HOSTILE_LINES: list[tuple[bytes, Reason]] = [
    (b"INFO METRIC: {not json", Reason.MALFORMED_JSON),
    (b'INFO METRIC: {"type": "counter", "metric": "record_count", "value": 1', Reason.MALFORMED_JSON),
    (b'INFO METRIC: {"type": "counter"} trailing', Reason.MISSING_FIELD),
    (b'INFO METRIC: {"type": "counter", "metric": "record_count", "value": 1 cut', Reason.MALFORMED_JSON),
    (b"INFO METRIC: " + b"[" * 100_000, Reason.LINE_TOO_LONG),
    (b"INFO METRIC: " + b"[" * 30_000 + b"]" * 30_000, Reason.MALFORMED_JSON),
    (b"INFO METRIC: ", Reason.MALFORMED_JSON),
    (b"INFO METRIC: \xff\xfe{}", Reason.NOT_UTF8),
    (b"INFO METRIC: [1, 2]", Reason.NOT_AN_OBJECT),
    (b'INFO METRIC: "counter"', Reason.NOT_AN_OBJECT),
    (b"INFO METRIC: null", Reason.NOT_AN_OBJECT),
    (b'INFO METRIC: {"type": "counter", "metric": "record_count"}', Reason.MISSING_FIELD),
    (b'INFO METRIC: {"metric": "record_count", "value": 1}', Reason.MISSING_FIELD),
    (b'INFO METRIC: {"type": 1, "metric": "record_count", "value": 1}', Reason.WRONG_TYPE),
    (b'INFO METRIC: {"type": "counter", "metric": ["a"], "value": 1}', Reason.WRONG_TYPE),
    (b'INFO METRIC: {"type": "counter", "metric": "record_count", "value": "12"}', Reason.WRONG_TYPE),
    (b'INFO METRIC: {"type": "counter", "metric": "record_count", "value": true}', Reason.WRONG_TYPE),
    (b'INFO METRIC: {"type": "counter", "metric": "record_count", "value": 1, "tags": [1]}', Reason.WRONG_TYPE),
    (
        b'INFO METRIC: {"type": "counter", "metric": "record_count", "value": 1, "tags": {"stream": {}}}',
        Reason.WRONG_TYPE,
    ),
    (
        b'INFO METRIC: {"type": "timer", "metric": "sync_duration", "value": 1, "tags": {"status": 1.5}}',
        Reason.WRONG_TYPE,
    ),
    (b'INFO METRIC: {"type": "gauge", "metric": "queue", "value": 1}', Reason.UNKNOWN_TYPE),
    (b'INFO METRIC: {"type": "timer", "metric": "record_count", "value": 1}', Reason.CONFLICT),
    (b'INFO METRIC: {"type": "counter", "metric": "records", "value": 1}', Reason.CONFLICT),
    (b'INFO METRIC: {"type": "counter", "metric": "metric_lines_refused", "value": 1}', Reason.CONFLICT),
    (b'INFO METRIC: {"type": "counter", "metric": "sync_duration_seconds", "value": 1}', Reason.CONFLICT),
    (b'INFO METRIC: {"type": "counter", "metric": "---", "value": 1}', Reason.BAD_NAME),
    (b'INFO METRIC: {"type": "timer", "metric": "latency_ms", "value": 1}', Reason.BAD_NAME),
    (b'INFO METRIC: {"type": "counter", "metric": "' + b"x" * 300 + b'", "value": 1}', Reason.BAD_NAME),
    (b'INFO METRIC: {"type": "counter", "metric": "record_count", "value": NaN}', Reason.NOT_FINITE),
    (b'INFO METRIC: {"type": "timer", "metric": "sync_duration", "value": -Infinity}', Reason.NOT_FINITE),
    (b'INFO METRIC: {"type": "counter", "metric": "record_count", "value": -1}', Reason.OUT_OF_RANGE),
    (b'INFO METRIC: {"type": "timer", "metric": "sync_duration", "value": -0.5}', Reason.OUT_OF_RANGE),
    (b'INFO METRIC: {"type": "counter", "metric": "record_count", "value": 1e400}', Reason.OUT_OF_RANGE),
    (b'INFO METRIC: {"type": "counter", "metric": "record_count", "value": ' + b"9" * 5000 + b"}", Reason.OUT_OF_RANGE),
    (b'INFO METRIC: {"type": "counter", "metric": "record_count", "value": 1e17}', Reason.OUT_OF_RANGE),
    (b'INFO METRIC: {"type": "timer", "metric": "sync_duration", "value": 1e9}', Reason.OUT_OF_RANGE),
]


@pytest.mark.parametrize(("line", "reason"), HOSTILE_LINES, ids=[reason.value for _, reason in HOSTILE_LINES])
def test_hostile_metric_lines_are_refused_with_their_reason(line: bytes, reason: Reason) -> None:
    """Each broken line gives a refusal naming its reason and saying what was wrong."""
    parsed = parse_line(line)
    assert isinstance(parsed, Refusal), parsed
    assert parsed.reason is reason
    assert parsed.detail
    assert "\n" not in parsed.detail
    assert len(parsed.detail) < 300


@pytest.mark.parametrize(
    "line",
    [b"", b"INFO Beginning full_table sync of 'users'...", b"METRICS: {}", b"metric: {}", b"\xff\xfe\x00", b"\n"],
)
def test_lines_without_the_marker_are_no_metric(line: bytes) -> None:
    """Log lines, singer-python's old ``METRICS:`` and bytes that are no text are simply not metrics."""
    assert parse_line(line) is None


@given(
    st.one_of(st.binary(max_size=400), st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")))
)
def test_any_line_parses_without_raising(data: bytes) -> None:
    """Arbitrary bytes, alone or after the marker, give None, a point or a refusal, never an exception."""
    for line in (data, b"INFO METRIC: " + data, b'METRIC: {"type": "counter", "metric": ' + data):
        parsed = parse_line(line)
        assert parsed is None or isinstance(parsed, SingerPoint | Refusal)
        if isinstance(parsed, SingerPoint):
            assert math.isfinite(parsed.value)
            assert parsed.value >= 0
            assert all(len(value) <= MAX_LABEL_VALUE_LENGTH for value in parsed.labels)


@given(
    st.dictionaries(
        st.sampled_from(["stream", "endpoint", "http_status_code", "status", "job_type", "pid", "context", "x"]),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=150),
            lambda children: (
                st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
            ),
            max_leaves=6,
        ),
    ),
    st.sampled_from([*KNOWN_FAMILIES, "custom_thing"]),
    st.sampled_from(["counter", "timer", "gauge"]),
    st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5), st.none()),
)
def test_any_metric_object_parses_without_raising(tags: dict[str, Any], metric: str, kind: str, value: object) -> None:
    """Any tags, name, type and value: a refusal or a point whose labels come only from the allowed tags."""
    line = "INFO METRIC: " + json.dumps({"type": kind, "metric": metric, "value": value, "tags": tags})
    parsed = parse_line(line.encode("utf-8", "surrogatepass"))
    assert isinstance(parsed, SingerPoint | Refusal)
    if isinstance(parsed, SingerPoint):
        assert set(parsed.family.label_names) <= {"stream", "endpoint", "status_code", "status", "job_type"}
        assert 0 <= parsed.value < 2**53


# --- cutting the stream into lines -------------------------------------------------------------


def reference_lines(data: bytes, limit: int, marker: bytes) -> tuple[list[bytes], int]:
    """The lines of ``data`` holding ``marker`` and within ``limit``, and how many are longer, computed plainly."""
    pieces = data.split(b"\n")
    if pieces[-1] == b"":
        pieces.pop()
    kept = [piece for piece in pieces if len(piece) <= limit and marker in piece]
    return kept, sum(len(piece) > limit for piece in pieces)


@given(
    st.lists(st.sampled_from([b"M:", b"x", b"\n", b"yy", b"M", b":", b"zzzzzzz"]), max_size=60),
    st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=20),
)
def test_the_splitter_finds_the_lines_a_plain_split_finds(parts: list[bytes], sizes: list[int]) -> None:
    """However the stream is cut into chunks, the splitter keeps the same lines and counts the same long ones."""
    data = b"".join(parts)
    splitter = LineSplitter(limit=8, marker=b"M:")
    found: list[bytes] = []
    position = 0
    index = 0
    while position < len(data):
        size = sizes[index % len(sizes)]
        found += splitter.feed(data[position : position + size])
        position += size
        index += 1
    found += splitter.finish()
    assert (found, splitter.too_long) == reference_lines(data, 8, b"M:")


def relay_through_pipe(chunks: Sequence[bytes], recorder: SingerMetrics) -> bytes:
    """What the relay writes for a pipe fed ``chunks`` (fewer bytes than a pipe holds), read to its end."""
    source, sink = os.pipe()
    try:
        for chunk in chunks:
            os.write(sink, chunk)
    finally:
        os.close(sink)
    with tempfile.TemporaryFile() as target:
        try:
            relay = StderrRelay(source, recorder, target.fileno())
            relay.run()
        finally:
            os.close(source)
        assert relay.bytes_copied == sum(map(len, chunks))
        target.seek(0)
        return target.read()


@given(
    st.lists(
        st.one_of(
            st.binary(max_size=200),
            st.sampled_from([b"INFO METRIC: ", b"\n", b"{", b"}", b'"value": 1', SDK_LINES["record_count"].encode()]),
        ),
        max_size=40,
    )
)
def test_every_byte_passes_through_the_relay(chunks: list[bytes]) -> None:
    """The relay's output is exactly its input, whatever lines, metric or broken, the bytes make."""
    assert relay_through_pipe(chunks, SingerMetrics()) == b"".join(chunks)


def feed_pipe(data: bytes) -> tuple[int, threading.Thread]:
    """The read end of a pipe a thread fills with ``data`` (then closes), and that thread, started."""
    source, sink = os.pipe()

    def fill() -> None:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(sink, view) :]
        finally:
            os.close(sink)

    writer = threading.Thread(target=fill, name="test-fill")
    writer.start()
    return source, writer


def test_a_non_blocking_stderr_still_gets_every_byte() -> None:
    """When our stderr is a non-blocking pipe read slowly, the relay waits for room instead of dropping bytes."""
    line = (metric_line("counter", "record_count", 1, stream="s") + "\n").encode()
    data = line * (MIB // len(line) + 1)
    source, writer = feed_pipe(data)
    drain, target = os.pipe()
    os.set_blocking(target, False)
    received = bytearray()

    def read_slowly() -> None:
        while chunk := os.read(drain, 16384):
            received.extend(chunk)
            time.sleep(0.001)

    reader = threading.Thread(target=read_slowly, name="test-drain")
    reader.start()
    recorder = SingerMetrics()
    try:
        StderrRelay(source, recorder, target).run()
    finally:
        os.close(target)
        os.close(source)
        reader.join(timeout=TIMEOUT)
        writer.join(timeout=TIMEOUT)
        os.close(drain)
    assert bytes(received) == data
    assert counter_value(recorder, "singer_records_total", stream="s", endpoint="") == data.count(b"\n")


def test_a_closed_stderr_stops_the_copy_but_not_the_reading() -> None:
    """With nobody reading our stderr, the child's pipe is still read to its end and its metrics recorded."""
    line = (metric_line("counter", "record_count", 2, stream="s") + "\n").encode()
    data = line * 2000
    source, writer = feed_pipe(data)
    drain, target = os.pipe()
    os.close(drain)
    recorder = SingerMetrics()
    try:
        relay = StderrRelay(source, recorder, target)
        relay.run()
    finally:
        os.close(target)
        os.close(source)
        writer.join(timeout=TIMEOUT)
    assert relay.bytes_copied == len(data)
    assert counter_value(recorder, "singer_records_total", stream="s", endpoint="") == 2 * 2000


def counter_value(recorder: SingerMetrics, name: str, **labels: str) -> float:
    """The value of one series of a counter the recorder's service holds."""
    family = recorder.service.snapshot().family(name)
    assert family is not None, name
    state = family.state(**labels)
    assert isinstance(state, CounterState), (name, labels, family.series)
    return state.value


def test_series_beyond_the_cap_share_the_overflow_series_and_are_counted() -> None:
    """Streams beyond a family's cap land in its otel_metric_overflow series; each such line is counted."""
    recorder = SingerMetrics()
    extra = 30
    for index in range(MAX_SERIES + extra):
        recorder.record_line(metric_line("counter", "record_count", 2, stream=f"stream-{index}"))
    recorder.record_line(metric_line("counter", "record_count", 5, stream="stream-0"))
    family = recorder.service.snapshot().family("singer_records_total")
    assert family is not None
    assert len(family.series) == MAX_SERIES + 1
    assert counter_value(recorder, "singer_records_total", stream="stream-0", endpoint="") == 7
    assert counter_value(recorder, "singer_records_total", otel_metric_overflow="true") == 2 * extra
    assert counter_value(recorder, "singer_metric_series_overflow_total") == extra


def test_names_beyond_the_cap_are_refused_and_counted() -> None:
    """Only the first few unknown names become families; the lines of further names are counted as refused."""
    recorder = SingerMetrics()
    extra = 3
    for index in range(MAX_OTHER_NAMES + extra):
        recorder.record_line(metric_line("counter", f"custom_{index}", 1))
    recorder.record_line(metric_line("counter", "custom_0", 1))
    recorder.record_line(metric_line("counter", "record_count", 1, stream="s"))
    assert (
        counter_value(recorder, "singer_custom_0_total", stream="", endpoint="", status_code="", status="", job_type="")
        == 2
    )
    names = {family.spec.exposed_name for family in recorder.service.snapshot().families}
    assert f"singer_custom_{MAX_OTHER_NAMES - 1}_total" in names
    assert f"singer_custom_{MAX_OTHER_NAMES}_total" not in names
    assert counter_value(recorder, "singer_metric_lines_refused_total", reason="too_many_names") == extra
    assert counter_value(recorder, "singer_records_total", stream="s", endpoint="") == 1


# --- through real processes --------------------------------------------------------------------


def run_cli(*arguments: str) -> subprocess.CompletedProcess[bytes]:
    """Run ``flext-observability run ARGUMENTS`` to its end, capturing its output as bytes."""
    return subprocess.run(  # noqa: S603 - our own interpreter and test programs, no shell
        run_arguments(*arguments), capture_output=True, check=False, timeout=TIMEOUT, env=clean_environment()
    )


def samples(text: str, name: str, **labels: str) -> dict[tuple[tuple[str, str], ...], float]:
    """The samples called ``name`` whose labels include ``labels``, by their other labels."""
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and labels.items() <= sample.labels.items():
                rest = tuple(sorted((key, value) for key, value in sample.labels.items() if key not in labels))
                assert rest not in found, f"{name}{sample.labels} appears twice"
                found[rest] = sample.value
    return found


def one(text: str, name: str, **labels: str) -> float:
    """The value of the one sample called ``name`` with (at least) ``labels``."""
    found = samples(text, name, **labels)
    assert len(found) == 1, (name, labels, found)
    return next(iter(found.values()))


def tap_executable() -> Path:
    """The tap's executable in its own environment; fails the test with how to build it."""
    if not TAP.is_file():
        pytest.fail(f"{TAP} is missing: run make tap (it installs tap-rest-api-msdk==1.4.2 in .venv/tap)")
    return TAP


class Api(http.server.BaseHTTPRequestHandler):
    """A small JSON API: /users in pages of PAGE_SIZE (``next_page`` names the next), /orders, and a 404 elsewhere."""

    def do_GET(self) -> None:
        """Answer one request after API_DELAY seconds."""
        url = urllib.parse.urlsplit(self.path)
        time.sleep(API_DELAY)
        if url.path == "/users":
            page = int(urllib.parse.parse_qs(url.query).get("page", ["1"])[0])
            document: dict[str, object] = {"records": USERS[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]}
            if page * PAGE_SIZE < len(USERS):
                document["next_page"] = page + 1
        elif url.path == "/orders":
            document = {"records": ORDERS}
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps(document).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the standard library's name
        """Log nothing."""


@pytest.fixture
def api() -> Iterator[str]:
    """The API's base URL, served on 127.0.0.1 by a thread for the test's length."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Api)
    thread = threading.Thread(target=server.serve_forever, name="test-api", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# Runs the tap with both its streams piped, copying each to a file and on to this process's own, so that the
# test can see the exact bytes the tap wrote next to the bytes that reached the run's output.
TEE = """\
import os, subprocess, sys, threading
tap, config, out_copy, err_copy = sys.argv[1:]
process = subprocess.Popen([tap, "--config", config], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
def tee(stream, target, path):
    with open(path, "wb") as copy:
        while chunk := os.read(stream.fileno(), 65536):
            copy.write(chunk)
            view = memoryview(chunk)
            while view:
                view = view[os.write(target, view):]
threads = [threading.Thread(target=tee, args=(process.stdout, 1, out_copy)),
           threading.Thread(target=tee, args=(process.stderr, 2, err_copy))]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
sys.exit(process.wait())
"""


def tap_command(tmp_path: Path, api: str, streams: Sequence[Mapping[str, object]]) -> list[str]:
    """The tee running the tap on a config for ``streams`` of the API; the copies land in tmp_path."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"api_url": api, "records_path": "$.records[*]", "streams": list(streams)}))
    tee = tmp_path / "tee.py"
    tee.write_text(TEE)
    return [
        PYTHON,
        str(tee),
        str(tap_executable()),
        str(config),
        str(tmp_path / "out.copy"),
        str(tmp_path / "err.copy"),
    ]


def singer_messages(stdout: bytes, kind: str) -> list[dict[str, Any]]:
    """The Singer messages of one type on the tap's stdout, in order."""
    messages = [json.loads(line) for line in stdout.decode().splitlines()]
    return [message for message in messages if message["type"] == kind]


def metric_values(stderr: bytes, metric: str, **tags: object) -> list[float]:
    """The values of the tap's own METRIC lines for ``metric`` whose tags include ``tags``, read plainly."""
    values = []
    for line in stderr.decode().splitlines():
        _, marker, text = line.partition("METRIC: ")
        if marker:
            document = json.loads(text)
            if document["metric"] == metric and tags.items() <= document["tags"].items():
                values.append(float(document["value"]))
    return values


@pytest.mark.integration
def test_a_real_tap_pushes_its_records_and_request_durations(
    tmp_path: Path, api: str, pushgateway: Pushgateway
) -> None:
    """tap-rest-api-msdk reads two streams: its output passes untouched and its metrics reach the Pushgateway."""
    command = tap_command(
        tmp_path,
        api,
        [
            {"name": "users", "path": "/users", "primary_keys": ["id"]},
            {"name": "orders", "path": "/orders", "primary_keys": ["id"]},
        ],
    )
    done = run_cli(
        "--singer", "--job", "tap-api", "--pushgateway", pushgateway.url, "--grouping", "env=test", "--", *command
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == (tmp_path / "out.copy").read_bytes()
    assert done.stderr == (tmp_path / "err.copy").read_bytes()
    assert [
        message["record"] for message in singer_messages(done.stdout, "RECORD") if message["stream"] == "users"
    ] == USERS
    assert [
        message["record"] for message in singer_messages(done.stdout, "RECORD") if message["stream"] == "orders"
    ] == ORDERS
    assert b"| singer_sdk.metrics   | METRIC: " in done.stderr

    text = pushgateway.metrics_text()
    promtool_lint(text)
    group = {"job": "tap-api", "env": "test"}
    assert one(text, "batch_job_exit_code", **group) == 0
    assert (
        one(text, "singer_records_total", stream="users", **group)
        == len(USERS)
        == sum(metric_values(done.stderr, "record_count", stream="users"))
    )
    assert one(text, "singer_records_total", stream="orders", **group) == len(ORDERS)
    pages = math.ceil(len(USERS) / PAGE_SIZE)
    assert one(text, "singer_http_requests_total", stream="users", endpoint="/users", **group) == pages
    request = {"stream": "users", "endpoint": "/users", "status_code": "200", "status": "succeeded", **group}
    durations = metric_values(done.stderr, "http_request_duration", stream="users")
    assert one(text, "singer_http_request_duration_seconds_count", **request) == len(durations) == pages
    assert one(text, "singer_http_request_duration_seconds_sum", **request) == pytest.approx(sum(durations))
    assert sum(durations) >= pages * API_DELAY
    # Each request took API_DELAY and a little more: none is in a bucket below it.
    assert one(text, "singer_http_request_duration_seconds_bucket", le="0.025", **request) == 0
    assert one(text, "singer_http_request_duration_seconds_bucket", le="+Inf", **request) == pages
    assert one(text, "singer_sync_duration_seconds_count", stream="users", status="succeeded", **group) == 1
    assert set(samples(text, "singer_metric_lines_refused_total", **group).values()) == {0}
    assert one(text, "singer_metric_series_overflow_total", **group) == 0


def test_a_failing_tap_keeps_its_exit_code_and_writes_a_clean_textfile(tmp_path: Path, api: str) -> None:
    """A stream answering 404 fails the tap: exit 1, the failed request and sync counted, promtool finds no fault."""
    path = tmp_path / "tap.prom"
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    command = tap_command(
        tmp_path,
        api,
        [
            {"name": "users", "path": "/users", "primary_keys": ["id"]},
            {"name": "vanished", "path": "/vanished", "primary_keys": ["id"], "schema": schema},
        ],
    )
    done = run_cli("--singer", "--job", "tap-api", "--textfile", str(path), "--grouping", "env=test", "--", *command)
    assert done.returncode == 1
    assert done.stdout == (tmp_path / "out.copy").read_bytes()
    assert done.stderr == (tmp_path / "err.copy").read_bytes()
    assert b"FatalAPIError: 404 Client Error" in done.stderr
    text = path.read_text()
    promtool_lint(text)
    group = {"job": "tap-api", "env": "test"}
    assert one(text, "batch_job_exit_code", **group) == 1
    assert one(text, "singer_records_total", stream="users", **group) == len(USERS)
    failed = {"stream": "vanished", "endpoint": "/vanished", "status_code": "404", "status": "failed", **group}
    assert one(text, "singer_http_request_duration_seconds_count", **failed) == 1
    assert one(text, "singer_sync_duration_seconds_count", stream="vanished", status="failed", **group) == 1
    assert one(text, "singer_records_total", stream="vanished", **group) == 0


def test_100_mb_of_stderr_pass_through_while_the_run_stays_small(tmp_path: Path) -> None:
    """100 MB of stderr, metric lines among them, arrive whole while the run's memory stays far below that."""
    metric = metric_line("counter", "record_count", 7, stream="big").encode() + b"\n"
    last = metric_line("counter", "record_count", 1, stream="big").encode()
    blocks, long_at = 100, 50
    code = (
        "import os\n"
        f"block = (b'z' * 1023 + b'\\n') * 1000 + {metric!r}\n"
        f"long_line = b'INFO METRIC: ' + b'y' * {2 * MAX_LINE_BYTES} + b'\\n'\n"
        "def put(data):\n"
        "    view = memoryview(data)\n"
        "    while view:\n"
        "        view = view[os.write(2, view):]\n"
        f"for index in range({blocks}):\n"
        "    put(block)\n"
        f"    if index == {long_at}:\n"
        "        put(long_line)\n"
        f"put({last!r})\n"
    )
    block = (b"z" * 1023 + b"\n") * 1000 + metric
    long_line = b"INFO METRIC: " + b"y" * (2 * MAX_LINE_BYTES) + b"\n"
    expected = hashlib.sha256()
    for index in range(blocks):
        expected.update(block)
        if index == long_at:
            expected.update(long_line)
    expected.update(last)
    size = blocks * len(block) + len(long_line) + len(last)
    assert size > 100 * 1_000_000
    output, metrics = tmp_path / "err.bin", tmp_path / "big.prom"
    with output.open("wb") as stderr:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and test programs, no shell
            run_arguments("--singer", "--textfile", str(metrics), "--", *child(code)),
            stderr=stderr,
            env=clean_environment(),
        )
        largest = peak_rss_until_exit(process)
        process.wait(timeout=TIMEOUT)
    assert process.returncode == 0
    # The child's bytes first, unchanged; then the run's one line about the refused long line.
    report = b"" if last.endswith(b"\n") else b"\n"  # the report starts on a line of its own
    report += b"flext-observability run: 1 Singer METRIC line(s) not recorded (line_too_long: 1); "
    report += b"counted in singer_metric_lines_refused_total\n"
    assert output.stat().st_size == size + len(report)
    digest = hashlib.sha256()
    with output.open("rb") as written:
        left = size
        while left and (chunk := written.read(min(MIB, left))):
            digest.update(chunk)
            left -= len(chunk)
        assert written.read() == report
    assert digest.hexdigest() == expected.hexdigest()
    assert 0 < largest < 100 * MIB
    text = metrics.read_text()
    assert one(text, "singer_records_total", stream="big") == 7 * blocks + 1
    assert one(text, "singer_metric_lines_refused_total", reason="line_too_long") == 1
    assert one(text, "batch_job_peak_resident_memory_bytes") < 100 * MIB


def test_malformed_metric_lines_pass_through_and_are_counted(tmp_path: Path) -> None:
    """Broken, hostile and excessive METRIC lines never break the run: each passes through and is counted."""
    lines = [line for line, _ in HOSTILE_LINES]
    lines += [metric_line("counter", "record_count", 1, stream=f"s{index}").encode() for index in range(MAX_SERIES + 5)]
    lines += [metric_line("counter", f"extra_{index}", 1).encode() for index in range(MAX_OTHER_NAMES + 2)]
    lines += [
        metric_line("timer", "sync_duration", 2.5, stream="x" * 1000, status="succeeded", context={"a": [1]}).encode()
    ]
    lines += [b"plain log line \x1b[31m in red \xff", b"", b"METRIC: {no newline at the end"]
    data = b"\n".join(lines)
    payload = tmp_path / "payload.bin"
    payload.write_bytes(data)
    code = f"import sys\nsys.stderr.buffer.write(open({str(payload)!r}, 'rb').read())\nraise SystemExit(3)"
    path = tmp_path / "hostile.prom"
    done = run_cli("--singer", "--textfile", str(path), "--", *child(code))
    assert done.returncode == 3
    # The child's bytes come through unchanged; then, once, a line per kind of refusal.
    assert done.stderr.startswith(data)
    report = done.stderr[len(data) :].decode().splitlines()
    assert report[0] == ""  # the child's last line had no newline: the report starts on a line of its own
    assert len(report) == 3
    assert report[1].startswith("flext-observability run: ")
    assert "Singer METRIC line(s) not recorded (" in report[1]
    assert "too_many_names: 2" in report[1]
    assert report[1].endswith("counted in singer_metric_lines_refused_total")
    assert report[2] == (
        "flext-observability run: 5 Singer METRIC line(s) went to an overflow series (more than a family's "
        "label sets); counted in singer_metric_series_overflow_total"
    )
    text = path.read_text()
    promtool_lint(text)
    refused = {dict(key)["reason"]: value for key, value in samples(text, "singer_metric_lines_refused_total").items()}
    expected = {reason.value: 0 for reason in Reason}
    for _, reason in HOSTILE_LINES:
        expected[reason.value] += 1
    expected["too_many_names"] += 2
    expected["malformed_json"] += 1
    assert refused == expected
    assert one(text, "singer_metric_series_overflow_total") == 5
    assert one(text, "singer_records_total", otel_metric_overflow="true") == 5
    assert one(text, "singer_sync_duration_seconds_count", stream="x" * MAX_LABEL_VALUE_LENGTH) == 1
    assert one(text, "batch_job_exit_code") == 3


def test_sigterm_to_the_run_reaches_a_singer_child(tmp_path: Path) -> None:
    """SIGTERM sent to the run goes to the child, which it ends: the run exits 143, its stderr copied so far."""
    ready, path = tmp_path / "ready", tmp_path / "signal.prom"
    message = metric_line("counter", "record_count", 3) + "\nwaiting\n"
    code = (
        "import pathlib, sys, time\n"
        f"sys.stderr.write({message!r})\n"
        "sys.stderr.flush()\n"
        f"pathlib.Path({str(ready)!r}).touch()\n"
        "while True: time.sleep(0.05)\n"
    )
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and test programs, no shell
        run_arguments("--singer", "--textfile", str(path), "--", *child(code)),
        env=clean_environment(),
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        while not ready.exists():
            assert process.poll() is None, f"the run ended early with {process.returncode}"
            assert time.monotonic() < deadline, "the child never became ready"
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGTERM)
        _, stderr = process.communicate(timeout=SIGNAL_TIMEOUT)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert process.returncode == 128 + signal.SIGTERM
    assert stderr == message.encode()
    text = path.read_text()
    assert one(text, "batch_job_exit_code") == 143
    assert one(text, "singer_records_total", stream="", endpoint="") == 3


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        *(
            (("--grouping", f"{label}=x"), f"--grouping {label}=... clashes with a label of the Singer metrics")
            for label in ("stream", "status_code", "reason", "le")
        ),
        (
            ("--textfile", "{tmp}/job.prom", "--grouping", "myLabel=x"),
            "the Singer metrics cannot carry the labels ['job', 'myLabel']",
        ),
    ],
)
def test_labels_the_singer_metrics_cannot_carry_are_a_usage_mistake(
    tmp_path: Path, arguments: Sequence[str], message: str
) -> None:
    """A --grouping label the Singer families use, or cannot carry, exits 2 before anything runs, saying why."""
    marker = tmp_path / "ran"  # the command would make it; nothing at all may appear in tmp_path
    given = [argument.replace("{tmp}", str(tmp_path)) for argument in arguments]
    done = run_cli("--singer", *given, "--", "sh", "-c", f"touch {marker}")
    assert done.returncode == 2
    assert message in done.stderr.decode()
    assert sorted(tmp_path.iterdir()) == []


def test_help_describes_the_singer_flag() -> None:
    """``run --help`` says what --singer does."""
    done = subprocess.run(  # noqa: S603 - our own interpreter, no shell
        [*run_arguments("--help")], capture_output=True, text=True, check=False, timeout=TIMEOUT
    )
    assert done.returncode == 0
    assert "--singer" in done.stdout
    assert "METRIC:" in " ".join(done.stdout.split())
