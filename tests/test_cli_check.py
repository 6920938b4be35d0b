"""``flext-observability check URL``: real health endpoints, dead and hanging ports, and hostile servers on loopback.

The command runs in real subprocesses (as a container's ``HEALTHCHECK`` runs
it) for the cases that matter to a caller, and in this process, through the
same parser, for the many ways a server can answer badly.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

import loopback
import pytest

from flext_observability.cli.check import EXIT_HEALTHY, EXIT_UNHEALTHY, EXIT_USAGE, add_parser, run_check
from flext_observability.health import FlextHealthService, build_health_check, make_health_app
from flext_observability.metrics import FlextMetricsService, MetricsServer

if TYPE_CHECKING:
    from certificates import Certificate

pytestmark = pytest.mark.integration

LOOPBACK: Final = "127.0.0.1"

ELAPSED: Final = r"in \d+ ms"


def run_command(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``flext-observability check ...`` in a fresh interpreter and capture what it printed."""
    return subprocess.run(  # noqa: S603 - this interpreter and fixed code, no shell
        [sys.executable, "-m", "flext_observability", "check", *arguments],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def main(argv: list[str]) -> int:
    """Parse ``argv`` as the command does and run the check in this process (argparse's exits become codes)."""
    parser = argparse.ArgumentParser(prog="flext-observability")
    add_parser(parser.add_subparsers(dest="command", required=True))
    try:
        arguments = parser.parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0)
    return run_check(arguments)


def one_line(text: str) -> str:
    """The single line in ``text``; fails when there are more or none."""
    lines = text.splitlines()
    assert len(lines) == 1, text
    assert text.endswith("\n")
    return lines[0]


@contextmanager
def health_endpoint(
    service: FlextHealthService,
    *,
    basic_auth: tuple[str, str] | None = None,
    tls: tuple[str, str] | None = None,
) -> Iterator[MetricsServer]:
    """The service's health routes served by a real ``serve()`` on loopback, a free port."""
    app = make_health_app(service)
    server = FlextMetricsService().serve(routes=app.routes, basic_auth=basic_auth, tls=tls).unwrap()
    try:
        with server:
            yield server
    finally:
        service.shutdown(5.0)


def base_url(server: MetricsServer) -> str:
    """``http://127.0.0.1:port`` of a running plain-HTTP server."""
    return f"http://{LOOPBACK}:{server.port}"


def canned_server(raw: bytes) -> loopback.LoopbackServer:
    """A loopback server that reads each request's head, answers it with ``raw`` and hangs up."""
    return loopback.LoopbackServer(loopback.answer(raw))


def http_answer(status: str, body: bytes = b"", content_type: str | None = None, extra: str = "") -> bytes:
    """A whole HTTP/1.1 answer with ``Content-Length``."""
    head = f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n{extra}"
    if content_type is not None:
        head += f"Content-Type: {content_type}\r\n"
    return (head + "\r\n").encode() + body


def health_json(status: str, document: object) -> bytes:
    """An ``application/health+json`` answer holding ``document``."""
    return http_answer(status, json.dumps(document).encode(), "application/health+json")


@contextmanager
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    with socket.create_server((LOOPBACK, 0), backlog=4) as listener:
        yield listener.getsockname()[1]


@contextmanager
def dead_port() -> Iterator[int]:
    """A port nobody listens on (it was free a moment ago)."""
    with socket.create_server((LOOPBACK, 0)) as probe:
        port: int = probe.getsockname()[1]
    yield port


def down() -> bool:
    """A dependency that is down."""
    return False


def up() -> bool:
    """A dependency that is up."""
    return True


# --- through real subprocesses -------------------------------------------------------------------


def test_a_passing_endpoint_exits_zero_with_one_pass_line() -> None:
    """A healthy /readyz served by the library exits 0 and prints ``pass: URL answered 200 (status "pass") in N ms``."""
    service = FlextHealthService()
    service.register(up, component="db")
    with health_endpoint(service) as server:
        url = f"{base_url(server)}/readyz"
        done = run_command(url)
    assert done.returncode == EXIT_HEALTHY, done
    assert re.fullmatch(rf'pass: {re.escape(url)} answered 200 \(status "pass"\) {ELAPSED}', one_line(done.stdout))
    assert done.stderr == ""


def test_a_failing_check_exits_one_and_names_the_check() -> None:
    """A critical check returning False makes /readyz 503: exit 1 and a line naming the failing check."""
    service = FlextHealthService()
    service.register(up, component="cache")
    service.register(down, component="db")
    with health_endpoint(service) as server:
        url = f"{base_url(server)}/readyz"
        done = run_command(url)
    assert done.returncode == EXIT_UNHEALTHY, done
    line = one_line(done.stdout)
    assert re.fullmatch(rf'fail: {re.escape(url)} answered 503 \(status "fail": db:status\) {ELAPSED}', line), line
    assert done.stderr == ""


def test_a_warning_endpoint_exits_zero_and_names_what_warns() -> None:
    """A non-critical failing check and a warning one make /health ``warn``: exit 0, both named."""
    service = FlextHealthService()
    service.register(down, component="cache", critical=False)
    service.register(
        lambda: build_health_check(component="queue", measurement="depth", status="warn", time=0.0),
        component="queue",
        measurement="depth",
        critical=False,
    )
    service.register(up, component="db")
    with health_endpoint(service) as server:
        url = f"{base_url(server)}/health"
        done = run_command(url)
    assert done.returncode == EXIT_HEALTHY, done
    line = one_line(done.stdout)
    assert line.startswith(f'warn: {url} answered 200 (status "warn": ')
    assert "cache:status" in line
    assert "queue:depth" in line
    assert "db:status" not in line


def test_a_dead_port_exits_one_without_a_traceback() -> None:
    """Nothing listening: exit 1, ``no answer: connection refused``, and nothing on stderr."""
    with dead_port() as port:
        url = f"http://{LOOPBACK}:{port}/livez"
        done = run_command(url)
    assert done.returncode == EXIT_UNHEALTHY
    assert one_line(done.stdout) == f"fail: {url} no answer: connection refused by {LOOPBACK}:{port}"
    assert done.stderr == ""


def test_a_hanging_server_exits_one_at_the_timeout() -> None:
    """A server that accepts and never answers: exit 1 with ``no answer within 0.5 s``."""
    with silent_port() as port:
        url = f"http://{LOOPBACK}:{port}/readyz"
        done = run_command("--timeout", "0.5", url)
    assert done.returncode == EXIT_UNHEALTHY
    assert one_line(done.stdout) == f"fail: {url} no answer within 0.5 s"
    assert done.stderr == ""


def test_a_redirect_is_not_followed_and_exits_one() -> None:
    """A 302 to a healthy-looking place is a failure that says where it pointed (its credentials redacted)."""
    answer = http_answer("302 Found", extra="Location: http://probe:hunter2@127.0.0.1:1/elsewhere\r\n")
    with canned_server(answer) as server:
        done = run_command(f"{server.origin}/readyz")
        assert len(server.requests) == 1
    assert done.returncode == EXIT_UNHEALTHY
    line = one_line(done.stdout)
    assert line.startswith(f"fail: {server.origin}/readyz answered 302 in ")
    assert "redirected to http://REDACTED:REDACTED@127.0.0.1:1/elsewhere" in line
    assert "redirects are not followed" in line
    assert "hunter2" not in line


def test_a_server_answering_garbage_exits_one() -> None:
    """Bytes that are no HTTP answer: exit 1, ``unreadable answer``, no traceback."""
    with canned_server(b"SSH-2.0-OpenSSH_9.2\r\n\r\n") as server:
        done = run_command(f"{server.origin}/readyz")
    assert done.returncode == EXIT_UNHEALTHY
    assert one_line(done.stdout).startswith(f"fail: {server.origin}/readyz unreadable answer: not an HTTP answer")
    assert done.stderr == ""


def test_credentials_in_the_url_authenticate_and_are_never_printed() -> None:
    """``user:secret@`` is sent as basic authentication; neither a right nor a wrong password is printed."""
    service = FlextHealthService()
    service.register(up, component="db")
    with health_endpoint(service, basic_auth=("probe", "s3cr%t")) as server:
        right = run_command(f"http://probe:s3cr%25t@{LOOPBACK}:{server.port}/readyz")
        wrong = run_command(f"http://probe:hunter2@{LOOPBACK}:{server.port}/readyz")
    assert right.returncode == EXIT_HEALTHY, right
    assert one_line(right.stdout).startswith(f"pass: http://REDACTED:REDACTED@{LOOPBACK}:{server.port}/readyz ")
    assert wrong.returncode == EXIT_UNHEALTHY
    assert one_line(wrong.stdout).startswith(f"fail: http://REDACTED:REDACTED@{LOOPBACK}:{server.port}/readyz ")
    assert " answered 401 " in wrong.stdout
    for done, secret in ((right, "s3cr"), (wrong, "hunter2")):
        assert secret not in done.stdout + done.stderr
        assert "probe" not in done.stdout + done.stderr


def test_https_is_verified_against_the_trusted_certificates(certificate: Certificate) -> None:
    """Over https a trusted certificate passes; an untrusted one fails with one line, never a traceback."""
    service = FlextHealthService()
    service.register(up, component="db")
    tls = (str(certificate.certfile), str(certificate.keyfile))
    with health_endpoint(service, tls=tls) as server:
        url = f"https://{LOOPBACK}:{server.port}/livez"
        trusted = run_command(url, env={"SSL_CERT_FILE": str(certificate.certfile)})
        untrusted = run_command(url, env={"SSL_CERT_FILE": os.devnull})
    assert trusted.returncode == EXIT_HEALTHY, trusted
    assert one_line(trusted.stdout).startswith(f'pass: {url} answered 200 (status "pass") in ')
    assert untrusted.returncode == EXIT_UNHEALTHY
    assert "certificate" in one_line(untrusted.stdout).lower()
    assert untrusted.stderr == ""


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["ftp://probe:hunter2@127.0.0.1/readyz"], "must start with http:// or https://"),
        (["--timeout", "0", "http://127.0.0.1:1/"], "positive number of seconds"),
        (["--timeout", "nan", "http://127.0.0.1:1/"], "positive number of seconds"),
    ],
)
def test_usage_mistakes_exit_two_with_a_clear_message(arguments: list[str], says: str) -> None:
    """A URL that is not http(s) or a timeout that is no positive number exits 2, saying what to fix."""
    done = run_command(*arguments)
    assert done.returncode == EXIT_USAGE
    assert done.stdout == ""
    assert says in done.stderr
    assert "hunter2" not in done.stderr
    assert "Traceback" not in done.stderr


def test_help_documents_the_exit_codes() -> None:
    """``check --help`` exits 0 and explains the three exit codes."""
    done = run_command("--help")
    assert done.returncode == 0
    assert "exit codes:" in done.stdout
    for code in ("0  healthy", "1  unhealthy", "2  usage mistake"):
        assert code in done.stdout


# --- in this process: how servers can answer ------------------------------------------------------


def check_against(answer: bytes, capsys: pytest.CaptureFixture[str], path: str = "/readyz") -> tuple[int, str]:
    """Run the check against a canned server: the exit code, and the one line printed (the server got one request)."""
    with canned_server(answer) as server:
        code = main(["check", "--timeout", "5", f"{server.origin}{path}"])
        assert len(server.requests) == 1  # never retried: the caller decides when to ask again
        assert server.requests[0].startswith(f"GET {path} HTTP/1.1\r\n".encode())
    captured = capsys.readouterr()
    assert captured.err == ""
    line = one_line(captured.out)
    return code, line.replace(server.origin, "URL")


@pytest.mark.parametrize(
    ("answer", "code", "pattern"),
    [
        (http_answer("200 OK", b"OK", "text/plain"), EXIT_HEALTHY, rf"pass: URL/readyz answered 200 {ELAPSED}"),
        (http_answer("204 No Content"), EXIT_HEALTHY, rf"pass: URL/readyz answered 204 {ELAPSED}"),
        (
            http_answer("200 OK", b"<html>fine</html>", "text/html"),
            EXIT_HEALTHY,
            rf"pass: URL/readyz answered 200 {ELAPSED}",
        ),
        (
            health_json("200 OK", {"status": "UP"}),
            EXIT_HEALTHY,
            rf'pass: URL/readyz answered 200 \(status "UP"\) {ELAPSED}',
        ),
        (
            http_answer("200 OK", b'{"status": "DOWN"}', "application/json"),
            EXIT_UNHEALTHY,
            rf'fail: URL/readyz answered 200 \(status "DOWN"\) {ELAPSED}',
        ),
        (
            health_json("200 OK", {"status": "fail", "checks": {"db": [{"status": "fail"}]}}),
            EXIT_UNHEALTHY,
            rf'fail: URL/readyz answered 200 \(status "fail": db\) {ELAPSED}',
        ),
        (
            health_json("200 OK", {"status": "maybe"}),
            EXIT_UNHEALTHY,
            rf'fail: URL/readyz answered 200 \(status "maybe", not pass, warn or fail\) {ELAPSED}',
        ),
        (
            http_answer("200 OK", b"{not json", "application/health+json"),
            EXIT_UNHEALTHY,
            rf"fail: URL/readyz answered 200 {ELAPSED}, but its application/health\+json document is unreadable: .*",
        ),
        (
            health_json("200 OK", ["pass"]),
            EXIT_UNHEALTHY,
            rf"fail: URL/readyz answered 200 {ELAPSED}, but its application/health\+json document is unreadable: .*",
        ),
        (
            http_answer("200 OK", b"", "application/health+json"),
            EXIT_UNHEALTHY,
            rf"fail: URL/readyz answered 200 {ELAPSED}, but its application/health\+json document is unreadable: .*",
        ),
        (
            http_answer("404 Not Found", b"no such path"),
            EXIT_UNHEALTHY,
            rf"fail: URL/readyz answered 404 Not Found {ELAPSED}",
        ),
        (
            http_answer("500 Internal Server Error"),
            EXIT_UNHEALTHY,
            rf"fail: URL/readyz answered 500 Internal Server Error {ELAPSED}",
        ),
        (
            health_json("503 Service Unavailable", {"status": "pass"}),
            EXIT_UNHEALTHY,
            rf'fail: URL/readyz answered 503 \(status "pass"\) {ELAPSED}',
        ),
        (b"HTTP/1.1 OK 200\r\n\r\n", EXIT_UNHEALTHY, r"fail: URL/readyz unreadable answer: not an HTTP answer: .*"),
        (
            b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 70_000 + b"\r\n\r\n",
            EXIT_UNHEALTHY,
            r"fail: URL/readyz unreadable answer: the answer's headers pass 65536 bytes",
        ),
        (b"", EXIT_UNHEALTHY, r"fail: URL/readyz no answer: the server closed the connection before answering"),
    ],
)
def test_each_kind_of_answer_gets_its_verdict(
    answer: bytes, code: int, pattern: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Plain 2xx passes; a document's status decides; any other status, and unreadable answers, fail."""
    got, line = check_against(answer, capsys)
    assert re.fullmatch(pattern, line), line
    assert got == code


def test_hostile_check_names_cannot_write_to_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    """Escape sequences, new lines and bidi controls in check names become ``?``; long lists are cut and counted."""
    names = ["\x1b[2J\x1b[31mdb", "line\nbreak", "\u202etxt.exe", "x" * 5000, "e", "f", "g"]
    document = {"status": "fail", "checks": {name: [{"status": "fail"}] for name in names}}
    code, line = check_against(health_json("200 OK", document), capsys)
    assert code == EXIT_UNHEALTHY
    assert line.isprintable()
    assert "?[2J?[31mdb" in line
    assert "line?break" in line
    assert "?txt.exe" in line
    assert "x" * 77 + "..." in line
    assert "x" * 78 not in line
    assert re.search(rf", e and 2 more\) {ELAPSED}$", line), line
    assert len(line) < 400


def test_hostile_documents_fail_without_crashing(capsys: pytest.CaptureFixture[str]) -> None:
    """A nesting bomb, a body over the 1 MiB cap and huge numbers give a one-line failure, not a traceback."""
    bomb = http_answer("200 OK", b"[" * 200_000, "application/health+json")
    code, line = check_against(bomb, capsys)
    assert (code, "document is unreadable" in line) == (EXIT_UNHEALTHY, True), line
    padding = " " * (1024 * 1024)
    huge = http_answer("200 OK", ('{"status": "pass"' + padding + "}").encode(), "application/health+json")
    code, line = check_against(huge, capsys)
    assert (code, "over 1048576 bytes" in line) == (EXIT_UNHEALTHY, True), line
    digits = http_answer("200 OK", b'{"status": "pass", "n": ' + b"9" * 10_000 + b"}", "application/health+json")
    code, line = check_against(digits, capsys)
    assert (code, "document is unreadable" in line) == (EXIT_UNHEALTHY, True), line


def test_a_long_failing_document_still_fails(capsys: pytest.CaptureFixture[str]) -> None:
    """A 503 whose document is too long to list its checks still fails, with the status code and reason."""
    document = {"status": "fail", "checks": {f"check-{number}:status": [{"status": "fail"}] for number in range(100)}}
    code, line = check_against(health_json("503 Service Unavailable", document), capsys)
    assert code == EXIT_UNHEALTHY
    assert re.fullmatch(rf"fail: URL/readyz answered 503 Service Unavailable {ELAPSED}", line), line


def test_hostile_statuses_and_entries_are_judged_safely(capsys: pytest.CaptureFixture[str]) -> None:
    """A non-text status fails; malformed check entries are skipped, not trusted or crashed on."""
    code, line = check_against(health_json("200 OK", {"status": 1}), capsys)
    assert code == EXIT_UNHEALTHY, line
    document = {"status": "warn", "checks": {"a": "fail", "b": [1, None, {"status": 2}], "c": [{"status": " FAIL "}]}}
    code, line = check_against(health_json("200 OK", document), capsys)
    assert code == EXIT_HEALTHY
    assert '(status "warn": c)' in line


def test_secrets_in_the_query_are_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    """A token in the URL's query reaches the server but is printed redacted."""
    with canned_server(http_answer("200 OK")) as server:
        assert main(["check", f"{server.origin}/readyz?access_token=ya29.hidden&probe=1"]) == EXIT_HEALTHY
        assert b"access_token=ya29.hidden" in server.requests[0]
    line = one_line(capsys.readouterr().out)
    assert "ya29.hidden" not in line
    assert "access_token=REDACTED&probe=1" in line


@pytest.mark.parametrize(
    "url",
    [
        "http://probe:hunter2@127.0.0.1:99999/readyz",
        "http://probe:hunter2@127.0.0.1:port/readyz",
        "http://probe:hunter2@127.0.0.1/ready z",
        "http://probe:hunter2@127.0.0.1/ready\x1b[2Jz",
        "http://probe:hunter2@b\u00fccher.example/readyz",
        "file:///etc/passwd",
        "http:///readyz",
        "127.0.0.1:9464/readyz",
        "",
    ],
)
def test_bad_urls_are_usage_mistakes_that_never_echo_a_secret(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Bad ports, spaces, control and non-ASCII characters, other schemes and no host exit 2 without the password."""
    assert main(["check", url]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "argument URL: " in captured.err
    assert "hunter2" not in captured.err
    assert "\x1b" not in captured.err


@pytest.mark.parametrize("timeout", ["-1", "0", "nan", "inf", "1e9", "soon", ""])
def test_bad_timeouts_are_usage_mistakes(timeout: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A timeout that is no positive finite number within a day exits 2 naming ``--timeout``."""
    assert main(["check", "--timeout", timeout, "http://127.0.0.1:1/"]) == EXIT_USAGE
    assert "argument --timeout: must be a positive number of seconds" in capsys.readouterr().err


def test_run_check_refuses_arguments_it_was_not_given(capsys: pytest.CaptureFixture[str]) -> None:
    """Called with a namespace not made by its parser, run_check still refuses a bad URL or timeout with exit 2."""
    assert run_check(argparse.Namespace()) == EXIT_USAGE
    assert "argument URL: " in capsys.readouterr().err
    assert run_check(argparse.Namespace(url="http://127.0.0.1:1/", timeout=-2.0)) == EXIT_USAGE
    assert "argument --timeout: " in capsys.readouterr().err
    assert run_check(argparse.Namespace(url="http://127.0.0.1:1/", timeout=True)) == EXIT_USAGE
