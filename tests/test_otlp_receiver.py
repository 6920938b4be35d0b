"""The loopback OTLP receiver of ``otlp_receiver.py`` answers like a collector in each mode."""

from __future__ import annotations

import gzip
import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from email.message import Message

import pytest
from otlp_receiver import MODES, OtlpPayloadError, OtlpReceiver, ReceiverMode, down_endpoint

from flext_observability import build_span
from flext_observability.core.tracing.otlp import encode_spans

pytestmark = pytest.mark.integration

# Loopback only: a proxy from the environment must never see these requests.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_JSON = {"Content-Type": "application/json"}
_EMPTY_REQUEST = b'{"resourceSpans": []}'
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"


def _post(
    url: str,
    body: bytes = _EMPTY_REQUEST,
    headers: Mapping[str, str] = _JSON,
    timeout: float = 5.0,
    method: str = "POST",
) -> tuple[int, Message[str, str], bytes]:
    """Send one request with urllib; the status, headers and body, whatever the status."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method=method)  # noqa: S310 - a loopback http URL
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


@pytest.fixture(autouse=True)
def no_thread_left() -> Iterator[None]:
    """Fail any test of this module that leaves a thread running behind it."""
    before = set(threading.enumerate())
    yield
    assert set(threading.enumerate()) - before == set()


def test_ok_answers_an_empty_json_object_and_records_the_request() -> None:
    """Mode "ok" answers 200 with ``{}`` as JSON and records method, path, headers, body and arrival time."""
    with OtlpReceiver() as receiver:
        assert receiver.endpoint == f"http://127.0.0.1:{receiver.port}"
        assert receiver.traces_url == receiver.endpoint + "/v1/traces"
        before = time.monotonic()
        status, headers, body = _post(receiver.traces_url, headers={**_JSON, "X-Tenant": "etl"})
        after = time.monotonic()
        assert (status, headers["Content-Type"], json.loads(body)) == (200, "application/json", {})
        [request] = receiver.requests
    assert (request.method, request.path) == ("POST", "/v1/traces")
    assert request.header("content-type") == "application/json"
    assert request.header("X-TENANT") == "etl"
    assert request.headers["x-tenant"] == "etl"
    assert request.raw_body == request.body == _EMPTY_REQUEST
    assert request.json() == {"resourceSpans": []}
    assert before <= request.arrived_at <= after


def test_an_encoded_payload_round_trips_through_http() -> None:
    """Spans encoded by the core, posted over HTTP, come back from ``decoded_requests`` with their ids."""
    span = build_span(
        trace_id=TRACE, span_id=SPAN, name="extract", service="tap", start_time_ns=1, end_time_ns=2
    ).unwrap()
    with OtlpReceiver() as receiver:
        assert _post(receiver.traces_url, json.dumps(encode_spans([span])).encode())[0] == 200
        [decoded] = receiver.decoded_requests()
    sent = decoded.resource_spans[0].scope_spans[0].spans[0]
    assert (sent.trace_id, sent.span_id, sent.name) == (bytes.fromhex(TRACE), bytes.fromhex(SPAN), "extract")


def test_gzip_bodies_are_decompressed() -> None:
    """A gzip body is recorded as sent and decompressed, and decodes like a plain one."""
    compressed = gzip.compress(_EMPTY_REQUEST)
    with OtlpReceiver() as receiver:
        status, _, _ = _post(receiver.traces_url, compressed, {**_JSON, "Content-Encoding": "gzip"})
        assert status == 200
        [request] = receiver.requests
        assert (request.raw_body, request.body) == (compressed, _EMPTY_REQUEST)
        assert len(receiver.decoded_requests()) == 1


@pytest.mark.parametrize(
    ("encoding", "body"),
    [("gzip", b"not gzip at all"), ("gzip", gzip.compress(_EMPTY_REQUEST)[:-6]), ("br", _EMPTY_REQUEST)],
    ids=["garbage", "truncated", "unsupported"],
)
def test_a_body_that_cannot_be_decoded_is_refused(encoding: str, body: bytes) -> None:
    """A corrupt gzip body or an unknown ``Content-Encoding`` gets 400, is recorded undecoded, and fails decoding."""
    with OtlpReceiver() as receiver:
        status, _, answer = _post(receiver.traces_url, body, {**_JSON, "Content-Encoding": encoding})
        assert (status, json.loads(answer)["code"]) == (400, 3)
        [request] = receiver.requests
        assert (request.raw_body, request.body) == (body, None)
        with pytest.raises(OtlpPayloadError, match="request 0"):
            receiver.decoded_requests()
        with pytest.raises(OtlpPayloadError, match=encoding):
            request.json()


def test_slow_answers_after_its_delay() -> None:
    """Mode "slow" records the request at once and answers 200 only after ``delay`` seconds."""
    with OtlpReceiver("slow", delay=0.3) as receiver:
        started = time.monotonic()
        status, _, body = _post(receiver.traces_url)
        elapsed = time.monotonic() - started
        assert (status, body) == (200, b"{}")
        assert elapsed >= 0.3
        assert receiver.requests[0].arrived_at - started < 0.3


def test_a_client_gives_up_on_a_slow_receiver_and_stopping_does_not_wait() -> None:
    """A client whose timeout is shorter than the delay times out; stopping cuts the delay short."""
    receiver = OtlpReceiver("slow", delay=30.0).start()
    try:
        with pytest.raises(TimeoutError):
            _post(receiver.traces_url, timeout=0.2)
        assert len(receiver.wait_for(1, timeout=1.0)) == 1
    finally:
        started = time.monotonic()
        receiver.stop()
    assert time.monotonic() - started < 2.0


def test_unavailable_answers_503_with_retry_after_for_ever_by_default() -> None:
    """Mode "unavailable" answers every request 503 with ``Retry-After`` and a ``google.rpc.Status`` body."""
    with OtlpReceiver("unavailable", retry_after=2) as receiver:
        answers = [_post(receiver.traces_url) for _ in range(5)]
        assert len(receiver.requests) == 5
    for status, headers, body in answers:
        assert (status, headers["Retry-After"], headers["Content-Type"]) == (503, "2", "application/json")
        assert json.loads(body) == {"code": 14, "message": "the collector is unavailable", "details": []}


@pytest.mark.parametrize("mode", ["unavailable", "throttled"])
def test_a_failing_receiver_recovers_after_the_configured_failures(mode: ReceiverMode) -> None:
    """With ``failures=2``, the first two requests fail and every later one gets 200."""
    with OtlpReceiver(mode, retry_after=1, failures=2) as receiver:
        statuses = [_post(receiver.traces_url)[0] for _ in range(4)]
    assert statuses == ([503, 503, 200, 200] if mode == "unavailable" else [429, 429, 200, 200])


def test_no_failures_means_answering_at_once() -> None:
    """``failures=0`` makes a failing mode answer 200 from the first request."""
    with OtlpReceiver("unavailable", failures=0) as receiver:
        assert _post(receiver.traces_url)[0] == 200


@pytest.mark.parametrize(
    ("retry_after", "header"),
    [
        (2, "2"),
        (2.0, "2"),
        (0.5, "0.5"),
        ("Wed, 21 Oct 2015 07:28:00 GMT", "Wed, 21 Oct 2015 07:28:00 GMT"),
        ("soon", "soon"),
        (None, None),
    ],
)
def test_retry_after_is_sent_as_given(retry_after: float | str | None, header: str | None) -> None:
    """Whole seconds are sent as integers, fractions and text as given, and no value means no header."""
    with OtlpReceiver("unavailable", retry_after=retry_after) as receiver:
        status, headers, _ = _post(receiver.traces_url)
    assert (status, headers["Retry-After"]) == (503, header)


def test_throttled_answers_429_with_retry_after() -> None:
    """Mode "throttled" answers 429 with ``Retry-After`` and a RESOURCE_EXHAUSTED status body."""
    with OtlpReceiver("throttled", retry_after=3) as receiver:
        status, headers, body = _post(receiver.traces_url)
    assert (status, headers["Retry-After"], json.loads(body)["code"]) == (429, "3", 8)


def test_bad_request_answers_400_with_an_otlp_status() -> None:
    """Mode "bad_request" answers 400 with an INVALID_ARGUMENT status body and no ``Retry-After``."""
    with OtlpReceiver("bad_request", retry_after=5) as receiver:
        status, headers, body = _post(receiver.traces_url)
        assert len(receiver.requests) == 1
    assert (status, headers["Retry-After"], headers["Content-Type"]) == (400, None, "application/json")
    assert json.loads(body) == {"code": 3, "message": "the request is invalid", "details": []}


def test_a_black_hole_makes_a_client_time_out() -> None:
    """Mode "black_hole" accepts the connection and never answers: a 0.5 s client times out after 0.5 s."""
    with OtlpReceiver("black_hole") as receiver:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            _post(receiver.traces_url, timeout=0.5)
        elapsed = time.monotonic() - started
        assert 0.45 <= elapsed < 2.0
        assert receiver.connections == 1
        assert receiver.requests == []
        assert receiver.decoded_requests() == []


def test_a_black_hole_holds_many_connections_and_stops_quickly() -> None:
    """Several clients stuck on a black hole are all cut off when it stops, quickly."""
    receiver = OtlpReceiver("black_hole").start()
    connections = [http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=5) for _ in range(3)]
    try:
        for connection in connections:
            connection.request("POST", "/v1/traces", body=_EMPTY_REQUEST, headers=_JSON)
        deadline = time.monotonic() + 2.0
        while receiver.connections < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert receiver.connections == 3
        started = time.monotonic()
        receiver.stop()
        assert time.monotonic() - started < 1.0
        for connection in connections:
            with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
                connection.getresponse()
    finally:
        receiver.stop()
        for connection in connections:
            connection.close()


def test_down_endpoint_refuses_connections() -> None:
    """Nothing listens at ``down_endpoint()``: a connection is refused at once."""
    with down_endpoint() as endpoint:
        started = time.monotonic()
        with pytest.raises(urllib.error.URLError) as caught:
            _post(endpoint + "/v1/traces", timeout=2.0)
        assert isinstance(caught.value.reason, ConnectionRefusedError)
        assert time.monotonic() - started < 1.0


def test_other_paths_and_methods_are_refused_but_recorded() -> None:
    """An unknown path gets 404 and a method other than POST 405; both are recorded, neither is decoded."""
    with OtlpReceiver("unavailable") as receiver:
        assert _post(receiver.endpoint + "/v1/metrics")[0] == 404
        status, headers, _ = _post(receiver.traces_url, b"", method="GET")
        assert (status, headers["Allow"]) == (405, "POST")
        assert [(request.method, request.path) for request in receiver.requests] == [
            ("POST", "/v1/metrics"),
            ("GET", "/v1/traces"),
        ]
        assert receiver.decoded_requests() == []


def test_decoded_requests_names_the_request_that_breaks_the_schema() -> None:
    """A body with an unknown field fails ``decoded_requests`` with the request's index and the field."""
    with OtlpReceiver() as receiver:
        _post(receiver.traces_url)
        _post(receiver.traces_url, b'{"resourceSpans": [], "extra": 1}')
        with pytest.raises(OtlpPayloadError, match=r"request 1.*extra"):
            receiver.decoded_requests()


def test_wait_for_returns_once_the_requests_arrived() -> None:
    """``wait_for`` blocks until the count is reached by requests sent from another thread."""
    with OtlpReceiver() as receiver:
        sender = threading.Thread(target=lambda: [_post(receiver.traces_url) for _ in range(3)])
        sender.start()
        try:
            assert len(receiver.wait_for(3, timeout=5.0)) == 3
        finally:
            sender.join()


def test_wait_for_times_out_with_what_arrived() -> None:
    """``wait_for`` raises ``TimeoutError`` saying how many requests came when too few do."""
    with OtlpReceiver() as receiver:
        _post(receiver.traces_url)
        started = time.monotonic()
        with pytest.raises(TimeoutError, match="1 of 2 requests"):
            receiver.wait_for(2, timeout=0.2)
        assert time.monotonic() - started >= 0.2


def test_chunked_bodies_are_read() -> None:
    """A body sent with chunked transfer encoding is put back together."""
    with OtlpReceiver() as receiver:
        connection = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=5)
        try:
            connection.request("POST", "/v1/traces", body=iter([b'{"resourceSpans"', b": []}"]), headers=_JSON)
            with connection.getresponse() as response:
                assert (response.status, response.read()) == (200, b"{}")
        finally:
            connection.close()
        assert receiver.requests[0].header("transfer-encoding") == "chunked"
        assert receiver.requests[0].body == _EMPTY_REQUEST
        assert len(receiver.decoded_requests()) == 1


def test_a_kept_alive_connection_serves_several_requests_and_does_not_delay_stopping() -> None:
    """Two requests share one HTTP/1.1 connection, and stopping while it idles is quick."""
    receiver = OtlpReceiver().start()
    connection = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=5)
    try:
        for _ in range(2):
            connection.request("POST", "/v1/traces", body=_EMPTY_REQUEST, headers=_JSON)
            with connection.getresponse() as response:
                assert response.status == 200
                response.read()
        assert (len(receiver.requests), receiver.connections) == (2, 1)
        started = time.monotonic()
        receiver.stop()
        assert time.monotonic() - started < 1.0
    finally:
        receiver.stop()
        connection.close()


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_starts_and_stops_cleanly(mode: ReceiverMode) -> None:
    """Each mode listens on a loopback port and leaves no thread behind; stopping twice is harmless."""
    receiver = OtlpReceiver(mode, delay=0.01)
    with receiver:
        assert receiver.endpoint.startswith("http://127.0.0.1:")
    receiver.stop()


def test_misuse_is_reported() -> None:
    """An unknown mode, negative failures, an address before starting and a second start are errors."""
    with pytest.raises(ValueError, match="unknown mode"):
        OtlpReceiver("teapot")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="failures"):
        OtlpReceiver("unavailable", failures=-1)
    receiver = OtlpReceiver()
    with pytest.raises(RuntimeError, match="start the receiver first"):
        _ = receiver.endpoint
    with receiver, pytest.raises(RuntimeError, match="already started"):
        receiver.start()
