"""A loopback OTLP/HTTP trace collector stand-in for tests, and the payload check it uses.

``OtlpReceiver`` listens on 127.0.0.1 on a free port, records every request
and answers like a collector in one chosen mode: accepting, slow, unavailable
(503), throttled (429), rejecting (400), or a black hole that accepts TCP
connections and never answers. ``down_endpoint()`` gives an address where
nothing listens. ``decode_export_request`` checks a body against the official
schema (``opentelemetry-proto``) with OTLP's JSON rules, with no HTTP at all.

Only the standard library serves; stopping closes every socket and joins every
thread, so nothing leaks into pytest's warnings-as-errors run.

``google.protobuf`` ships no type information (and ``types-protobuf`` is not a
development dependency), so its ``json_format`` is untyped: the ``Any`` it
returns stays inside :func:`decode_export_request`, which hands back the
typed message it filled.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import selectors
import socket
import sys
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Literal, Self

from google.protobuf import json_format  # type: ignore[import-untyped] # protobuf ships no type information
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

if TYPE_CHECKING:
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

ReceiverMode = Literal["ok", "slow", "unavailable", "throttled", "bad_request", "black_hole"]
"""How an :class:`OtlpReceiver` answers ``POST /v1/traces``."""

MODES: Final[tuple[ReceiverMode, ...]] = ("ok", "slow", "unavailable", "throttled", "bad_request", "black_hole")
TRACES_PATH: Final = "/v1/traces"

# google.rpc.Code numbers, for the Status body OTLP/HTTP sends with every 4xx and 5xx.
_RPC_INVALID_ARGUMENT: Final = 3
_RPC_NOT_FOUND: Final = 5
_RPC_RESOURCE_EXHAUSTED: Final = 8
_RPC_UNIMPLEMENTED: Final = 12
_RPC_UNAVAILABLE: Final = 14

# serve_forever and the black hole's accept loop look at their stop flag this
# often: it bounds how long stopping takes.
_POLL_SECONDS: Final = 0.05
# A connection left idle this long (a client that vanished) is dropped.
_IDLE_SECONDS: Final = 10.0
_BLACK_HOLE_BACKLOG: Final = 64

_TRACE_ID: Final = re.compile(r"[0-9a-f]{32}")
_SPAN_ID: Final = re.compile(r"[0-9a-f]{16}")


class OtlpPayloadError(AssertionError):
    """A body is not a valid OTLP/HTTP JSON ``ExportTraceServiceRequest``; the message says where."""


# --- checking payloads -------------------------------------------------------


def _reject_constant(token: str) -> object:
    # json.loads reads NaN and Infinity, which are not JSON and which no collector takes.
    message = f"{token} is not JSON"
    raise OtlpPayloadError(message)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of duplicate keys silently; protobuf's JSON parser refuses them.
    result = dict(pairs)
    if len(result) != len(pairs):
        keys = [key for key, _ in pairs]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        message = f"duplicate keys {duplicates}"
        raise OtlpPayloadError(message)
    return result


def _base64_id(path: str, value: object, pattern: re.Pattern[str], size: int, *, optional: bool = False) -> str:
    """The base64 protobuf's JSON parser expects for a hex id that OTLP sends.

    Without this, ``json_format`` reads the hex text as base64 and yields
    bytes of the wrong length without complaint.
    """
    if optional and value == "":
        return ""
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        message = f"{path}: {value!r} is not {2 * size} lowercase hex digits"
        raise OtlpPayloadError(message)
    raw = bytes.fromhex(value)
    if len(raw) != size or raw == bytes(size):
        message = f"{path}: {value!r} is not a valid {size}-byte id (all zeros is invalid)"
        raise OtlpPayloadError(message)
    return base64.b64encode(raw).decode("ascii")


def _objects(path: str, container: Mapping[str, Any], key: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The JSON objects of the list ``container[key]`` with their paths; other shapes are left to protobuf."""
    items = container.get(key)
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield f"{path}.{key}[{index}]", item


def _require_type(path: str, container: Mapping[str, Any], key: str, kind: type, words: str) -> None:
    if key in container and (not isinstance(container[key], kind) or isinstance(container[key], bool)):
        message = f"{path}.{key}: {container[key]!r} must be {words} in OTLP JSON"
        raise OtlpPayloadError(message)


def _check_any_value(path: str, value: Mapping[str, Any]) -> None:
    _require_type(path, value, "intValue", str, "a decimal string")
    array = value.get("arrayValue")
    if isinstance(array, dict):
        for item_path, item in _objects(f"{path}.arrayValue", array, "values"):
            _check_any_value(item_path, item)
    kvlist = value.get("kvlistValue")
    if isinstance(kvlist, dict):
        _check_attributes(f"{path}.kvlistValue", kvlist, "values")


def _check_attributes(path: str, owner: Mapping[str, Any], key: str = "attributes") -> None:
    for item_path, item in _objects(path, owner, key):
        value = item.get("value")
        if isinstance(value, dict):
            _check_any_value(f"{item_path}.value", value)


def _convert_span(path: str, span: dict[str, Any]) -> None:
    """Turn the span's hex ids into base64 in place, and check OTLP's JSON rules protobuf does not."""
    span["traceId"] = _base64_id(f"{path}.traceId", span.get("traceId"), _TRACE_ID, 16)
    span["spanId"] = _base64_id(f"{path}.spanId", span.get("spanId"), _SPAN_ID, 8)
    if "parentSpanId" in span:
        span["parentSpanId"] = _base64_id(f"{path}.parentSpanId", span["parentSpanId"], _SPAN_ID, 8, optional=True)
    _require_type(path, span, "kind", int, "an integer")
    for key in ("startTimeUnixNano", "endTimeUnixNano"):
        _require_type(path, span, key, str, "a decimal string")
    status = span.get("status")
    if isinstance(status, dict):
        _require_type(f"{path}.status", status, "code", int, "an integer")
    _check_attributes(path, span)
    for event_path, event in _objects(path, span, "events"):
        _require_type(event_path, event, "timeUnixNano", str, "a decimal string")
        _check_attributes(event_path, event)
    for link_path, link in _objects(path, span, "links"):
        link["traceId"] = _base64_id(f"{link_path}.traceId", link.get("traceId"), _TRACE_ID, 16)
        link["spanId"] = _base64_id(f"{link_path}.spanId", link.get("spanId"), _SPAN_ID, 8)
        _check_attributes(link_path, link)


def otlp_json_to_proto_json(document: dict[str, Any]) -> dict[str, Any]:
    """Rewrite an OTLP JSON request, in place, into what protobuf's JSON parser reads correctly.

    Trace and span ids (of spans, parents and links) must be lowercase hex of
    16 and 8 bytes, not all zero, and become base64; enums must be integers and
    64-bit integers decimal strings, as OTLP requires (protobuf would accept
    names and numbers too). Anything else is left for protobuf to judge.
    """
    for resource_path, resource_spans in _objects("", document, "resourceSpans"):
        resource = resource_spans.get("resource")
        if isinstance(resource, dict):
            _check_attributes(f"{resource_path}.resource", resource)
        for scope_path, scope_spans in _objects(resource_path, resource_spans, "scopeSpans"):
            scope = scope_spans.get("scope")
            if isinstance(scope, dict):
                _check_attributes(f"{scope_path}.scope", scope)
            for span_path, span in _objects(scope_path, scope_spans, "spans"):
                _convert_span(span_path, span)
    return document


def decode_export_request(body: bytes | str) -> ExportTraceServiceRequest:
    """Parse an OTLP/HTTP JSON body into the official ``ExportTraceServiceRequest``.

    Raises:
        OtlpPayloadError: the body is not strict JSON (duplicate keys, NaN),
            not an object, breaks an OTLP JSON rule (see
            :func:`otlp_json_to_proto_json`), or does not match the schema,
            unknown fields included.
    """
    try:
        document = json.loads(body, object_pairs_hook=_unique_keys, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as error:
        message = f"not JSON: {error}"
        raise OtlpPayloadError(message) from error
    if not isinstance(document, dict):
        message = f"the body must be a JSON object, got {type(document).__name__}"
        raise OtlpPayloadError(message)
    request = ExportTraceServiceRequest()
    try:
        # Unknown fields raise: ignore_unknown_fields stays at its default, False.
        json_format.ParseDict(otlp_json_to_proto_json(document), request)
    except json_format.ParseError as error:
        raise OtlpPayloadError(str(error)) from error
    return request


def decode_payload(payload: Mapping[str, Any]) -> ExportTraceServiceRequest:
    """Serialize ``payload`` as strict JSON (no NaN), then :func:`decode_export_request` it."""
    return decode_export_request(json.dumps(payload, allow_nan=False))


def value_of(value: AnyValue) -> object:
    """The Python value of a decoded ``AnyValue``: str, bool, int, float, or a tuple for an array."""
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return tuple(value_of(item) for item in value.array_value.values)
    if kind == "kvlist_value":
        return attributes_of(value.kvlist_value.values)
    return None if kind is None else getattr(value, kind)


def attributes_of(key_values: Iterable[KeyValue]) -> dict[str, object]:
    """Decoded attributes as a dict of Python values (see :func:`value_of`)."""
    return {item.key: value_of(item.value) for item in key_values}


def typed(value: object) -> object:
    """``value`` with the type of every scalar beside it, so that ``True`` and ``1`` compare unequal."""
    if isinstance(value, Mapping):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return tuple(typed(item) for item in value)
    return (type(value).__name__, value)


# --- the receiver --------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the receiver saw it.

    ``headers`` has lowercase names. ``body`` is the decompressed body
    (``None`` when a ``Content-Encoding`` could not be undone); ``raw_body`` is
    what came over the wire. ``arrived_at`` is ``time.monotonic()`` when the
    request's headers had been read.
    """

    method: str
    path: str
    headers: Mapping[str, str]
    raw_body: bytes
    body: bytes | None
    arrived_at: float

    def header(self, name: str) -> str | None:
        """The value of the header ``name`` (any case), or ``None``."""
        return self.headers.get(name.lower())

    def json(self) -> Any:
        """The body read as JSON."""
        if self.body is None:
            message = f"the body could not be decoded (Content-Encoding: {self.header('content-encoding')})"
            raise OtlpPayloadError(message)
        return json.loads(self.body)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def down_endpoint() -> Iterator[str]:
    """A base URL (``http://127.0.0.1:PORT``) where nothing listens: connecting is refused.

    The port stays bound, without listening, while the context lasts, so no
    other test (or xdist worker) can start a server on it meanwhile.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def _status_body(code: int, message: str) -> bytes:
    """A ``google.rpc.Status`` as JSON: what OTLP/HTTP sends with an error."""
    return json.dumps({"code": code, "message": message, "details": []}).encode()


class _Server(ThreadingHTTPServer):
    # Handler threads are joined when the server closes (see OtlpReceiver.stop).
    daemon_threads = False
    block_on_close = True

    def __init__(self, receiver: OtlpReceiver) -> None:
        self.receiver = receiver
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: object) -> None:
        """Stay quiet about clients that hung up (a timed-out client, a stopping receiver)."""
        if isinstance(sys.exception(), OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # HTTP/1.1 keeps connections open between exports, as a collector does.
    protocol_version = "HTTP/1.1"
    timeout = _IDLE_SECONDS

    def setup(self) -> None:
        super().setup()
        self.server.receiver._opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.receiver._closed(self.connection)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class names it so
        """Keep the test output free of access logs."""

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in {b"\r\n", b"\n", b""}:
                pass  # trailers carry nothing we record
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self) -> None:
        arrived_at = time.monotonic()
        raw = self._read_body()
        encoding = self.headers.get("Content-Encoding", "identity").strip().lower()
        body: bytes | None = raw
        if encoding == "gzip":
            try:
                body = gzip.decompress(raw)
            except (OSError, EOFError, zlib.error):
                body = None
        elif encoding != "identity":
            body = None
        request = ReceivedRequest(
            method=self.command,
            path=self.path,
            headers={name.lower(): value for name, value in self.headers.items()},
            raw_body=raw,
            body=body,
            arrived_at=arrived_at,
        )
        status, headers, answer = self.server.receiver._record_and_answer(request)
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_POST = do_GET = do_PUT = do_DELETE = do_PATCH = _handle  # noqa: N815 - http.server dispatches on these names


class OtlpReceiver:
    """A loopback OTLP/HTTP collector stand-in; use it as a context manager.

    Modes, for ``POST /v1/traces`` (other paths get 404, other methods 405):

    - ``"ok"``: 200 with ``{}`` (an empty ``ExportTraceServiceResponse``) as JSON;
    - ``"slow"``: waits ``delay`` seconds, then answers as ``"ok"``;
    - ``"unavailable"``: 503, ``"throttled"``: 429, ``"bad_request"``: 400, each
      with a JSON ``google.rpc.Status`` body; the first two add ``Retry-After``
      when ``retry_after`` is given (a number is sent as whole seconds when
      integral, else as given, such as ``0.5``, which keeps retry tests fast;
      text is sent verbatim, for HTTP dates and junk). After ``failures`` such
      answers the receiver answers 200; ``None`` means it never recovers;
    - ``"black_hole"``: accepts TCP connections and never reads or answers
      (a raw socket server); nothing is recorded but ``connections``.

    A body sent with a ``Content-Encoding`` other than gzip (or a gzip body
    that does not decompress) is answered 400 in every mode, as a collector would.
    """

    def __init__(
        self,
        mode: ReceiverMode = "ok",
        *,
        retry_after: float | str | None = None,
        delay: float = 0.0,
        failures: int | None = None,
    ) -> None:
        if mode not in MODES:
            message = f"unknown mode {mode!r}; choose one of {', '.join(MODES)}"
            raise ValueError(message)
        if failures is not None and failures < 0:
            message = f"failures must be None or at least 0, got {failures}"
            raise ValueError(message)
        self.mode: ReceiverMode = mode
        self.retry_after = retry_after
        self.delay = delay
        self.failures = failures
        self._lock = threading.Condition()
        self._requests: list[ReceivedRequest] = []
        self._errors_sent = 0
        self._connections = 0
        self._open: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._port: int | None = None

    # -- life cycle --

    def start(self) -> Self:
        """Start listening on 127.0.0.1 on a free port."""
        if self._port is not None:
            message = "the receiver was already started"
            raise RuntimeError(message)
        if self.mode == "black_hole":
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.bind(("127.0.0.1", 0))
            listener.listen(_BLACK_HOLE_BACKLOG)
            self._listener = listener
            self._port = listener.getsockname()[1]
            thread = threading.Thread(
                target=self._swallow_connections, args=(listener,), name="otlp-black-hole", daemon=True
            )
        else:
            self._server = _Server(self)
            self._port = self._server.server_address[1]
            thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": _POLL_SECONDS},
                name="otlp-receiver",
                daemon=True,
            )
        self._threads.append(thread)
        thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, drop every open connection and join every thread; safe to call twice."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
        with self._lock:
            connections = list(self._open)
        for connection in connections:
            # Wakes handler threads blocked reading a keep-alive connection.
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._server is not None:
            # Joins the handler threads (daemon_threads is off) and closes the listening socket.
            self._server.server_close()
            self._server = None
        for thread in self._threads:
            thread.join()
        self._threads.clear()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            for connection in self._open:
                connection.close()
            self._open.clear()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses --

    @property
    def port(self) -> int:
        """The port the receiver listens on."""
        if self._port is None:
            message = "start the receiver first (use it as a context manager)"
            raise RuntimeError(message)
        return self._port

    @property
    def endpoint(self) -> str:
        """The base URL, ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def traces_url(self) -> str:
        """The URL trace exports go to: the endpoint plus ``/v1/traces``."""
        return self.endpoint + TRACES_PATH

    # -- what was received --

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Every request received so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def connections(self) -> int:
        """How many TCP connections were accepted so far."""
        with self._lock:
            return self._connections

    def decoded_requests(self) -> list[ExportTraceServiceRequest]:
        """Every ``POST /v1/traces`` body so far, checked and parsed (see :func:`decode_export_request`)."""
        decoded: list[ExportTraceServiceRequest] = []
        for index, request in enumerate(self.requests):
            if request.method != "POST" or request.path != TRACES_PATH:
                continue
            if request.body is None:
                message = f"request {index}: its body could not be decompressed"
                raise OtlpPayloadError(message)
            try:
                decoded.append(decode_export_request(request.body))
            except OtlpPayloadError as error:
                message = f"request {index}: {error}"
                raise OtlpPayloadError(message) from error
        return decoded

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedRequest]:
        """Wait until at least ``count`` requests arrived and return them all.

        Raises:
            TimeoutError: fewer than ``count`` arrived within ``timeout`` seconds.
        """
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._requests) >= count, timeout):
                message = f"{len(self._requests)} of {count} requests arrived within {timeout} s"
                raise TimeoutError(message)
            return list(self._requests)

    # -- called by the server threads --

    def _opened(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections += 1
            self._open.add(connection)

    def _closed(self, connection: socket.socket) -> None:
        with self._lock:
            self._open.discard(connection)

    def _retry_after_header(self) -> list[tuple[str, str]]:
        value = self.retry_after
        if value is None:
            return []
        if isinstance(value, str):
            return [("Retry-After", value)]
        return [("Retry-After", str(int(value)) if float(value).is_integer() else str(value))]

    def _record_and_answer(self, request: ReceivedRequest) -> tuple[int, list[tuple[str, str]], bytes]:
        """Record ``request`` (before answering, so a client that got its answer finds it recorded)."""
        with self._lock:
            self._requests.append(request)
            self._lock.notify_all()
        json_type = [("Content-Type", "application/json")]
        if request.path.split("?")[0] != TRACES_PATH:
            return 404, json_type, _status_body(_RPC_NOT_FOUND, f"no such path {request.path}")
        if request.method != "POST":
            return 405, [*json_type, ("Allow", "POST")], _status_body(_RPC_UNIMPLEMENTED, "use POST")
        if request.body is None:
            encoding = request.header("content-encoding")
            return 400, json_type, _status_body(_RPC_INVALID_ARGUMENT, f"cannot decode Content-Encoding {encoding}")
        if self.mode == "slow":
            self._stopping.wait(self.delay)
        error = self._mode_error()
        if error is None:
            return 200, json_type, b"{}"
        status, code, message = error
        retry = self._retry_after_header() if status in {429, 503} else []
        return status, [*json_type, *retry], _status_body(code, message)

    def _mode_error(self) -> tuple[int, int, str] | None:
        """The error this request gets, or ``None`` once ``failures`` errors were sent."""
        errors = {
            "unavailable": (503, _RPC_UNAVAILABLE, "the collector is unavailable"),
            "throttled": (429, _RPC_RESOURCE_EXHAUSTED, "too many requests"),
            "bad_request": (400, _RPC_INVALID_ARGUMENT, "the request is invalid"),
        }
        error = errors.get(self.mode)
        if error is None:
            return None
        with self._lock:
            if self.failures is not None and self._errors_sent >= self.failures:
                return None
            self._errors_sent += 1
        return error

    def _swallow_connections(self, listener: socket.socket) -> None:
        """Accept connections and keep them open, unread, until the receiver stops."""
        with selectors.DefaultSelector() as selector:
            selector.register(listener, selectors.EVENT_READ)
            while not self._stopping.is_set():
                if selector.select(_POLL_SECONDS):
                    connection, _ = listener.accept()
                    self._opened(connection)
