"""The one outbound HTTP client: a whole-call deadline, a retry policy, bounded reads, no redirects.

Every request the library sends (Pushgateway pushes, OTLP exports, and the
alert deliveries and health checks built on it) goes through :func:`send`.

- **One deadline for the whole call.** Connecting, the TLS handshake,
  sending and reading the status line, headers and body all share it, and
  so do the retries and the pauses between them. Before every blocking
  socket operation the socket's timeout is set to the time left, so a
  server that trickles a byte at a time is cut off when the time is up
  (CPython's own TLS handshake and ``sendall`` keep one deadline across
  their internal waits). Name resolution is the one step a socket timeout
  cannot bound; the library's peers are addresses on loopback or in the
  cluster, resolved in microseconds.
- **No thread, no socket left behind.** The call runs in the caller's
  thread; every socket is closed before :func:`send` returns, whatever
  happened.
- **Bounded reads.** At most ``max_header_bytes`` of status line and
  headers and ``max_body_bytes`` of body are read; a longer body is cut
  (``truncated``) and the connection closed.
- **Redirects are never followed.** A 3xx is an answer like any other.
- **Errors are values.** A 2xx answer is a ``Success``; no answer, or any
  other status after the retries the policy allows, is a ``Failure`` with
  the status, the server's reason (its body, or the reason phrase) and the
  attempts made. URLs in messages pass the redaction policy, so credentials
  in them never appear.

The reading is our own small HTTP/1.1 client over a socket rather than
``http.client`` or ``urllib``: their reads can block past any deadline (a
socket timeout bounds one ``recv``, not a status line read byte by byte),
and ``urllib`` follows redirects and reads bodies whole.
"""

from __future__ import annotations

import email.utils
import math
import random
import socket
import ssl
import threading
import time
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from attrs import field, frozen
from returns.result import Failure, Result, Success

from flext_observability.core.checks import describe
from flext_observability.core.redaction import DEFAULT_POLICY, redact_text
from flext_observability.shell.clock import Clock, SystemClock
from flext_observability.shell.counts import check_count

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

DEFAULT_RETRY_STATUSES: Final = frozenset({429, 502, 503, 504})
"""Answers that may pass: too many requests, and a gateway or the server unavailable."""

DEFAULT_MAX_BODY_BYTES: Final = 64 * 1024
DEFAULT_MAX_HEADER_BYTES: Final = 64 * 1024
_CHUNK: Final = 16 * 1024
_MAX_REASON: Final = 500
_SUCCESS: Final = range(200, 300)
_REDIRECTS: Final = range(300, 400)
_MAX_INTERIM: Final = 8


MAX_TIMEOUT: Final = 86_400.0
"""The longest deadline of one call, in seconds: a longer ``timeout`` waits this long (a socket cannot wait longer)."""


def _timeout_seconds(given: object) -> float | None:
    """``given`` as seconds within :data:`MAX_TIMEOUT`; ``None`` unless a positive ``int`` or finite ``float``."""
    if type(given) is int:
        return float(min(given, int(MAX_TIMEOUT))) if given > 0 else None
    if type(given) is float and 0 < given < math.inf:  # NaN is not above 0
        return min(given, MAX_TIMEOUT)
    return None


MAX_PAUSE: Final = 86_400.0
"""The longest ``backoff`` or ``max_pause`` a retry policy takes, in seconds (a day)."""


def _positive(_instance: object, attribute: object, value: float) -> None:
    given: object = value  # callers outside the type checker may pass anything
    name = str(getattr(attribute, "name", "value"))
    if type(given) not in {int, float}:
        message = f"{name} must be a number of seconds (int or float), got {describe(given)}"
        raise TypeError(message)
    if not 0 <= given <= MAX_PAUSE:  # type: ignore[operator] # an int or a float, checked above
        message = f"{name} must be from 0 to {MAX_PAUSE:g} seconds, got {describe(given)}"
        raise ValueError(message)


MAX_ATTEMPTS: Final = 100
"""The most tries of one call."""


def _attempts(value: object) -> int:
    """``attempts`` as a plain int from 1 to :data:`MAX_ATTEMPTS`; a ``ValueError`` for every bad value.

    A ``ValueError`` even for a value that is no int, as the policy's other
    fields raise; an int subclass is kept as the plain number it holds.
    """
    return check_count("attempts", value, most=MAX_ATTEMPTS, not_an_int=ValueError)


@frozen(kw_only=True)
class RetryPolicy:
    """When to try again and how long to wait: set up once, shared by every call.

    ``attempts`` counts every try (1 means no retry). Between tries the wait
    is ``backoff * 2**n`` with jitter (a random factor in [0.5, 1.5]) but at
    least what a ``Retry-After`` header asks, and never more than
    ``max_pause``; no wait outlasts the call's deadline. Connection errors
    and timeouts retry, and so do the answers in ``retry_statuses``.

    >>> RetryPolicy(attempts=3, backoff=0.2).pause_before(1, retry_after=None, jitter=1.0)
    0.4
    >>> RetryPolicy(max_pause=5).pause_before(0, retry_after=120.0, jitter=1.0)
    5
    """

    attempts: int = field(default=3, converter=_attempts)
    backoff: float = field(default=0.5, validator=_positive)
    max_pause: float = field(default=30.0, validator=_positive)
    retry_statuses: frozenset[int] = DEFAULT_RETRY_STATUSES

    def retries(self, status: int | None) -> bool:
        """Whether an attempt that ended with ``status`` (``None``: no answer) is worth repeating."""
        given: object = status  # callers outside the type checker may pass anything
        return given is None or (type(given) is int and given in self.retry_statuses)

    def pause_before(self, attempt: int, *, retry_after: float | None, jitter: float) -> float:
        """Seconds to wait after try ``attempt`` (0 for the first), given the server's ``Retry-After``.

        Values outside their ranges (an ``attempt`` beyond ``MAX_ATTEMPTS``, a
        ``jitter`` outside [0, 2], a ``retry_after`` that is no finite
        number of 0 or more) are read as the nearest sensible one, so the
        answer is always a pause from 0 to ``max_pause``.
        """
        tries = min(max(attempt, 0), MAX_ATTEMPTS) if type(attempt) is int else 0
        factor = jitter if type(jitter) is float and 0.0 <= jitter <= 2.0 else 1.0
        asked = _timeout_seconds(retry_after) or 0.0
        return min(max(asked, self.backoff * (2.0**tries) * factor), self.max_pause)


NO_RETRY: Final = RetryPolicy(attempts=1)
"""One attempt only."""


@frozen
class HttpResponse:
    """A 2xx answer: its status, reason phrase, headers (lowercase names), body, and the attempts it took."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    truncated: bool = False
    attempts: int = 1

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), if the answer had it."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key == wanted), None)

    @property
    def text(self) -> str:
        """The body as UTF-8 text (undecodable bytes replaced)."""
        return self.body.decode("utf-8", "replace")


@frozen
class HttpError:
    """Why a call failed: where it went, what happened, and the answer's status if there was one."""

    target: str
    message: str
    status: int | None = None
    reason: str = ""
    attempts: int = 1
    retry_after: float | None = None

    def __str__(self) -> str:
        if self.status is None:
            return f"{self.target}: {self.message}"
        return f"{self.target}: HTTP {self.status} {self.reason}: {self.message}".rstrip(": ")


class _Deadline:
    """The time left of one call, read from a monotonic clock."""

    __slots__ = ("_at", "_monotonic")

    def __init__(self, monotonic: Callable[[], float], seconds: float) -> None:
        self._monotonic = monotonic
        self._at = monotonic() + seconds

    def left(self) -> float:
        return self._at - self._monotonic()

    def arm(self, sock: socket.socket) -> None:
        """Give the socket's next operation what is left, or fail now when nothing is."""
        remaining = self.left()
        if remaining <= 0:
            raise TimeoutError
        sock.settimeout(remaining)


def _parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds a ``Retry-After`` asks for (ASCII seconds or an HTTP date), or ``None``."""
    if not value:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return float(text)
    try:
        moment = email.utils.parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return None
    return max(moment - now, 0.0)


def _check_request(method: str, url: str, headers: Mapping[str, str]) -> tuple[str, str, int, str, bool] | str:
    """``(host, host header, port, target, tls)``, or what is wrong with the request."""
    if not method.isascii() or not method.isalpha() or not method.isupper():
        return f"invalid HTTP method {method!r}"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        # The parser's own message can quote the URL's user-info (a password read as a port): never echoed.
        return "invalid URL: check the host, the port (a number up to 65535) and the brackets of an IPv6 address"
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return "the URL must be http:// or https:// with a host"
    pairs: list[tuple[object, object]] = list(headers.items())  # a caller's headers may hold anything
    for name, value in pairs:
        if not isinstance(name, str) or not isinstance(value, str):
            return f"invalid header {describe(name)}: names and values must be text"
        if not name.isascii() or not name or any(c in name for c in ":\r\n ") or any(c in value for c in "\r\n\0"):
            return f"invalid header {name!r}"
    tls = parts.scheme == "https"
    host = parts.hostname
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host_header = parts.netloc.rpartition("@")[2]
    return host, host_header, port or (443 if tls else 80), target, tls


class _Answer:
    """What one attempt read."""

    __slots__ = ("body", "headers", "reason", "status", "truncated")

    def __init__(self) -> None:
        self.status = 0
        self.reason = ""
        self.headers: list[tuple[str, str]] = []
        self.body = b""
        self.truncated = False


def _read_head(
    sock: socket.socket, deadline: _Deadline, max_header_bytes: int, first: bytes = b""
) -> tuple[_Answer, bytes]:
    """Status line and headers; the bytes of body already read come back with them."""
    data = bytearray(first)
    while b"\r\n\r\n" not in data:
        if len(data) > max_header_bytes:
            message = f"the answer's headers pass {max_header_bytes} bytes"
            raise _ProtocolError(message)
        deadline.arm(sock)
        chunk = sock.recv(_CHUNK)
        if not chunk:
            message = "the server closed the connection before answering"
            raise _ProtocolError(message)
        data += chunk
    head, _, rest = bytes(data).partition(b"\r\n\r\n")
    if len(head) > max_header_bytes:
        message = f"the answer's headers pass {max_header_bytes} bytes"
        raise _ProtocolError(message)
    lines = head.decode("latin-1").split("\r\n")
    version, _, status_reason = lines[0].partition(" ")
    status_text, _, reason = status_reason.partition(" ")
    if not version.startswith("HTTP/") or not (status_text.isascii() and status_text.isdigit()):
        message = f"not an HTTP answer: {lines[0][:80]!r}"
        raise _ProtocolError(message)
    answer = _Answer()
    answer.status = int(status_text)
    answer.reason = reason.strip()
    for line in lines[1:]:
        name, _, value = line.partition(":")
        answer.headers.append((name.strip().lower(), value.strip()))
    return answer, rest


def _read_final_head(sock: socket.socket, deadline: _Deadline, max_header_bytes: int) -> tuple[_Answer, bytes]:
    """The final answer's head: interim 1xx answers (100 Continue, 103 Early Hints) before it are skipped."""
    answer, rest = _read_head(sock, deadline, max_header_bytes)
    for _ in range(_MAX_INTERIM):
        if not (100 <= answer.status < 200 and answer.status != 101):
            return answer, rest
        answer, rest = _read_head(sock, deadline, max_header_bytes, rest)
    message = f"more than {_MAX_INTERIM} interim (1xx) answers"
    raise _ProtocolError(message)


class _ProtocolError(Exception):
    """The server's bytes were not a usable HTTP answer."""


def _read_body(sock: socket.socket, deadline: _Deadline, answer: _Answer, first: bytes, limit: int) -> None:
    """Up to ``limit`` bytes of body (by Content-Length, chunks, or until the server closes)."""
    headers = dict(answer.headers)
    if answer.status in {204, 304} or 100 <= answer.status < 200:
        return
    if headers.get("transfer-encoding", "").lower() == "chunked":
        _read_chunked(sock, deadline, answer, first, limit)
        return
    length_text = headers.get("content-length")
    expected = int(length_text) if length_text and length_text.isascii() and length_text.isdigit() else None
    data = bytearray(first)
    while expected is None or len(data) < expected:
        if len(data) > limit:  # one byte past the cap tells a cut body from one that fits exactly
            break
        deadline.arm(sock)
        chunk = sock.recv(_CHUNK)
        if not chunk:
            break
        data += chunk
    wanted = len(data) if expected is None else expected
    answer.truncated = wanted > limit or len(data) > limit
    answer.body = bytes(data[: min(limit, wanted)])


def _read_chunked(sock: socket.socket, deadline: _Deadline, answer: _Answer, first: bytes, limit: int) -> None:
    """A chunked body: the raw stream is read up to the cap (plus room for the framing), then decoded."""
    raw = bytearray(first)
    room = limit + limit // 2 + 1024
    while not raw.endswith(b"0\r\n\r\n") and len(raw) < room:
        deadline.arm(sock)
        chunk = sock.recv(_CHUNK)
        if not chunk:
            break
        raw += chunk
    body = bytearray()
    position = 0
    while len(body) <= limit:  # past the cap, or to the last chunk: a body that fits exactly is not cut
        line_end = raw.find(b"\r\n", position)
        try:
            size = int(bytes(raw[position:line_end]).split(b";")[0].strip() or b"x", 16) if line_end >= 0 else -1
        except ValueError:
            size = -1
        if size <= 0:
            break
        start = line_end + 2
        body += raw[start : start + size]
        position = start + size + 2
    answer.truncated = len(body) > limit or (len(raw) >= room and not raw.endswith(b"0\r\n\r\n"))
    answer.body = bytes(body[:limit])


class HttpClient:
    """Sends requests with a deadline and a retry policy; one instance serves any number of threads.

    ``clock`` gives the monotonic time of deadlines; ``pause(seconds)``
    waits between attempts and answers ``True`` to give up (a shutdown);
    ``jitter()`` gives the random backoff factor. Tests pass a fake clock,
    a recording pause and a fixed jitter.
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        pause: Callable[[float], bool] | None = None,
        jitter: Callable[[], float] | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """Set up the client; raises ``ValueError`` for a cap below 1."""
        caps: tuple[tuple[str, object], ...] = (
            ("max_body_bytes", max_body_bytes),
            ("max_header_bytes", max_header_bytes),
        )
        for name, value in caps:
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                message = f"{name} must be 1 or more, got {value!r}"
                raise ValueError(message)
        self._clock = clock if clock is not None else SystemClock()
        self._pause = pause if pause is not None else _sleep
        self._jitter = jitter if jitter is not None else _uniform_jitter
        self.max_body_bytes = max_body_bytes
        self.max_header_bytes = max_header_bytes
        self._ssl_context = ssl_context

    def send(  # noqa: PLR0913 - the request, its deadline, its retries and its cancellation
        self,
        method: str,
        url: str,
        *,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        timeout: float,
        retry: RetryPolicy = NO_RETRY,
        cancel: threading.Event | None = None,
    ) -> Result[HttpResponse, HttpError]:
        """Send the request within ``timeout`` seconds in all, retrying as ``retry`` allows; never raises.

        Once ``cancel`` is set no further attempt starts: a pause between
        attempts ends at once and the last failure is returned (the owner of
        the request is shutting down).
        """
        target = redact_text(DEFAULT_POLICY, url)
        extra = dict(headers or {})
        checked = _check_request(method, url, extra)
        if isinstance(checked, str):
            return Failure(HttpError(target=target, message=checked, attempts=0))
        seconds = _timeout_seconds(timeout)
        if seconds is None:
            message = f"timeout must be a positive number of seconds, got {describe(timeout)}"
            return Failure(HttpError(target=target, message=message))
        deadline = _Deadline(self._clock.monotonic, seconds)
        request = _encode(method, checked, extra, body)
        failure = HttpError(target=target, message=f"timed out: no answer within {seconds:g} s", attempts=0)
        for attempt in range(retry.attempts):
            if deadline.left() <= 0 or (attempt and cancel is not None and cancel.is_set()):
                break
            result = self._attempt(checked, request, deadline, target, attempt + 1)
            if isinstance(result, HttpResponse):
                return Success(result)
            failure = result
            if not retry.retries(failure.status) or attempt + 1 == retry.attempts:
                break
            wait = retry.pause_before(attempt, retry_after=failure.retry_after, jitter=self._jitter())
            if deadline.left() <= wait or self._paused_out(wait, cancel):
                break
        return Failure(failure)

    def _paused_out(self, wait: float, cancel: threading.Event | None) -> bool:
        """Pause ``wait`` seconds before the next attempt; ``True`` to give up instead (a shutdown)."""
        if cancel is not None and self._pause is _sleep:
            return cancel.wait(wait)  # the real pause wakes as soon as the owner shuts down
        return self._pause(wait) or (cancel is not None and cancel.is_set())

    def _attempt(
        self,
        parts: tuple[str, str, int, str, bool],
        request: bytes,
        deadline: _Deadline,
        target: str,
        attempt: int,
    ) -> HttpResponse | HttpError:
        host, _, port, _, tls = parts
        where = f"{host}:{port}"
        sock: socket.socket | None = None
        step = "connecting to"
        try:
            remaining = deadline.left()
            if remaining <= 0:
                raise TimeoutError  # noqa: TRY301 - the one exit for every timeout below
            sock = socket.create_connection((host, port), timeout=remaining)
            if tls:
                step = "in the TLS handshake with"
                context = self._ssl_context or ssl.create_default_context()
                secured = context.wrap_socket(sock, server_hostname=host, do_handshake_on_connect=False)
                sock = secured
                deadline.arm(secured)
                secured.do_handshake()
            step = "sending to"
            deadline.arm(sock)
            sock.sendall(request)
            step = "waiting for the answer of"
            answer, rest = _read_final_head(sock, deadline, self.max_header_bytes)
            step = "reading the answer of"
            _read_body(sock, deadline, answer, rest, self.max_body_bytes)
        except TimeoutError:
            return HttpError(target=target, message=f"timed out {step} {where}", attempts=attempt)
        except ConnectionRefusedError:
            return HttpError(target=target, message=f"connection refused by {where}", attempts=attempt)
        except _ProtocolError as error:
            return HttpError(target=target, message=str(error), attempts=attempt)
        except (OSError, ValueError) as error:
            return HttpError(target=target, message=f"{type(error).__name__} {step} {where}: {error}", attempts=attempt)
        finally:
            if sock is not None:
                sock.close()
        if answer.status in _SUCCESS:
            return HttpResponse(
                answer.status, answer.reason, tuple(answer.headers), answer.body, answer.truncated, attempt
            )
        text = answer.body.decode("utf-8", "replace").strip()
        headers = dict(answer.headers)
        retry_after = _parse_retry_after(headers.get("retry-after"), self._clock.time())
        if _REDIRECTS.start <= answer.status < _REDIRECTS.stop:
            location = redact_text(DEFAULT_POLICY, headers.get("location", "(no Location header)"))[:_MAX_REASON]
            text = f"redirected to {location}; redirects are not followed, so configure the final URL"
        return HttpError(
            target=target,
            message=(text or answer.reason or f"HTTP {answer.status}")[:_MAX_REASON],
            status=answer.status,
            reason=answer.reason,
            attempts=attempt,
            retry_after=retry_after,
        )


def _encode(method: str, parts: tuple[str, str, int, str, bool], headers: Mapping[str, str], body: bytes) -> bytes:
    _, host_header, _, target, _ = parts
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host_header}", "Connection: close"]
    names = {name.lower() for name in headers}
    if "user-agent" not in names:
        lines.append("User-Agent: flext-observability")
    if body or method in {"POST", "PUT", "PATCH"}:
        lines.append(f"Content-Length: {len(body)}")
    lines += [f"{name}: {value}" for name, value in headers.items() if name.lower() not in {"host", "content-length"}]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace") + body


def _sleep(seconds: float) -> bool:
    time.sleep(seconds)
    return False


_JITTER: Final = random.Random()  # noqa: S311 - jitter, not a secret
"""The client's own generator: drawing jitter never moves the process's shared ``random`` state."""


def _uniform_jitter() -> float:
    return _JITTER.uniform(0.5, 1.5)


DEFAULT_CLIENT: Final = HttpClient()
"""A client with the system clock and the default caps."""
