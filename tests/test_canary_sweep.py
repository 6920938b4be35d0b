"""Attack: plant one secret canary every way a secret reaches the library, then look for it in every output.

The canary goes in as a value under each key of the must-redact table, in
header pair lists (text and bytes), in prose (``password: X``), in a SQL
statement, in URL user-info (a log message, an exception's message, a metric
label value, an exporter's and a gateway's URL), as a bearer token, and
through every text a span carries (its name, new name, event name, status
description, attributes, an escaping exception). It must appear in none of:
JSON, logfmt and console log lines; records of the standard library captured
by the pipeline; the logging service's entries; the OTLP payload a loopback
collector receives; the console exporter; the span repository; ``/metrics``
text and OpenMetrics served over HTTP; the body a real Pushgateway keeps;
the ``repr`` of everything these calls return; standard error.
"""

from __future__ import annotations

import gzip
import io
import logging
import urllib.request
from typing import TYPE_CHECKING

import pytest
from otlp_receiver import OtlpReceiver

from flext_observability import FlextMetricsService
from flext_observability.logs import (
    DEFAULT_POLICY,
    FlextLoggingService,
    configure_logging,
    get_logger,
    redact_text,
    reset_logging,
)
from flext_observability.tracing import (
    ConsoleSpanExporter,
    FlextOtlpHttpExporter,
    FlextTracingService,
    InMemorySpanRepository,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from servers import Pushgateway

CANARY = "Cnry7x9QsecretZ"
CANARY_BYTES = CANARY.encode()
MUST_REDACT = (
    *("password", "db_password", "PGPASSWORD", "dbpassword", "adminpass", "pass"),
    *("api_key", "apiKey", "x-api-key", "authorization", "access_token", "refresh_token"),
    *("client_secret", "client_key", "private_key", "session_id", "cookie", "set-cookie"),
)
DSN = f"postgresql://etl:{CANARY}@db.internal:5432/warehouse"
PLANTED_TEXTS = (
    f"connecting to {DSN}",
    f"login failed, password: {CANARY}",
    f"ALTER ROLE etl WITH LOGIN PASSWORD '{CANARY}'",
    f"GET https://api.example.com/rows?page=2&access_token={CANARY}",
    f"retrying with Authorization: Bearer {CANARY}",
    f"config {{'host': 'db', 'api_key': '{CANARY}'}}",
)
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class DriverError(Exception):
    """A driver error quoting its connection string, as many do."""


def _planted_fields() -> dict[str, object]:
    fields: dict[str, object] = dict.fromkeys(MUST_REDACT, CANARY)
    fields["headers"] = [("Accept", "text/plain"), ("Authorization", f"Basic {CANARY}")]
    fields["asgi_headers"] = [(b"host", b"api"), (b"authorization", b"Bearer " + CANARY_BYTES)]
    fields["statement"] = f"CREATE USER etl WITH PASSWORD '{CANARY}'"
    fields["note"] = f"password: {CANARY}"
    fields["target"] = DSN
    return fields


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    """A loopback OTLP collector."""
    with OtlpReceiver() as running:
        yield running


@pytest.fixture
def clean_logging() -> Iterator[None]:
    """Logging set-ups made by a test are undone afterwards."""
    yield
    reset_logging()


@pytest.mark.parametrize("log_format", ["json", "logfmt", "console"])
@pytest.mark.usefixtures("clean_logging")
def test_no_log_output_holds_the_canary(log_format: str, capfd: pytest.CaptureFixture[str]) -> None:
    """Ensures the canary, planted every way, is in no log line, no logging-service entry and not on stderr."""
    stream = io.StringIO()
    configure_logging(format=log_format, stream=stream, capture_stdlib=True)  # type: ignore[arg-type]
    logger = get_logger("sweep")
    for text in PLANTED_TEXTS:
        logger.warning(text)
    logger.info("planted", **_planted_fields())
    logger.bind(password=CANARY, target=DSN).info("bound")
    message = f"cannot connect to {DSN}"
    try:
        raise DriverError(message)  # noqa: TRY301 - raised to be logged
    except DriverError:
        logger.exception("load failed")
    stdlib = logging.getLogger("sweep.stdlib")
    stdlib.warning("stdlib %s", DSN)
    stdlib.warning("stdlib headers %s", [("Authorization", f"Basic {CANARY}")])
    service = FlextLoggingService(capacity=50)
    returned = [service.info("service", **_planted_fields()), service.error(f"failed on {DSN}", password=CANARY)]
    output = stream.getvalue()
    assert output.count("\n") >= len(PLANTED_TEXTS) + 6  # every event was written...
    assert "db.internal" in output
    assert "api.example.com" in output
    assert CANARY not in output  # ...with no secret
    assert not any(CANARY in repr(result) for result in returned)
    entries = service.query_logs(limit=50)
    assert entries
    assert not any(CANARY in repr(entry) or CANARY in repr(entry.to_dict()) for entry in entries)
    captured = capfd.readouterr()
    assert CANARY not in captured.err
    assert CANARY not in captured.out


def test_no_span_output_holds_the_canary(receiver: OtlpReceiver, capfd: pytest.CaptureFixture[str]) -> None:
    """Ensures repository, console exporter, OTLP payload and returned objects hold no planted secret."""
    repository = InMemorySpanRepository()
    console = io.StringIO()
    exporter = FlextOtlpHttpExporter(receiver.traces_url, headers={"x-api-key": CANARY})
    failing = FlextOtlpHttpExporter(f"http://etl:{CANARY}@127.0.0.1:9/v1/traces", timeout=0.5, max_retries=0)
    tracing = FlextTracingService(
        exporters=[repository, ConsoleSpanExporter(console), exporter, failing], schedule_delay=0.05
    )
    returned: list[object] = [exporter, failing, tracing]
    with tracing.start_span(f"connect {DSN}") as span:
        returned.append(span)
        returned.extend(span.set_attribute(key, CANARY) for key in MUST_REDACT)
        returned.append(span.set_attribute("db.statement", f"ALTER ROLE etl PASSWORD '{CANARY}'"))
        returned.append(span.set_attribute("url.full", f"https://api.example.com/rows?access_token={CANARY}"))
        returned.append(span.set_attribute("http.request.header.authorization", (f"Bearer {CANARY}",)))
        returned.append(span.add_event(f"retrying {DSN}", {"note": f"password: {CANARY}"}))
        returned.append(span.update_name(f"connected {DSN}"))
        returned.append(span.set_status("error", f"gave up on {DSN}"))
    message = f"cannot connect to {DSN}"
    with pytest.raises(DriverError), tracing.start_span("load"):
        raise DriverError(message)
    returned.append(tracing.force_flush(5.0))
    returned.append(failing.export([], 0.5))
    returned.append(tracing.shutdown(5.0))
    spans = repository.spans()
    assert len(spans) == 2
    bodies = [request.body or b"" for request in receiver.requests]
    assert bodies
    assert b"db.internal" in b"".join(bodies)
    assert not any(CANARY_BYTES in body for body in bodies)
    assert not any(CANARY_BYTES in gzip_safe(request.raw_body) for request in receiver.requests)
    # The x-api-key header is the one place the credential is meant to go.
    assert all(request.header("x-api-key") == CANARY for request in receiver.requests)
    assert CANARY not in console.getvalue()
    assert "db.internal" in console.getvalue()
    assert not any(CANARY in repr(span) or CANARY in repr(span.to_dict()) for span in spans)
    assert [value for value in returned if CANARY in repr(value) or CANARY in str(value)] == []
    captured = capfd.readouterr()
    assert CANARY not in captured.err
    assert CANARY not in captured.out


def gzip_safe(raw: bytes) -> bytes:
    """The gunzipped body, or nothing when it is not gzip."""
    try:
        return gzip.decompress(raw)
    except OSError:
        return b""


def test_no_metric_output_holds_the_canary(pushgateway: Pushgateway, capfd: pytest.CaptureFixture[str]) -> None:
    """Ensures /metrics text and OpenMetrics, the Pushgateway's copy and returned objects hold no planted secret."""
    service = FlextMetricsService()
    calls = service.counter("sweep_calls_total", "Calls by target.", labels=("target", "auth_method")).unwrap()
    returned: list[object] = [calls]
    for text in (DSN, *PLANTED_TEXTS):
        series = calls.labels(target=text, auth_method="oauth")
        returned += [series, series.inc()]
    server = service.serve().unwrap()
    returned.append(server)
    try:
        plain = _get(server.url)
        openmetrics = _get(server.url, accept="application/openmetrics-text; version=1.0.0")
    finally:
        server.close()
    assert "db.internal" in plain
    assert 'auth_method="oauth"' in plain
    assert CANARY not in plain
    assert CANARY not in openmetrics
    assert "# EOF" in openmetrics
    credentialed = pushgateway.url.replace("http://", f"http://etl:{CANARY}@")
    returned.append(service.push(credentialed, "sweep"))
    returned.append(service.push(f"http://etl:{CANARY}@127.0.0.1:9", "sweep", timeout=0.5, retries=0))
    kept = pushgateway.metrics_text()
    assert "sweep_calls_total" in kept
    assert CANARY not in kept
    returned.append(service.snapshot())
    returned.append(service.get_metrics_summary())
    assert [value for value in returned if CANARY in repr(value) or CANARY in str(value)] == []
    captured = capfd.readouterr()
    assert CANARY not in captured.err
    assert CANARY not in captured.out


def _get(url: str, accept: str | None = None) -> str:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})  # noqa: S310 - loopback
    with _OPENER.open(request, timeout=10) as response:
        return str(response.read().decode("utf-8"))


def test_the_sweep_checks_a_redacted_form_not_an_empty_one() -> None:
    """Ensures the planted texts still say something once redacted (the sweep would pass on empty output otherwise)."""
    for text in PLANTED_TEXTS:
        redacted = redact_text(DEFAULT_POLICY, text)
        assert CANARY not in redacted
        assert len(redacted) > len(text) // 3
