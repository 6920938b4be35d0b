"""Ready-made probes: psutil on this machine and with its errors injected, TCP and HTTP against real servers."""

from __future__ import annotations

import http.server
import socket
import threading
from typing import TYPE_CHECKING

import psutil
import pytest

from flext_observability.core.health.thresholds import higher_is_worse
from flext_observability.core.values import HealthStatus
from flext_observability.shell.health.probes import (
    CpuProbe,
    DiskProbe,
    HttpProbe,
    MemoryProbe,
    ProcessProbe,
    TcpProbe,
    cpu_plan,
    disk_plan,
    disk_plans,
    http_plan,
    memory_plan,
    process_plans,
    tcp_plan,
)
from flext_observability.shell.health.service import FlextHealthService

if TYPE_CHECKING:
    from collections.abc import Iterator

    from flext_observability.core.health.report import HealthReport


@pytest.fixture
def service() -> Iterator[FlextHealthService]:
    """A service on the system clock, shut down at teardown."""
    health = FlextHealthService()
    yield health
    health.shutdown(1.0)


def by_key(report: HealthReport) -> dict[str, tuple[HealthStatus, object, str, str]]:
    """Each check's ``key`` (plus ``@id`` when it has one) mapped to status, observed value, unit and output."""
    return {
        outcome.key + (f"@{outcome.component_id}" if outcome.component_id else ""): (
            outcome.check.status,
            outcome.check.observed_value,
            outcome.check.observed_unit,
            outcome.check.output,
        )
        for outcome in report.outcomes
    }


# --- psutil on this machine --------------------------------------------------------


def test_machine_and_process_probes_read_this_machine(service: FlextHealthService) -> None:
    """CPU, memory, every disk and the process's RSS, open files and threads give numbers with units."""
    service.register_plan(cpu_plan())
    service.register_plan(memory_plan())
    for plan in (*disk_plans(), *process_plans()):
        service.register_plan(plan)
    report = service.check_health().unwrap()
    got = by_key(report)
    assert got["cpu:utilization"][2] == "percent"
    assert 0.0 <= float(got["cpu:utilization"][1]) <= 100.0  # type: ignore[arg-type]
    assert got["memory:utilization"][2] == "percent"
    assert any(key.startswith("disk:utilization@") for key in got)
    pid = service.plans[-1].component_id
    rss = got[f"process:rss@{pid}"]
    assert rss[0] is HealthStatus.PASS
    assert isinstance(rss[1], int)
    assert rss[1] > 1_000_000
    assert rss[2] == "bytes"
    files = got[f"process:openFiles@{pid}"][1]
    assert isinstance(files, int)
    assert files > 0
    threads = got[f"process:threads@{pid}"][1]
    assert isinstance(threads, int)
    assert threads >= 1
    assert all(outcome.component_type == "system" and not outcome.critical for outcome in report.outcomes)


def test_the_first_cpu_reading_is_primed_or_measured_over_an_interval() -> None:
    """Without an interval the probe primes psutil when made; with one, each check measures over it."""
    calls: list[float | None] = []

    def cpu_percent(interval: float | None) -> float:
        calls.append(interval)
        return 0.0 if len(calls) == 1 else 42.0

    probe = CpuProbe(cpu_percent=cpu_percent)
    assert calls == [None]  # primed: the meaningless first reading is spent at set-up
    check = probe()
    assert (check.status, check.observed_value) == (HealthStatus.PASS, 42.0)
    calls.clear()
    measured = CpuProbe(interval=0.05, cpu_percent=cpu_percent)
    assert calls == []
    measured()
    assert calls == [0.05]
    with pytest.raises(ValueError, match="interval"):
        cpu_plan(interval=2.0, timeout=1.0)


def test_readings_are_judged_by_their_thresholds() -> None:
    """A reading at a fail level fails and one at a warn level warns, each saying which level it reached."""

    class Usage:
        def __init__(self, percent: float) -> None:
            self.percent = percent

    full = DiskProbe("/", disk_usage=lambda _: Usage(97.0))()
    assert full.status is HealthStatus.FAIL
    assert "reached the fail level 95.0" in full.output
    busy = MemoryProbe(virtual_memory=lambda: Usage(91.0))()
    assert busy.status is HealthStatus.WARN
    calm = MemoryProbe(threshold=higher_is_worse(fail=99, inclusive=True), virtual_memory=lambda: Usage(91.0))()
    assert calm.status is HealthStatus.PASS


# --- psutil's errors injected --------------------------------------------------------


class DeniedProcess:
    """A psutil-like process whose every reading is refused."""

    def __init__(self, error: psutil.Error) -> None:
        self.error = error

    def memory_info(self) -> psutil._ntp.pmem:
        raise self.error

    def num_threads(self) -> int:
        raise self.error

    def num_fds(self) -> int:
        raise self.error


@pytest.mark.parametrize(
    ("error", "why"),
    [
        (psutil.AccessDenied(pid=1), "access denied"),
        (psutil.NoSuchProcess(pid=1), "the process is gone"),
        (psutil.ZombieProcess(pid=1), "the process is gone"),
    ],
)
def test_psutil_refusals_give_warn_never_a_crash(error: psutil.Error, why: str, service: FlextHealthService) -> None:
    """AccessDenied and NoSuchProcess (and ZombieProcess) from any probe give warn, through the service too."""

    def refuse(*_: object) -> float:
        raise error

    for measurement in ("rss", "openFiles", "threads"):
        check = ProcessProbe(measurement, process=DeniedProcess(error))()
        assert check.status is HealthStatus.WARN
        assert why in check.output
    assert CpuProbe(cpu_percent=refuse)().status is HealthStatus.WARN
    assert MemoryProbe(virtual_memory=refuse)().status is HealthStatus.WARN  # type: ignore[arg-type]
    assert DiskProbe("/", disk_usage=refuse)().status is HealthStatus.WARN  # type: ignore[arg-type]
    service.register(ProcessProbe("rss", process=DeniedProcess(error)), component="process", critical=True)
    report = service.check_health().unwrap()
    assert report.status is HealthStatus.WARN
    assert report.http_status == 200


def test_other_probe_errors_are_a_fail_from_the_service(service: FlextHealthService) -> None:
    """An error that is not psutil's refusal propagates from the probe and the service makes it a fail."""

    def broken(_: float | None) -> float:
        message = "no /proc"
        raise OSError(message)

    with pytest.raises(OSError, match="no /proc"):
        CpuProbe(interval=0.01, cpu_percent=broken)()
    service.register(CpuProbe(interval=0.01, cpu_percent=broken), component="cpu", measurement="utilization")
    status = service.check_health().unwrap().outcomes[0].check
    assert (status.status, status.output) == (HealthStatus.FAIL, "OSError: no /proc")


# --- TCP --------------------------------------------------------------------------


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_tcp_probe_passes_against_a_listening_socket_and_fails_on_a_closed_port(service: FlextHealthService) -> None:
    """A real listener passes with the connect time in ms; a closed port fails, connection refused."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        closed = free_port()
        service.register_plan(tcp_plan("127.0.0.1", port, component="postgres"))
        service.register_plan(tcp_plan("127.0.0.1", closed, component="redis", timeout=0.5))
        got = by_key(service.check_health().unwrap())
    status, value, unit, _ = got[f"postgres:connect@127.0.0.1:{port}"]
    assert (status, unit) == (HealthStatus.PASS, "ms")
    assert isinstance(value, float)
    assert value >= 0.0
    refused = got[f"redis:connect@127.0.0.1:{closed}"]
    assert refused[0] is HealthStatus.FAIL
    assert refused[3] == f"connection refused by 127.0.0.1:{closed}"


def test_tcp_probe_settings_are_checked() -> None:
    """A bad host, port or timeout raises naming it."""
    with pytest.raises(TypeError, match="host"):
        TcpProbe(5, 80)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="port"):
        TcpProbe("db", 70000)
    with pytest.raises(ValueError, match="timeout"):
        TcpProbe("db", 5432, timeout=-1)


# --- HTTP -------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        code = 200 if self.path == "/ok" else 500
        body = b"fine" if code == 200 else b"database unreachable"
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        """Quiet."""


@pytest.fixture
def http_base() -> Iterator[str]:
    """A real http.server on 127.0.0.1: /ok answers 200, anything else 500."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_http_probe_against_a_real_server(http_base: str, service: FlextHealthService) -> None:
    """200 passes with the response time; 500 fails naming both statuses; an expected 500 passes."""
    service.register_plan(http_plan(f"{http_base}/ok", component="api"))
    service.register_plan(http_plan(f"{http_base}/bad", component="billing"))
    service.register_plan(http_plan(f"{http_base}/bad", component="legacy", expect=(500, 503)))
    got = by_key(service.check_health().unwrap())
    status, value, unit, _ = got["api:responseTime"]
    assert (status, unit) == (HealthStatus.PASS, "ms")
    assert isinstance(value, float)
    billing = got["billing:responseTime"]
    assert billing[0] is HealthStatus.FAIL
    assert billing[3].startswith("expected HTTP 200, got 500")
    assert "database unreachable" in billing[3]
    assert got["legacy:responseTime"][0] is HealthStatus.PASS


def test_http_probe_without_an_answer_fails_and_redacts_the_url() -> None:
    """A closed port fails with the client's message, and credentials in the URL never appear."""
    check = HttpProbe(f"http://user:s3cret@127.0.0.1:{free_port()}/health", timeout=0.5)()
    assert check.status is HealthStatus.FAIL
    assert "connection refused" in check.output
    assert "s3cret" not in check.output
    with pytest.raises(ValueError, match="url"):
        HttpProbe("ftp://files/health")
    with pytest.raises(TypeError, match="expect"):
        HttpProbe("http://127.0.0.1/", expect="200")  # type: ignore[arg-type]


def test_disk_plan_names_its_mount() -> None:
    """A disk plan's component id is its path, and the plan is not critical unless asked."""
    plan = disk_plan("/", critical=True)
    assert (plan.key, plan.component_id, plan.critical) == ("disk:utilization", "/", True)
