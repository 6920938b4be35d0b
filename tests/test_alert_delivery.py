"""Alert delivery over real HTTP: a rule-driven alert through the real Alertmanager, and hostile webhook receivers.

A receiver that is down, hangs or answers 500 must block nothing: not the
caller, not the rules, not the other sinks. Deliveries are retried, then
counted as failed.
"""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest
from certificates import make_certificate
from returns.result import Success
from servers import Alertmanager, free_port, require_binary

from flext_observability import build_alert
from flext_observability.core.alerts.expressions import threshold
from flext_observability.core.alerts.rules import alert_rule
from flext_observability.logs import FlextLoggingService
from flext_observability.metrics import FlextMetricsService
from flext_observability.shell.alerts.delivery import AlertmanagerSink, LogSink, WebhookSink
from flext_observability.shell.alerts.service import FlextAlertService
from flext_observability.shell.http_client import RetryPolicy
from flext_observability.testing import FakeClock

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from flext_observability import FlextAlert

pytestmark = pytest.mark.integration

FAST_RETRY = RetryPolicy(attempts=3, backoff=0.05, max_pause=0.1, retry_statuses=frozenset({500, 503}))


class Receiver:
    """A loopback webhook receiver answering ``status`` after ``delay`` seconds, keeping every request."""

    def __init__(
        self, status: int = 200, delay: float = 0.0, *, location: str | None = None, tls: ssl.SSLContext | None = None
    ) -> None:
        self.requests: list[tuple[dict[str, str], Any]] = []
        self.status, self.delay, self.location = status, delay, location
        self.release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                owner.requests.append(({key.lower(): value for key, value in self.headers.items()}, body))
                if owner.delay:
                    owner.release.wait(owner.delay)
                self.send_response(owner.status)
                if owner.location is not None:
                    self.send_header("Location", owner.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        """Release hung requests and stop."""
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    """Receivers made by a test, closed at its end."""
    made: list[Receiver] = []
    yield made
    for receiver in made:
        receiver.close()


def _alert(name: str = "RowsRejected") -> FlextAlert:
    return build_alert(
        name=name, message="rows rejected", source="etl", labels={"tap": "pg"}, starts_at=time.time()
    ).unwrap()


def test_a_rule_driven_alert_reaches_the_real_alertmanager_and_resolves_there() -> None:
    """A threshold rule fires into Alertmanager with our labels, annotations and fingerprint, then resolves."""
    clock = FakeClock(time.time() - 60.0)  # so that the resolution's endsAt is already past for Alertmanager
    metrics = FlextMetricsService()
    depth = metrics.gauge("queue_depth", "Records waiting.", labels=("tap",)).unwrap()
    with Alertmanager() as alertmanager:
        sink = AlertmanagerSink(alertmanager.url, generator_url="http://etl.example/rules", retry=FAST_RETRY)
        service = FlextAlertService(routes=[sink], metrics=metrics, clock=clock)
        service.add_rule(
            alert_rule(
                "QueueDeep",
                threshold("queue_depth", ">", 100),
                severity="critical",
                labels={"team": "data"},
                annotations={"summary": "{labels.tap} holds {value:.0f} records", "description": "drain it"},
            ).unwrap()
        )
        depth.labels(tap="pg").set(500)
        service.evaluate_now()
        assert sink.flush(10.0)
        [stored] = alertmanager.alerts()
        [ours] = [entry.alert for entry in service.active_alerts()]
        assert stored["fingerprint"] == ours.fingerprint
        assert stored["labels"] == {"alertname": "QueueDeep", "severity": "critical", "tap": "pg", "team": "data"}
        assert stored["annotations"] == {"summary": "pg holds 500 records", "description": "drain it"}
        assert stored["generatorURL"] == "http://etl.example/rules"
        amtool = require_binary("amtool")
        listed = subprocess.run(  # noqa: S603 - a fixed argv naming the installed amtool, no shell
            [amtool, "alert", "query", f"--alertmanager.url={alertmanager.url}", "-o", "json"],
            capture_output=True,
            timeout=30,
            check=True,
        )
        assert [entry["fingerprint"] for entry in json.loads(listed.stdout)] == [ours.fingerprint]
        depth.labels(tap="pg").set(3)
        clock.advance(15.0)
        service.evaluate_now()
        assert sink.flush(10.0)
        deadline = time.monotonic() + 5.0
        while alertmanager.alerts() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert alertmanager.alerts() == []  # resolved: its endsAt has passed
        assert sink.stats().sent == 2
        assert sink.stats().failed == 0


def test_a_dead_alertmanager_of_a_pair_delays_nothing_and_is_counted() -> None:
    """With one live and one dead Alertmanager, the live one gets the alert at once; the dead one's are failures."""
    dead = f"http://127.0.0.1:{free_port()}"
    with Alertmanager() as alertmanager:
        sink = AlertmanagerSink([dead, alertmanager.url], retry=FAST_RETRY, timeout=2.0)
        began = time.monotonic()
        assert sink.submit([_alert()])
        assert time.monotonic() - began < 0.05
        assert sink.flush(10.0)
        assert [entry["labels"]["alertname"] for entry in alertmanager.alerts()] == ["RowsRejected"]
        by_url = sink.stats_by_url()
        assert by_url[f"{dead}/api/v2/alerts"].failed == 1
        assert by_url[f"{alertmanager.url}/api/v2/alerts"].sent == 1


def test_hanging_failing_and_dead_webhooks_block_nothing(receivers: list[Receiver]) -> None:
    """Submit returns at once whatever the receiver does; 500s are retried and then counted as failed."""
    hanging = Receiver(delay=30.0)
    failing = Receiver(status=500)
    healthy = Receiver()
    receivers.extend([hanging, failing, healthy])
    dead = f"http://127.0.0.1:{free_port()}/hook"
    sinks = [
        WebhookSink(hanging.url, name="hanging", timeout=1.0, retry=FAST_RETRY),
        WebhookSink(failing.url, name="failing", retry=FAST_RETRY),
        WebhookSink(dead, name="dead", retry=FAST_RETRY, timeout=1.0),
        WebhookSink(healthy.url, name="healthy", bearer_token="s3cr3t-token", retry=FAST_RETRY),
    ]
    service = FlextAlertService(routes=sinks)
    began = time.monotonic()
    for index in range(5):
        assert isinstance(service.process_alert(_alert(f"A{index}")), Success)
    assert time.monotonic() - began < 0.5
    assert sinks[3].flush(5.0)
    assert len(healthy.requests) == 5  # the healthy one is not held up by the others
    headers, body = healthy.requests[0]
    assert headers["authorization"] == "Bearer s3cr3t-token"
    assert body["version"] == "4"
    assert body["alerts"][0]["labels"]["alertname"] == "A0"
    assert sinks[1].flush(5.0)
    assert sinks[1].stats().failed == 5
    assert len(failing.requests) == 15  # three attempts each
    assert sinks[2].flush(10.0)
    assert sinks[2].stats().failed == 5
    assert sinks[0].stats().sent == 0  # still hung on its first, with a deadline of 1 s each
    assert "s3cr3t" not in repr(sinks[3])
    assert service.shutdown(3.0) is False  # the hung receiver cannot be drained in time, and says so


def test_a_full_queue_drops_and_counts(receivers: list[Receiver], caplog: pytest.LogCaptureFixture) -> None:
    """Past max_queue alerts waiting, submit drops the batch, counts it, and logs once."""
    hanging = Receiver(delay=30.0)
    receivers.append(hanging)
    sink = WebhookSink(hanging.url, max_queue=3, timeout=5.0, retry=FAST_RETRY)
    results = [sink.submit([_alert(f"A{index}")]) for index in range(10)]
    assert results.count(False) >= 6
    stats = sink.stats()
    assert stats.dropped == results.count(False)
    assert stats.queued + stats.dropped == 10
    assert len([record for record in caplog.records if "dropped" in record.getMessage()]) == 1


def test_a_webhook_over_tls_trusts_only_the_ca_it_is_given(receivers: list[Receiver], tmp_path: Path) -> None:
    """With cafile or ssl_context the TLS receiver gets the alert; with the system's CAs the delivery fails, counted."""
    certificate = make_certificate(tmp_path)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(certificate.certfile, certificate.keyfile)
    receiver = Receiver(tls=server_context)
    receivers.append(receiver)
    by_file = WebhookSink(receiver.url, name="by_file", cafile=certificate.certfile, retry=FAST_RETRY)
    by_context = WebhookSink(receiver.url, name="by_context", ssl_context=certificate.client_context())
    untrusted = WebhookSink(receiver.url, name="untrusted", retry=FAST_RETRY, timeout=2.0)
    for sink in (by_file, by_context, untrusted):
        assert sink.submit([_alert()])
        assert sink.flush(10.0)
    assert (by_file.stats().sent, by_context.stats().sent) == (1, 1)
    assert (untrusted.stats().sent, untrusted.stats().failed) == (0, 1)
    assert len(receiver.requests) == 2
    assert receiver.requests[0][1]["alerts"][0]["labels"]["alertname"] == "RowsRejected"


def test_a_redirect_is_a_failure_naming_where_it_pointed(
    receivers: list[Receiver], caplog: pytest.LogCaptureFixture
) -> None:
    """A 302 is not followed: the target gets nothing, the delivery is counted failed, the log names the Location."""
    target = Receiver()
    redirecting = Receiver(status=302, location=target.url)
    receivers.extend([target, redirecting])
    sink = WebhookSink(redirecting.url, retry=FAST_RETRY)
    assert sink.submit([_alert()])
    assert sink.flush(5.0)
    assert (sink.stats().sent, sink.stats().failed) == (0, 1)
    assert len(redirecting.requests) == 1  # a redirect is no reason to retry
    assert target.requests == []
    messages = [record.getMessage() for record in caplog.records if "could not deliver" in record.getMessage()]
    assert len(messages) == 1
    assert target.url in messages[0]


def test_bad_sink_settings_raise_naming_the_argument() -> None:
    """Set-up mistakes in sinks raise at once, naming what was wrong."""
    with pytest.raises(ValueError, match="url"):
        WebhookSink("ftp://example/hook")
    with pytest.raises(ValueError, match="urls"):
        AlertmanagerSink(["http://"])
    with pytest.raises(TypeError, match="urls"):
        AlertmanagerSink([])
    with pytest.raises(ValueError, match="max_queue"):
        WebhookSink("http://127.0.0.1:1/h", max_queue=0)
    with pytest.raises(ValueError, match="bearer_token"):
        WebhookSink("http://127.0.0.1:1/h", bearer_token="")
    with pytest.raises(ValueError, match="bearer_token"):
        WebhookSink("http://127.0.0.1:1/h", bearer_token="s3cr3t\r\nX-Injected: 1")
    with pytest.raises(TypeError, match="retry"):
        WebhookSink("http://127.0.0.1:1/h", retry=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="generator_url"):
        AlertmanagerSink("http://127.0.0.1:1", generator_url="javascript:alert(1)")
    with pytest.raises(TypeError, match="logger"):
        LogSink(logger=object())
    with pytest.raises(TypeError, match="ssl_context"):
        WebhookSink("https://127.0.0.1:1/h", ssl_context="verify")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cafile"):
        AlertmanagerSink("https://127.0.0.1:1", cafile="/nonexistent/ca.pem")
    with pytest.raises(ValueError, match="not both"):
        WebhookSink("https://127.0.0.1:1/h", ssl_context=ssl.create_default_context(), cafile="ca.pem")


def test_the_log_sink_writes_one_line_per_alert_at_the_severity_level() -> None:
    """Each alert is one log entry at its severity's level; a resolution is info."""
    logs = FlextLoggingService(logger="alerts-test")
    sink = LogSink(logger=logs)
    firing = build_alert(name="Disk", message="full", source="etl", severity="critical", starts_at=1.0).unwrap()
    resolved = build_alert(
        name="Disk", message="full", source="etl", severity="critical", status="resolved", starts_at=1.0, ends_at=2.0
    ).unwrap()
    assert sink.submit([firing, resolved])
    entries = logs.query_logs()
    levels = [entry.level.value for entry in entries]
    assert levels == ["critical", "info"]
    assert sink.stats().sent == 2


def test_a_forked_child_delivers_its_own_alerts_and_never_resends_the_parents(receivers: list[Receiver]) -> None:
    """After a real fork with batches queued and in flight, the child delivers its own alert; nothing is sent twice."""
    slow = Receiver(delay=0.3)
    receivers.append(slow)
    sink = WebhookSink(slow.url, timeout=5.0, retry=FAST_RETRY)
    for index in range(3):
        assert sink.submit([_alert(f"Parent{index}")])
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only when every promise holds
        code = 1
        try:
            took = sink.submit([_alert("Child")])
            flushed = sink.flush(5.0)
            stats = sink.stats()
            code = 0 if took and flushed and stats.sent == 1 and stats.dropped >= 2 else 2
        finally:
            os._exit(code)
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.02)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the forked child hung")
    assert os.waitstatus_to_exitcode(status) == 0
    assert sink.flush(5.0)
    names = sorted(body["alerts"][0]["labels"]["alertname"] for _, body in slow.requests)
    assert names == ["Child", "Parent0", "Parent1", "Parent2"]
