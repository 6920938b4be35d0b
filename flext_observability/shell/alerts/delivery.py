"""Where alerts go: a log, a webhook, Alertmanager; each HTTP sink with its own bounded outbox and thread.

A sink's ``submit`` never blocks and never raises. It queues the batch and
returns ``True``, or drops the batch (queue full by count or by bytes, sink
shut down) and returns ``False``; every dropped alert is counted, and the
first drop of each kind is logged. One daemon thread per outbox sends the
queue in order through the bounded HTTP client, with retries and backoff
within a deadline per batch, and never follows a redirect. So a slow, dead
or failing receiver holds up only its own outbox: not the caller, not the
rules, not the other sinks.

After ``os.fork()`` the child starts with an empty queue (what the parent
had queued is the parent's to send, so it is counted as dropped in the
child, never sent twice) and a new thread on its first batch.
"""

from __future__ import annotations

import json
import os
import ssl
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from attrs import frozen
from returns.result import Failure

from flext_observability.core.alerts.alert import is_well_formed_alert
from flext_observability.core.alerts.payloads import alertmanager_body, webhook_payload
from flext_observability.core.checks import describe
from flext_observability.core.redaction import DEFAULT_POLICY, redact_text
from flext_observability.core.values import AlertSeverity, AlertStatus
from flext_observability.shell.counts import check_count
from flext_observability.shell.http_client import HttpClient, RetryPolicy
from flext_observability.shell.library_log import library_logger
from flext_observability.shell.locks import fork_safe_lock
from flext_observability.shell.seconds import check_seconds, timeout_seconds

if TYPE_CHECKING:
    from flext_observability.core.alerts.alert import FlextAlert

_LOG: Final = library_logger("flext_observability.alerts")

DEFAULT_TIMEOUT: Final = 10.0
"""Seconds one batch may take, every retry included."""

DEFAULT_RETRY: Final = RetryPolicy(
    attempts=4, backoff=0.5, max_pause=5.0, retry_statuses=frozenset({429, 500, 502, 503, 504})
)
"""Four tries, 0.5 s then 1 s then 2 s apart (with jitter); 5xx and 429 answers retry, other 4xx do not."""

DEFAULT_MAX_QUEUE: Final = 10_000
"""Alerts waiting in one outbox at most."""

DEFAULT_MAX_QUEUE_BYTES: Final = 8 * 1024 * 1024
"""Bytes of encoded batches waiting in one outbox at most."""


@frozen(kw_only=True)
class SinkStats:
    """What a sink did with the alerts it was given: delivered, given up on, dropped, and still queued."""

    sent: int = 0
    failed: int = 0
    dropped: int = 0
    queued: int = 0

    def __add__(self, other: SinkStats) -> SinkStats:
        """The sums of two sinks' (or outboxes') counts."""
        return SinkStats(
            sent=self.sent + other.sent,
            failed=self.failed + other.failed,
            dropped=self.dropped + other.dropped,
            queued=self.queued + other.queued,
        )


def _text(argument: str, value: object, what: str) -> str:
    """``value`` as plain text (a ``str`` subclass read without its overrides), else a ``TypeError``."""
    if not isinstance(value, str):
        message = f"{argument} must be {what}, not {describe(value)}"
        raise TypeError(message)
    return str.__str__(value)


def _check_url(argument: str, url: object) -> str:
    text = _text(argument, url, "an http or https URL (text)")
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        host = None
        parts = None
    if parts is None or parts.scheme not in {"http", "https"} or not host:
        shown = redact_text(DEFAULT_POLICY, text)
        message = f"{argument} must be an http or https URL with a host, not {shown!r}"
        raise ValueError(message)
    return text.rstrip("/")


def _check_retry(retry: object) -> RetryPolicy:
    if not isinstance(retry, RetryPolicy):
        message = f"retry must be a RetryPolicy (NO_RETRY for one attempt), not {describe(retry)}"
        raise TypeError(message)
    return retry


def _http_client(client: object, ssl_context: object, cafile: object) -> HttpClient:
    """The client a sink sends with: ``client``, or a new one trusting ``ssl_context`` or ``cafile``."""
    if ssl_context is not None and not isinstance(ssl_context, ssl.SSLContext):
        message = f"ssl_context must be an ssl.SSLContext or None, not {describe(ssl_context)}"
        raise TypeError(message)
    if cafile is not None and not isinstance(cafile, str | os.PathLike):
        message = f"cafile must be the path of a PEM file of CA certificates, or None, not {describe(cafile)}"
        raise TypeError(message)
    if client is not None and not isinstance(client, HttpClient):
        message = f"client must be an HttpClient or None, not {describe(client)}"
        raise TypeError(message)
    if ssl_context is not None and cafile is not None:
        message = "give ssl_context or cafile, not both (load the CA file into the context)"
        raise ValueError(message)
    if client is not None:
        if ssl_context is not None or cafile is not None:
            message = "ssl_context and cafile apply to the sink's own client; with client=, set them on that client"
            raise ValueError(message)
        return client
    if cafile is not None:
        try:
            path = str.__str__(cafile) if isinstance(cafile, str) else os.fspath(cafile)
            ssl_context = ssl.create_default_context(cafile=path)
        except (OSError, ssl.SSLError, ValueError, TypeError) as error:
            message = f"cafile could not be loaded as PEM CA certificates: {type(error).__name__}: {error}"
            raise ValueError(message) from error
    return HttpClient(ssl_context=ssl_context)


def _check_name(name: object) -> str:
    what = "a non-empty text (it labels the sink's metrics)"
    text = _text("name", name, what)
    if not text:
        message = f"name must be {what}, not ''"
        raise TypeError(message)
    return text


def _count(alerts: object) -> int:
    """How many alerts a batch holds, for the counts; 1 for what has no length."""
    try:
        return max(int.__int__(len(alerts)), 1)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - a hostile batch counts as one dropped alert
        return 1


_OUTBOXES: Final[weakref.WeakSet[Outbox]] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for outbox in list(_OUTBOXES):
        outbox._reset_after_fork()  # noqa: SLF001 - the fork hook is part of the class's contract


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class Outbox:
    """One receiver's bounded queue of encoded batches, sent in order by one lazily started daemon thread."""

    def __init__(  # noqa: PLR0913 - where, how, and the bounds
        self,
        name: str,
        url: str,
        *,
        headers: dict[str, str],
        timeout: float,
        retry: RetryPolicy,
        max_queue: int,
        max_queue_bytes: int,
        client: HttpClient,
    ) -> None:
        """An outbox POSTing to ``url``; no thread starts until the first batch."""
        self.name, self.url = name, url
        self._headers, self._timeout, self._retry, self._client = headers, timeout, retry, client
        self.max_queue, self.max_queue_bytes = max_queue, max_queue_bytes
        self._lock = fork_safe_lock()
        self._fresh()
        self._stats = SinkStats()
        self._closed = False
        self._warned: set[str] = set()
        _OUTBOXES.add(self)

    def _fresh(self) -> None:
        self._changed = threading.Condition(self._lock)
        self._cancel = threading.Event()
        self._queue: deque[tuple[bytes, int]] = deque()
        self._queued_alerts = 0
        self._queued_bytes = 0
        self._busy = 0
        self._thread: threading.Thread | None = None

    def _reset_after_fork(self) -> None:
        dropped = self._queued_alerts + self._busy
        self._fresh()
        self._stats = SinkStats(sent=self._stats.sent, failed=self._stats.failed, dropped=self._stats.dropped + dropped)

    def stats(self) -> SinkStats:
        """The counts so far, and what is queued now."""
        with self._lock:
            return SinkStats(
                sent=self._stats.sent,
                failed=self._stats.failed,
                dropped=self._stats.dropped,
                queued=self._queued_alerts + self._busy,
            )

    def refuse(self, count: int, reason: str) -> bool:
        """Count ``count`` alerts dropped before they reached the queue (they could not be encoded); ``False``."""
        with self._lock:
            self._stats = self._stats + SinkStats(dropped=count)
            first = reason not in self._warned
            self._warned.add(reason)
        if first:
            _LOG.warning(
                "the alert sink %r dropped %d alerts: %s; further ones are only counted", self.name, count, reason
            )
        return False

    def put(self, body: bytes, count: int) -> bool:
        """Queue one encoded batch of ``count`` alerts; ``False`` (counted) when it does not fit or after shutdown."""
        with self._lock:
            reason = None
            if self._closed:
                reason = "shut_down"
            elif self._queued_alerts + count > self.max_queue or self._queued_bytes + len(body) > self.max_queue_bytes:
                reason = "queue_full"
            if reason is not None:
                self._stats = self._stats + SinkStats(dropped=count)
                first = reason not in self._warned
                self._warned.add(reason)
            else:
                self._queue.append((body, count))
                self._queued_alerts += count
                self._queued_bytes += len(body)
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._work, name=f"flext-alerts-{self.name}", daemon=True)
                    self._thread.start()
                self._changed.notify_all()
                return True
        if first:
            _LOG.warning(
                "the alert sink %r dropped %d alerts (%s); further drops are only counted",
                self.name,
                count,
                "it is shut down" if reason == "shut_down" else "its queue is full",
            )
        return False

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue and not self._closed:
                    self._changed.wait()
                if not self._queue:
                    return
                body, count = self._queue.popleft()
                self._queued_alerts -= count
                self._queued_bytes -= len(body)
                self._busy = count
            result = self._client.send(
                "POST",
                self.url,
                body=body,
                headers=self._headers,
                timeout=self._timeout,
                retry=self._retry,
                cancel=self._cancel,
            )
            with self._lock:
                if isinstance(result, Failure):
                    self._stats = self._stats + SinkStats(failed=count)
                    first = "failed" not in self._warned
                    self._warned.add("failed")
                else:
                    self._stats = self._stats + SinkStats(sent=count)
                    first = False
            if first:
                _LOG.warning(
                    "the alert sink %r could not deliver %d alerts: %s; further failures are only counted",
                    self.name,
                    count,
                    redact_text(DEFAULT_POLICY, str(result.failure())),
                )
            with self._lock:  # only now is the batch done: a flush returns after its log line
                self._busy = 0
                self._changed.notify_all()

    def flush(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds until nothing is queued or in flight; ``True`` when so."""
        deadline = time.monotonic() + timeout_seconds(timeout, DEFAULT_TIMEOUT)
        with self._lock:
            while self._queue or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True

    def shutdown(self, timeout: float) -> bool:
        """Send what is queued within ``timeout`` seconds, then take nothing more; ``True`` when all went out.

        A delivery still retrying then makes no further attempt: the thread
        ends with the attempt in progress (at most ``timeout`` of the sink).
        """
        delivered = self.flush(timeout)
        with self._lock:
            self._closed = True
            self._cancel.set()
            self._changed.notify_all()
        return delivered


def _outbox_options(timeout: object, max_queue: object, max_queue_bytes: object) -> tuple[float, int, int]:
    return (
        check_seconds("timeout", timeout),
        check_count("max_queue", max_queue),
        check_count("max_queue_bytes", max_queue_bytes),
    )


class AlertmanagerSink:
    """Sends alerts to ``POST /api/v2/alerts`` of every Alertmanager given (an HA pair gets each alert twice).

    One outbox per URL, so a dead Alertmanager delays only its own queue.
    Firing alerts are re-sent by the alert service every ``resend_delay``
    (Alertmanager resolves an alert it has not heard of for its
    ``resolve_timeout``).
    """

    resends_firing: Final = True

    def __init__(  # noqa: PLR0913 - the receivers, and how to reach them
        self,
        urls: Sequence[str] | str,
        *,
        name: str = "alertmanager",
        generator_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        max_queue: int = DEFAULT_MAX_QUEUE,
        max_queue_bytes: int = DEFAULT_MAX_QUEUE_BYTES,
        ssl_context: ssl.SSLContext | None = None,
        cafile: str | os.PathLike[str] | None = None,
        client: HttpClient | None = None,
    ) -> None:
        """Set up the sink; a bad argument raises a ``TypeError`` or ``ValueError`` naming it."""
        listed: list[object] | None = [urls] if isinstance(urls, str) else None
        if listed is None and isinstance(urls, Sequence):
            try:
                listed = list(urls)
            except Exception:  # noqa: BLE001 - a sequence that cannot be read is no list of URLs
                listed = None
        if not listed:
            message = f"urls must be an Alertmanager URL or a non-empty list of them, not {describe(urls)}"
            raise TypeError(message)
        self.name = _check_name(name)
        seconds, size, size_bytes = _outbox_options(timeout, max_queue, max_queue_bytes)
        self.generator_url = None if generator_url is None else _check_url("generator_url", generator_url)
        retry = _check_retry(retry)
        http = _http_client(client, ssl_context, cafile)
        self.outboxes = tuple(
            Outbox(
                self.name,
                _check_url("urls", url) + "/api/v2/alerts",
                headers={"Content-Type": "application/json"},
                timeout=seconds,
                retry=retry,
                max_queue=size,
                max_queue_bytes=size_bytes,
                client=http,
            )
            for url in listed
        )

    def __repr__(self) -> str:
        """The sink's name and receivers (credentials in a URL redacted)."""
        urls = [redact_text(DEFAULT_POLICY, outbox.url) for outbox in self.outboxes]
        return f"AlertmanagerSink({urls!r}, name={self.name!r})"

    def submit(self, alerts: Sequence[FlextAlert]) -> bool:
        """Queue ``alerts`` for every Alertmanager; ``True`` when at least one took them.

        What cannot be encoded (anything but alerts made by this library) is
        dropped, counted and logged once, never raised.
        """
        count = _count(alerts)
        body = alertmanager_body(alerts, generator_url=self.generator_url)
        if isinstance(body, Failure):
            for outbox in self.outboxes:
                outbox.refuse(count, f"they could not be encoded ({body.failure()})")
            return False
        taken = [outbox.put(body.unwrap(), count) for outbox in self.outboxes]
        return any(taken)

    def stats(self) -> SinkStats:
        """The sums over every Alertmanager (see :meth:`stats_by_url` for each)."""
        total = SinkStats()
        for outbox in self.outboxes:
            total = total + outbox.stats()
        return total

    def stats_by_url(self) -> dict[str, SinkStats]:
        """Each Alertmanager's counts."""
        return {redact_text(DEFAULT_POLICY, outbox.url): outbox.stats() for outbox in self.outboxes}

    def flush(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds in all for every queue to empty."""
        deadline = time.monotonic() + timeout_seconds(timeout, DEFAULT_TIMEOUT)
        done = True
        for outbox in self.outboxes:  # every one, even after one did not finish
            done = outbox.flush(max(deadline - time.monotonic(), 0.0)) and done
        return done

    def shutdown(self, timeout: float) -> bool:
        """Deliver what is queued within ``timeout`` seconds in all, then take nothing more."""
        deadline = time.monotonic() + timeout_seconds(timeout, DEFAULT_TIMEOUT)
        done = True
        for outbox in self.outboxes:  # every one, even after one did not finish
            done = outbox.shutdown(max(deadline - time.monotonic(), 0.0)) and done
        return done


class WebhookSink:
    """POSTs Alertmanager's webhook message (version 4) to one URL, optionally with a bearer token."""

    def __init__(  # noqa: PLR0913 - the receiver, and how to reach it
        self,
        url: str,
        *,
        name: str = "webhook",
        receiver: str | None = None,
        bearer_token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        max_queue: int = DEFAULT_MAX_QUEUE,
        max_queue_bytes: int = DEFAULT_MAX_QUEUE_BYTES,
        ssl_context: ssl.SSLContext | None = None,
        cafile: str | os.PathLike[str] | None = None,
        client: HttpClient | None = None,
    ) -> None:
        """Set up the sink; a bad argument raises a ``TypeError`` or ``ValueError`` naming it."""
        self.name = _check_name(name)
        target = _check_url("url", url)
        token = None if bearer_token is None else _text("bearer_token", bearer_token, "a non-empty text or None")
        if token is not None and (not token or not token.isprintable()):
            message = "bearer_token must be a non-empty text of printable characters (it goes in a header), or None"
            raise ValueError(message)
        seconds, size, size_bytes = _outbox_options(timeout, max_queue, max_queue_bytes)
        named = None if receiver is None else _text("receiver", receiver, "a text or None")
        self.receiver = named or self.name
        retry = _check_retry(retry)
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        self.outbox = Outbox(
            self.name,
            target,
            headers=headers,
            timeout=seconds,
            retry=retry,
            max_queue=size,
            max_queue_bytes=size_bytes,
            client=_http_client(client, ssl_context, cafile),
        )

    def __repr__(self) -> str:
        """The sink's name and URL; never its token."""
        return f"WebhookSink({redact_text(DEFAULT_POLICY, self.outbox.url)!r}, name={self.name!r})"

    def submit(self, alerts: Sequence[FlextAlert]) -> bool:
        """Queue the webhook message of ``alerts``; what cannot be encoded is dropped, counted and logged once."""
        count = _count(alerts)
        message = webhook_payload(alerts, receiver=self.receiver)
        if isinstance(message, Failure):
            return self.outbox.refuse(count, f"they could not be encoded ({message.failure()})")
        try:
            body = json.dumps(message.unwrap(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        except (UnicodeEncodeError, ValueError) as error:
            return self.outbox.refuse(count, f"they could not be written as UTF-8 JSON ({error})")
        return self.outbox.put(body, count)

    def stats(self) -> SinkStats:
        """The counts so far."""
        return self.outbox.stats()

    def flush(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds for the queue to empty."""
        return self.outbox.flush(timeout)

    def shutdown(self, timeout: float) -> bool:
        """Deliver what is queued within ``timeout`` seconds, then take nothing more."""
        return self.outbox.shutdown(timeout)


_LEVELS: Final = {
    AlertSeverity.CRITICAL: "critical",
    AlertSeverity.ERROR: "error",
    AlertSeverity.WARNING: "warning",
    AlertSeverity.INFO: "info",
}


class LogSink:
    """Writes one structured log line per alert through the project's logging; the level follows the severity."""

    def __init__(self, *, name: str = "log", logger: object = None) -> None:
        """Log through ``logger`` (a ``FlextLoggingService``; a new one named ``flext.alerts`` by default)."""
        self.name = _check_name(name)
        if logger is None:
            from flext_observability.shell.logs.service import FlextLoggingService  # noqa: PLC0415

            logger = FlextLoggingService(logger="flext.alerts")
        if not callable(getattr(logger, "log", None)):
            message = f"logger must be a FlextLoggingService, not {describe(logger)}"
            raise TypeError(message)
        self._logger = logger
        self._lock = fork_safe_lock()
        self._stats = SinkStats()

    def submit(self, alerts: Sequence[FlextAlert]) -> bool:
        """Log each alert now (a resolution at ``info``); a refused line is counted as failed."""
        sent = failed = 0
        listed: list[object]
        try:
            listed = list(alerts)
        except Exception:  # noqa: BLE001 - a hostile batch is counted, never passed on
            listed = [None]
        for alert in listed:
            if not is_well_formed_alert(alert):
                failed += 1
                continue
            level = "info" if alert.status is AlertStatus.RESOLVED else _LEVELS[alert.severity]
            method: Callable[..., object] = getattr(self._logger, level)
            try:
                written = method(
                    f"alert {alert.status.value}: {alert.name}",
                    alertname=alert.name,
                    severity=alert.severity.value,
                    status=alert.status.value,
                    fingerprint=alert.fingerprint,
                    summary=alert.message,
                    alert_labels=dict(alert.labels),
                )
            except Exception:  # noqa: BLE001 - a broken logger is counted, never passed on
                written = None
            if isinstance(written, Failure) or written is None:
                failed += 1
            else:
                sent += 1
        with self._lock:
            self._stats = self._stats + SinkStats(sent=sent, failed=failed)
        return True

    def stats(self) -> SinkStats:
        """The counts so far."""
        with self._lock:
            return self._stats

    def flush(self, timeout: float) -> bool:
        """Nothing is ever queued."""
        del timeout
        return True

    def shutdown(self, timeout: float) -> bool:
        """Nothing to stop."""
        del timeout
        return True
