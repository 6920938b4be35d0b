"""Attack: an OTLP endpoint with credentials in its URL leaks them through the exporter's repr and its errors.

``http://user:SECRET@host/v1/traces`` went raw into ``repr(exporter)`` (which
the processor logs with every failed batch) and into the ``target`` of every
``FlextExportError``. Both must show it redacted; only the request uses it.
"""

from __future__ import annotations

import socket

from returns.result import Failure

from flext_observability.tracing import FlextOtlpHttpExporter, FlextTracingService, InMemorySpanRepository

SECRET = "s3cr3t-Pa55"


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_credentialed_endpoint_never_shows_its_secret() -> None:
    """Ensures repr, and the str and repr of the Failure against a closed port, hide the URL's password and token."""
    endpoint = f"http://etl:{SECRET}@127.0.0.1:{_closed_port()}/v1/traces?access_token={SECRET}"
    exporter = FlextOtlpHttpExporter(endpoint, max_retries=0, timeout=2.0)
    repository = InMemorySpanRepository()
    tracing = FlextTracingService(exporters=[repository])
    with tracing.start_span("load"):
        pass
    assert tracing.shutdown(5)
    failed = exporter.export(repository.spans(), 2.0)
    assert isinstance(failed, Failure)
    error = failed.failure()
    assert error.target.startswith("http://REDACTED:REDACTED@127.0.0.1:")
    assert "connection refused" in error.message
    shown = [repr(exporter), str(failed), repr(failed), str(error), repr(error), error.target, error.message]
    assert not [text for text in shown if SECRET in text]
    assert exporter.endpoint == endpoint  # the request itself still uses the URL as given
    exporter.shutdown(1.0)
    refused = exporter.export(repository.spans(), 1.0)
    assert isinstance(refused, Failure)
    assert SECRET not in str(refused.failure())
    assert SECRET not in repr(refused)
