"""Attack: put secrets into every text a span carries, and look for them wherever spans go.

A connection string with a password is planted in a span's name, its new
name, an event's name, a status description, and the message of an
exception escaping the span (in a ``with`` block and through a decorated
function). None of it may reach the in-memory repository, the console
exporter's lines, or the OTLP payload a loopback collector receives.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pytest
from otlp_receiver import OtlpReceiver

from flext_observability.tracing import (
    ConsoleSpanExporter,
    FlextOtlpHttpExporter,
    FlextTracingService,
    InMemorySpanRepository,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

CANARY = "Sup3rS3cretCanary"
DSN = f"postgres://etl:{CANARY}@db.internal:5432/warehouse"
TOKEN_URL = f"https://api.example.com/v1/items?access_token={CANARY}"


class LoadError(Exception):
    """A driver error whose message quotes the connection string, as many do."""


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    """A loopback OTLP collector."""
    with OtlpReceiver() as running:
        yield running


def test_no_span_text_carries_a_secret(receiver: OtlpReceiver) -> None:
    """Ensures names, renames, event names, status descriptions and exception texts are all redacted."""
    repository = InMemorySpanRepository()
    console = io.StringIO()
    tracing = FlextTracingService(
        exporters=[repository, ConsoleSpanExporter(console), FlextOtlpHttpExporter(receiver.traces_url)]
    )
    with tracing.start_span(f"connect {DSN}") as span:
        span.add_event(f"retrying {TOKEN_URL}")
        span.update_name(f"connected {DSN}")
        span.set_status("error", f"gave up on {DSN}")
    message = f"cannot connect to {DSN}"
    with pytest.raises(LoadError), tracing.start_span("load"):
        raise LoadError(message)

    @tracing.start_span("decorated")
    def fetch() -> None:
        failed = f"GET {TOKEN_URL} failed"
        raise LoadError(failed)

    with pytest.raises(LoadError):
        fetch()
    assert tracing.shutdown(10.0)
    spans = repository.spans()
    assert len(spans) == 3
    for text in (
        repr(spans),
        str([span.to_dict() for span in spans]),
        console.getvalue(),
        *(request.body.decode() for request in receiver.requests if request.body is not None),
    ):
        assert CANARY not in text
    assert len(receiver.requests) >= 1
    statuses = {span.name: span.status.description for span in spans}
    assert statuses["load"].startswith("LoadError: cannot connect to postgres://")
    assert "db.internal:5432/warehouse" in statuses["load"]  # what is not secret stays, for debugging
    assert spans[0].name.startswith("connected postgres://")
