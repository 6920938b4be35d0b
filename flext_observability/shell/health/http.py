"""The health endpoints over HTTP: a WSGI app answering ``/livez``, ``/readyz``, ``/startupz`` and ``/health``.

Each path asks :meth:`FlextHealthService.check_health` for one probe
(``/health``: every check) and answers its ``application/health+json``
document with ``Cache-Control: no-store`` and the status code of the core
mapping (``pass`` and ``warn`` 200, ``fail`` 503). ``HEAD`` answers the same
headers without a body; any other method is 405 with ``Allow: GET, HEAD``.

Details (outputs, observed values, times, component ids, service facts) can
tell an outsider about internals, so they are off unless the app is made with
``details=True``. ``allow_verbose=True`` lets a request ask for them with
``?verbose``; without it the query changes nothing, so a caller can never
turn on what the operator left off.

The app never raises into the server: anything that goes wrong while
answering is logged and answered 503 with ``{"status": "fail"}``, itself a
valid document. The time an answer takes is the service's promise: the
largest timeout of the probe's checks, even when checks hang.

>>> from flext_observability.shell.health.service import FlextHealthService
>>> service = FlextHealthService()
>>> _ = service.register(lambda: True, component="app", probes="liveness")
>>> app = make_health_app(service)
>>> sorted(app.routes)
['/health', '/livez', '/readyz', '/startupz']
>>> answered = []
>>> body = app({"REQUEST_METHOD": "GET", "PATH_INFO": "/livez"}, lambda status, headers: answered.append(status))
>>> answered, b"".join(body)
(['200 OK'], b'{"status":"pass","checks":{"app:status":[{"status":"pass"}]}}')
>>> service.shutdown()
True
"""

from __future__ import annotations

import json
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl

from flext_observability.core.checks import describe
from flext_observability.core.health.document import HEALTH_JSON, NO_SERVICE_INFO, ServiceInfo, health_document
from flext_observability.shell.health.plan import HealthProbe
from flext_observability.shell.health.service import FlextHealthService
from flext_observability.shell.library_log import library_logger

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    StartResponse = Callable[..., Any]

_LOG: Final = library_logger("flext_observability.health")

HEALTH_PATHS: Final[Mapping[str, HealthProbe | None]] = MappingProxyType(
    {
        "/livez": HealthProbe.LIVENESS,
        "/readyz": HealthProbe.READINESS,
        "/startupz": HealthProbe.STARTUP,
        "/health": None,
    }
)
"""The paths the app answers, and the probe each asks for (``None``: every check)."""

_STATUS_LINES: Final = {200: "200 OK", 503: "503 Service Unavailable"}
_FAILED_BODY: Final = b'{"status":"fail"}'
_ALLOWED: Final = "GET, HEAD"
_YES: Final = frozenset({"", "1", "true", "yes"})


class HealthApp:
    """The WSGI app of the health endpoints; :func:`make_health_app` makes one.

    Call it as any WSGI app, or serve it beside ``/metrics`` with
    ``metrics_service.serve(routes=app.routes)``.
    """

    __slots__ = ("_allow_verbose", "_details", "_service", "_service_info")

    def __init__(
        self,
        service: FlextHealthService,
        *,
        details: bool,
        allow_verbose: bool,
        service_info: ServiceInfo,
    ) -> None:
        """Hold the settings :func:`make_health_app` checked."""
        self._service = service
        self._details = details
        self._allow_verbose = allow_verbose
        self._service_info = service_info

    @property
    def routes(self) -> Mapping[str, HealthApp]:
        """Each health path mapped to this app: the ``routes`` argument of ``serve``."""
        return MappingProxyType(dict.fromkeys(HEALTH_PATHS, self))

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request; never raises (a failure is a 503 with a minimal document)."""
        try:
            return self._answer(environ, start_response)
        except Exception:  # noqa: BLE001 - an orchestrator gets an answer, the server never a traceback
            _LOG.exception("answering a health request failed")
        head = False
        try:
            given: object = environ  # a server outside the type checker may pass anything
            head = isinstance(given, dict) and dict.get(given, "REQUEST_METHOD") == "HEAD"
            start_response(_STATUS_LINES[503], _headers(len(_FAILED_BODY)), None)
        except Exception:  # noqa: BLE001 - a server whose start_response fails gets the body all the same
            _LOG.exception("start_response refused the answer to a health request")
        return [] if head else [_FAILED_BODY]

    def _answer(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path not in HEALTH_PATHS:
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"health is served at /livez, /readyz, /startupz and /health\n"]
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in {"GET", "HEAD"}:
            start_response(
                "405 Method Not Allowed", [("Content-Type", "text/plain; charset=utf-8"), ("Allow", _ALLOWED)]
            )
            return [f"{method} is not allowed here; use {_ALLOWED}\n".encode()]
        report = self._service.check_health(HEALTH_PATHS[path]).unwrap()
        details = self._details or (self._allow_verbose and _asks_verbose(environ.get("QUERY_STRING", "")))
        document = health_document(report, details=details, service=self._service_info)
        body = json.dumps(document, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
        start_response(_STATUS_LINES[report.http_status], _headers(len(body)))
        return [] if method == "HEAD" else [body]

    def __repr__(self) -> str:
        return f"HealthApp(details={self._details!r}, allow_verbose={self._allow_verbose!r})"


def _headers(length: int) -> list[tuple[str, str]]:
    return [("Content-Type", HEALTH_JSON), ("Cache-Control", "no-store"), ("Content-Length", str(length))]


def _asks_verbose(query: str) -> bool:
    """Whether the query holds ``verbose`` (bare, or ``1``, ``true``, ``yes``)."""
    return any(name == "verbose" and value.lower() in _YES for name, value in parse_qsl(query, keep_blank_values=True))


def make_health_app(
    service: FlextHealthService,
    *,
    details: bool = False,
    allow_verbose: bool = False,
    service_info: ServiceInfo = NO_SERVICE_INFO,
) -> HealthApp:
    """The WSGI app of ``service``'s health endpoints (see the module).

    ``details`` shows outputs and observed values in every answer;
    ``allow_verbose`` shows them only to requests with ``?verbose``;
    ``service_info`` (from ``build_service_info``) is shown with details. A
    setting of the wrong type raises a ``TypeError`` naming it.
    """
    given: tuple[object, object, object, object] = (service, details, allow_verbose, service_info)
    if not isinstance(given[0], FlextHealthService):
        message = f"service must be a FlextHealthService, not {describe(given[0])}"
        raise TypeError(message)
    for name, flag in (("details", given[1]), ("allow_verbose", given[2])):
        if not isinstance(flag, bool):
            message = f"{name} must be True or False, not {describe(flag)}"
            raise TypeError(message)
    if not isinstance(given[3], ServiceInfo):
        message = f"service_info must be a ServiceInfo (see build_service_info), not {describe(given[3])}"
        raise TypeError(message)
    return HealthApp(service, details=details, allow_verbose=allow_verbose, service_info=service_info)
