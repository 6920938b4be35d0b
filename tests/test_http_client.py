"""Attack tests for the one outbound HTTP client, ``flext_observability.shell.http_client``.

Every server here is real: a socket on 127.0.0.1 (port 0) served by threads the
test starts and stops (``loopback.py``): a trickler, a black hole, a 503 with
``Retry-After``, a redirect, endless bodies and endless headers. Nothing on the
network is mocked; the only doubles are the clock, the pause between attempts and
the jitter, all handed to the client through its own parameters.
"""

from __future__ import annotations

import contextlib
import email.utils
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pytest
from loopback import GIB, KIB, MIB, Serve, Stream, answer, black_hole, slow, trickle
from returns.result import Failure, Result, Success
from servers import free_port

from flext_observability.shell.http_client import (
    DEFAULT_CLIENT,
    NO_RETRY,
    HttpClient,
    HttpError,
    HttpResponse,
    RetryPolicy,
)
from flext_observability.testing import FakeClock

pytestmark = pytest.mark.integration

SECRET = "s3cr3t-pass"
MARGIN = 0.5
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
BUSY = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy"


class Pauses:
    """A ``pause`` that records each wait, moves ``clock`` by it, and answers ``True`` (shut down) at ``stop_at``."""

    def __init__(self, *, stop_at: int | None = None, clock: FakeClock | None = None) -> None:
        self.seen: list[float] = []
        self.stop_at = stop_at
        self.clock = clock

    def __call__(self, seconds: float) -> bool:
        self.seen.append(seconds)
        if self.clock is not None:
            self.clock.advance(seconds)
        return self.stop_at is not None and len(self.seen) >= self.stop_at


def failure_of(result: Result[HttpResponse, HttpError]) -> HttpError:
    """The error of a ``Failure``; anything else fails the test."""
    assert isinstance(result, Failure), f"expected a Failure, got {result!r}"
    error: HttpError = result.failure()
    return error


def success_of(result: Result[HttpResponse, HttpError]) -> HttpResponse:
    """The response of a ``Success``; anything else fails the test."""
    assert isinstance(result, Success), f"expected a Success, got {result!r}"
    response: HttpResponse = result.unwrap()
    return response


def timed(
    client: HttpClient,
    url: str,
    *,
    timeout: float,
    retry: RetryPolicy = NO_RETRY,
    method: str = "GET",
    body: bytes = b"",
) -> tuple[Result[HttpResponse, HttpError], float]:
    """``client.send`` and the seconds it took."""
    started = time.monotonic()
    result = client.send(method, url, body=body, timeout=timeout, retry=retry)
    return result, time.monotonic() - started


# -- deadlines ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prefix",
    [
        pytest.param(b"HTTP/1.1 200 OK\r\n", id="headers"),
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", id="body"),
    ],
)
def test_trickling_server_is_cut_off_at_the_deadline(serve: Serve, prefix: bytes) -> None:
    """Ensures a server sending one byte every 0.2 s forever ends the call at its one deadline, retries included."""
    server = serve(trickle(prefix))
    result, took = timed(HttpClient(), server.url(), timeout=1.0, retry=RetryPolicy(attempts=3, backoff=0.01))
    error = failure_of(result)
    assert "timed out" in error.message
    assert error.status is None
    assert took < 1.0 + MARGIN
    assert server.connections == 1, "a timed-out call has no time left for another attempt"


@pytest.mark.parametrize(
    ("scheme", "method", "body", "read_request", "phase"),
    [
        pytest.param("http", "GET", b"", True, "waiting for the answer", id="answer"),
        pytest.param("https", "GET", b"", False, "TLS handshake", id="tls-handshake"),
        # The server reads the head only; its 4 KiB buffer and the sender's (4 MiB at most) fill long before 8 MiB.
        pytest.param("http", "POST", b"x" * (8 * MIB), True, "sending", id="send"),
    ],
)
def test_silent_server_times_out(
    serve: Serve, scheme: str, method: str, body: bytes, read_request: bool, phase: str
) -> None:
    """Ensures a server that accepts and never writes (nor reads) is given up on at the deadline, in every phase."""
    server = serve(black_hole, read_request=read_request, rcvbuf=4 * KIB)
    result, took = timed(HttpClient(), server.url(scheme=scheme), timeout=0.5, method=method, body=body)
    error = failure_of(result)
    assert "timed out" in error.message
    assert phase in error.message
    assert error.status is None
    assert took < 0.5 + MARGIN


def test_refused_connection_fails_fast() -> None:
    """Ensures a port with nothing listening is a Failure saying "refused", without status, long before the timeout."""
    result, took = timed(HttpClient(), f"http://127.0.0.1:{free_port()}/x", timeout=5.0)
    error = failure_of(result)
    assert "refused" in error.message
    assert error.status is None
    assert error.attempts == 1
    assert took < 0.5


def test_retries_and_their_pauses_share_the_deadline(serve: Serve) -> None:
    """Ensures retries never outlast the call's timeout: a 503 after 0.4 s allows about two tries in 1 s, not ten."""
    server = serve(slow(BUSY, 0.4))
    client = HttpClient(jitter=lambda: 1.0)
    retry = RetryPolicy(attempts=10, backoff=0.05, max_pause=0.05)
    result, took = timed(client, server.url(), timeout=1.0, retry=retry)
    error = failure_of(result)
    assert took < 1.0 + MARGIN
    assert 2 <= server.connections <= 3
    assert error.attempts == server.connections


def test_pauses_count_against_the_deadline_on_a_fake_clock(serve: Serve) -> None:
    """Ensures a pause is only taken while the deadline outlasts it: 4 s pauses fit twice in a 10 s call."""
    server = serve(answer(b"HTTP/1.1 503 Busy\r\nRetry-After: 4\r\nContent-Length: 0\r\n\r\n"))
    clock = FakeClock()
    pauses = Pauses(clock=clock)
    client = HttpClient(clock=clock, pause=pauses)
    error = failure_of(client.send("GET", server.url(), timeout=10.0, retry=RetryPolicy(attempts=5, max_pause=30.0)))
    assert pauses.seen == [4.0, 4.0]
    assert len(server.requests) == 3
    assert error.attempts == 3
    assert error.status == 503


# -- retries -----------------------------------------------------------------------------------------------------------


def test_retry_after_is_capped_by_max_pause(serve: Serve) -> None:
    """Ensures a ``Retry-After: 100`` waits no more than ``max_pause`` and the policy's three attempts are all made."""
    server = serve(answer(b"HTTP/1.1 503 Busy\r\nRetry-After: 100\r\nContent-Length: 4\r\n\r\nbusy"))
    pauses = Pauses()
    client = HttpClient(pause=pauses)
    error = failure_of(client.send("GET", server.url(), timeout=5.0, retry=RetryPolicy(attempts=3, max_pause=0.2)))
    assert len(pauses.seen) == 2
    assert all(0 < seconds <= 0.2 for seconds in pauses.seen), pauses.seen
    assert len(server.requests) == 3
    assert error.status == 503
    assert error.attempts == 3
    assert error.retry_after == 100.0


def test_retry_after_beyond_the_time_left_ends_at_once(serve: Serve) -> None:
    """Ensures a ``Retry-After`` longer than the time left ends the call after one request, with no pause at all."""
    server = serve(answer(b"HTTP/1.1 503 Busy\r\nRetry-After: 100\r\nContent-Length: 4\r\n\r\nbusy"))
    pauses = Pauses()
    client = HttpClient(pause=pauses)
    retry = RetryPolicy(attempts=3, max_pause=1000.0)
    result, took = timed(client, server.url(), timeout=2.0, retry=retry)
    error = failure_of(result)
    assert error.status == 503
    assert pauses.seen == []
    assert len(server.requests) == 1
    assert took < 0.5


@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_retry_after_is_honoured(serve: Serve, form: str) -> None:
    """Ensures the wait is what ``Retry-After`` asks (seconds, or a date on the client's clock), not the backoff."""
    clock = FakeClock()
    value = "3" if form == "seconds" else email.utils.formatdate(clock.time() + 3, usegmt=True)
    server = serve(answer(f"HTTP/1.1 429 Slow down\r\nRetry-After: {value}\r\nContent-Length: 0\r\n\r\n".encode()))
    pauses = Pauses(clock=clock)
    client = HttpClient(clock=clock, pause=pauses, jitter=lambda: 1.0)
    retry = RetryPolicy(attempts=2, backoff=0.01, max_pause=10.0)
    error = failure_of(client.send("GET", server.url(), timeout=30.0, retry=retry))
    assert pauses.seen == [pytest.approx(3.0)]
    assert len(server.requests) == 2
    assert error.status == 429


@pytest.mark.parametrize("jitter", [1.0, 0.5, 1.5])
def test_backoff_doubles_with_each_attempt(serve: Serve, jitter: float) -> None:
    """Ensures the pauses between attempts are ``backoff * 2**n * jitter`` and every allowed attempt is made."""
    server = serve(answer(BUSY))
    pauses = Pauses()
    client = HttpClient(pause=pauses, jitter=lambda: jitter)
    retry = RetryPolicy(attempts=5, backoff=0.01, max_pause=10.0)
    error = failure_of(client.send("GET", server.url(), timeout=5.0, retry=retry))
    assert pauses.seen == pytest.approx([0.01 * 2**n * jitter for n in range(4)])
    assert len(server.requests) == 5
    assert error.attempts == 5


def test_connection_errors_are_retried() -> None:
    """Ensures a refused connection (no status) is retried like a 503, with the backoff schedule."""
    pauses = Pauses()
    client = HttpClient(pause=pauses, jitter=lambda: 1.0)
    retry = RetryPolicy(attempts=3, backoff=0.01)
    error = failure_of(client.send("GET", f"http://127.0.0.1:{free_port()}/", timeout=5.0, retry=retry))
    assert "refused" in error.message
    assert error.attempts == 3
    assert pauses.seen == pytest.approx([0.01, 0.02])


def test_a_pause_answering_shutdown_stops_the_retries(serve: Serve) -> None:
    """Ensures a ``pause`` that answers ``True`` (a shutdown) ends the call: no attempt follows it."""
    server = serve(answer(BUSY))
    pauses = Pauses(stop_at=2)
    client = HttpClient(pause=pauses, jitter=lambda: 1.0)
    retry = RetryPolicy(attempts=10, backoff=0.01)
    error = failure_of(client.send("GET", server.url(), timeout=5.0, retry=retry))
    assert pauses.seen == pytest.approx([0.01, 0.02])
    assert len(server.requests) == 2
    assert error.attempts == 2
    assert error.status == 503


def test_a_cancel_event_ends_a_pause_at_once_and_no_attempt_follows() -> None:
    """A sender waiting 5 s between retries stops as soon as its cancel event is set, well before the pause ends."""
    cancel = threading.Event()
    client = HttpClient(jitter=lambda: 1.0)
    retry = RetryPolicy(attempts=10, backoff=5.0, max_pause=5.0)
    results: list[Result[HttpResponse, HttpError]] = []
    sender = threading.Thread(
        target=lambda: results.append(
            client.send("GET", f"http://127.0.0.1:{free_port()}/", timeout=60.0, retry=retry, cancel=cancel)
        )
    )
    sender.start()
    time.sleep(0.2)  # the first attempt was refused; the sender now waits out its 5 s pause
    cancel.set()
    sender.join(2.0)
    assert not sender.is_alive()
    assert failure_of(results[0]).attempts == 1


def test_jitter_leaves_the_shared_random_state_alone() -> None:
    """Retrying draws jitter from the client's own generator: the process's random module is not moved."""
    import random  # noqa: PLC0415 - only this test reads the shared generator

    before = random.getstate()
    client = HttpClient(pause=Pauses())
    client.send("GET", f"http://127.0.0.1:{free_port()}/", timeout=5.0, retry=RetryPolicy(attempts=3, backoff=0.01))
    assert random.getstate() == before


@pytest.mark.parametrize("status", [400, 404, 500])
def test_answers_outside_retry_statuses_are_not_retried(serve: Serve, status: int) -> None:
    """Ensures only the statuses of ``retry_statuses`` are tried again: a 4xx or a 500 is sent once."""
    server = serve(answer(f"HTTP/1.1 {status} No\r\nContent-Length: 4\r\n\r\nnope".encode()))
    pauses = Pauses()
    error = failure_of(HttpClient(pause=pauses).send("GET", server.url(), timeout=5.0, retry=RetryPolicy(attempts=3)))
    assert error.status == status
    assert error.message == "nope"
    assert pauses.seen == []
    assert len(server.requests) == 1


# -- answers -----------------------------------------------------------------------------------------------------------


def test_a_2xx_answer_is_a_success(serve: Serve) -> None:
    """Ensures a 2xx comes back whole: status, reason, lowercase headers, body, and the request had its Host."""
    raw = b"HTTP/1.1 201 Created\r\nX-Thing: Yes\r\nContent-Length: 5\r\n\r\nhello"
    server = serve(answer(raw))
    response = success_of(DEFAULT_CLIENT.send("PUT", server.url("/a?b=c"), body=b"data", timeout=5.0))
    assert (response.status, response.reason, response.body, response.truncated) == (201, "Created", b"hello", False)
    assert response.header("x-THING") == "Yes"
    assert response.attempts == 1
    request = server.requests[0]
    assert request.startswith(b"PUT /a?b=c HTTP/1.1\r\n")
    assert f"Host: 127.0.0.1:{server.port}\r\n".encode() in request


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirects_are_never_followed(serve: Serve, status: int) -> None:
    """Ensures a 3xx is a Failure with its status and the server of its ``Location`` never hears from the client."""
    elsewhere = serve(answer(OK))
    moved = f"HTTP/1.1 {status} Moved\r\nLocation: {elsewhere.url('/landing')}\r\nContent-Length: 0\r\n\r\n"
    server = serve(answer(moved.encode()))
    error = failure_of(HttpClient().send("GET", server.url(), timeout=5.0, retry=RetryPolicy(attempts=3)))
    assert error.status == status
    assert len(server.requests) == 1
    time.sleep(0.05)  # a client following the redirect in the background would have connected by now
    assert elsewhere.connections == 0
    assert elsewhere.requests == []


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(f"HTTP/1.1 200 OK\r\nContent-Length: {GIB}\r\n\r\n".encode(), id="content-length"),
        pytest.param(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", id="chunked"),
        pytest.param(b"HTTP/1.1 200 OK\r\n\r\n", id="until-close"),
    ],
)
# 64 KiB is the default; 1000 bytes puts the cut inside the first read, whatever sizes the reads come in.
@pytest.mark.parametrize("cap", [64 * KIB, 1000], ids=["64KiB", "1000B"])
def test_endless_body_is_cut_at_the_cap(serve: Serve, head: bytes, cap: int) -> None:
    """Ensures a 1 GiB body is read only up to ``max_body_bytes``: a Success marked truncated, soon after it began."""
    chunked = b"chunked" in head
    piece = b"2000\r\n" + b"\0" * 0x2000 + b"\r\n" if chunked else b"\0" * (64 * KIB)
    stream = Stream(head, piece)
    server = serve(stream)
    result, took = timed(HttpClient(max_body_bytes=cap), server.url(), timeout=5.0)
    response = success_of(result)
    assert response.truncated is True
    assert len(response.body) == cap
    assert response.body == b"\0" * cap
    assert took < 1.0
    server.stop()
    assert stream.sent < 64 * MIB, "the client kept reading long past its cap"


def test_endless_error_body_gives_a_short_message(serve: Serve) -> None:
    """Ensures a 500 with a 1 GiB body is a Failure whose message (and whole text) stays short."""
    stream = Stream(f"HTTP/1.1 500 Internal Server Error\r\nContent-Length: {GIB}\r\n\r\n".encode(), b"e" * (64 * KIB))
    server = serve(stream)
    result, took = timed(HttpClient(), server.url(), timeout=5.0)
    error = failure_of(result)
    assert error.status == 500
    assert error.reason == "Internal Server Error"
    assert 0 < len(error.message) <= 500
    assert len(str(error)) < 700
    assert took < 1.0


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(b"".join(b"X-Pad-%06d: %s\r\n" % (n, b"a" * 100) for n in range(MIB // 115)), id="many"),
        pytest.param(b"X-Pad: " + b"a" * MIB + b"\r\n", id="one-long"),
    ],
)
def test_huge_headers_fail_fast(serve: Serve, headers: bytes) -> None:
    """Ensures 1 MiB of headers is a Failure about the headers, and fast."""
    server = serve(answer(b"HTTP/1.1 200 OK\r\n" + headers + b"\r\nok"))
    result, took = timed(HttpClient(), server.url(), timeout=5.0)
    error = failure_of(result)
    assert "headers" in error.message
    assert error.status is None
    assert took < 1.0


def test_endless_headers_are_cut_at_the_cap(serve: Serve) -> None:
    """Ensures headers that never end are given up on once the header cap is passed, not at the deadline."""
    stream = Stream(b"HTTP/1.1 200 OK\r\n", b"X-Pad: " + b"a" * 1000 + b"\r\n")
    server = serve(stream)
    result, took = timed(HttpClient(), server.url(), timeout=5.0)
    error = failure_of(result)
    assert "headers" in error.message
    assert took < 1.0
    server.stop()
    assert stream.sent < 64 * MIB, "the client kept reading headers long past its cap"


def test_header_cap_applies_below_the_default(serve: Serve) -> None:
    """Ensures ``max_header_bytes`` is the client's own: 4 KiB of headers pass 64 KiB and fail 1 KiB."""
    server = serve(answer(b"HTTP/1.1 200 OK\r\nX-Pad: " + b"a" * (4 * KIB) + b"\r\nContent-Length: 2\r\n\r\nok"))
    assert success_of(HttpClient().send("GET", server.url(), timeout=5.0)).body == b"ok"
    error = failure_of(HttpClient(max_header_bytes=KIB).send("GET", server.url(), timeout=5.0))
    assert "headers" in error.message


# -- secrets -----------------------------------------------------------------------------------------------------------


def _assert_no_secret(error: HttpError) -> None:
    for text in (str(error), error.target, error.message, error.reason, repr(error)):
        assert SECRET not in text, text
        assert "user:" not in text, text


@pytest.mark.parametrize("case", ["refused", "timeout", "500", "503-retried"])
def test_credentials_never_appear_in_errors(serve: Serve, case: str) -> None:
    """Ensures the user and password of the URL show in no part of the error, whatever went wrong."""
    port = free_port()
    retry = NO_RETRY
    if case == "timeout":
        port = serve(black_hole).port
    elif case == "500":
        port = serve(answer(b"HTTP/1.1 500 Oops\r\nContent-Length: 4\r\n\r\nboom")).port
    elif case == "503-retried":
        port = serve(answer(BUSY)).port
        retry = RetryPolicy(attempts=2, backoff=0.01)
    url = f"http://user:{SECRET}@127.0.0.1:{port}/x"
    error = failure_of(HttpClient().send("GET", url, timeout=0.3, retry=retry))
    assert error.target.endswith(f"@127.0.0.1:{port}/x")
    _assert_no_secret(error)


def test_credentials_never_appear_in_invalid_url_errors() -> None:
    """Ensures a password the redaction policy knows as one (here with a "/") is not in the invalid-URL message."""
    error = failure_of(HttpClient().send("GET", f"http://user:{SECRET}/x@127.0.0.1/", timeout=1.0))
    assert "REDACTED" in error.target
    _assert_no_secret(error)


# -- resources ---------------------------------------------------------------------------------------------------------


def _open_fds() -> list[str]:
    return sorted(entry.name for entry in Path("/proc/self/fd").iterdir())


def test_no_thread_or_socket_is_left_behind(serve: Serve) -> None:
    """Ensures 20 calls that time out, get cut or are refused leave no thread and no open file behind."""
    threads_before = set(threading.enumerate())
    count_before = threading.active_count()
    fds_before = _open_fds()
    servers = [
        serve(black_hole),
        serve(trickle(b"HTTP/1.1 200 OK\r\n", period=0.02)),
        serve(Stream(f"HTTP/1.1 200 OK\r\nContent-Length: {GIB}\r\n\r\n".encode(), b"\0" * (64 * KIB))),
    ]
    urls = [server.url() for server in servers] + [f"http://127.0.0.1:{free_port()}/"]
    client = HttpClient(max_body_bytes=KIB)
    results = [client.send("GET", urls[n % len(urls)], timeout=0.15) for n in range(20)]
    assert sum(isinstance(result, Failure) for result in results) == 15
    for server in servers:
        server.stop()
    left = set(threading.enumerate()) - threads_before
    assert left == set(), f"threads left behind: {left}"
    assert threading.active_count() == count_before
    assert _open_fds() == fds_before


# -- inputs ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "headers", "timeout"),
    [
        pytest.param("get", None, {}, 1.0, id="lowercase-method"),
        pytest.param("G ET", None, {}, 1.0, id="method-with-space"),
        pytest.param("GET\r\nX: y", None, {}, 1.0, id="method-with-crlf"),
        pytest.param("", None, {}, 1.0, id="empty-method"),
        pytest.param("GET", "ftp://x", {}, 1.0, id="ftp-url"),
        pytest.param("GET", "http://", {}, 1.0, id="no-host"),
        pytest.param("GET", "http://[::1", {}, 1.0, id="broken-ipv6"),
        pytest.param("GET", "", {}, 1.0, id="empty-url"),
        pytest.param("GET", "http://127.0.0.1:99999/", {}, 1.0, id="port-out-of-range"),
        pytest.param("GET", None, {"X-A": "b\r\nX-Injected: 1"}, 1.0, id="crlf-in-header-value"),
        pytest.param("GET", None, {"X-A\r\nX-Injected": "1"}, 1.0, id="crlf-in-header-name"),
        pytest.param("GET", None, {"": "1"}, 1.0, id="empty-header-name"),
        pytest.param("GET", None, {}, 0, id="timeout-0"),
        pytest.param("GET", None, {}, -1, id="timeout-negative"),
        pytest.param("GET", None, {}, float("nan"), id="timeout-nan"),
        pytest.param("GET", None, {}, float("inf"), id="timeout-inf"),
        pytest.param("GET", None, {}, "3", id="timeout-str"),
        pytest.param("GET", None, {}, True, id="timeout-bool"),
        pytest.param("GET", None, {}, None, id="timeout-none"),
    ],
)
def test_bad_input_is_a_failure_and_sends_nothing(
    serve: Serve, method: str, path: str | None, headers: dict[str, str], timeout: object
) -> None:
    """Ensures a bad method, URL, header or timeout is a Failure with a message, never an exception or a request."""
    server = serve(answer(OK))
    url = server.url() if path is None else path
    result = HttpClient().send(method, url, headers=headers, timeout=cast("float", timeout))
    error = failure_of(result)
    assert error.message.strip()
    assert error.status is None
    time.sleep(0.02)
    assert server.connections == 0


# -- concurrency -------------------------------------------------------------------------------------------------------


def test_one_client_serves_many_threads(serve: Serve) -> None:
    """Ensures 8 threads sending 20 requests each through one client all get their 200."""
    server = serve(answer(OK))
    client = HttpClient()
    results: list[Result[HttpResponse, HttpError]] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(20):
            result = client.send("GET", server.url(), timeout=5.0)
            with lock:
                results.append(result)

    workers = [threading.Thread(target=work) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30.0)
    assert len(results) == 160
    assert all(success_of(result).body == b"ok" for result in results)
    assert len(server.requests) == 160


# -- set-up ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "name"),
    [
        pytest.param(lambda: RetryPolicy(attempts=0), "attempts", id="attempts-0"),
        pytest.param(lambda: RetryPolicy(attempts=True), "attempts", id="attempts-bool"),
        pytest.param(lambda: RetryPolicy(backoff=-1), "backoff", id="backoff-negative"),
        pytest.param(lambda: RetryPolicy(backoff=float("nan")), "backoff", id="backoff-nan"),
        pytest.param(lambda: RetryPolicy(max_pause=-0.1), "max_pause", id="max-pause-negative"),
        pytest.param(lambda: HttpClient(max_body_bytes=0), "max_body_bytes", id="max-body-0"),
        pytest.param(lambda: HttpClient(max_header_bytes=0), "max_header_bytes", id="max-header-0"),
        pytest.param(lambda: HttpClient(max_body_bytes=cast("int", 1.5)), "max_body_bytes", id="max-body-float"),
    ],
)
def test_bad_setup_raises_value_error_naming_the_argument(make: Callable[[], object], name: str) -> None:
    """Ensures a policy or client set up wrong fails at once with a ``ValueError`` that names the argument."""
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        make()


# -- found by these tests, fixed ------------------------------------------------------------------------------------


@pytest.mark.parametrize("framing", ["chunked", "until-close"])
def test_a_body_longer_than_the_cap_is_always_marked_truncated(serve: Serve, framing: str) -> None:
    """Ensures a 14-byte body read with a 10-byte cap says ``truncated``, even when the cap falls on a boundary."""

    def handle(conn: socket.socket, _request: bytes, stop: threading.Event) -> None:
        if framing == "chunked":
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n4\r\nmore\r\n0\r\n\r\n"
            )
            return
        conn.sendall(b"HTTP/1.1 200 OK\r\n\r\n0123456789")
        conn.settimeout(0.3)  # the rest follows once the client has had its chance to read the first ten
        with contextlib.suppress(TimeoutError):
            conn.recv(1)
        if not stop.is_set():
            conn.sendall(b"more")

    server = serve(handle)
    response = success_of(HttpClient(max_body_bytes=10).send("GET", server.url(), timeout=5.0))
    assert response.body == b"0123456789"
    assert response.truncated is True


def test_an_interim_answer_is_skipped_for_the_final_one(serve: Serve) -> None:
    """Ensures a 103 Early Hints before the 200 is skipped, as HTTP/1.1 clients must (RFC 9110, section 15.2)."""
    server = serve(answer(b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n" + OK))
    response = success_of(HttpClient().send("GET", server.url(), timeout=5.0))
    assert (response.status, response.body) == (200, b"ok")
