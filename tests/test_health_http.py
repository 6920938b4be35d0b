"""The health endpoints over real HTTP: a real ``serve()`` on loopback serving ``/metrics`` and the health paths.

The documents are checked against a JSON Schema of ``application/health+json``
(draft-inadarei-api-health-check) written here, by a small validator of the
keywords it uses.
"""

from __future__ import annotations

import asyncio
import http.client as http_client
import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast

import pytest
from health_schema import HEALTH_SCHEMA, STATUS_ONLY_SCHEMA, schema_errors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flext_observability.health import (
    HEALTH_JSON,
    NO_SERVICE_INFO,
    FlextHealthService,
    HealthApp,
    build_health_check,
    build_service_info,
    make_health_app,
)
from flext_observability.metrics import FlextMetricsService, MetricsServer

if TYPE_CHECKING:
    from certificates import Certificate

pytestmark = pytest.mark.integration

LOOPBACK: Final = "127.0.0.1"
"""Where ``serve()`` listens unless told otherwise."""

WORKERS: Final = 2
HANG: Final = 30.0
TIMEOUT: Final = 0.3
MARGIN: Final = 0.2


@dataclass
class Answer:
    """One HTTP answer: status, headers (lower-case names) and body."""

    status: int
    headers: dict[str, str]
    body: bytes

    def document(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


def request(server: MetricsServer, path: str, method: str = "GET") -> Answer:
    """Send one request to ``server`` with the standard library's client."""
    connection = http_client.HTTPConnection(LOOPBACK, server.port, timeout=10)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        body = response.read()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return Answer(response.status, headers, body)
    finally:
        connection.close()


def serve(app: HealthApp) -> MetricsServer:
    """One ``serve()`` for ``/metrics`` and the health routes, on loopback, a free port."""
    return FlextMetricsService().serve(routes=app.routes).unwrap()


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """An event hung checks wait on (for at most 30 s); set at the end so their threads end."""
    event = threading.Event()
    yield event
    event.set()


def hanging(release: threading.Event) -> Any:
    """A check that sleeps 30 s (or until the test ends)."""

    def check() -> bool:
        release.wait(HANG)
        return True

    return check


def failing() -> bool:
    """A dependency that is down."""
    return False


def test_a_hung_check_is_fail_and_readyz_answers_within_its_timeout(release: threading.Event) -> None:
    """A check sleeping 30 s makes /readyz answer 503 with ``fail`` within its timeout plus 0.2 s."""
    health = FlextHealthService(max_workers=WORKERS)
    health.register(hanging(release), component="db", timeout=TIMEOUT)
    with serve(make_health_app(health, details=True)) as server:
        began = time.monotonic()
        answer = request(server, "/readyz")
        elapsed = time.monotonic() - began
        assert elapsed < TIMEOUT + MARGIN, elapsed
        assert answer.status == 503
        document = answer.document()
        assert document["status"] == "fail"
        assert document["checks"]["db:status"][0]["output"].startswith("timed out after 0.3 s")
        assert not schema_errors(HEALTH_SCHEMA, document)
    release.set()
    assert health.shutdown(5.0)


def test_concurrent_requests_while_checks_hang_add_no_threads(release: threading.Event) -> None:
    """100 concurrent requests while checks hang leave only the pool, the loop thread and the server's own."""
    before = threading.active_count()
    health = FlextHealthService(max_workers=WORKERS)
    for index in range(WORKERS + 2):
        health.register(hanging(release), component=f"dep{index}", timeout=TIMEOUT)

    async def hung_async() -> bool:
        await asyncio.sleep(HANG)
        return True

    health.register(hung_async, component="async_dep", timeout=TIMEOUT)
    try:
        with serve(make_health_app(health)) as server:
            with ThreadPoolExecutor(max_workers=100) as clients:
                answers = list(clients.map(lambda path: request(server, path), ["/readyz", "/health"] * 50))
            assert [answer.status for answer in answers] == [503] * 100
            assert health.states()[0].running  # the sync checks still hang
            allowed = before + WORKERS + 1 + 1  # the pool, the loop thread, the server's own thread
            deadline = time.monotonic() + 5.0
            while threading.active_count() > allowed and time.monotonic() < deadline:
                time.sleep(0.02)  # request threads end just after their answer is sent
            assert threading.active_count() <= allowed, [thread.name for thread in threading.enumerate()]
    finally:
        release.set()
        assert health.shutdown(5.0)


def test_status_codes_follow_the_mapping() -> None:
    """A pass or warn answers 200 and a fail 503; a non-critical fail is warn, so 200."""

    def warn() -> object:
        return build_health_check(component="disk", status="warn", time=0.0)

    cases: list[tuple[list[tuple[Callable[[], object], bool]], int, str]] = [
        ([(lambda: True, True)], 200, "pass"),
        ([(warn, True)], 200, "warn"),
        ([(failing, False)], 200, "warn"),
        ([(failing, True)], 503, "fail"),
        ([(lambda: True, True), (warn, False), (failing, True)], 503, "fail"),
    ]
    for checks, code, status in cases:
        health = FlextHealthService()
        for index, (check, critical) in enumerate(checks):
            health.register(check, component=f"c{index}", critical=critical)
        with serve(make_health_app(health)) as server:
            answer = request(server, "/readyz")
            assert (answer.status, answer.document()["status"]) == (code, status), checks
            assert not schema_errors(STATUS_ONLY_SCHEMA, answer.document())
        health.shutdown()


def test_liveness_stays_pass_while_every_dependency_fails() -> None:
    """Dependency checks belong to readiness: /livez is 200 pass while /readyz is 503."""
    health = FlextHealthService()
    health.register(lambda: True, component="app", probes="liveness")
    for name in ("postgres", "redis", "broker"):
        health.register(failing, component=name)
    with serve(make_health_app(health)) as server:
        live, ready, everything = (request(server, path) for path in ("/livez", "/readyz", "/health"))
        assert (live.status, live.document()["status"]) == (200, "pass")
        assert list(live.document()["checks"]) == ["app:status"]
        assert (ready.status, ready.document()["status"]) == (503, "fail")
        assert everything.status == 503
        assert len(everything.document()["checks"]) == 4
        startup = request(server, "/startupz")
        assert (startup.status, startup.document()) == (200, {"status": "pass"})
    health.shutdown()


def _leaky() -> object:
    return build_health_check(
        component="postgres",
        status="warn",
        observed_value=250,
        observed_unit="ms",
        output="slow from 10.0.0.7",
        time=0.0,
    )


def test_details_are_hidden_by_default_and_verbose_cannot_override() -> None:
    """Without details a document holds statuses only, whatever the query; ``?verbose`` alone does not show them."""
    health = FlextHealthService()
    health.register(_leaky, component="postgres", measurement="responseTime")
    with serve(make_health_app(health)) as server:
        for path in ("/readyz", "/readyz?verbose", "/readyz?verbose=1", "/health?verbose=true"):
            answer = request(server, path)
            assert answer.status == 200
            assert answer.document() == {"status": "warn", "checks": {"postgres:responseTime": [{"status": "warn"}]}}
            assert b"10.0.0.7" not in answer.body
            assert not schema_errors(STATUS_ONLY_SCHEMA, answer.document())
    health.shutdown()


def test_details_are_shown_when_enabled_and_verbose_works_only_when_allowed() -> None:
    """``details=True`` shows outputs, observed values and service facts; ``allow_verbose`` lets ``?verbose`` do it."""
    health = FlextHealthService()
    health.register(_leaky, component="postgres", measurement="responseTime")
    info = build_service_info(version="1.2", service_id="etl").unwrap()
    with serve(make_health_app(health, details=True, service_info=info)) as server:
        document = request(server, "/readyz").document()
        assert document["version"] == "1.2"
        entry = document["checks"]["postgres:responseTime"][0]
        assert (entry["observedValue"], entry["output"]) == (250, "slow from 10.0.0.7")
        assert not schema_errors(HEALTH_SCHEMA, document)
    with serve(make_health_app(health, allow_verbose=True)) as server:
        assert "output" not in request(server, "/readyz").body.decode()
        verbose = request(server, "/readyz?verbose").document()
        assert verbose["checks"]["postgres:responseTime"][0]["output"] == "slow from 10.0.0.7"
        assert not schema_errors(HEALTH_SCHEMA, verbose)
    health.shutdown()


def test_headers_head_and_other_methods() -> None:
    """GET and HEAD carry the media type and no-store; HEAD has no body; POST is 405 with Allow."""
    health = FlextHealthService()
    health.register(failing, component="db")
    with serve(make_health_app(health)) as server:
        got = request(server, "/readyz")
        head = request(server, "/readyz", "HEAD")
        for answer in (got, head):
            assert answer.status == 503
            assert answer.headers["content-type"] == HEALTH_JSON
            assert answer.headers["cache-control"] == "no-store"
        assert head.body == b""
        assert head.headers["content-length"] == str(len(got.body))
        posted = request(server, "/livez", "POST")
        assert posted.status == 405
        assert posted.headers["allow"] == "GET, HEAD"
        assert request(server, "/metrics").status == 200
    health.shutdown()


def test_an_internal_error_answers_503_with_a_minimal_document() -> None:
    """When building the answer fails, the app answers 503 ``{"status": "fail"}`` and the server lives on."""
    no_service = cast("FlextHealthService", object())  # no check_health: every request fails inside
    broken = HealthApp(no_service, details=False, allow_verbose=False, service_info=NO_SERVICE_INFO)
    with serve(broken) as server:
        answer = request(server, "/readyz")
        assert (answer.status, answer.document()) == (503, {"status": "fail"})
        assert answer.headers["content-type"] == HEALTH_JSON
        assert not schema_errors(HEALTH_SCHEMA, answer.document())
        assert request(server, "/readyz", "HEAD").body == b""
        assert request(server, "/metrics").status == 200


def test_basic_auth_of_the_server_applies_to_the_health_routes() -> None:
    """With ``basic_auth``, /readyz without credentials is 401 like /metrics."""
    health = FlextHealthService()
    app = make_health_app(health)
    with FlextMetricsService().serve(routes=app.routes, basic_auth=("probe", "secret")).unwrap() as server:
        assert request(server, "/readyz").status == 401
        connection = http_client.HTTPConnection(LOOPBACK, server.port, timeout=10)
        connection.request("GET", "/readyz", headers={"Authorization": "Basic cHJvYmU6c2VjcmV0"})
        assert connection.getresponse().status == 200
        connection.close()
    health.shutdown()


def test_tls_of_the_server_applies_to_the_health_routes(certificate: Certificate) -> None:
    """With ``tls`` (and basic auth), the health routes answer health+json over verified https, never plain http."""
    health = FlextHealthService()
    health.register(failing, component="db", critical=False)
    app = make_health_app(health)
    tls = (str(certificate.certfile), str(certificate.keyfile))
    credentials = {"Authorization": "Basic cHJvYmU6c2VjcmV0"}
    with FlextMetricsService().serve(routes=app.routes, tls=tls, basic_auth=("probe", "secret")).unwrap() as server:
        for path, code, status in (("/readyz", 200, "warn"), ("/livez", 200, "pass"), ("/health", 200, "warn")):
            connection = http_client.HTTPSConnection(
                LOOPBACK, server.port, timeout=10, context=certificate.client_context()
            )
            connection.request("GET", path, headers=credentials)
            response = connection.getresponse()
            document = json.loads(response.read())
            assert (response.status, document["status"]) == (code, status), path
            assert response.getheader("Content-Type") == HEALTH_JSON
            connection.close()
        anonymous = http_client.HTTPSConnection(LOOPBACK, server.port, timeout=10, context=certificate.client_context())
        anonymous.request("GET", "/readyz")
        assert anonymous.getresponse().status == 401
        anonymous.close()
        with pytest.raises((http_client.HTTPException, ConnectionError, OSError)):
            request(server, "/readyz")  # plain http to the TLS port gets no HTTP answer
    health.shutdown()


def test_bad_settings_are_refused() -> None:
    """make_health_app names a bad argument; serve refuses routes that are no mapping of paths to apps."""
    health = FlextHealthService()
    with pytest.raises(TypeError, match="service"):
        make_health_app(object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="details"):
        make_health_app(health, details="yes")  # type: ignore[arg-type]
    refused = FlextMetricsService().serve(routes={"livez": make_health_app(health)})
    assert "routes" in refused.failure().message
    refused = FlextMetricsService().serve(routes={"/metrics": make_health_app(health)})
    assert "routes" in refused.failure().message
    health.shutdown()


_OUTCOMES: Final = ("pass", "warn", "fail")
_FORMS: Final = ("entity", "result", "bool", "raise")


def _check_giving(outcome: str, form: str) -> Callable[[], object]:
    """A check answering ``outcome`` in one of the shapes a check may return (or by raising)."""
    status_of_bool = outcome == "pass"

    def check() -> object:
        if form == "raise" and outcome == "fail":
            message = "dependency down"
            raise ConnectionError(message)
        if form == "bool" and outcome != "warn":
            return status_of_bool
        result = build_health_check(component="dep", status=outcome, time=0.0)
        return result if form == "result" else result.unwrap()

    return check


def _expected(checks: list[tuple[bool, str, str]]) -> tuple[int, str]:
    """The overall status and code written out from the issue's rules, independently of the core."""
    if any(critical and outcome == "fail" for critical, outcome, _ in checks):
        return 503, "fail"
    if any(outcome != "pass" for _, outcome, _ in checks):
        return 200, "warn"
    return 200, "pass"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    checks=st.lists(
        st.tuples(st.booleans(), st.sampled_from(_OUTCOMES), st.sampled_from(_FORMS)),
        max_size=6,
    ),
)
def test_the_status_code_follows_the_mapping_for_every_combination(checks: list[tuple[bool, str, str]]) -> None:
    """Over real HTTP, every mix of critical or not x pass/warn/fail (in any shape) answers the mapped code."""
    health = FlextHealthService()
    for index, (critical, outcome, form) in enumerate(checks):
        health.register(_check_giving(outcome, form), component=f"c{index}", critical=critical)
    try:
        with serve(make_health_app(health, details=True)) as server:
            for path in ("/readyz", "/health"):
                answer = request(server, path)
                assert (answer.status, answer.document()["status"]) == _expected(checks), (path, checks)
                assert not schema_errors(HEALTH_SCHEMA, answer.document())
                statuses = [entry[0]["status"] for entry in answer.document().get("checks", {}).values()]
                assert sorted(statuses) == sorted(outcome for _, outcome, _ in checks)
    finally:
        health.shutdown()
