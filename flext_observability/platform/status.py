"""``/status``: one bounded JSON document of what the platform knows now.

It shows the most recent traces (from the platform's in-memory span
repository), the alerts firing and pending, each health check's last state,
and the platform's counters: refusals, drops and plugin failures. Reading it
runs no health check and evaluates no rule.

Bounds: at most ``max_traces`` traces of at most :data:`MAX_SPANS_SHOWN`
spans each, at most :data:`MAX_ALERTS_SHOWN` alerts of each kind, at most
:data:`MAX_CHECKS_SHOWN` checks, and every text cut to
:data:`MAX_TEXT_SHOWN` characters. Every text of the document (keys too)
passes the redaction policy before it leaves the process.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final

from flext_observability.core.redaction import DEFAULT_POLICY, RedactionPolicy, redact_value
from flext_observability.shell.library_log import library_logger

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from flext_observability.core.tracing.span import FlextSpan
    from flext_observability.core.tracing.trace import FlextTrace
    from flext_observability.shell.alerts.service import ActiveAlert, PendingAlert
    from flext_observability.shell.health.service import HealthCheckState

    StartResponse = Callable[..., Any]

_LOG: Final = library_logger("flext_observability.platform")

STATUS_JSON: Final = "application/json"
MAX_SPANS_SHOWN: Final = 50
"""Spans shown per trace; a trace with more shows its first ones and how many were left out."""
MAX_ALERTS_SHOWN: Final = 100
"""Firing alerts, and pending ones, shown at most."""
MAX_CHECKS_SHOWN: Final = 200
"""Health checks shown at most."""
MAX_TEXT_SHOWN: Final = 1000
"""Characters of any one text shown at most."""

_FAILED_BODY: Final = b'{"status":"unavailable"}'
_NS: Final = 1e9


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT_SHOWN else text[:MAX_TEXT_SHOWN] + "..."


def span_view(span: FlextSpan) -> dict[str, object]:
    """One span as ``/status`` shows it: names, ids, timing and status (no attributes: they are the app's data)."""
    return {
        "name": _cut(span.name),
        "span_id": span.span_id,
        "parent_span_id": span.parent_span_id,
        "kind": span.kind.value,
        "start_time_unix": span.start_time_ns / _NS,
        "duration_seconds": max(span.end_time_ns - span.start_time_ns, 0) / _NS,
        "status": span.status.code.value,
        "status_description": _cut(span.status.description),
    }


def trace_view(trace: FlextTrace) -> dict[str, object]:
    """One trace: its id, root, duration, whether a span failed, and its first spans."""
    spans = trace.spans
    root = trace.root
    return {
        "trace_id": trace.trace_id,
        "root": _cut(root.name),
        "service": _cut(root.service),
        "duration_seconds": max(trace.duration_ns, 0) / _NS,
        "has_error": any(span.status.code.value == "error" for span in spans),
        "span_count": len(spans),
        "spans_left_out": max(len(spans) - MAX_SPANS_SHOWN, 0),
        "spans": [span_view(span) for span in spans[:MAX_SPANS_SHOWN]],
    }


def active_view(active: ActiveAlert) -> dict[str, object]:
    """One firing alert: name, severity, labels, message, since when, and which sinks were sent it."""
    alert = active.alert
    return {
        "name": _cut(alert.name),
        "severity": alert.severity.value,
        "fingerprint": alert.fingerprint,
        "labels": {_cut(key): _cut(value) for key, value in alert.labels.items()},
        "message": _cut(alert.message),
        "since": active.since,
        "sent_to": sorted(active.sent),
    }


def pending_view(pending: PendingAlert) -> dict[str, object]:
    """One pending alert: its rule, severity, labels, since when its expression holds, and its value."""
    return {
        "name": _cut(pending.name),
        "severity": pending.severity.value,
        "labels": {_cut(key): _cut(value) for key, value in pending.labels.items()},
        "active_since": pending.active_since,
        "value": pending.value,
    }


def check_view(state: HealthCheckState, *, details: bool) -> dict[str, object]:
    """One health check: its key, probes, last status (with its output when ``details``), runs and timeouts."""
    last = state.last
    view: dict[str, object] = {
        "check": _cut(state.plan.key),
        "critical": state.plan.critical,
        "probes": sorted(probe.value for probe in state.plan.probes),
        "status": None if last is None else last.check.status.value,
        "running": state.running,
        "runs": state.runs,
        "timeouts": state.timeouts,
    }
    if details and last is not None:
        view["output"] = _cut(last.check.output)
        view["time"] = last.check.time
    return view


def status_document(  # noqa: PLR0913 - the parts of the document, each built by its owner
    *,
    service: Mapping[str, object],
    lifecycle: Mapping[str, object],
    traces: Iterable[FlextTrace],
    active: Iterable[ActiveAlert],
    pending: Iterable[PendingAlert],
    checks: Iterable[HealthCheckState],
    counters: Mapping[str, object],
    details: bool,
    policy: RedactionPolicy = DEFAULT_POLICY,
) -> dict[str, Any]:
    """The ``/status`` document, bounded, every text redacted by ``policy``."""
    active_list = list(active)
    pending_list = list(pending)
    check_list = list(checks)
    document: dict[str, object] = {
        "service": dict(service),
        "lifecycle": dict(lifecycle),
        "traces": [trace_view(trace) for trace in traces],
        "alerts": {
            "firing": [active_view(alert) for alert in active_list[-MAX_ALERTS_SHOWN:]],
            "firing_left_out": max(len(active_list) - MAX_ALERTS_SHOWN, 0),
            "pending": [pending_view(alert) for alert in pending_list[:MAX_ALERTS_SHOWN]],
            "pending_left_out": max(len(pending_list) - MAX_ALERTS_SHOWN, 0),
        },
        "health": [check_view(state, details=details) for state in check_list[:MAX_CHECKS_SHOWN]],
        "counters": dict(counters),
    }
    redacted = redact_value(policy, document)
    return redacted if isinstance(redacted, dict) else {"status": "unavailable"}


class StatusApp:
    """The WSGI app of ``/status``: ``GET`` and ``HEAD`` answer the document; it never raises."""

    __slots__ = ("_build",)

    def __init__(self, build: Callable[[], Mapping[str, object]]) -> None:
        """Answer with what ``build()`` gives, as JSON."""
        self._build = build

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request; a failure is a 503 with a minimal document."""
        return answer_read(
            environ, start_response, self._body, failed=_FAILED_BODY, headers=_json_headers, what="/status"
        )

    def _body(self) -> bytes:
        return json.dumps(
            self._build(), separators=(",", ":"), ensure_ascii=True, allow_nan=False, default=str
        ).encode()


def _json_headers(length: int) -> list[tuple[str, str]]:
    return [("Content-Type", STATUS_JSON), ("Cache-Control", "no-store"), ("Content-Length", str(length))]


def answer_read(
    environ: object,
    start_response: StartResponse,
    render: Callable[[], bytes],
    *,
    failed: bytes,
    headers: Callable[[int], list[tuple[str, str]]],
    what: str,
) -> Iterable[bytes]:
    """Answer a read-only endpoint: ``GET`` and ``HEAD`` with ``render()``, other methods 405; never raises.

    A ``render`` that raises answers 503 with ``failed`` (the error goes to
    the library's log, naming ``what``, never to the client); ``HEAD`` gets
    the headers ``headers(length)`` gives, without the body.
    """
    method = dict.get(environ, "REQUEST_METHOD", "GET") if isinstance(environ, dict) else "GET"
    if method not in {"GET", "HEAD"}:
        start_response(
            "405 Method Not Allowed", [("Content-Type", "text/plain; charset=utf-8"), ("Allow", "GET, HEAD")]
        )
        return [b"use GET or HEAD\n"]
    try:
        body = render()
        status = "200 OK"
    except Exception:  # noqa: BLE001 - a status endpoint that fails answers 503, never a traceback
        _LOG.exception("building %s failed", what)
        body, status = failed, "503 Service Unavailable"
    start_response(status, headers(len(body)))
    return [] if method == "HEAD" else [body]
