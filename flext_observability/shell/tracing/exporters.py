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
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final, Protocol, TextIO, runtime_checkable

from attrs import evolve, fields, frozen
from returns.result import Failure, Result, Success

from flext_observability.core.attributes import AttributeValue, check_attribute_value
from flext_observability.core.checks import as_number, describe, shown_number
from flext_observability.core.errors import FlextExportError
from flext_observability.core.redaction import DEFAULT_POLICY, redact_text
from flext_observability.core.tracing.otlp import encode_spans
from flext_observability.core.tracing.span import FlextSpan
from flext_observability.core.tracing.trace import FlextTrace, assemble_trace
from flext_observability.core.values import SpanStatusCode
from flext_observability.shell.counts import check_count
from flext_observability.shell.http_client import MAX_ATTEMPTS, HttpClient, RetryPolicy
from flext_observability.shell.locks import fork_safe_lock
from flext_observability.shell.seconds import check_seconds

if TYPE_CHECKING:
    from collections.abc import Sequence

    from flext_observability.core.checks import Problems


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
        """Keep at most ``capacity`` spans (a ``TypeError`` or ``ValueError`` naming it unless an int of at least 1)."""
        self.capacity = check_count("capacity", capacity)
        self._traces: OrderedDict[str, list[FlextSpan]] = OrderedDict()
        self._count = 0
        self._lock = fork_safe_lock()
        self.dropped = 0
        """Spans pushed out by newer ones."""

    def export(self, spans: Sequence[FlextSpan], timeout: float) -> Result[int, FlextExportError]:
        """Keep ``spans``; a ``Failure`` (nothing kept) unless they are a sequence of ``FlextSpan``."""
        del timeout
        try:
            given = list(spans)
        except Exception:  # noqa: BLE001 - iteration runs the caller's code; its failure refuses the batch
            given = None
        if given is None or not all(isinstance(span, FlextSpan) for span in given):
            shown = describe(spans)
            return Failure(
                FlextExportError(target="memory", message=f"spans must be a sequence of FlextSpan, not {shown}")
            )
        with self._lock:
            for span in given:
                # Grouped by the plain text of the id: a str subclass's hash may raise or lie.
                trace_id: object = span.trace_id  # an entity built by hand skipped its checks
                key = trace_id if type(trace_id) is str else str.__str__(trace_id) if isinstance(trace_id, str) else ""
                self._traces.setdefault(key, []).append(span)
                self._count += 1
            while self._count > self.capacity:
                _, oldest = self._traces.popitem(last=False)
                self._count -= len(oldest)
                self.dropped += len(oldest)
        return Success(len(given))

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
        Criteria that are not a ``TraceQuery`` of fields of their types
        (text, ``bool``, ``int`` or ``None``) match nothing: the answer is ``()``.
        """
        query = _plain_query(criteria, options)
        if query is None:
            return ()
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


_QUERY_TYPES: Final = {
    "trace_id": str,
    "service": str,
    "root_name": str,
    "has_error": bool,
    "min_duration_ns": int,
    "since_ns": int,
    "limit": int,
}
"""The type of each :class:`TraceQuery` field (each may also be ``None``)."""


def _plain_query(criteria: object, options: Mapping[str, object]) -> TraceQuery | None:
    """The criteria with plain values (subclasses read by the base type), or ``None`` when they are not criteria."""
    if criteria is None:
        try:
            criteria = TraceQuery(**options)  # type: ignore[arg-type]
        except TypeError:
            return None
    if not isinstance(criteria, TraceQuery):
        return None
    plain: dict[str, object] = {}
    for field in fields(TraceQuery):
        value = getattr(criteria, field.name)
        kind = _QUERY_TYPES[field.name]
        if value is None or type(value) is kind:
            continue
        if kind is str and isinstance(value, str):
            plain[field.name] = str.__str__(value)
        elif kind is int and isinstance(value, int) and not isinstance(value, bool):
            plain[field.name] = int.__int__(value)
        else:
            return None
    return evolve(criteria, **plain) if plain else criteria  # type: ignore[arg-type]


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
        """Write to ``stream`` (standard output, as it is at each export, by default).

        A ``stream`` without a ``write`` method is a ``TypeError`` naming it.
        """
        if stream is not None and not callable(_method(stream, "write")):
            message = f"stream must be a text stream (with a write method) or None, not {describe(stream)}"
            raise TypeError(message)
        self._stream = stream
        self._lock = fork_safe_lock()

    def export(self, spans: Sequence[FlextSpan], timeout: float) -> Result[int, FlextExportError]:
        """Write the spans; a failing stream is a Failure."""
        del timeout
        stream = sys.stdout if self._stream is None else self._stream
        try:
            text = "".join(json.dumps(span.to_dict(), ensure_ascii=True) + "\n" for span in spans)
            with self._lock:
                stream.write(text)
                flush = _method(stream, "flush")
                if callable(flush):
                    flush()
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
        """Set up the exporter; a setting that makes no sense raises ``TypeError`` or ``ValueError`` naming it."""
        self.endpoint = _check_endpoint(endpoint)
        self.headers = _check_headers(headers)
        self.timeout = check_seconds("timeout", timeout)
        self.compression = _check_compression(compression)
        self.max_retries = _check_retries(max_retries)
        self.resource = _check_resource(resource)
        self.backoff = _check_backoff(backoff)
        self._stopped = threading.Event()
        # A shutdown ends the pause between attempts, and the retries with it.
        self._client = HttpClient(pause=self._stopped.wait)
        self._retry = RetryPolicy(
            attempts=self.max_retries + 1,
            backoff=self.backoff,
            max_pause=_MAX_RETRY_AFTER,
            retry_statuses=RETRYABLE_STATUSES,
        )

    def __repr__(self) -> str:
        return f"FlextOtlpHttpExporter({self._shown_endpoint()!r})"

    def _shown_endpoint(self) -> str:
        """The endpoint as messages show it: credentials and secret parameters hidden."""
        return redact_text(DEFAULT_POLICY, self.endpoint)

    def export(self, spans: Sequence[FlextSpan], timeout: float) -> Result[int, FlextExportError]:
        """POST the spans within ``timeout`` seconds (at most the exporter's own); the number accepted, or why not.

        A ``timeout`` that is not a positive number means the exporter's own.
        """
        if self._stopped.is_set():
            return self._failure("the exporter was shut down")
        try:
            count = len(spans)
            if not count:
                return Success(0)
            body, headers = self._request(spans)
        except Exception as error:  # noqa: BLE001 - an encoding bug (or spans that are no sequence) fails the batch
            return self._failure(f"encoding failed: {type(error).__name__}")
        seconds = as_number(timeout)
        wait = min(seconds, self.timeout) if seconds is not None and seconds > 0 else self.timeout
        sent = self._client.send("POST", self.endpoint, body=body, headers=headers, timeout=wait, retry=self._retry)
        if isinstance(sent, Success):
            return Success(_accepted(count, sent.unwrap().text))
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


def _method(value: object, name: str) -> object:
    """``getattr(value, name, None)``, also ``None`` when the object's attribute lookup itself raises."""
    try:
        return getattr(value, name, None)
    except Exception:  # noqa: BLE001 - an object whose lookup fails has no such method
        return None


def _check_endpoint(endpoint: object) -> str:
    """The endpoint as plain text when it is an http:// or https:// URL; else an error naming ``endpoint``."""
    if not isinstance(endpoint, str):
        message = f"endpoint must be an http:// or https:// URL, not {describe(endpoint)}"
        raise TypeError(message)
    text = str.__str__(endpoint)  # a subclass's own methods may raise or lie
    if not text.startswith(("http://", "https://")):
        message = f"endpoint must be an http:// or https:// URL, not {describe(redact_text(DEFAULT_POLICY, text))}"
        raise ValueError(message)
    return text


def _check_compression(compression: object) -> str | None:
    """``"gzip"`` or ``None``; else a ``ValueError`` naming ``compression``."""
    if compression is None:
        return None
    if isinstance(compression, str) and str.__str__(compression) == "gzip":
        return "gzip"
    message = f"compression must be 'gzip' or None, not {describe(compression)}"
    raise ValueError(message)


def _check_retries(max_retries: object) -> int:
    """``max_retries`` as a plain int from 0 to 99; else an error naming it (not the HTTP client's ``attempts``)."""
    return check_count("max_retries", max_retries, least=0, most=MAX_ATTEMPTS - 1)


def _check_backoff(backoff: object) -> float:
    """``backoff`` as finite seconds of 0 or more; else an error naming it."""
    seconds = as_number(backoff)
    if seconds is None:
        message = f"backoff must be a number of seconds of 0 or more, not {shown_number(backoff)}"
        raise TypeError(message)
    if not (math.isfinite(seconds) and seconds >= 0):
        message = f"backoff must be a finite number of seconds of 0 or more, not {shown_number(backoff)}"
        raise ValueError(message)
    return seconds


def _read_mapping(name: str, given: object) -> list[tuple[object, object]]:
    """The items of a mapping setting (``None``: none); else a ``TypeError`` naming it."""
    if given is None:
        return []
    if not isinstance(given, Mapping):
        message = f"{name} must be a mapping or None, not {describe(given)}"
        raise TypeError(message)
    try:
        return list(given.items())
    except Exception as error:
        message = f"{name} must be a readable mapping; reading {describe(given)} failed"
        raise TypeError(message) from error


def _check_headers(headers: object) -> dict[str, str]:
    """The extra request headers as plain texts; else a ``TypeError`` naming ``headers``."""
    checked: dict[str, str] = {}
    for key, value in _read_mapping("headers", headers):
        if not (isinstance(key, str) and isinstance(value, str)):
            message = f"headers must map text to text; {describe(key)} maps to {describe(value)}"
            raise TypeError(message)
        checked[str.__str__(key)] = str.__str__(value)
    return checked


def _check_resource(resource: object) -> dict[str, AttributeValue]:
    """The resource attributes (arrays as tuples); else a ``TypeError`` naming ``resource``."""
    checked: dict[str, AttributeValue] = {}
    for key, value in _read_mapping("resource", resource):
        problems: Problems = []
        attribute = check_attribute_value(problems, "resource", value) if isinstance(key, str) else None
        if attribute is None:
            message = (
                "resource must map text to attribute values (str, bool, int, float or a list); "
                f"{describe(key)} does not"
            )
            raise TypeError(message)
        checked[str.__str__(key)] = attribute
    return checked


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
