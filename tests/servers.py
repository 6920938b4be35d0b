"""Start and stop the real Prometheus, Pushgateway and Alertmanager for integration tests.

Each server runs from the Debian binary in its own temporary directory, listens on
127.0.0.1 on a free port, logs to files in that directory and is stopped by the PID
this module started (never by name). Only the standard library is used, so the
harness works before anything but the test tools is installed.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Protocol, Self

JsonObject = dict[str, Any]

# The three Debian packages holding the five binaries; `make servers` (a step of
# `make test`) installs them on a fresh machine.
DEBIAN_PACKAGES = ("prometheus", "prometheus-pushgateway", "prometheus-alertmanager")
INSTALL_COMMAND = "apt-get update && apt-get install -y --no-install-recommends " + " ".join(DEBIAN_PACKAGES)
_PACKAGE_OF_BINARY = {
    "prometheus": "prometheus",
    "promtool": "prometheus",
    "prometheus-pushgateway": "prometheus-pushgateway",
    "prometheus-alertmanager": "prometheus-alertmanager",
    "amtool": "prometheus-alertmanager",
}

# Prometheus reports a target it has never scraped with this zero time.
_NEVER = "0001-01-01T00:00:00Z"
# A port handed out by free_port() can be taken by another process (an xdist
# worker starting its own server) before our server binds it; such a start is
# retried on a new port this many times in all.
_START_ATTEMPTS = 3
_LOG_TAIL_LINES = 30

# Local servers only: a proxy from the environment must never see these requests.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerNotInstalledError(RuntimeError):
    """A server binary is missing; the message names the package and how to install it."""


class ServerStartError(RuntimeError):
    """A server exited early or did not become ready in time; the message ends with its log."""


class PrometheusApiError(RuntimeError):
    """The Prometheus HTTP API answered with an error."""


class ScrapeError(AssertionError):
    """A scrape target did not come up in time; the message carries its ``lastError``."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago.

    The kernel picks it (bind to port 0); the socket is closed before the server binds,
    so a start that loses the port to someone else is retried by the server classes.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int) -> bool:
    """Tell whether a server could listen on a TCP port on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Closed client connections leave the port in TIME_WAIT for a minute; servers
        # (Go's included) bind with SO_REUSEADDR and are not hindered, so neither are we.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def require_binary(name: str) -> str:
    """Return the path of a server binary, or raise naming the Debian package that installs it.

    Raises:
        ServerNotInstalledError: the binary is not on ``PATH``; integration tests must
            fail (never skip) so that a machine without the servers is noticed.
    """
    path = shutil.which(name)
    if path is None:
        package = _PACKAGE_OF_BINARY.get(name, "?")
        msg = (
            f"{name} is not installed (Debian package {package}). "
            f"Run `make servers` (part of `make test`) as root, or: {INSTALL_COMMAND}"
        )
        raise ServerNotInstalledError(msg)
    return path


PROMTOOL_TIMEOUT = 60.0
"""Seconds ``promtool check metrics`` may take on a loaded machine."""


def promtool_lint(exposition: str | bytes) -> None:
    """Fail unless the real ``promtool check metrics`` finds ``exposition`` clean: exit 0, nothing printed.

    The exposition is shown in the failure, beside promtool's complaint.
    """
    promtool = require_binary("promtool")
    data = exposition.encode() if isinstance(exposition, str) else exposition
    checked = subprocess.run(  # noqa: S603 - the installed promtool, fed our own exposition, no shell
        [promtool, "check", "metrics"], input=data, capture_output=True, timeout=PROMTOOL_TIMEOUT, check=False
    )
    complaint = (checked.stdout + checked.stderr).decode(errors="replace")
    assert (checked.returncode, complaint) == (0, ""), f"promtool: {complaint}\n{data.decode(errors='replace')}"


@dataclass(frozen=True)
class HttpResponse:
    """What a server answered: status, Content-Type and body (error statuses included)."""

    status: int
    content_type: str
    body: bytes

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def http_request(
    method: str,
    url: str,
    data: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> HttpResponse:
    """Send one HTTP request and return the answer, without raising on 4xx/5xx statuses.

    Tests look at rejected requests (a Pushgateway 400, an Alertmanager 422) as
    often as accepted ones, so an error status is an answer, not an exception.
    Connection failures still raise ``OSError``.
    """
    if not url.startswith(("http://", "https://")):
        msg = f"not an HTTP URL: {url!r}"
        raise ValueError(msg)
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))  # noqa: S310 - scheme checked above
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return HttpResponse(response.status, response.headers.get("Content-Type", ""), response.read())
    except urllib.error.HTTPError as error:
        with error:
            return HttpResponse(error.code, error.headers.get("Content-Type", ""), error.read())


def _get_json(url: str, timeout: float = 10.0) -> Any:
    response = http_request("GET", url, timeout=timeout)
    if response.status != 200:
        msg = f"GET {url} answered {response.status}: {response.text[:500]}"
        raise RuntimeError(msg)
    return response.json()


class ServerProcess:
    """One server binary run in a directory: started, polled until ready, stopped by PID.

    stdout and stderr go to ``stdout.log`` and ``stderr.log`` in ``workdir`` (files,
    not pipes, so a chatty server can never block on a full pipe).
    """

    def __init__(self, argv: Sequence[str], workdir: Path, ready_url: str) -> None:
        self.argv = list(argv)
        self.workdir = workdir
        self.ready_url = ready_url
        self._process: subprocess.Popen[bytes] | None = None
        self._logs: list[IO[bytes]] = []

    @property
    def stdout_path(self) -> Path:
        """The file receiving the server's stdout."""
        return self.workdir / "stdout.log"

    @property
    def stderr_path(self) -> Path:
        """The file receiving the server's stderr (where these Go servers log)."""
        return self.workdir / "stderr.log"

    @property
    def pid(self) -> int | None:
        """The PID we started, or None before start."""
        return None if self._process is None else self._process.pid

    @property
    def running(self) -> bool:
        """Whether the process we started is still alive."""
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 15.0) -> None:
        """Start the binary and wait until ``ready_url`` answers 200.

        Raises:
            ServerStartError: the process exited early or was not ready within
                ``timeout`` seconds (it is then stopped); the message ends with the log.
        """
        if self._process is not None:
            msg = "already started"
            raise RuntimeError(msg)
        self._logs = [self.stdout_path.open("ab"), self.stderr_path.open("ab")]
        # The argv is built by this module from a binary found on PATH, never from
        # outside input, and there is no shell.
        try:
            self._process = subprocess.Popen(  # noqa: S603
                self.argv,
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=self._logs[0],
                stderr=self._logs[1],
            )
        except OSError:  # not executable, say: nothing to stop, but the log files are open
            self._close_logs()
            raise
        deadline = time.monotonic() + timeout
        while True:
            code = self._process.poll()
            if code is not None:
                self._close_logs()
                msg = f"{self._name} exited with status {code} before it was ready"
                raise ServerStartError(self._with_log(msg))
            if self._answers_ready():
                return
            if time.monotonic() > deadline:
                self.stop()
                msg = f"{self._name} was not ready at {self.ready_url} within {timeout:g} s"
                raise ServerStartError(self._with_log(msg))
            time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> int | None:
        """Stop the process we started: SIGTERM, then SIGKILL after ``timeout`` seconds.

        Idempotent. Returns the exit status, or None if it was never started.
        """
        process = self._process
        if process is None:
            return None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._close_logs()
        return process.returncode

    def log_text(self) -> str:
        """The server's stdout followed by its stderr, as captured so far."""
        parts = [path.read_text(errors="replace") for path in (self.stdout_path, self.stderr_path) if path.exists()]
        return "".join(parts)

    def log_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        """The last ``lines`` lines of the log."""
        return "\n".join(self.log_text().splitlines()[-lines:])

    @property
    def _name(self) -> str:
        return Path(self.argv[0]).name

    def _answers_ready(self) -> bool:
        try:
            return http_request("GET", self.ready_url, timeout=1.0).status == 200
        except OSError:  # refused or reset while the server is still starting
            return False

    def _with_log(self, message: str) -> str:
        return f"{message}\n$ {' '.join(self.argv)}\n--- last lines of its log ---\n{self.log_tail()}"

    def _close_logs(self) -> None:
        for log in self._logs:
            log.close()
        self._logs = []


class RealServer:
    """What the three servers share: a temporary directory, a port, a process and a URL.

    Use as a context manager, or call ``start()`` and ``stop()`` (once each: ``stop()``
    removes the directory, keeping the log in memory so ``log_text()`` still works).
    """

    binary = ""
    ready_path = "/-/ready"

    def __init__(self) -> None:
        self.executable = require_binary(self.binary)
        self.workdir = Path(tempfile.mkdtemp(prefix=f"{self.binary}-"))
        self.port = 0
        self._process: ServerProcess | None = None
        self._final_log: str | None = None

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        """The PID of the server process, or None before start."""
        return None if self._process is None else self._process.pid

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.running

    def arguments(self, port: int) -> list[str]:
        """The command line arguments (after the binary) for listening on ``port``."""
        raise NotImplementedError

    def start(self, timeout: float = 15.0) -> Self:
        """Start the server on a free port and wait until it is ready; return self.

        Raises:
            ServerStartError: it did not come up (after retrying on new ports when the
                port was taken in the meantime).
        """
        for attempt in range(1, _START_ATTEMPTS + 1):
            port = free_port()
            process = ServerProcess([self.executable, *self.arguments(port)], self.workdir, self.url_for(port))
            self.port, self._process = port, process
            try:
                process.start(timeout)
            except ServerStartError as error:
                if attempt < _START_ATTEMPTS and "address already in use" in str(error):
                    process.stop()
                    self._reset_logs()
                    continue
                self.stop()
                raise
            except BaseException:
                # Interrupted (Ctrl-C, a failing fixture): never leave the process behind.
                self.stop()
                raise
            return self
        msg = "unreachable: the last attempt returns or raises"
        raise AssertionError(msg)

    def stop(self) -> None:
        """Stop the process, keep its log in memory and delete the temporary directory."""
        if self._process is not None:
            self._process.stop()
            if self._final_log is None:
                self._final_log = self._process.log_text()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def log_text(self) -> str:
        """The server's log (stdout then stderr); after ``stop()``, as it was at the end."""
        if self._final_log is not None:
            return self._final_log
        return "" if self._process is None else self._process.log_text()

    def url_for(self, port: int) -> str:
        """The readiness URL for a server on ``port``."""
        return f"http://127.0.0.1:{port}{self.ready_path}"

    def _reset_logs(self) -> None:
        for name in ("stdout.log", "stderr.log"):
            (self.workdir / name).unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


@dataclass(frozen=True)
class ScrapeJob:
    """One Prometheus scrape job with a single static target.

    ``basic_auth`` is ``{"username": ..., "password": ...}``; ``tls_config`` is
    Prometheus's ``tls_config`` block (e.g. ``{"ca_file": ..., "insecure_skip_verify": True}``);
    ``extra`` is merged into the job as is, for anything else Prometheus accepts.
    """

    job_name: str
    target: str
    metrics_path: str = "/metrics"
    scheme: str = "http"
    basic_auth: Mapping[str, str] | None = None
    tls_config: Mapping[str, Any] | None = None
    honor_labels: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_config(self) -> JsonObject:
        """The job as an entry of ``scrape_configs``."""
        job: JsonObject = {
            "job_name": self.job_name,
            "metrics_path": self.metrics_path,
            "scheme": self.scheme,
            "honor_labels": self.honor_labels,
            "static_configs": [{"targets": [self.target]}],
        }
        if self.basic_auth is not None:
            job["basic_auth"] = dict(self.basic_auth)
        if self.tls_config is not None:
            job["tls_config"] = dict(self.tls_config)
        job.update(self.extra)
        return job


class PrometheusServer(RealServer):
    """A real Prometheus server scraping the given jobs.

    Note: Prometheus 2.42 applies new scrape targets on a fixed 5 s tick, so the first
    scrape lands 5 to 6 s after start whatever ``scrape_interval`` says; wait with
    ``wait_for_scrape``.
    """

    binary = "prometheus"

    def __init__(
        self,
        jobs: Sequence[ScrapeJob] = (),
        scrape_interval: str = "1s",
        extra_config: Mapping[str, Any] | None = None,
        features: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.jobs = tuple(jobs)
        self.features = tuple(features)
        self.config: JsonObject = {
            "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval},
            "scrape_configs": [job.to_config() for job in self.jobs],
            **(extra_config or {}),
        }
        self.config_path = self.workdir / "prometheus.yml"
        # JSON is valid YAML, so no YAML library is needed.
        self.config_path.write_text(json.dumps(self.config, indent=2))

    def arguments(self, port: int) -> list[str]:
        """Config, storage and a loopback listen address (the default is all interfaces)."""
        return [
            f"--config.file={self.config_path}",
            f"--storage.tsdb.path={self.workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            *(f"--enable-feature={feature}" for feature in self.features),
        ]

    def api(self, path: str, **params: str) -> Any:
        """GET ``/api/v1/<path>`` and return its ``data``.

        Raises:
            PrometheusApiError: the answer is not ``status: success``.
        """
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        response = http_request("GET", f"{self.url}/api/v1/{path}{query}")
        try:
            document = response.json()
        except ValueError:
            document = {}
        if response.status != 200 or document.get("status") != "success":
            msg = f"/api/v1/{path} {params} answered {response.status}: {response.text[:500]}"
            raise PrometheusApiError(msg)
        return document["data"]

    def query(self, expr: str) -> list[JsonObject]:
        """Run an instant query; return its samples as ``[{"metric": {...}, "value": [t, "v"]}]``.

        A scalar or string result comes back as one sample with empty labels.

        Raises:
            PrometheusApiError: the expression is invalid or the query failed.
        """
        data = self.api("query", query=expr)
        result = data["result"]
        if data["resultType"] in {"scalar", "string"}:
            return [{"metric": {}, "value": result}]
        samples: list[JsonObject] = result
        return samples

    def targets(self) -> list[JsonObject]:
        """The active targets of ``/api/v1/targets`` (``health``, ``lastError``, ``labels``...)."""
        active: list[JsonObject] = self.api("targets", state="active")["activeTargets"]
        return active

    def target(self, job: str) -> JsonObject | None:
        """The active target of ``job``, or None while Prometheus has not applied it yet."""
        return next((target for target in self.targets() if target.get("scrapePool") == job), None)

    def wait_for_target(self, job: str, timeout: float = 20.0) -> JsonObject:
        """Wait until ``job``'s target has been scraped once, up or down; return the target.

        Raises:
            ScrapeError: no scrape happened within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            target = self.target(job)
            if target is not None and target.get("lastScrape", _NEVER) != _NEVER and target["health"] != "unknown":
                return target
            if time.monotonic() > deadline:
                msg = f"job {job!r} was not scraped within {timeout:g} s; target: {target}; jobs: {self._job_names()}"
                raise ScrapeError(msg)
            time.sleep(0.1)

    def wait_for_scrape(self, job: str, timeout: float = 20.0) -> JsonObject:
        """Wait until ``job``'s target is ``up`` after at least one scrape; return the target.

        Raises:
            ScrapeError: it was not up within ``timeout`` seconds; the message carries
                the target's ``lastError`` (why Prometheus rejected the scrape).
        """
        deadline = time.monotonic() + timeout
        while True:
            target = self.target(job)
            if target is not None and target["health"] == "up" and target.get("lastScrape", _NEVER) != _NEVER:
                return target
            if time.monotonic() > deadline:
                if target is None:
                    msg = f"job {job!r} has no active target after {timeout:g} s; jobs: {self._job_names()}"
                else:
                    msg = (
                        f"job {job!r} target {target.get('scrapeUrl')} is {target['health']!r} after {timeout:g} s; "
                        f"lastError: {target.get('lastError')!r}"
                    )
                raise ScrapeError(msg)
            time.sleep(0.1)

    def _job_names(self) -> list[str]:
        return sorted({str(target.get("scrapePool")) for target in self.targets()})


class Pushgateway(RealServer):
    """A real Pushgateway keeping pushes in memory only.

    A push that conflicts with what is stored answers 400 and the reason is only in
    ``log_text()``.
    """

    binary = "prometheus-pushgateway"

    def arguments(self, port: int) -> list[str]:
        """A loopback listen address; the empty persistence file keeps pushes in memory."""
        # Debian's default persistence file lives under /var/lib and would leak
        # state between tests.
        return [f"--web.listen-address=127.0.0.1:{port}", "--persistence.file="]

    def job_url(self, job: str, **grouping: str) -> str:
        """The push URL ``/metrics/job/<job>[/<label>/<value>...]``, each part URL-quoted."""
        parts = ["metrics", "job", job]
        for name, value in grouping.items():
            parts += [name, value]
        return f"{self.url}/" + "/".join(urllib.parse.quote(part, safe="") for part in parts)

    def push(self, job: str, exposition: str, method: str = "PUT", **grouping: str) -> HttpResponse:
        """Push text exposition for a group (PUT replaces the group, POST merges by name)."""
        return http_request(
            method,
            self.job_url(job, **grouping),
            exposition.encode(),
            {"Content-Type": "text/plain; version=0.0.4; charset=utf-8"},
        )

    def metrics_text(self) -> str:
        """What Prometheus would scrape from ``/metrics`` (pushed series included)."""
        response = http_request("GET", f"{self.url}/metrics")
        if response.status != 200:
            msg = f"GET /metrics answered {response.status}: {response.text[:500]}"
            raise RuntimeError(msg)
        return response.text

    def groups(self) -> list[JsonObject]:
        """The pushed groups from ``/api/v1/metrics`` (labels, each metric family, push times)."""
        groups: list[JsonObject] = _get_json(f"{self.url}/api/v1/metrics")["data"]
        return groups


class Alertmanager(RealServer):
    """A real Alertmanager with one receiver, optionally delivering to a webhook.

    Alerts can be posted and listed right away; notifications to ``webhook_url``
    follow the route's ``group_wait`` and ``group_interval`` (short by default).
    """

    binary = "prometheus-alertmanager"

    def __init__(
        self,
        webhook_url: str | None = None,
        receiver: str = "default",
        group_wait: str = "1s",
        group_interval: str = "1s",
        repeat_interval: str = "1h",
    ) -> None:
        super().__init__()
        receiver_config: JsonObject = {"name": receiver}
        if webhook_url is not None:
            receiver_config["webhook_configs"] = [{"url": webhook_url, "send_resolved": True}]
        self.config: JsonObject = {
            "route": {
                "receiver": receiver,
                "group_wait": group_wait,
                "group_interval": group_interval,
                "repeat_interval": repeat_interval,
            },
            "receivers": [receiver_config],
        }
        self.config_path = self.workdir / "alertmanager.yml"
        # JSON is valid YAML, so no YAML library is needed.
        self.config_path.write_text(json.dumps(self.config, indent=2))

    def arguments(self, port: int) -> list[str]:
        """Config, storage, a loopback listen address and no cluster."""
        # The empty cluster address stops it opening a gossip port on all interfaces.
        return [
            f"--config.file={self.config_path}",
            f"--storage.path={self.workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ]

    def post_alerts(self, alerts: Sequence[Mapping[str, Any]]) -> HttpResponse:
        """POST a list of alerts to ``/api/v2/alerts`` and return the answer (200 when accepted)."""
        body = json.dumps(list(alerts)).encode()
        return http_request("POST", f"{self.url}/api/v2/alerts", body, {"Content-Type": "application/json"})

    def alerts(self) -> list[JsonObject]:
        """The alerts it holds, from ``GET /api/v2/alerts``."""
        alerts: list[JsonObject] = _get_json(f"{self.url}/api/v2/alerts")
        return alerts


class PrometheusFactory(Protocol):
    """The ``prometheus_factory`` fixture: start a Prometheus for some jobs, stopped at teardown."""

    def __call__(
        self,
        jobs: Sequence[ScrapeJob],
        scrape_interval: str = "1s",
        extra_config: Mapping[str, Any] | None = None,
        features: Sequence[str] = (),
    ) -> PrometheusServer:
        """Start a Prometheus scraping ``jobs`` (``features`` as ``--enable-feature``); stopped when the test ends."""
        ...
