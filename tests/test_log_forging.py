"""Attack: forge log lines and poison traces through correlation ids.

Ids come from outside: a queue message (``use_span_ids``), another library's
span, a hand-built ``SpanContext``, a custom correlation source. Each hostile
id below is tried in every log format; every event must stay one line, one
JSON object with unique keys, at the level it was logged at, and the bad ids
must be dropped (and counted), never written and never made a span's ids.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest

from flext_observability.logs import configure_logging, get_logger, reset_logging, use_span_ids
from flext_observability.propagation import SpanContext, SpanIds, refused_span_ids
from flext_observability.tracing import FlextTracingService, InMemorySpanRepository

if TYPE_CHECKING:
    from collections.abc import Iterator

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"
FORGED_LINE = '"}\n{"timestamp":"2026-01-01T00:00:00Z","level":"critical","event":"FORGED admin login'
HOSTILE: list[tuple[str, str]] = [
    (TRACE, SPAN[:14] + FORGED_LINE),
    (TRACE[:30] + '","level":"critical","event":"FORGED', SPAN),
    (TRACE, SPAN + "\n"),
    (TRACE, SPAN + "\r"),
    (TRACE.upper(), SPAN),
    (TRACE, "00F067AA0BA902B7"),
    ("0" * 32, SPAN),
    (TRACE, "0" * 16),
    (TRACE + "0", SPAN),
    (TRACE, SPAN[:-1]),
    ("", ""),
    (TRACE, "\u0660\u0660f067aa0ba902b7"),  # Arabic-Indic digits: isdigit() says yes
    (TRACE, "00f067aa0ba902\u2028"),
    (TRACE, "00f067aa0ba902\x1b["),
    ("4bf92f3577b34da6a3ce929d0e0e473\x00", SPAN),
]


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object hook that refuses duplicate keys."""
    keys = [key for key, _ in pairs]
    assert len(keys) == len(set(keys)), f"duplicate keys in {keys}"
    return dict(pairs)


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """A stream for the log lines; logging is reset afterwards."""
    stream = io.StringIO()
    yield stream
    reset_logging()


@pytest.mark.parametrize(("trace_id", "span_id"), HOSTILE)
@pytest.mark.parametrize("log_format", ["json", "logfmt", "console"])
def test_hostile_ids_from_use_span_ids_never_forge_a_line(
    output: io.StringIO, log_format: str, trace_id: str, span_id: str
) -> None:
    """Ensures an event logged under hostile ids is one line, with no ids and no forged event."""
    configure_logging(format=log_format, stream=output, capture_stdlib=False)  # type: ignore[arg-type]
    before = refused_span_ids()
    with use_span_ids(trace_id, span_id) as current:
        get_logger("consumer").info("message handled")
    assert current is None
    assert refused_span_ids() == before + 1
    lines = output.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert "FORGED" not in lines[0]
    assert "critical" not in lines[0]
    if log_format == "json":
        event = json.loads(lines[0], object_pairs_hook=unique_keys)
        assert (event["level"], event["event"]) == ("info", "message handled")
        assert "trace_id" not in event
        assert "span_id" not in event


@pytest.mark.parametrize(("trace_id", "span_id"), HOSTILE)
def test_a_custom_correlation_source_cannot_forge_a_line(output: io.StringIO, trace_id: str, span_id: str) -> None:
    """Ensures ids from a user's correlation source are checked on every line as well."""

    class Source:
        def current(self) -> SpanIds:
            return SpanIds(trace_id, span_id)

    configure_logging(format="json", stream=output, capture_stdlib=False, correlation=Source())
    get_logger("consumer").warning("checked")
    [line] = output.getvalue().splitlines()
    event = json.loads(line, object_pairs_hook=unique_keys)
    assert (event["level"], event["event"]) == ("warning", "checked")
    assert "trace_id" not in event


def test_valid_ids_still_correlate(output: io.StringIO) -> None:
    """Ensures the check lets good ids through, from use_span_ids and from a custom source."""

    class Source:
        def current(self) -> SpanIds:
            return SpanIds(TRACE, SPAN)

    configure_logging(format="json", stream=output, capture_stdlib=False)
    with use_span_ids(TRACE, SPAN) as current:
        get_logger("consumer").info("one")
    assert current == SpanIds(TRACE, SPAN)
    configure_logging(format="json", stream=output, capture_stdlib=False, correlation=Source())
    get_logger("consumer").info("two")
    events = [json.loads(line) for line in output.getvalue().splitlines()]
    assert [(event["trace_id"], event["span_id"]) for event in events] == [(TRACE, SPAN), (TRACE, SPAN)]


@pytest.mark.parametrize(("trace_id", "span_id"), HOSTILE)
def test_hostile_ids_never_become_a_spans_ids(trace_id: str, span_id: str) -> None:
    """Ensures a span started under hostile ids, or with them as a hand-built parent, starts a clean new trace."""
    repository = InMemorySpanRepository()
    tracing = FlextTracingService(exporters=[repository])
    with use_span_ids(trace_id, span_id), tracing.start_span("under ids"):
        pass
    forged_parent = SpanContext(trace_id=trace_id, span_id=span_id, sampled=True, random=False, remote=True)
    with tracing.start_span("under a forged parent", parent=forged_parent):
        pass

    class ForeignSpan:
        def __init__(self) -> None:
            self.trace_id = trace_id
            self.span_id = span_id

    with tracing.start_span("under a foreign span", parent=ForeignSpan()):  # type: ignore[arg-type]
        pass
    assert tracing.shutdown(5.0)
    spans = repository.spans()
    assert len(spans) == 3
    for span in spans:
        assert span.parent_span_id is None
        assert len(span.trace_id) == 32
        assert set(span.trace_id) <= set("0123456789abcdef")
        assert span.trace_id != trace_id


def test_the_first_refusal_is_logged_and_later_ones_only_counted() -> None:
    """Ensures a stream of bad ids gives one warning, not one per message (in a fresh interpreter)."""
    script = """
import io, json, sys
from flext_observability.logs import configure_logging, get_logger, use_span_ids
from flext_observability.propagation import refused_span_ids
stream = io.StringIO()
configure_logging(format="json", stream=stream, capture_stdlib=True)
for number in range(5):
    with use_span_ids("x" * 32, str(number)):
        get_logger("consumer").info("handled")
lines = [json.loads(line) for line in stream.getvalue().splitlines()]
print(json.dumps({"refused": refused_span_ids(), "warnings": [l for l in lines if l["level"] == "warning"],
                  "events": len(lines)}))
"""
    done = subprocess.run(  # noqa: S603 - this interpreter, this test's own script
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    report = json.loads(done.stdout)
    assert report["refused"] == 5
    assert report["events"] == 6
    [warning] = report["warnings"]
    assert "not W3C ids" in warning["event"]
    assert warning["logger"] == "flext_observability.context"
