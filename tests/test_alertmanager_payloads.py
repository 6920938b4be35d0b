"""Our alert payloads against the real Alertmanager: what it stores from our v2 body, and what it sends to webhooks.

The fingerprint Alertmanager computes for an alert must equal ours, the
labels and annotations must come back as sent, and the webhook message we
write must have the shape of the one Alertmanager itself posts for the
same alert, so receivers written for Alertmanager accept ours.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest
from servers import Alertmanager, require_binary

from flext_observability import build_alert
from flext_observability.core.alerts.payloads import alertmanager_body, webhook_payload

if TYPE_CHECKING:
    from collections.abc import Iterator

    from flext_observability import FlextAlert

pytestmark = pytest.mark.integration


def _parse_time(text: str) -> float:
    """An RFC 3339 time (Go's nanoseconds cut to microseconds) as seconds since the epoch."""
    head, _, fraction = text.rstrip("Z").partition(".")
    moment = datetime.fromisoformat(head).replace(tzinfo=UTC)
    return moment.timestamp() + (float(f"0.{fraction}") if fraction else 0.0)


def _alerts(now: float) -> list[FlextAlert]:
    """A firing alert, a resolved one, and one with unicode and many labels."""
    return [
        build_alert(
            name="RowsRejected",
            message="12 rows rejected",
            source="etl",
            severity="error",
            labels={"tap": "postgres", "stream": "orders"},
            annotations={"description": "the target refused rows", "runbook_url": "https://runbooks.example/rows"},
            starts_at=now - 60.0,
        ).unwrap(),
        build_alert(
            name="PipelineStalled",
            message="no rows for 10 minutes",
            source="etl",
            status="resolved",
            labels={"tap": "mysql"},
            starts_at=now - 600.0,
            ends_at=now - 30.0,
        ).unwrap(),
        build_alert(
            name="Überlauf",
            message="Warteschlange voll: 日本",
            source="etl",
            severity="critical",
            labels={f"label_{index}": f"wert {index} ü" for index in range(20)},
            starts_at=now - 5.0,
        ).unwrap(),
    ]


def test_alertmanager_stores_our_alerts_with_our_fingerprints(alertmanager: Alertmanager) -> None:
    """The v2 body is accepted: labels, annotations, times and fingerprints come back as ours; resolved is over."""
    now = time.time()
    alerts = _alerts(now)
    body = json.loads(alertmanager_body(alerts, generator_url="http://etl.example/graph").unwrap())
    assert alertmanager.post_alerts(body).status == 200
    stored = {entry["fingerprint"]: entry for entry in alertmanager.alerts()}
    firing, resolved = [alerts[0], alerts[2]], alerts[1]
    assert resolved.fingerprint not in stored  # its endsAt has passed: Alertmanager lists it no more
    assert sorted(stored) == sorted(alert.fingerprint for alert in firing)
    for alert in firing:
        entry = stored[alert.fingerprint]  # Alertmanager's fingerprint of the label set is ours
        assert entry["labels"] == {"alertname": alert.name, "severity": alert.severity.value, **alert.labels}
        assert entry["annotations"] == {"summary": alert.message, **alert.annotations}
        assert abs(_parse_time(entry["startsAt"]) - alert.starts_at) < 0.001
        assert entry["generatorURL"] == "http://etl.example/graph"


def test_amtool_reads_our_alert_back(alertmanager: Alertmanager) -> None:
    """``amtool alert query`` lists the firing alert we posted, with its labels."""
    alert = _alerts(time.time())[0]
    assert alertmanager.post_alerts(json.loads(alertmanager_body([alert]).unwrap())).status == 200
    amtool = require_binary("amtool")
    answer = subprocess.run(  # noqa: S603 - a fixed argv naming the installed amtool, no shell
        [amtool, "alert", "query", f"--alertmanager.url={alertmanager.url}", "-o", "json", "alertname=RowsRejected"],
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr.decode(errors="replace")
    listed = json.loads(answer.stdout)
    assert [entry["fingerprint"] for entry in listed] == [alert.fingerprint]
    assert listed[0]["labels"]["tap"] == "postgres"
    assert listed[0]["annotations"]["summary"] == "12 rows rejected"


class _Receiver:
    """A loopback webhook receiver that keeps every JSON body posted to it."""

    def __init__(self) -> None:
        self.bodies: list[Any] = []
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                receiver.arrived.set()
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    """A running loopback webhook receiver."""
    server = _Receiver()
    yield server
    server.close()


def _shape(value: Any) -> Any:
    """The keys and value types of a JSON value, recursively (list items by their first element)."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def test_our_webhook_message_has_the_shape_alertmanager_sends(receiver: _Receiver) -> None:
    """For one alert, the webhook message Alertmanager sends and ours agree in keys, types, labels and group key."""
    alert = _alerts(time.time())[0]
    with Alertmanager(webhook_url=receiver.url, receiver="etl-team") as alertmanager:
        body = json.loads(alertmanager_body([alert], generator_url="http://etl.example/graph").unwrap())
        assert alertmanager.post_alerts(body).status == 200
        assert receiver.arrived.wait(20), "Alertmanager sent no webhook"
        theirs = receiver.bodies[0]
    ours: Any = webhook_payload(
        [alert], receiver="etl-team", external_url=theirs["externalURL"], generator_url="http://etl.example/graph"
    ).unwrap()
    assert _shape(ours) == _shape(theirs)
    assert list(ours) == list(theirs)  # the same keys in the same order
    for key in ("receiver", "status", "groupLabels", "commonLabels", "commonAnnotations", "version", "groupKey"):
        assert ours[key] == theirs[key], key
    assert ours["truncatedAlerts"] == theirs["truncatedAlerts"] == 0
    mine, sent = ours["alerts"][0], theirs["alerts"][0]
    for key in ("status", "labels", "annotations", "endsAt", "generatorURL", "fingerprint"):
        assert mine[key] == sent[key], key
    assert abs(_parse_time(mine["startsAt"]) - _parse_time(sent["startsAt"])) < 0.001
