"""Health: a cached ``/readyz`` over loopback, the service's cost per check, and each psutil probe's cost."""

from __future__ import annotations

import http.client as http_client
import os
from typing import TYPE_CHECKING, Any

import psutil
from harness import Comparison, compare

from flext_observability.health import (
    CpuProbe,
    DiskProbe,
    FlextHealthService,
    MemoryProbe,
    ProcessProbe,
    make_health_app,
)
from flext_observability.metrics import FlextMetricsService

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

CHECKS = 10
_HOUR = 3600.0


def _static_app(body: bytes) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """A WSGI app answering a fixed 200 with the same headers and body as ``/readyz``."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        del environ
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/health+json"),
                ("Cache-Control", "no-store"),
                ("Content-Length", str(len(body))),
            ],
        )
        return [body]

    return app


def _readyz() -> Comparison:
    health = FlextHealthService()
    health.register(lambda: True, component="app", pass_ttl=_HOUR)  # cached after the first request
    app = make_health_app(health)
    # The static answer is the very body /readyz gives (and asking once fills the cache).
    body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": "/readyz"}, lambda *_: None))
    server = FlextMetricsService().serve(routes={**app.routes, "/static": _static_app(body)}).unwrap()

    def get(path: str) -> Callable[[], object]:
        def call() -> object:
            connection = http_client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                return response.read()
            finally:
                connection.close()

        return call

    try:
        ours, peer = compare(get("/readyz"), get("/static"), number=200, repeat=9)
    finally:
        server.close()
        health.shutdown()
    return Comparison(
        name="cached /readyz over loopback (new connection each)",
        ours=ours,
        peer=peer,
        peer_name="static 200 from the same server",
        unit="µs/op",
        goal_ratio=1.5,
    )


def _ten_checks() -> Comparison:
    def ready() -> bool:
        return True

    functions: list[Callable[[], bool]] = [ready] * CHECKS
    health = FlextHealthService()
    for index, function in enumerate(functions):
        health.register(function, component=f"check{index}", pass_ttl=0.0)  # every call runs all ten

    def ours() -> object:
        return health.check_health()

    def peer() -> object:
        return [function() for function in functions]

    try:
        ours_ns, peer_ns = compare(ours, peer, number=300, repeat=9)
    finally:
        health.shutdown()
    return Comparison(
        name=f"one run of {CHECKS} sync checks that return at once, per check",
        ours=ours_ns / CHECKS,
        peer=peer_ns / CHECKS,
        peer_name="calling the function directly",
        unit="µs/op",
    )


def _probes() -> list[Comparison]:
    process = psutil.Process(os.getpid())
    cases: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        ("cpu probe", CpuProbe(), lambda: psutil.cpu_percent(None)),
        ("memory probe", MemoryProbe(), psutil.virtual_memory),
        ("disk probe of /", DiskProbe("/"), lambda: psutil.disk_usage("/")),
        ("process rss probe", ProcessProbe("rss"), process.memory_info),
        ("process open files probe", ProcessProbe("openFiles"), process.num_fds),
        ("process threads probe", ProcessProbe("threads"), process.num_threads),
    ]
    results = []
    for name, probe, raw in cases:
        ours, peer = compare(probe, raw, number=300, repeat=7)
        results.append(Comparison(name=name, ours=ours, peer=peer, peer_name="the psutil call alone", unit="µs/op"))
    return results


def run() -> list[Comparison]:
    """The cached readiness request, ten checks per run, and the psutil probes."""
    return [_readyz(), _ten_checks(), *_probes()]
