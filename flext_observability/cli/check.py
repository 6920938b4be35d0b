"""``flext-observability check URL``: ask a health endpoint once and exit 0 when it is healthy.

Made for a container's ``HEALTHCHECK``, a cron job or a shell script. The
request goes through the library's one HTTP client (a deadline for the whole
call, bounded reads, redirects never followed, no retry: the caller decides
when to ask again), and the command prints exactly one line saying what it
found, with any credentials in the URL redacted.

The verdict:

- **pass** or **warn** (exit 0): a 2xx answer whose ``application/health+json``
  document says ``pass`` or ``warn`` (or their aliases ``ok``, ``up``), or a
  2xx answer without a health document (a plain ``200 OK``);
- **fail** (exit 1): a document saying ``fail`` (or ``error``, ``down``) or a
  status nobody knows, any status other than 2xx (a 5xx, a 4xx, a redirect),
  no answer within the timeout, no answer at all, or an answer that cannot be
  read (not HTTP, or a health document that is not one);
- a usage mistake (exit 2): a URL that is not ``http://`` or ``https://``, or
  a timeout that is no positive number of seconds.

User information in the URL (``https://probe:secret@host/readyz``) is sent as
HTTP basic authentication and never printed. The printed line holds no
control character, so a hostile server cannot write to the terminal through
the names of its checks.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from typing import TYPE_CHECKING, Final, TextIO
from urllib.parse import SplitResult, unquote, urlsplit

from returns.result import Failure

from flext_observability.core.redaction import DEFAULT_POLICY, redact_text
from flext_observability.shell.clock import SystemClock
from flext_observability.shell.http_client import MAX_TIMEOUT, HttpClient, HttpError, HttpResponse

if TYPE_CHECKING:
    from collections.abc import Mapping

EXIT_HEALTHY: Final = 0
"""The endpoint answered ``pass`` or ``warn``."""

EXIT_UNHEALTHY: Final = 1
"""The endpoint answered ``fail``, something else than 2xx, nothing in time, or nothing readable."""

EXIT_USAGE: Final = 2
"""The command line was wrong (argparse's own code for usage errors)."""

DEFAULT_TIMEOUT: Final = 5.0
"""Seconds to wait for the whole answer unless ``--timeout`` says otherwise."""

MAX_DOCUMENT_BYTES: Final = 1024 * 1024
"""The largest health document read; a longer one is unreadable."""

MAX_NAMES: Final = 5
"""Failing (or warning) checks named on the line; the others are counted."""

MAX_SHOWN: Final = 80
"""Characters of one name, status or server message shown on the line."""

HEALTH_JSON: Final = "application/health+json"

_PASSING: Final = frozenset({"pass", "ok", "up"})
_WARNING: Final = frozenset({"warn"})
_FAILING: Final = frozenset({"fail", "error", "down"})
_SUCCESS: Final = range(200, 300)
_REDIRECTS: Final = range(300, 400)
_UNREADABLE: Final = ("not an HTTP answer", "the answer's headers pass", "more than ")
_ACCEPT: Final = f"{HEALTH_JSON}, application/json;q=0.9, */*;q=0.1"

EPILOG: Final = """\
exit codes:
  0  healthy: the endpoint answered pass or warn (or a plain 2xx)
  1  unhealthy: it answered fail, any status but 2xx (5xx, 4xx, a redirect),
     nothing within the timeout, nothing at all, or nothing readable
  2  usage mistake: a URL that is not http(s), a timeout that is no positive number

It prints one line saying what it found; credentials in the URL are sent as
basic authentication and printed redacted. Redirects are never followed.

examples:
  flext-observability check http://127.0.0.1:9464/readyz
  flext-observability check --timeout 2 https://probe:secret@127.0.0.1:9464/livez
"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``check`` subcommand to the command's ``subparsers``."""
    check = subparsers.add_parser(
        "check",
        help="ask a health endpoint once; exit 0 when it answers pass or warn",
        description=(
            "Ask a health endpoint (/livez, /readyz, /health) once and print one line saying what it found. "
            "Made for a container HEALTHCHECK and for cron."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("url", metavar="URL", type=parse_url, help="the endpoint, http:// or https://")
    check.add_argument(
        "--timeout",
        metavar="S",
        type=parse_timeout,
        default=DEFAULT_TIMEOUT,
        help=f"seconds to wait for the whole answer (default: {DEFAULT_TIMEOUT:g}; up to {MAX_TIMEOUT:g})",
    )


def run_check(arguments: argparse.Namespace) -> int:
    """Ask ``arguments.url`` within ``arguments.timeout`` seconds, print one line, and return the exit code."""
    try:
        url = parse_url(getattr(arguments, "url", None))
    except argparse.ArgumentTypeError as mistake:
        _write(sys.stderr, f"flext-observability check: error: argument URL: {mistake}")
        return EXIT_USAGE
    try:
        timeout = parse_timeout(getattr(arguments, "timeout", DEFAULT_TIMEOUT))
    except argparse.ArgumentTypeError as mistake:
        _write(sys.stderr, f"flext-observability check: error: argument --timeout: {mistake}")
        return EXIT_USAGE
    healthy, line = check_endpoint(url, timeout)
    _write(sys.stdout, line)
    return EXIT_HEALTHY if healthy else EXIT_UNHEALTHY


def parse_url(text: object) -> str:
    """``text`` if it is an http(s) URL with a host; raises ``argparse.ArgumentTypeError`` saying what to fix."""
    if not isinstance(text, str) or not text:
        message = "an http:// or https:// address is needed, e.g. http://127.0.0.1:9464/readyz"
        raise argparse.ArgumentTypeError(message)
    shown = _shown(redact_text(DEFAULT_POLICY, text))
    if not text.isascii() or not text.isprintable() or " " in text:
        message = (
            f"{shown} holds spaces, control or non-ASCII characters: "
            "percent-encode them and write the host in its ASCII (punycode) form"
        )
        raise argparse.ArgumentTypeError(message)
    try:
        parts = urlsplit(text)
        _ = parts.port
    except ValueError:
        # The parser's message can quote the password (read as a port): it is never shown.
        message = f"{shown} is not a valid URL: check the host, the port (up to 65535) and an IPv6 address's brackets"
        raise argparse.ArgumentTypeError(message) from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        message = f"{shown} must start with http:// or https:// and name a host, e.g. http://127.0.0.1:9464/readyz"
        raise argparse.ArgumentTypeError(message)
    return text


def parse_timeout(text: object) -> float:
    """``text`` as a positive, finite number of seconds; raises ``argparse.ArgumentTypeError`` otherwise."""
    seconds: float | None = None
    if isinstance(text, str):
        try:
            seconds = float(text)
        except ValueError:
            seconds = None
    elif type(text) in {int, float}:
        seconds = float(text)  # type: ignore[arg-type] # an int or a float, checked above
    if seconds is None or not 0 < seconds <= MAX_TIMEOUT:  # NaN is not above 0; inf is above the limit
        shown = _shown(text if isinstance(text, str) else repr(text))
        message = f"must be a positive number of seconds up to {MAX_TIMEOUT:g} (e.g. 2 or 0.5), got {shown}"
        raise argparse.ArgumentTypeError(message)
    return seconds


def check_endpoint(url: str, timeout: float) -> tuple[bool, str]:
    """Ask ``url`` once within ``timeout`` seconds: whether it is healthy, and the line saying why."""
    clock = SystemClock()
    client = HttpClient(clock=clock, max_body_bytes=MAX_DOCUMENT_BYTES)
    began = clock.monotonic()
    answer = client.send("GET", url, headers=_headers(urlsplit(url)), timeout=timeout)
    elapsed = f"{max(clock.monotonic() - began, 0.0) * 1000:.0f} ms"
    where = _shown(redact_text(DEFAULT_POLICY, url), limit=2 * MAX_SHOWN)
    if isinstance(answer, Failure):
        return False, f"fail: {where} {_describe_error(answer.failure(), timeout, elapsed)}"
    verdict, found = _describe_response(answer.unwrap(), elapsed)
    return verdict != "fail", f"{verdict}: {where} {found}"


def _headers(parts: SplitResult) -> dict[str, str]:
    """What the request asks for, and the URL's user information as basic authentication."""
    headers = {"Accept": _ACCEPT}
    if parts.username is not None or parts.password is not None:
        pair = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    return headers


def _describe_error(error: HttpError, timeout: float, elapsed: str) -> str:
    """The end of the line for no 2xx answer: a status, a redirect, a timeout, nothing, or nothing readable."""
    if error.status is None:
        if error.message.startswith("timed out"):
            return f"no answer within {timeout:g} s"
        kind = "unreadable answer" if error.message.startswith(_UNREADABLE) else "no answer"
        return f"{kind}: {_shown(error.message, limit=2 * MAX_SHOWN)}"
    if error.status in _REDIRECTS:
        return f"answered {error.status} in {elapsed}: {_shown(error.message, limit=2 * MAX_SHOWN)}"
    document = _document(error.message.encode())
    summary = _summary(document) if isinstance(document, dict) else None
    detail = f" ({summary[1]})" if summary is not None else f" {_shown(error.reason)}".rstrip()
    return f"answered {error.status}{detail} in {elapsed}"


def _describe_response(response: HttpResponse, elapsed: str) -> tuple[str, str]:
    """The verdict on a 2xx answer (``pass``, ``warn`` or ``fail``) and the end of its line."""
    media = (response.header("content-type") or "").partition(";")[0].strip().lower()
    strict = media == HEALTH_JSON
    answered = f"answered {response.status}"
    if not response.body.strip() and not strict:
        return "pass", f"{answered} in {elapsed}"
    document = None if response.truncated else _document(response.body)
    if not isinstance(document, dict) or not isinstance(document.get("status"), str):
        if not strict:  # some other body (text, HTML, JSON of another kind): the status code decides
            return "pass", f"{answered} in {elapsed}"
        why = f"over {MAX_DOCUMENT_BYTES} bytes" if response.truncated else 'no JSON object with a "status"'
        return "fail", f"{answered} in {elapsed}, but its {HEALTH_JSON} document is unreadable: {why}"
    summary = _summary(document)
    if summary is None:
        return "fail", f"{answered} (status {_quoted(document['status'])}, not pass, warn or fail) in {elapsed}"
    verdict, detail = summary
    return verdict, f"{answered} ({detail}) in {elapsed}"


def _document(body: bytes) -> object:
    """The body as JSON, or ``None`` when it is none (hostile nesting included)."""
    try:
        document: object = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return document


def _summary(document: Mapping[str, object]) -> tuple[str, str] | None:
    """The verdict a health document states and its words (status, unhealthy checks); ``None`` if unknown."""
    status = document.get("status")
    verdict = _verdict(status)
    if verdict is None:
        return None
    detail = f"status {_quoted(status)}"
    if verdict == "pass":
        return verdict, detail
    wanted = _FAILING if verdict == "fail" else _FAILING | _WARNING
    checks = document.get("checks")
    names = (
        [name for name, results in checks.items() if _any_status(results, wanted)] if isinstance(checks, dict) else []
    )
    if not names:
        return verdict, detail
    shown = ", ".join(_shown(redact_text(DEFAULT_POLICY, str(name))) for name in names[:MAX_NAMES])
    more = f" and {len(names) - MAX_NAMES} more" if len(names) > MAX_NAMES else ""
    return verdict, f"{detail}: {shown}{more}"


def _verdict(status: object) -> str | None:
    """``pass``, ``warn`` or ``fail`` for a document's status (aliases and any case taken), else ``None``."""
    if not isinstance(status, str):
        return None
    word = status.strip().lower()
    if word in _PASSING:
        return "pass"
    if word in _WARNING:
        return "warn"
    if word in _FAILING:
        return "fail"
    return None


def _any_status(results: object, wanted: frozenset[str]) -> bool:
    """Whether one of a check's results has a status in ``wanted``."""
    if not isinstance(results, list):
        return False
    return any(
        isinstance(result, dict)
        and isinstance(result.get("status"), str)
        and result["status"].strip().lower() in wanted
        for result in results
    )


def _quoted(text: object) -> str:
    return '"' + _shown(redact_text(DEFAULT_POLICY, str(text))).replace('"', "'") + '"'


def _shown(text: str, *, limit: int = MAX_SHOWN) -> str:
    """``text`` fit for one line of a terminal: control and invisible characters replaced, at most ``limit``."""
    printable = "".join(character if character.isprintable() else "?" for character in text[: limit + 1])
    return printable if len(printable) <= limit else printable[: limit - 3] + "..."


def _write(stream: TextIO | None, line: str) -> None:
    """Write ``line`` to ``stream`` whatever its encoding; a closed or missing stream is not the check's error."""
    if stream is None:  # no standard stream at all (a process started with it closed)
        return
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text = (line + "\n").encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:
        text = ascii(line)[1:-1] + "\n"
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):  # a closed pipe or stream: the exit code still tells
        pass
