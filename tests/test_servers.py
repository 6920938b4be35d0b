"""The real-server harness of ``servers.py`` against the real Debian binaries."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import servers
from servers import (
    Alertmanager,
    PrometheusFactory,
    PrometheusServer,
    Pushgateway,
    ScrapeError,
    ScrapeJob,
    ServerNotInstalledError,
    ServerStartError,
    http_request,
    port_is_free,
)

pytestmark = pytest.mark.integration

EXPOSITION_TYPE = "text/plain; version=0.0.4; charset=utf-8"
EXPOSITION = """\
# HELP harness_probe_value A fixed value served to prove the scrape path.
# TYPE harness_probe_value gauge
harness_probe_value{source="test"} 42.5
"""


class StaticHttpServer:
    """A loopback HTTP server answering every GET with one fixed body and Content-Type."""

    def __init__(self, body: str, content_type: str) -> None:
        payload = body.encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class names it so
                """Keep the test output free of access logs."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def target(self) -> str:
        """The ``host:port`` Prometheus scrapes."""
        return f"127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        """Stop serving and release the port."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def exposition_target() -> Iterator[StaticHttpServer]:
    """A target serving a valid text exposition with its proper Content-Type."""
    server = StaticHttpServer(EXPOSITION, EXPOSITION_TYPE)
    yield server
    server.close()


@pytest.fixture
def garbage_target() -> Iterator[StaticHttpServer]:
    """A target serving text that no exposition parser accepts."""
    server = StaticHttpServer("this is { not an exposition\n", EXPOSITION_TYPE)
    yield server
    server.close()


def test_prometheus_scrapes_a_target_and_the_value_can_be_queried(
    prometheus_factory: PrometheusFactory, exposition_target: StaticHttpServer
) -> None:
    """Prometheus comes up, scrapes a served exposition and answers a query with its value."""
    prometheus = prometheus_factory([ScrapeJob("probe", exposition_target.target)])
    target = prometheus.wait_for_scrape("probe")
    assert target["health"] == "up"
    assert target["lastError"] == ""
    samples = prometheus.query('harness_probe_value{job="probe"}')
    assert [(sample["metric"]["source"], sample["value"][1]) for sample in samples] == [("test", "42.5")]
    assert prometheus.query("1 + 1")[0]["value"][1] == "2"


def test_a_garbage_target_is_down_with_a_last_error(
    prometheus_factory: PrometheusFactory, garbage_target: StaticHttpServer
) -> None:
    """A target serving garbage shows ``health: down`` and wait_for_scrape raises with its lastError."""
    prometheus = prometheus_factory([ScrapeJob("garbage", garbage_target.target)])
    target = prometheus.wait_for_target("garbage")
    assert target["health"] == "down"
    assert target["lastError"] != ""
    with pytest.raises(ScrapeError, match="lastError") as raised:
        prometheus.wait_for_scrape("garbage", timeout=1.0)
    assert target["lastError"] in str(raised.value)


def test_prometheus_rejects_an_invalid_query(prometheus_factory: PrometheusFactory) -> None:
    """An invalid expression raises with the API's error instead of returning nothing."""
    prometheus = prometheus_factory([])
    with pytest.raises(servers.PrometheusApiError, match="bad_data"):
        prometheus.query("sum(")


def test_a_server_that_exits_early_raises_with_its_log() -> None:
    """A config Prometheus refuses fails the start with the log's reason, and cleans up."""
    server = PrometheusServer([], extra_config={"no_such_field": 1})
    with pytest.raises(ServerStartError, match="exited with status") as raised:
        server.start()
    assert "no_such_field" in str(raised.value)
    assert "no_such_field" in server.log_text()
    assert not server.running
    assert not server.workdir.exists()


def test_pushgateway_accepts_a_push_and_shows_it(pushgateway: Pushgateway) -> None:
    """A PUT of text exposition to /metrics/job/<job> shows up in /metrics and in the groups API."""
    response = pushgateway.push("harness", EXPOSITION, instance="ci")
    assert response.status == 200, pushgateway.log_text()
    assert 'harness_probe_value{instance="ci",job="harness",source="test"} 42.5' in pushgateway.metrics_text()
    labels = [group["labels"] for group in pushgateway.groups()]
    assert {"job": "harness", "instance": "ci"} in labels


def test_pushgateway_logs_why_it_rejects_a_push(pushgateway: Pushgateway) -> None:
    """A push whose type conflicts with a stored one answers 400, and the log says why."""
    assert pushgateway.push("first", "# TYPE harness_conflict counter\nharness_conflict 1\n").status == 200
    rejected = pushgateway.push("second", "# TYPE harness_conflict gauge\nharness_conflict 2\n", method="POST")
    assert rejected.status == 400
    assert 'msg="pushed metrics are invalid or inconsistent' in pushgateway.log_text()
    assert "harness_conflict" in pushgateway.log_text()


def test_alertmanager_accepts_an_alert_and_returns_it(alertmanager: Alertmanager) -> None:
    """A POST to /api/v2/alerts is accepted and the alert comes back from GET."""
    alert = {"labels": {"alertname": "HarnessProbe", "severity": "warning"}, "annotations": {"summary": "probe"}}
    response = alertmanager.post_alerts([alert])
    assert response.status == 200, response.text
    held = alertmanager.alerts()
    assert [(a["labels"], a["annotations"], a["status"]["state"]) for a in held] == [
        ({"alertname": "HarnessProbe", "severity": "warning"}, {"summary": "probe"}, "active")
    ]
    assert alertmanager.post_alerts([{"labels": {}}]).status in {400, 422}


def test_stopping_kills_the_process_and_frees_the_port() -> None:
    """After stop the PID we started is gone, the port is free and the directory removed."""
    with Pushgateway() as gateway:
        pid, port = gateway.pid, gateway.port
        assert pid is not None
        os.kill(pid, 0)  # alive: signal 0 only checks that the PID exists
        assert http_request("GET", f"{gateway.url}/-/healthy").status == 200
    assert not gateway.running
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert port_is_free(port)
    with pytest.raises(OSError, match="refused"):
        http_request("GET", f"{gateway.url}/-/healthy", timeout=2.0)
    assert not gateway.workdir.exists()
    assert "SIGTERM" in gateway.log_text()
    gateway.stop()  # stopping twice is harmless


def test_a_taken_port_is_retried_on_another(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the free port is taken before the server binds it, the start retries on a new one."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        ports = iter([taken])
        real_free_port = servers.free_port
        monkeypatch.setattr(servers, "free_port", lambda: next(ports, None) or real_free_port())
        with Alertmanager() as manager:
            assert manager.port != taken
            assert manager.alerts() == []


def test_a_missing_binary_fails_naming_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: os.PathLike[str]) -> None:
    """Without the binary on PATH the harness raises naming the Debian package and the install command."""
    monkeypatch.setenv("PATH", os.fspath(tmp_path))
    with pytest.raises(ServerNotInstalledError, match="Debian package prometheus-alertmanager") as raised:
        Alertmanager()
    assert "make servers" in str(raised.value)
    assert "apt-get install" in str(raised.value)
