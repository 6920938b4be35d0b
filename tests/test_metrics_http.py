"""``/metrics`` over HTTP: ``service.serve``, ``serve_metrics`` and ``make_metrics_app`` against real clients.

The clients are the standard library's ``http.client`` (no proxies, every status an
answer), a self-signed certificate made with the ``openssl`` CLI, and a real Prometheus
scraping an https endpoint that asks for basic authentication.
"""

from __future__ import annotations

import base64
import gc
import http.client as http_client
import io
import socket
import ssl
import threading
import time
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from wsgiref.types import StartResponse, WSGIEnvironment
from wsgiref.util import setup_testing_defaults

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics_untyped
from prometheus_client.parser import text_string_to_metric_families as parse_text
from returns.result import Failure, Success
from servers import PrometheusFactory, ScrapeJob, free_port, port_is_free

from flext_observability.core.errors import FlextExportError
from flext_observability.shell.metrics.http import MetricsServer, make_metrics_app, serve_metrics
from flext_observability.shell.metrics.service import FlextMetricsService

if TYPE_CHECKING:
    from certificates import Certificate
    from prometheus_client.metrics_core import Metric

pytestmark = pytest.mark.integration

TEXT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS_TYPE = "application/openmetrics-text"
OPENMETRICS_ACCEPT = "application/openmetrics-text; version=1.0.0; charset=utf-8"
USER, PASSWORD = "scraper", "s3cr:t ünï"  # a colon and non-ASCII letters in the password
ROWS = 1234.0
CLIENT_TIMEOUT = 5.0


def parse_openmetrics(text: str) -> list[Metric]:
    """The families of an OpenMetrics text, read by prometheus_client's strict parser (raises ``ValueError``)."""
    return list(parse_openmetrics_untyped(text))  # type: ignore[no-untyped-call] # the parser module has no annotations


def make_service() -> FlextMetricsService:
    """A service with one counter series of known value."""
    service = FlextMetricsService()
    rows = service.counter("http_rows_total", "Rows.", labels=("tap",)).unwrap()
    assert rows.labels(tap="postgres").inc(ROWS) == Success(None)
    return service


def rows_value(text: str) -> float:
    """The value of ``http_rows_total{tap="postgres"}`` in a text exposition."""
    for family in parse_text(text):
        for sample in family.samples:
            if sample.name == "http_rows_total" and sample.labels == {"tap": "postgres"}:
                return float(sample.value)
    msg = f"no http_rows_total sample in:\n{text}"
    raise AssertionError(msg)


@dataclass(frozen=True)
class Reply:
    """A status, the headers and the body of one HTTP answer."""

    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode()


def fetch(
    url: str,
    headers: dict[str, str] | None = None,
    context: ssl.SSLContext | None = None,
    timeout: float = CLIENT_TIMEOUT,
) -> Reply:
    """GET ``url`` with ``http.client`` and return the answer, whatever its status."""
    parts = urlsplit(url)
    assert parts.hostname is not None
    assert parts.port is not None
    connection = (
        http_client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout, context=context)
        if parts.scheme == "https"
        else http_client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    )
    try:
        connection.request("GET", parts.path or "/", headers=headers or {})
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


def basic(user: str, password: str) -> dict[str, str]:
    """An Authorization header for basic authentication (credentials in UTF-8)."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture(scope="module")
def served() -> Iterator[MetricsServer]:
    """``service.serve()`` with its defaults, shared by the tests that only read from it."""
    server = make_service().serve().unwrap()
    yield server
    server.close()


# --- content negotiation and paths -------------------------------------------


def test_default_answer_is_text_format(served: MetricsServer) -> None:
    """Ensures ``/metrics`` answers 200 in the text format 0.0.4 with the recorded value when nothing is negotiated."""
    reply = fetch(served.url)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == TEXT_TYPE
    assert rows_value(reply.text) == ROWS


def test_openmetrics_when_accept_asks_for_it(served: MetricsServer) -> None:
    """Ensures an Accept asking for OpenMetrics gets ``application/openmetrics-text`` that the strict parser reads."""
    reply = fetch(served.url, {"Accept": OPENMETRICS_ACCEPT})
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith(OPENMETRICS_TYPE)
    assert reply.text.endswith("# EOF\n")
    samples = [sample for family in parse_openmetrics(reply.text) for sample in family.samples]
    assert [(sample.name, sample.labels, sample.value) for sample in samples] == [
        ("http_rows_total", {"tap": "postgres"}, ROWS)
    ]


@pytest.mark.parametrize("path", ["/", "/other", "/metricsx", "/metrics/extra"])
def test_other_paths_answer_404(served: MetricsServer, path: str) -> None:
    """Ensures a path other than ``/metrics`` answers 404 without the metrics."""
    reply = fetch(f"http://127.0.0.1:{served.port}{path}")
    assert reply.status == 404
    assert b"http_rows_total" not in reply.body


def test_serve_metrics_serves_any_registry() -> None:
    """Ensures ``serve_metrics`` on a service's registry serves it at the URL it reports, on loopback."""
    service = make_service()
    server = serve_metrics(service.registry).unwrap()
    try:
        assert server.url == f"http://127.0.0.1:{server.port}/metrics"
        reply = fetch(server.url)
        assert reply.status == 200
        assert rows_value(reply.text) == ROWS
    finally:
        server.close()


def call_wsgi(app: object, path: str, accept: str | None = None) -> tuple[str, dict[str, str], bytes]:
    """Call a WSGI app with a testing environ for ``path``; return status, headers and body."""
    environ: WSGIEnvironment = {"PATH_INFO": path, "wsgi.input": io.BytesIO()}
    if accept is not None:
        environ["HTTP_ACCEPT"] = accept
    setup_testing_defaults(environ)
    answer: dict[str, object] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> object:
        del exc_info
        answer["status"], answer["headers"] = status, dict(headers)
        return lambda _data: None

    body = b"".join(app(environ, start_response))  # type: ignore[operator]
    return str(answer["status"]), answer["headers"], body  # type: ignore[return-value]


def test_app_without_a_path_serves_wherever_it_is_mounted() -> None:
    """Ensures ``make_metrics_app(path=None)`` inside a dispatcher answers the metrics at any path it is given."""
    service = make_service()
    metrics = make_metrics_app(service.registry, path=None)

    def dispatcher(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if str(environ.get("PATH_INFO", "")).startswith("/internal/"):
            return metrics(environ, start_response)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"application page\n"]

    for path in ("/internal/prometheus", "/internal/a/b/c", "/internal/"):
        status, headers, body = call_wsgi(dispatcher, path)
        assert status == "200 OK", path
        assert headers["Content-Type"] == TEXT_TYPE
        assert rows_value(body.decode()) == ROWS
    status, headers, body = call_wsgi(dispatcher, "/internal/x", accept=OPENMETRICS_ACCEPT)
    assert status == "200 OK"
    assert headers["Content-Type"].startswith(OPENMETRICS_TYPE)
    assert body.decode().endswith("# EOF\n")
    assert call_wsgi(dispatcher, "/home") == ("200 OK", {"Content-Type": "text/plain"}, b"application page\n")


# --- basic authentication ----------------------------------------------------


@pytest.fixture(scope="module")
def guarded() -> Iterator[MetricsServer]:
    """A server asking for basic authentication, shared by the tests that only read from it."""
    server = make_service().serve(basic_auth=(USER, PASSWORD)).unwrap()
    yield server
    server.close()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic(USER, "wrong"),
        basic("someone", PASSWORD),
        basic(USER, PASSWORD + "x"),
        basic(USER, PASSWORD[:-1]),
        {"Authorization": "Basic !!!not-base64!!!"},
        {"Authorization": "Bearer " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()},
        {"Authorization": "Basic"},
    ],
    ids=["none", "wrong-password", "wrong-user", "longer", "shorter", "garbage", "bearer", "empty-basic"],
)
def test_basic_auth_refuses_missing_or_wrong_credentials(guarded: MetricsServer, headers: dict[str, str]) -> None:
    """Ensures a request without the right credentials gets 401 with a Basic ``WWW-Authenticate`` and no metrics."""
    reply = fetch(guarded.url, headers)
    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"].startswith("Basic ")
    assert b"http_rows_total" not in reply.body


def test_basic_auth_accepts_the_right_credentials(guarded: MetricsServer) -> None:
    """Ensures the configured user and password (non-ASCII, with a colon) get 200 and the metrics."""
    reply = fetch(guarded.url, basic(USER, PASSWORD))
    assert reply.status == 200
    assert rows_value(reply.text) == ROWS


# --- TLS -------------------------------------------------------------------------


def test_tls_serves_https_to_a_client_trusting_the_certificate(certificate: Certificate) -> None:
    """Ensures ``tls=(certfile, keyfile)`` serves https that verifies against the certificate, and plain http fails."""
    server = make_service().serve(tls=(str(certificate.certfile), str(certificate.keyfile))).unwrap()
    try:
        assert server.url == f"https://127.0.0.1:{server.port}/metrics"
        reply = fetch(server.url, context=certificate.client_context())
        assert reply.status == 200
        assert rows_value(reply.text) == ROWS
        with pytest.raises(ssl.SSLCertVerificationError):
            fetch(server.url, context=ssl.create_default_context())  # the system's CAs do not know it
        with pytest.raises((OSError, http_client.HTTPException)):
            fetch(server.url.replace("https://", "http://"))
        assert fetch(server.url, context=certificate.client_context()).status == 200  # still serving
    finally:
        server.close()


def test_tls_with_missing_files_is_a_failure_that_releases_the_socket(tmp_path: Path) -> None:
    """Ensures missing certificate files give a Failure (not an exception) and close the bound socket, not leak it."""
    missing = str(tmp_path / "missing.pem")
    port = free_port()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        result = make_service().serve(port=port, tls=(missing, missing))
        gc.collect()
    assert isinstance(result, Failure)
    assert isinstance(result.failure(), FlextExportError)
    assert port_is_free(port)
    leaks = [str(warning.message) for warning in caught if issubclass(warning.category, ResourceWarning)]
    assert leaks == [], "serve() left its listening socket for the garbage collector to close"


def test_tls_silent_client_does_not_block_other_scrapes(certificate: Certificate) -> None:
    """Ensures a client that connects to the TLS port and sends nothing does not stop other clients being served."""
    server = make_service().serve(tls=(str(certificate.certfile), str(certificate.keyfile))).unwrap()
    silent = socket.create_connection(("127.0.0.1", server.port))
    try:
        time.sleep(0.2)  # let the server accept the silent connection first
        try:
            reply = fetch(server.url, context=certificate.client_context(), timeout=3.0)
        except OSError as error:
            pytest.fail(f"a silent TLS client blocked the server: {error!r}")
        assert reply.status == 200
    finally:
        silent.close()
        server.close()


def test_close_returns_within_its_timeout_despite_a_silent_tls_client(certificate: Certificate) -> None:
    """Ensures ``close(timeout=1)`` returns within about a second even while a silent client holds the TLS port."""
    server = make_service().serve(tls=(str(certificate.certfile), str(certificate.keyfile))).unwrap()
    silent = socket.create_connection(("127.0.0.1", server.port))
    closer = threading.Thread(target=server.close, args=(1.0,), daemon=True)
    try:
        time.sleep(0.2)
        started = time.monotonic()
        closer.start()
        closer.join(3.0)
        assert not closer.is_alive(), f"close(timeout=1.0) still running after {time.monotonic() - started:.1f} s"
    finally:
        silent.close()
        closer.join(5.0)


def test_prometheus_scrapes_https_with_basic_auth(
    prometheus_factory: PrometheusFactory, certificate: Certificate
) -> None:
    """Ensures a real Prometheus scrapes an https + basic-auth endpoint (up, exact value), not with a bad password."""
    server = (
        make_service()
        .serve(tls=(str(certificate.certfile), str(certificate.keyfile)), basic_auth=(USER, PASSWORD))
        .unwrap()
    )
    try:
        target = f"127.0.0.1:{server.port}"
        tls_config = {"ca_file": str(certificate.certfile), "server_name": "localhost"}
        prometheus = prometheus_factory(
            [
                ScrapeJob(
                    "secure",
                    target,
                    scheme="https",
                    basic_auth={"username": USER, "password": PASSWORD},
                    tls_config=tls_config,
                ),
                ScrapeJob(
                    "intruder",
                    target,
                    scheme="https",
                    basic_auth={"username": USER, "password": "guess"},
                    tls_config={"ca_file": str(certificate.certfile)},
                ),
            ]
        )
        up = prometheus.wait_for_scrape("secure")
        assert up["health"] == "up"
        assert up["scrapeUrl"] == f"https://{target}/metrics"
        samples = prometheus.query('http_rows_total{job="secure",tap="postgres"}')
        assert [float(sample["value"][1]) for sample in samples] == [ROWS]
        refused = prometheus.wait_for_target("intruder")
        assert refused["health"] == "down"
        assert "401" in refused["lastError"]
    finally:
        server.close()


# --- binding, closing, taken ports -------------------------------------------


def test_binds_loopback_by_default_and_close_frees_the_port() -> None:
    """Ensures the default server listens on 127.0.0.1 only and that ``close()`` stops it and frees its port."""
    server = make_service().serve().unwrap()
    port = server.port
    try:
        assert server.host == "127.0.0.1"
        assert fetch(server.url).status == 200
        # 127.0.0.2 is loopback too: only a wildcard bind would answer there.
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.2", port), timeout=2.0).close()
        assert not port_is_free(port)
    finally:
        server.close()
    assert port_is_free(port)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2.0).close()


CYCLES = 20
"""Servers made by the descriptor tests: enough that a leak shows above the noise of other tests' sockets."""


def _open_descriptors() -> int:
    """How many file descriptors this process holds."""
    return len(list(Path("/proc/self/fd").iterdir()))


def test_close_ends_the_server_at_once_and_leaves_no_descriptor_or_thread() -> None:
    """``close()`` returns in well under the half-second a polling loop would take, and frees every fd and thread."""
    service = make_service()
    threads = threading.active_count()
    descriptors = _open_descriptors()
    durations = []
    for _ in range(CYCLES):
        server = service.serve().unwrap()
        assert fetch(server.url).status == 200
        began = time.monotonic()
        server.close()
        durations.append(time.monotonic() - began)
        server.close()  # a second close changes nothing and does not raise
    assert max(durations) < 0.25, durations
    # A leak would hold three descriptors per server; other tests' threads may hold a few for a moment.
    assert _open_descriptors() - descriptors < CYCLES
    deadline = time.monotonic() + 5.0
    while threading.active_count() > threads and time.monotonic() < deadline:
        time.sleep(0.01)  # request threads end just after their answer is sent
    assert threading.active_count() <= threads


def test_a_failed_bind_leaves_no_descriptor() -> None:
    """A taken port is a Failure and the sockets made for the server are all closed again."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        descriptors = _open_descriptors()
        for _ in range(CYCLES):
            assert isinstance(make_service().serve(port=taken.getsockname()[1]), Failure)
        assert _open_descriptors() - descriptors < CYCLES  # a leak would hold two per attempt


def test_taken_port_is_a_failure() -> None:
    """Ensures serving on a port another socket listens on returns a Failure naming the address, never raising."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = make_service().serve(port=port)
        assert isinstance(result, Failure)
        error = result.failure()
        assert isinstance(error, FlextExportError)
        assert error.target == f"127.0.0.1:{port}"
        assert error.message == f"cannot serve /metrics on 127.0.0.1:{port}: address already in use"


def test_second_server_on_the_same_port_is_a_failure(served: MetricsServer) -> None:
    """Ensures a second ``serve`` on the port of a running server fails and leaves the first one serving."""
    result = make_service().serve(port=served.port)
    assert isinstance(result, Failure)
    assert fetch(served.url).status == 200


@pytest.mark.parametrize(
    "basic_auth",
    [
        "user:s3cret",
        "up",
        ("user",),
        ("user", "s3cret", "extra"),
        ("", "s3cret"),
        ("user", ""),
        ("us:er", "s3cret"),
        ("user", b"s3cret"),
        ["user", "s3cret"],
        ("user", "pa\r\nss"),
    ],
    ids=repr,
)
def test_basic_auth_must_be_a_pair_of_non_empty_strings(basic_auth: object) -> None:
    """Ensures a credentials string (whose first two characters used to become the credentials) is refused at set-up."""
    with pytest.raises(ValueError, match="basic_auth"):
        make_metrics_app(make_service().registry, basic_auth=basic_auth)  # type: ignore[arg-type]
    result = make_service().serve(basic_auth=basic_auth)  # type: ignore[arg-type]
    assert isinstance(result, Failure)
    assert "basic_auth" in result.failure().message
    assert "s3cret" not in result.failure().message


def test_head_answers_like_get_without_a_body(served: MetricsServer) -> None:
    """Ensures HEAD /metrics (load balancers, probes) gets the GET answer's status and headers and no body."""
    parts = urlsplit(served.url)
    assert parts.hostname is not None
    connection = http_client.HTTPConnection(parts.hostname, parts.port, timeout=CLIENT_TIMEOUT)
    try:
        connection.request("HEAD", "/metrics")
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    get = fetch(served.url)
    assert (response.status, body) == (200, b"")
    assert response.headers["Content-Type"] == get.headers["Content-Type"]
    status, _, wsgi_body = call_wsgi(make_metrics_app(make_service().registry), "/metrics")
    assert status.startswith("200")
    assert wsgi_body
