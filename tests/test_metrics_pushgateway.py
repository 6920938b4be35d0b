"""Batch jobs: ``service.push`` against a real Pushgateway, and ``service.write_textfile`` checked by promtool.

Unreachable gateways are simulated on loopback (``loopback.py``): a free port with
nothing listening (refused at once), a socket that accepts and never answers (black
hole) and one that answers a header line every 0.3 s, longer than any push may wait
(trickle). Every call must come back as a ``Result`` within its timeout plus a small
margin.
"""

from __future__ import annotations

import gc
import math
import threading
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
from loopback import LoopbackServer, Serve, black_hole, trickle
from prometheus_client.parser import text_string_to_metric_families as parse_text
from returns.result import Failure, Result, Success
from servers import Pushgateway, free_port, promtool_lint

from flext_observability.core.errors import FlextExportError
from flext_observability.shell.metrics.service import FlextMetricsService

if TYPE_CHECKING:
    from flext_observability.shell.metrics.push import PushMethod

pytestmark = pytest.mark.integration

JOB = "nightly_etl"
TAP = 'pg "main" \\n\nü'  # a quote, a backslash before an "n", a newline, non-ASCII
ROWS = 1200.0
TIMEOUT = 1.0
MARGIN = 0.5
REJECTED = "pushed metrics are invalid or inconsistent with existing metrics"

Labels = frozenset[tuple[str, str]]


def batch_service(depth: float = 7.0) -> FlextMetricsService:
    """A batch job's service: a labelled counter, a gauge and a histogram."""
    service = FlextMetricsService()
    rows = service.counter("batch_rows_total", "Rows loaded.", labels=("tap",)).unwrap()
    assert rows.labels(tap=TAP).inc(ROWS) == Success(None)
    assert service.gauge("batch_queue_depth", "Items left.").unwrap().set(depth) == Success(None)
    duration = service.histogram("batch_duration_seconds", "Run time.", buckets=(1.0, 10.0)).unwrap()
    assert duration.observe(2.5) == Success(None)
    return service


def gauge_service(**values: float) -> FlextMetricsService:
    """A service holding one unlabeled gauge per keyword, set to its value."""
    service = FlextMetricsService()
    for name, value in values.items():
        assert service.gauge(name, f"The {name}.").unwrap().set(value) == Success(None)
    return service


def pushed(gateway: Pushgateway, name: str) -> dict[Labels, float]:
    """The samples called ``name`` that the gateway exposes, by label set, read with prometheus_client's parser."""
    return {
        frozenset(sample.labels.items()): float(sample.value)
        for family in parse_text(gateway.metrics_text())
        for sample in family.samples
        if sample.name == name
    }


def group_labels(gateway: Pushgateway) -> list[dict[str, str]]:
    """The grouping labels of every group the gateway holds."""
    return [dict(group["labels"]) for group in gateway.groups()]


def groups_become(gateway: Pushgateway, expected: list[dict[str, str]], timeout: float = 5.0) -> list[dict[str, str]]:
    """The gateway's groups once they equal ``expected``, or as they are after ``timeout``.

    The Pushgateway answers a DELETE with 202 Accepted and applies it a moment later,
    so a test reading the groups right after a delete polls for a few seconds.
    """
    deadline = time.monotonic() + timeout
    groups = group_labels(gateway)
    while groups != expected and time.monotonic() < deadline:
        time.sleep(0.05)
        groups = group_labels(gateway)
    return groups


def find_group(gateway: Pushgateway, **labels: str) -> dict[str, Any]:
    """The group with exactly these grouping labels."""
    for group in gateway.groups():
        if group["labels"] == labels:
            return group
    msg = f"no group {labels}; groups: {group_labels(gateway)}"
    raise AssertionError(msg)


def export_failure(result: Result[None, FlextExportError]) -> FlextExportError:
    """The error of a result that must be a Failure."""
    assert isinstance(result, Failure), result
    error = result.failure()
    assert isinstance(error, FlextExportError)
    return error


# --- a real Pushgateway ---------------------------------------------------------


def test_push_shows_every_metric_with_job_and_grouping_labels(pushgateway: Pushgateway) -> None:
    """Ensures a push stores each metric under the job and grouping labels with the recorded values."""
    result = batch_service().push(pushgateway.url, JOB, grouping_key={"instance": "worker-1"}, timeout=5.0)
    assert result == Success(None)
    assert group_labels(pushgateway) == [{"job": JOB, "instance": "worker-1"}]
    group = find_group(pushgateway, job=JOB, instance="worker-1")
    assert {group[name]["type"] for name in ("batch_rows_total", "batch_queue_depth", "batch_duration_seconds")} == {
        "COUNTER",
        "GAUGE",
        "HISTOGRAM",
    }
    grouping = {("job", JOB), ("instance", "worker-1")}
    assert pushed(pushgateway, "batch_rows_total") == {frozenset({*grouping, ("tap", TAP)}): ROWS}
    assert pushed(pushgateway, "batch_queue_depth") == {frozenset(grouping): 7.0}
    buckets = pushed(pushgateway, "batch_duration_seconds_bucket")
    assert {dict(labels)["le"]: value for labels, value in buckets.items()} == {"1": 0.0, "10": 1.0, "+Inf": 1.0}
    assert pushed(pushgateway, "batch_duration_seconds_count") == {frozenset(grouping): 1.0}
    assert pushed(pushgateway, "batch_duration_seconds_sum") == {frozenset(grouping): 2.5}


def test_pushadd_replaces_only_metrics_of_the_same_name(pushgateway: Pushgateway) -> None:
    """Ensures pushadd replaces same-named metrics of the group and keeps the others, while push replaces the group."""
    key = {"instance": "worker-2"}
    grouping = frozenset({("job", JOB), ("instance", "worker-2")})
    assert gauge_service(load=2.0, other=5.0).push(pushgateway.url, JOB, grouping_key=key) == Success(None)
    assert gauge_service(load=7.0).push(pushgateway.url, JOB, grouping_key=key, method="pushadd") == Success(None)
    assert pushed(pushgateway, "load") == {grouping: 7.0}
    assert pushed(pushgateway, "other") == {grouping: 5.0}
    assert gauge_service(load=9.0).push(pushgateway.url, JOB, grouping_key=key, method="push") == Success(None)
    assert pushed(pushgateway, "load") == {grouping: 9.0}
    assert pushed(pushgateway, "other") == {}


def test_delete_removes_only_its_group(pushgateway: Pushgateway) -> None:
    """Ensures delete removes the group it names and leaves the job's other groups alone."""
    service = gauge_service(load=1.0)
    assert service.push(pushgateway.url, JOB, grouping_key={"instance": "a"}) == Success(None)
    assert service.push(pushgateway.url, JOB, grouping_key={"instance": "b"}) == Success(None)
    assert service.push(pushgateway.url, JOB, grouping_key={"instance": "a"}, method="delete") == Success(None)
    expected = [{"job": JOB, "instance": "b"}]
    assert groups_become(pushgateway, expected) == expected
    assert pushed(pushgateway, "load") == {frozenset({("job", JOB), ("instance", "b")}): 1.0}


def test_awkward_job_and_grouping_values_round_trip(pushgateway: Pushgateway) -> None:
    """Ensures a job and grouping values with slashes, an empty value and non-ASCII text name the group exactly."""
    job = "etl/nightly run"
    key = {"path": "/var/lib/a/b/", "empty": "", "unicode": "café ✓ 日本", "spaces": "a b%2F c"}
    service = gauge_service(load=3.0)
    assert service.push(pushgateway.url, job, grouping_key=key) == Success(None)
    assert group_labels(pushgateway) == [{"job": job, **key}]
    assert service.push(pushgateway.url, job, grouping_key=key, method="pushadd") == Success(None)
    assert len(group_labels(pushgateway)) == 1
    assert service.push(pushgateway.url, job, grouping_key=key, method="delete") == Success(None)
    assert groups_become(pushgateway, []) == []


def test_rejected_push_is_a_failure_with_status_and_reason(pushgateway: Pushgateway) -> None:
    """Ensures a push the gateway refuses returns at once a Failure with HTTP 400 and the gateway's own reason."""
    first = gauge_service(load=1.0)
    assert first.push(pushgateway.url, JOB, grouping_key={"instance": "a"}) == Success(None)
    # The same name as a histogram: inconsistent with the gauge the gateway holds in group a.
    second = FlextMetricsService()
    assert second.histogram("load", "The load.", buckets=(1.0,)).unwrap().observe(0.5) == Success(None)
    error = export_failure(
        second.push(pushgateway.url, JOB, grouping_key={"instance": "b"}, method="pushadd", retries=2)
    )
    assert error.status == 400
    assert str(error).startswith(f"export to {pushgateway.url} failed (HTTP 400): {REJECTED}")
    # A 4xx is final: the gateway saw exactly one attempt.
    assert pushgateway.log_text().count(REJECTED) == 1
    # The gateway really refuses this exposition, and says so in its body.
    answer = pushgateway.push(JOB, second.export_prometheus().unwrap(), method="POST", instance="b")
    assert answer.status == 400
    # Which of the two clashing series the gateway names depends on Go's map order.
    for reason in (error.message, answer.text.strip()):
        assert reason.startswith(f'{REJECTED}: collected metric "load" '), reason
        assert reason.endswith(("is not a GAUGE", "is not a HISTOGRAM")), reason
    assert pushed(pushgateway, "load") == {frozenset({("job", JOB), ("instance", "a")}): 1.0}


# --- gateways that do not answer ---------------------------------------------


def test_dead_gateway_is_a_failure_within_the_timeout() -> None:
    """Ensures a push to a port nobody listens on returns a Failure (no status) within its timeout plus a margin."""
    url = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    error = export_failure(gauge_service(load=1.0).push(url, JOB, timeout=TIMEOUT, retries=2))
    elapsed = time.monotonic() - started
    assert elapsed < TIMEOUT + MARGIN, elapsed
    assert error.status is None
    assert error.target == url
    assert "refused" in error.message.lower()


def black_holed_gateway(serve: Serve) -> LoopbackServer:
    """A gateway that accepts connections and never reads nor answers."""
    return serve(black_hole, read_request=False)


def trickling_gateway(serve: Serve) -> LoopbackServer:
    """A gateway that starts an answer at once and sends one more header line every 0.3 s, as long as a test waits."""
    return serve(trickle(b"HTTP/1.1 200 OK\r\n", period=0.3, piece=b"X-Slow: yes\r\n"), read_request=False)


def push_in_thread(service: FlextMetricsService, url: str) -> tuple[list[object], threading.Thread]:
    """Start a push in a daemon thread (so a hang cannot hang the test); its outcome lands in the list."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(service.push(url, JOB, timeout=TIMEOUT, retries=2))
        except BaseException as error:  # noqa: BLE001 - the test reports any exception that escapes
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return outcome, thread


def test_black_holed_gateway_is_a_failure_within_the_timeout(serve: Serve) -> None:
    """Ensures a push to a gateway that accepts and never answers returns a Failure within its timeout plus a margin."""
    gateway = black_holed_gateway(serve)
    started = time.monotonic()
    outcome, thread = push_in_thread(gauge_service(load=1.0), gateway.origin)
    thread.join(TIMEOUT + MARGIN)
    elapsed = time.monotonic() - started
    assert not thread.is_alive(), f"push still running after {elapsed:.1f} s (timeout {TIMEOUT} s)"
    assert len(outcome) == 1
    error = export_failure(cast("Result[None, FlextExportError]", outcome[0]))
    assert error.status is None
    assert "timed out" in error.message.lower()


def test_trickling_gateway_is_a_failure_within_the_timeout(serve: Serve) -> None:
    """Ensures a gateway sending a header line every 0.3 s cannot hold a push beyond its timeout plus a margin."""
    gateway = trickling_gateway(serve)
    started = time.monotonic()
    outcome, thread = push_in_thread(gauge_service(load=1.0), gateway.origin)
    thread.join(TIMEOUT + MARGIN)
    elapsed = time.monotonic() - started
    try:
        assert not thread.is_alive(), f"push still running after {elapsed:.1f} s although its timeout is {TIMEOUT} s"
        assert len(outcome) == 1
        export_failure(cast("Result[None, FlextExportError]", outcome[0]))
    finally:
        gateway.stop()  # ends a push still waiting, so no thread outlives the test
        thread.join(5.0)


@pytest.mark.parametrize(
    ("url", "job", "options"),
    [
        ("http://127.0.0.1:{port}", JOB, {"method": "bogus"}),
        ("http://127.0.0.1:{port}", JOB, {"timeout": 0.0}),
        ("http://127.0.0.1:{port}", JOB, {"timeout": -1.0}),
        ("http://127.0.0.1:{port}", JOB, {"grouping_key": {"bad-name": "x"}}),
        ("http://127.0.0.1:{port}", "", {}),
        ("not a url", JOB, {"timeout": TIMEOUT}),
        ("http://[::1", JOB, {"timeout": TIMEOUT}),
        ("http://127.0.0.1:99999", JOB, {"timeout": TIMEOUT}),
    ],
    ids=[
        "unknown-method",
        "zero-timeout",
        "negative-timeout",
        "bad-label",
        "empty-job",
        "garbage-url",
        "broken-url",
        "bad-port",
    ],
)
def test_no_exception_escapes(pushgateway: Pushgateway, url: str, job: str, options: dict[str, Any]) -> None:
    """Ensures a push with bad arguments returns a Failure with a message rather than raising."""
    gateway = url.format(port=pushgateway.port)
    options = dict(options)  # the parameter's dict is shared between runs
    method = cast("PushMethod", options.pop("method", "push"))
    started = time.monotonic()
    error = export_failure(gauge_service(load=1.0).push(gateway, job, method=method, **options))
    assert error.message
    assert time.monotonic() - started < TIMEOUT + MARGIN
    assert group_labels(pushgateway) == []


@pytest.mark.parametrize("timeout", [math.nan, math.inf], ids=["nan", "inf"])
def test_non_finite_timeout_leaks_no_socket(pushgateway: Pushgateway, timeout: float) -> None:
    """Ensures a NaN or infinite timeout gives a Result without leaving unclosed sockets to the garbage collector."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        result = gauge_service(load=1.0).push(pushgateway.url, JOB, timeout=timeout, retries=2)
        gc.collect()
    assert isinstance(result, Success | Failure)
    leaks = [str(warning.message) for warning in caught if issubclass(warning.category, ResourceWarning)]
    assert leaks == [], f"{len(leaks)} sockets left unclosed; result: {result}"


# --- textfile ---------------------------------------------------------------------


def test_write_textfile_writes_a_file_promtool_accepts(tmp_path: Path) -> None:
    """Ensures ``write_textfile`` writes exactly the file asked for, which parses back and passes promtool silently."""
    target = tmp_path / "x.prom"
    service = batch_service()
    assert service.write_textfile(target) == Success(target)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["x.prom"]
    text = target.read_text(encoding="utf-8")
    rows = {
        sample.labels["tap"]: sample.value
        for family in parse_text(text)
        for sample in family.samples
        if sample.name == "batch_rows_total"
    }
    assert rows == {TAP: ROWS}
    assert text == service.export_prometheus().unwrap()
    promtool_lint(target.read_bytes())


def test_write_textfile_into_a_missing_folder_is_a_failure(tmp_path: Path) -> None:
    """Ensures a path in a missing folder gives a Failure naming it, creates nothing and leaves no temporary file."""
    target = tmp_path / "missing" / "x.prom"
    result = batch_service().write_textfile(target)
    assert isinstance(result, Failure)
    error = result.failure()
    assert isinstance(error, FlextExportError)
    assert error.target == str(target)
    assert list(tmp_path.rglob("*")) == []


def test_write_textfile_onto_a_folder_is_a_failure(tmp_path: Path) -> None:
    """Ensures a path that is a folder gives a Failure and the temporary file written beside it is removed."""
    target = tmp_path / "metrics.prom"
    target.mkdir()
    result = batch_service().write_textfile(target)
    assert isinstance(result, Failure)
    assert list(tmp_path.rglob("*")) == [target]


@pytest.mark.parametrize("name", ["metrics.txt", "metrics.prom.tmp", "metrics", "metrics.PROM"])
def test_write_textfile_refuses_a_name_the_collector_ignores(tmp_path: Path, name: str) -> None:
    """Ensures a file node_exporter would never read is refused with the name to use, and nothing is written."""
    result = batch_service().write_textfile(tmp_path / name)
    assert "reads only *.prom files; name it" in str(export_failure(result))  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_write_textfile_of_no_path_is_a_failure() -> None:
    """Ensures a path that is not text or a Path is a Failure, not an exception."""
    result = batch_service().write_textfile(None)  # type: ignore[arg-type]
    assert "path must be a str or a Path, got a value of type NoneType" in str(export_failure(result))  # type: ignore[arg-type]


def test_push_can_leave_the_librarys_own_metrics_out(pushgateway: Pushgateway) -> None:
    """Ensures include_self_metrics=False pushes the job's metrics and none of flext_observability_*."""
    service = batch_service()
    service.counter("batch_rows_total", "Rows loaded.", labels=("tap",)).unwrap().inc()  # refused (no labels): counted
    assert service.push(pushgateway.url, JOB, include_self_metrics=False) == Success(None)
    kept = pushgateway.metrics_text()
    assert "batch_rows_total" in kept
    assert "flext_observability_" not in kept
    assert service.push(pushgateway.url, JOB) == Success(None)
    assert "flext_observability_rejected_samples_total" in pushgateway.metrics_text()
