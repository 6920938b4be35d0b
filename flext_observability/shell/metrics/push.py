"""Batch jobs: push to a Pushgateway, or write a file for node_exporter's textfile collector.

Both render with prometheus_client. Pushing is bounded: every attempt has a
timeout, failures that may pass (no connection, a 5xx answer) are retried a
fixed number of times with a short backoff, and a refusal (a 4xx answer) is
returned at once with the gateway's reason. Nothing here raises.
"""

from __future__ import annotations

import math
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from prometheus_client import delete_from_gateway, pushadd_to_gateway, write_to_textfile
from prometheus_client import push_to_gateway as _push_to_gateway
from returns.result import Failure, Result, Success

from flext_observability.core.errors import FlextExportError
from flext_observability.shell.bounded_call import call_within

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from prometheus_client.registry import Collector

PushMethod = Literal["push", "pushadd", "delete"]
"""``push`` replaces the group (PUT), ``pushadd`` replaces same-named metrics (POST), ``delete`` removes the group."""

_BACKOFF_SECONDS: Final = 0.2
_MAX_REASON: Final = 500
_SERVER_ERROR: Final = 500


class _GatewayAnswer(Exception):  # noqa: N818 - an answer, not an error of ours
    """The gateway's HTTP answer to one attempt, carried out of prometheus_client."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(status, reason)
        self.status = status
        self.reason = reason


def _handler(
    url: str,
    method: str,
    timeout: float | None,
    headers: Sequence[tuple[str, str]],
    data: bytes,
) -> Callable[[], None]:
    """A prometheus_client push handler that keeps the gateway's answer (status and body)."""

    def send() -> None:
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - the caller's gateway URL
        for key, value in headers:
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - same URL
                response.read()
        except urllib.error.HTTPError as answer:
            body = answer.read().decode("utf-8", "replace").strip()
            raise _GatewayAnswer(answer.code, body or str(answer.reason)) from None

    return send


_METHODS: Final = {"push": _push_to_gateway, "pushadd": pushadd_to_gateway}


def push_to_gateway(  # noqa: PLR0913 - the gateway's parameters plus timeout and retries
    registry: Collector,
    gateway_url: str,
    job: str,
    *,
    grouping_key: Mapping[str, str] | None = None,
    method: PushMethod = "push",
    timeout: float = 5.0,
    retries: int = 2,
) -> Result[None, FlextExportError]:
    """Push (or delete) ``job``'s group on the gateway, within ``timeout`` seconds in all.

    Up to ``retries`` more attempts follow a failure that may pass (no
    connection, a 5xx answer) while time is left; a 4xx answer is final.
    """
    if method not in {"push", "pushadd", "delete"}:
        return Failure(
            FlextExportError(target=gateway_url, message=f"unknown method {method!r}; use push, pushadd or delete")
        )
    given_timeout: object = timeout  # callers outside the type checker may pass anything
    given_retries: object = retries
    if (
        isinstance(given_timeout, bool)
        or not isinstance(given_timeout, int | float)
        or not 0 < given_timeout < math.inf
    ):
        return Failure(
            FlextExportError(
                target=gateway_url, message=f"timeout must be a positive number of seconds, not {timeout!r}"
            )
        )
    if isinstance(given_retries, bool) or not isinstance(given_retries, int) or given_retries < 0:
        return Failure(FlextExportError(target=gateway_url, message=f"retries must be 0 or more, not {retries!r}"))
    key = dict(grouping_key or {})
    deadline = time.monotonic() + timeout
    failure = FlextExportError(target=gateway_url, message=f"timed out: no answer within {timeout:g} s")
    for attempt in range(retries + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        outcome = _attempt(registry, gateway_url, job, key, method, remaining)
        if outcome is None:
            return Success(None)
        failure = outcome
        if failure.status is not None and failure.status < _SERVER_ERROR:
            return Failure(failure)
        pause = _BACKOFF_SECONDS * (2**attempt)
        if attempt < retries and deadline - time.monotonic() > pause:
            time.sleep(pause)
    return Failure(failure)


def _attempt(
    registry: Collector,
    gateway_url: str,
    job: str,
    key: dict[str, str],
    method: PushMethod,
    budget: float,
) -> FlextExportError | None:
    """One attempt, given at most ``budget`` seconds; ``None`` when the gateway accepted it.

    The request runs under :func:`~flext_observability.shell.bounded_call.call_within`:
    socket timeouts bound each read, but a gateway that dribbles its answer
    could still stretch them.
    """

    def send() -> None:
        if method == "delete":
            delete_from_gateway(gateway_url, job, grouping_key=key, timeout=budget, handler=_handler)
        else:
            _METHODS[method](gateway_url, job, registry, grouping_key=key, timeout=budget, handler=_handler)

    outcome = call_within(send, budget, name="flext-pushgateway")
    if not outcome.finished:
        return FlextExportError(target=gateway_url, message=f"timed out: no complete answer within {budget:.3g} s")
    if isinstance(outcome.error, _GatewayAnswer):
        return FlextExportError(
            target=gateway_url, message=outcome.error.reason[:_MAX_REASON], status=outcome.error.status
        )
    if outcome.error is not None:  # no connection, timeout, bad URL: all become a failure
        return FlextExportError(
            target=gateway_url, message=f"{type(outcome.error).__name__}: {outcome.error}"[:_MAX_REASON]
        )
    return None


def write_textfile(registry: Collector, path: str | Path) -> Result[Path, FlextExportError]:
    """Write the exposition to ``path`` atomically (a temporary file, then a rename).

    node_exporter reads only files ending in ``.prom``.
    """
    target = Path(path)
    try:
        write_to_textfile(str(target), registry)
    except Exception as error:  # noqa: BLE001 - a full disk or a missing folder becomes a Failure
        return Failure(FlextExportError(target=str(target), message=f"{type(error).__name__}: {error}"))
    return Success(target)
