"""Where finished spans go: one small protocol and three exporters.

* :class:`InMemorySpanRepository` keeps recent spans and answers
  ``query_traces`` with traces assembled by the core;
* :class:`ConsoleSpanExporter` writes one JSON line per span;
* :class:`FlextOtlpHttpExporter` sends OTLP/HTTP JSON to a collector
  (Jaeger, Tempo, the OpenTelemetry Collector).

The span processor calls exporters from its one background thread, one batch
at a time, so an exporter never runs twice at once. Exporters return a
``Result`` and should not raise; the processor counts a raised exception as a
failed export anyway.
"""

from __future__ import annotations

import email.utils
import gzip
import json
import math
import sys
import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Final, Protocol, TextIO, runtime_checkable

from attrs import frozen
from returns.result import Failure, Result, Success

from flext_observability.core.errors import FlextExportError
from flext_observability.core.redaction import DEFAULT_POLICY, redact_text
from flext_observability.core.tracing.otlp import encode_spans
from flext_observability.core.tracing.trace import FlextTrace, assemble_trace
from flext_observability.core.values import SpanStatusCode
from flext_observability.shell.http_client import HttpClient, RetryPolicy
from flext_observability.shell.locks import fork_safe_lock

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from flext_observability.core.attributes import AttributeValue
    from flext_observability.core.tracing.span import FlextSpan


@runtime_checkable
class SpanExporter(Protocol):
    """Sends finished spans somewhere; write your own by implementing these two methods."""

    def export(self, spans: Sequence[FlextSpan], timeout: float) -> Result[int, FlextExportError]:
        """Send ``spans`` within ``timeout`` seconds; the number accepted, or why not."""
        ...

    def shutdown(self, timeout: float) -> None:
        """Release resources; called once, when the tracing service shuts down."""
        ...


# --- memory --------------------------------------------------------------------


@frozen(kw_only=True)
class TraceQuery:
    """Criteria for :meth:`InMemorySpanRepository.query_traces`; every given one must hold."""

    trace_id: str | None = None
    service: str | None = None
    root_name: str | None = None
    has_error: bool | None = None
    min_duration_ns: int | None = None
    since_ns: int | None = None
    limit: int | None = None


class InMemorySpanRepository:
    """Keeps the most recent ``capacity`` spans, grouped by trace; older traces are dropped and counted."""

    def __init__(self, capacity: int = 10_000) -> None:
        """Keep at most ``capacity`` spans (a set-up error below 1)."""
        if capacity < 1:
            message = "capacity must be at least 1"
            raise ValueError(message)
        self.capacity = capacity
        self._traces: OrderedDict[str, list[FlextSpan]] = OrderedDict()
        self._count = 0
        self._lock = fork_safe_lock()
        self.dropped = 0
        """Spans pushed out by newer ones."""

    def export(self, spans: Sequence[FlextSpan], timeout: float) -> Result[int, FlextExportError]:
        """Keep ``spans``; never fails."""
        del timeout
        with self._lock:
            for span in spans:
                self._traces.setdefault(span.trace_id, []).append(span)
                self._count += 1
            while self._count > self.capacity:
                _, oldest = self._traces.popitem(last=False)
                self._count -= len(oldest)
                self.dropped += len(oldest)
        return Success(len(spans))

    def shutdown(self, timeout: float) -> None:
        """Nothing to release."""

    def spans(self) -> tuple[FlextSpan, ...]:
        """Every kept span, oldest trace first."""
        with self._lock:
            return tuple(span for spans in self._traces.values() for span in spans)

    def clear(self) -> None:
        """Forget every span."""
        with self._lock:
            self._traces.clear()
            self._count = 0

    def query_traces(self, criteria: TraceQuery | None = None, **options: object) -> tuple[FlextTrace, ...]:
        """The kept traces that assemble into one tree and match ``criteria``, newest last.

        Criteria come as a :class:`TraceQuery` or as its fields by keyword. A
        trace whose spans do not (yet) form one tree, such as one whose root
        is still running while two of its children have ended, is left out.
        """
        query = criteria or TraceQuery(**options)  # type: ignore[arg-type]
        with self._lock:
            candidates = [
                (trace_id, tuple(spans))
                for trace_id, spans in self._traces.items()
                if query.trace_id is None or trace_id == query.trace_id
            ]
        found: list[FlextTrace] = []
        for _, spans in candidates:
            assembled = assemble_trace(spans)
            if isinstance(assembled, Success) and _matches(assembled.unwrap(), query):
                found.append(assembled.unwrap())
        return tuple(found) if query.limit is None else tuple(found[-query.limit :])


def _matches(trace: FlextTrace, query: TraceQuery) -> bool:
    root = trace.root
    return (
        (query.service is None or any(span.service == query.service for span in trace.spans))
        and (query.root_name is None or root.name == query.root_name)
        and (
            query.has_error is None
            or query.has_error == any(span.status.code is SpanStatusCode.ERROR for span in trace.spans)
        )
        and (query.min_duration_ns is None or trace.duration_ns >= query.min_duration_ns)
        and (query.since_ns is None or root.start_time_ns >= query.since_ns)
    )


# --- console -------------------------------------------------------------------


class ConsoleSpanExporter:
    """Writes each span as one JSON line (its ``to_dict()``), for development and debugging."""

    def __init__(self, stream: TextIO | None = None) -> None:
        """Write to ``stream`` (standard output by default)."""
        self._stream = stream
        self._lock = fork_safe_lock()

    def export(self, spans: Sequence[FlextSpan], timeout: float) -> Result[int, FlextExportError]:
        """Write the spans; a failing stream is a Failure."""
        del timeout
        stream = self._stream or sys.stdout
        try:
            text = "".join(json.dumps(span.to_dict(), ensure_ascii=True) + "\n" for span in spans)
            with self._lock:
                stream.write(text)
                stream.flush()
        except Exception as error:  # noqa: BLE001 - a closed or broken stream is reported, not raised
            return Failure(FlextExportError(target="console", message=f"{type(error).__name__}: {error}"))
        return Success(len(spans))

    def shutdown(self, timeout: float) -> None:
        """Nothing to release."""


# --- OTLP/HTTP -----------------------------------------------------------------

RETRYABLE_STATUSES: Final = frozenset({429, 502, 503, 504})
"""The answers after which OTLP/HTTP says to retry (with backoff, honouring Retry-After)."""

_MAX_RETRY_AFTER: Final = 60.0


def retry_after_seconds(header: str | None, now: float | None = None) -> float | None:
    """Seconds to wait according to a ``Retry-After`` header (seconds or an HTTP date), if usable.

    >>> retry_after_seconds("2"), retry_after_seconds("soon"), retry_after_seconds(None)
    (2.0, None, None)
    """
    if not header:
        return None
    text = header.strip()
    if text.isascii() and text.isdigit():  # isdigit alone accepts "²", which float() refuses
        return float(text)
    try:
        moment = email.utils.parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return None
    return max(moment - (time.time() if now is None else now), 0.0)


class FlextOtlpHttpExporter:
    """Sends spans as OTLP/HTTP JSON to ``endpoint`` (the full ``/v1/traces`` URL).

    Each export is bounded by the processor's timeout. Answers 429, 502, 503
    and 504 (and failed connections) are retried with exponential backoff and
    jitter, waiting at least what ``Retry-After`` asks, while time is left;
    any other 4xx or 5xx answer fails the batch at once.

    The endpoint is used as given for the requests only: the exporter's
    ``repr`` and the ``target`` and ``message`` of the errors it returns show
    it with the library's redaction (``http://REDACTED:REDACTED@host/...``),
    so credentials in the URL reach no log line.
    """

    def __init__(  # noqa: PLR0913 - the exporter's settings, all with defaults
        self,
        endpoint: str = "http://127.0.0.1:4318/v1/traces",
        *,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
        compression: str | None = "gzip",
        max_retries: int = 5,
        resource: Mapping[str, AttributeValue] | None = None,
        backoff: float = 0.5,
    ) -> None:
        """Set up the exporter; raises ``ValueError`` for settings that make no sense."""
        if not endpoint.startswith(("http://", "https://")):
            message = f"endpoint must be an http:// or https:// URL, not {endpoint!r}"
            raise ValueError(message)
        if compression not in {None, "gzip"}:
            message = f"compression must be 'gzip' or None, not {compression!r}"
            raise ValueError(message)
        if not (0 < timeout < math.inf) or max_retries < 0 or backoff < 0:
            message = "timeout must be positive, max_retries and backoff zero or more"
            raise ValueError(message)
        self.endpoint = endpoint
        self.headers = dict(headers or {})
        self.timeout = timeout
        self.compression = compression
        self.max_retries = max_retries
        self.resource = dict(resource or {})
        self.backoff = backoff
        self._stopped = threading.Event()
        # A shutdown ends the pause between attempts, and the retries with it.
        self._client = HttpClient(pause=self._stopped.wait)
        self._retry = RetryPolicy(
            attempts=max_retries + 1, backoff=backoff, max_pause=_MAX_RETRY_AFTER, retry_statuses=RETRYABLE_STATUSES
        )

    def __repr__(self) -> str:
        return f"FlextOtlpHttpExporter({self._shown_endpoint()!r})"

    def _shown_endpoint(self) -> str:
        """The endpoint as messages show it: credentials and secret parameters hidden."""
        return redact_text(DEFAULT_POLICY, self.endpoint)

    def export(self, spans: Sequence[FlextSpan], timeout: float) -> Result[int, FlextExportError]:
        """POST the spans; the number the collector accepted, or why not."""
        if self._stopped.is_set():
            return self._failure("the exporter was shut down")
        if not spans:
            return Success(0)
        try:
            body, headers = self._request(spans)
        except Exception as error:  # noqa: BLE001 - an encoding bug fails the batch, not the thread
            return self._failure(f"encoding failed: {error!r}")
        sent = self._client.send(
            "POST", self.endpoint, body=body, headers=headers, timeout=min(timeout, self.timeout), retry=self._retry
        )
        if isinstance(sent, Success):
            return Success(_accepted(len(spans), sent.unwrap().text))
        problem = sent.failure()
        return self._failure(problem.message, problem.status)

    def _failure(self, message: str, status: int | None = None) -> Result[int, FlextExportError]:
        """A failed export, naming the endpoint and the reason with their secrets hidden."""
        return Failure(
            FlextExportError(target=self._shown_endpoint(), message=redact_text(DEFAULT_POLICY, message), status=status)
        )

    def _request(self, spans: Sequence[FlextSpan]) -> tuple[bytes, dict[str, str]]:
        """The body (gzipped unless told otherwise) and headers of one export."""
        # The processor's batches know which parents were remote; other sequences do not say.
        remote = getattr(spans, "remote_parents", None)
        payload = encode_spans(spans, resource=self.resource, remote_parents=remote)
        body = json.dumps(payload, ensure_ascii=True).encode("ascii")
        headers = {"Content-Type": "application/json", **self.headers}
        if self.compression == "gzip":
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        return body, headers

    def shutdown(self, timeout: float) -> None:
        """Refuse later exports and stop retrying the current one."""
        del timeout
        self._stopped.set()


def _rejected_spans(body: str) -> int:
    """The ``partialSuccess.rejectedSpans`` a collector reported, if any."""
    try:
        answer = json.loads(body) if body.strip() else {}
        rejected = int(answer.get("partialSuccess", {}).get("rejectedSpans", 0))
    except Exception:  # noqa: BLE001 - an odd success body means nothing was rejected
        return 0
    return max(rejected, 0)


def _accepted(count: int, body: str) -> int:
    """The spans a collector accepted out of ``count``: never negative, never more."""
    return min(max(count - _rejected_spans(body), 0), count)
