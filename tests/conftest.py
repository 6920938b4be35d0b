"""Fixtures that start the real Prometheus, Pushgateway and Alertmanager (see ``servers.py``).

Every fixture has function scope: each server starts in well under a second, and a
fresh one per test means no test sees another's pushes, alerts or series. Each is
stopped by its PID at teardown, whatever the test did. A missing binary fails the
test (never skips it) with the command that installs it.

``serve`` starts raw-TCP servers on loopback that misbehave on purpose (see
``loopback.py``); they run in this process and are stopped and joined at teardown.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest
from certificates import Certificate, make_certificate
from loopback import Serve, serving
from servers import Alertmanager, PrometheusFactory, PrometheusServer, Pushgateway, ScrapeJob


@pytest.fixture
def prometheus_factory() -> Iterator[PrometheusFactory]:
    """Start Prometheus servers for given scrape jobs; all of them are stopped at teardown."""
    started: list[PrometheusServer] = []

    def start(
        jobs: Sequence[ScrapeJob],
        scrape_interval: str = "1s",
        extra_config: Mapping[str, Any] | None = None,
        features: Sequence[str] = (),
    ) -> PrometheusServer:
        server = PrometheusServer(jobs, scrape_interval, extra_config, features)
        # Tracked before start, so that even a failed start is cleaned up.
        started.append(server)
        return server.start()

    try:
        yield start
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def pushgateway() -> Iterator[Pushgateway]:
    """A running Pushgateway that keeps pushes in memory only."""
    with Pushgateway() as server:
        yield server


@pytest.fixture
def alertmanager() -> Iterator[Alertmanager]:
    """A running Alertmanager with one receiver and no webhook."""
    with Alertmanager() as server:
        yield server


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A fresh self-signed P-256 certificate for 127.0.0.1 and localhost, made by the openssl CLI."""
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Start loopback servers (``serve(handler)``); every one of them is stopped at teardown, whatever the test did."""
    with serving() as start:
        yield start
