"""Attack: a credentialed gateway URL comes back, secret and all, in a push failure.

``push("http://user:SECRET@127.0.0.1:PORT", ...)`` failed with a
``FlextExportError`` whose target was the URL as given, so the password
reached whatever logged or printed the failure. Every target and message the
metrics code writes or returns now passes the redaction policy; the URL as
given is used for the request only. The same holds for ``serve()`` and
``write_textfile`` failures. Gateways here are real loopback sockets: a
closed port, and an HTTP server that answers 500 echoing what it was asked,
or a redirect to a credentialed URL.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import pytest
from servers import free_port

from flext_observability.shell.metrics.service import FlextMetricsService

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

SECRET = "SECRET"


class _Echo(BaseHTTPRequestHandler):
    """Answers every request 500 with the request line, or a redirect to a credentialed URL for /redirect paths."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if "redirect" in self.path:
            self.send_response(302)
            self.send_header("Location", f"http://admin:{SECRET}@127.0.0.1:1/elsewhere?token={SECRET}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = f"cannot store http://user:{SECRET}@gateway{self.path}".encode()
        self.send_response(500)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_PUT = do_POST = do_DELETE = _answer  # noqa: N815 - BaseHTTPRequestHandler's naming

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        """Log nothing."""


@pytest.fixture
def echo_gateway() -> Iterator[int]:
    """A loopback HTTP server that fails every push; yields its port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join(5)


def _service() -> FlextMetricsService:
    service = FlextMetricsService()
    service.gauge("batch_queue_depth", "Items left.").unwrap().set(3)
    return service


def _assert_secret_free(result: object) -> None:
    failure = result.failure()  # type: ignore[attr-defined]
    for text in (str(failure), repr(failure), failure.target, failure.message, repr(result)):
        assert SECRET not in text, text


def test_a_refused_connection_names_the_gateway_without_its_password() -> None:
    """Ensures a push to a closed loopback port fails with a target and message free of the URL's password."""
    port = free_port()
    result = _service().push(f"http://user:{SECRET}@127.0.0.1:{port}", "nightly", timeout=1.0, retries=0)
    _assert_secret_free(result)
    assert result.failure().target == f"http://REDACTED:REDACTED@127.0.0.1:{port}"


def test_a_failing_gateway_s_answer_and_redirect_are_redacted(echo_gateway: int) -> None:
    """Ensures a 500 echoing credentials and a redirect to a credentialed URL come back redacted, status kept."""
    base = f"http://user:{SECRET}@127.0.0.1:{echo_gateway}"
    answered = _service().push(base, "nightly", timeout=2.0, retries=0)
    _assert_secret_free(answered)
    assert answered.failure().status == 500
    assert "REDACTED" in answered.failure().message
    redirected = _service().push(f"{base}/redirect", "nightly", timeout=2.0, retries=0)
    _assert_secret_free(redirected)
    assert redirected.failure().status == 302


def test_argument_errors_do_not_echo_the_url() -> None:
    """Ensures a bad method, timeout or retries fails naming the gateway with its credentials replaced."""
    service = _service()
    url = f"https://etl:{SECRET}@gateway.example:9091/?token={SECRET}"
    for result in (
        service.push(url, "nightly", method="put"),  # type: ignore[arg-type]
        service.push(url, "nightly", timeout=-1),
        service.push(url, "nightly", retries=-1),
        service.push(url, "nightly", timeout=f"http://a:{SECRET}@b"),  # type: ignore[arg-type]
    ):
        _assert_secret_free(result)


def test_textfile_and_serve_failures_redact_paths(tmp_path: Path) -> None:
    """Ensures a textfile path and a served path holding a token= parameter come back redacted in failures."""
    service = _service()
    written = service.write_textfile(tmp_path / f"share?token={SECRET}" / "missing" / "x.prom")
    _assert_secret_free(written)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        served = service.serve(port=port, path=f"/metrics?token={SECRET}")
        _assert_secret_free(served)
        assert "address already in use" in served.failure().message
