"""Batch jobs: push to a Pushgateway, or write a file for node_exporter's textfile collector.

Both render with prometheus_client. Pushes go through the library's one
HTTP client (:mod:`flext_observability.shell.http_client`): ``timeout``
bounds the whole call, connecting and reading included; failures that may
pass (no connection, a 5xx answer) are retried a fixed number of times with
a short backoff while time is left; a refusal (a 4xx answer) is returned at
once with the gateway's reason. Nothing here raises.

A gateway URL may carry credentials (``http://user:secret@gateway``): the
URL is used as given only for the request; every error target and message
returned here passes the redaction policy first, and so does a textfile's
path.

The URL follows the Pushgateway's scheme, ``/metrics/job/<job>{/<label>/<value>}``,
with values holding a ``/`` (or empty) in its base64 form.
"""

from __future__ import annotations

import base64
import math
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal
from urllib.parse import quote

from prometheus_client import write_to_textfile
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from returns.result import Failure, Result, Success

from flext_observability.core.checks import as_number, describe
from flext_observability.core.errors import FlextExportError
from flext_observability.core.redaction import DEFAULT_POLICY, RedactionPolicy, redact_text
from flext_observability.shell.http_client import DEFAULT_CLIENT, MAX_ATTEMPTS, HttpClient, HttpError, RetryPolicy

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from prometheus_client.registry import Collector

PushMethod = Literal["push", "pushadd", "delete"]
"""``push`` replaces the group (PUT), ``pushadd`` replaces same-named metrics (POST), ``delete`` removes the group."""

_BACKOFF_SECONDS: Final = 0.2
_HTTP_METHODS: Final = {"push": "PUT", "pushadd": "POST", "delete": "DELETE"}
_SERVER_ERRORS: Final = frozenset(range(500, 600))
_SHOWN_INT: Final = 10**18


def _path_pair(name: str, value: str) -> str:
    """One ``/<name>/<value>`` step of a grouping path, base64 when the value holds ``/`` or is empty."""
    if not value:
        return f"/{name}@base64/="
    if "/" in value:
        return f"/{name}@base64/{base64.urlsafe_b64encode(value.encode()).decode()}"
    return f"/{name}/{quote(value, safe='')}"


def gateway_url(gateway: str, job: str, grouping_key: Mapping[str, str]) -> str:
    """The URL of ``job``'s group on ``gateway`` (``http://`` is assumed when no scheme is given).

    >>> gateway_url("127.0.0.1:9091", "nightly", {"tap": "postgres", "path": "a/b"})
    'http://127.0.0.1:9091/metrics/job/nightly/tap/postgres/path@base64/YS9i'
    """
    base = gateway if "://" in gateway else f"http://{gateway}"
    path = _path_pair("job", job) + "".join(_path_pair(name, value) for name, value in grouping_key.items())
    return base.rstrip("/") + "/metrics" + path


def push_to_gateway(  # noqa: PLR0913 - the gateway's parameters plus timeout, retries and redaction
    registry: Collector,
    gateway_url: str,
    job: str,
    *,
    grouping_key: Mapping[str, str] | None = None,
    method: PushMethod = "push",
    timeout: float = 5.0,
    retries: int = 2,
    client: HttpClient = DEFAULT_CLIENT,
    redaction: RedactionPolicy = DEFAULT_POLICY,
) -> Result[None, FlextExportError]:
    """Push (or delete) ``job``'s group on the gateway, within ``timeout`` seconds in all.

    Up to ``retries`` more attempts follow a failure that may pass (no
    connection, a 5xx answer) while time is left; a 4xx answer is final.
    A failure names the gateway with its credentials redacted:

    >>> print(push_to_gateway(None, "http://etl:s3cret@127.0.0.1:9", "nightly", method="put").failure())
    export to http://REDACTED:REDACTED@127.0.0.1:9 failed: invalid push method 'put'; use push, pushadd or delete
    """
    target = _redacted(redaction, gateway_url)
    checked = _checked_arguments(method, timeout, retries, client)
    if isinstance(checked, str):
        return _failure(redaction, target, checked)
    verb, seconds, extra, send = checked
    try:
        url = _group_url(gateway_url, job, dict(grouping_key or {}))
        body = b"" if verb == "delete" else generate_latest(registry)
    except Exception as error:  # noqa: BLE001 - a collector that fails to render becomes a Failure
        return _failure(redaction, target, f"rendering failed: {type(error).__name__}: {_error_text(error)}")
    policy = RetryPolicy(attempts=extra + 1, backoff=_BACKOFF_SECONDS, retry_statuses=_SERVER_ERRORS)
    headers = {} if verb == "delete" else {"Content-Type": CONTENT_TYPE_PLAIN_0_0_4}
    try:
        sent = send(_HTTP_METHODS[verb], url, body=body, headers=headers, timeout=seconds, retry=policy)
    except Exception as error:  # noqa: BLE001 - another client than the library's may raise; a Failure all the same
        return _failure(redaction, target, f"the client failed: {type(error).__name__}: {_error_text(error)}")
    if isinstance(sent, Success):
        return Success(None)
    if isinstance(sent, Failure) and isinstance(sent.failure(), HttpError):
        return Failure(_export_error(redaction, target, sent.failure()))
    return _failure(redaction, target, f"the client answered {describe(sent)}, not a Result of the HTTP exchange")


def _checked_arguments(
    method: object, timeout: object, retries: object, client: object
) -> tuple[str, float, int, Callable[..., object]] | str:
    """The method, seconds, retries and the client's ``send``, as plain values; or what is wrong with them."""
    # Plain values only: a subclass's comparisons and hashing are the caller's code.
    verb = str.__str__(method) if isinstance(method, str) else ""
    if verb not in _HTTP_METHODS:
        return f"invalid push method {describe(method)}; use push, pushadd or delete"
    seconds = as_number(timeout)
    if seconds is None or not 0 < seconds < math.inf:
        return f"timeout must be a positive number of seconds, not {_shown(timeout)}"
    extra = int.__int__(retries) if isinstance(retries, int) and not isinstance(retries, bool) else -1
    if not 0 <= extra < MAX_ATTEMPTS:
        return f"retries must be from 0 to {MAX_ATTEMPTS - 1}, not {_shown(retries)}"
    try:
        send = getattr(client, "send", None)
    except Exception:  # noqa: BLE001 - a property that raises is no client either
        send = None
    if not callable(send):
        return f"client must be an HttpClient, got {describe(client)}"
    return verb, seconds, extra, send


def _shown(value: object) -> str:
    """A number as written (plain ints and floats only), anything else by its type."""
    if type(value) is float or (type(value) is int and abs(value) < _SHOWN_INT):
        return repr(value)
    return describe(value)


def _error_text(error: BaseException) -> str:
    """An exception's message; one whose ``str()`` fails is named by its type only."""
    try:
        return str(error)
    except Exception:  # noqa: BLE001 - the message is the raiser's code
        return "(no readable message)"


def _group_url(gateway: str, job: str, grouping_key: Mapping[str, str]) -> str:
    return gateway_url(gateway, job, grouping_key)


def _redacted(policy: RedactionPolicy, text: object) -> str:
    """``text`` (anything a caller passed; its ``str``) with the credentials in it replaced."""
    try:
        return redact_text(policy, str(text))
    except Exception:  # noqa: BLE001 - a value whose str() fails is named by its type only
        return f"(a {type(text).__name__})"


def _failure(policy: RedactionPolicy, target: str, message: str) -> Failure[FlextExportError]:
    return Failure(FlextExportError(target=target, message=_redacted(policy, message)))


def _export_error(policy: RedactionPolicy, target: str, error: HttpError) -> FlextExportError:
    return FlextExportError(target=target, message=_redacted(policy, error.message), status=error.status)


def write_textfile(
    registry: Collector, path: str | Path, *, redaction: RedactionPolicy = DEFAULT_POLICY
) -> Result[Path, FlextExportError]:
    """Write the exposition to ``path`` atomically (a temporary file, then a rename).

    node_exporter's textfile collector reads only files ending in ``.prom``,
    so any other name is a ``Failure`` that says so. A failure's target and
    message pass ``redaction`` (a path can hold a mount's credentials).
    """
    given: object = path  # checked: the caller's type hints are not promises at run time
    if not isinstance(given, str | Path):
        return _failure(redaction, "textfile", f"path must be a str or a Path, got {describe(given)}")
    # str.__str__ reads a str subclass's text without calling its overrides.
    target = Path(str.__str__(given) if isinstance(given, str) else given)
    if target.suffix != ".prom":
        return _failure(
            redaction,
            _redacted(redaction, target),
            f"node_exporter's textfile collector reads only *.prom files; name it {target.stem or 'metrics'}.prom",
        )
    try:
        write_to_textfile(str(target), registry)
    except Exception as error:  # noqa: BLE001 - a full disk or a missing folder becomes a Failure
        return _failure(redaction, _redacted(redaction, target), f"{type(error).__name__}: {_error_text(error)}")
    return Success(target)
