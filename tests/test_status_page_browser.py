"""The status page ``GET /`` in a real headless Chromium, driven through Playwright.

The browser is Debian's ``/usr/bin/chromium`` (``make servers`` installs it as
root); Playwright's own browser downloads are never used. One browser serves
the whole module. The tests see what a person opening the page would see,
and that the page runs nothing and asks for nothing but itself, even with
script and image payloads planted in span names, alert labels and check
names.
"""

from __future__ import annotations

import io
import struct
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from commands import CLI, clean_environment, served_urls

from flext_observability.core.alerts.expressions import threshold
from flext_observability.core.alerts.rules import alert_rule
from flext_observability.platform.page import PAGE_CSP
from flext_observability.platform.platform import FlextObservabilityPlatform
from flext_observability.shell.logs.setup import reset_logging
from flext_observability.testing import FakeClock

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Request

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
INSTALL = (
    "The status page tests drive Debian's chromium through Playwright. Install the browser with "
    "`make servers` as root (it runs: apt-get install -y --no-install-recommends chromium), and the "
    "Python package with `.venv/bin/python -m pip install playwright==1.65.2` "
    "(never `playwright install`: its downloaded browsers are not used)."
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Beacon:
    """A loopback HTTP server that records every request: a payload that ran would call it."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        beacon = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                beacon.requests.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                del format, args

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="beacon", daemon=True)
        self._thread.start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


class Served:
    """The platform under test, where its page is, and the beacon its payloads aim at."""

    def __init__(self, platform: FlextObservabilityPlatform, url: str, beacon: Beacon) -> None:
        self.platform = platform
        self.url = url
        self.beacon = beacon


class Watched:
    """A page with everything it logged, threw and asked for."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.failed: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("request", self._request)
        page.on("requestfailed", lambda request: self.failed.append(request.url))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in {"error", "warning"}:
            self.console.append(f"{message.type}: {message.text}")

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module; a missing binary or package fails with how to install it."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing. {INSTALL}")
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415 - a missing package fails loudly here
    except ImportError as error:
        pytest.fail(f"playwright cannot be imported ({error}). {INSTALL}")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    """A served platform with checks, a firing and a pending alert, a trace of known timing, and payloads."""
    beacon = Beacon()
    clock = FakeClock()
    platform = FlextObservabilityPlatform(
        "orders-api",
        environ={"FLEXT_OBSERVABILITY_ENVIRONMENT": "staging"},
        log_stream=io.StringIO(),
        load_plugins=False,
        clock=clock,
    )
    try:
        payloads = (
            "<script>window.__pwned=1</script>",
            f"<img src={beacon.url('img')} onerror=window.__pwned=2>",
            f'"><img src={beacon.url("attribute")} onerror=window.__pwned=3>',
            f"</style><link rel=stylesheet href={beacon.url('css')}><style>",
            f'<meta http-equiv="refresh" content="0;url={beacon.url("meta")}">',
        )
        platform.health.register(lambda: True, component="database")
        platform.health.register(lambda: False, component="queue", critical=False)
        platform.health.register(lambda: True, component=f"cache {payloads[0]}", critical=False)
        platform.health.check_health(None)
        with platform.tracing.start_span("GET /orders"):
            clock.advance(0.25)
            with platform.tracing.start_span("load orders"):
                clock.advance(0.5)
            clock.advance(0.25)
        with platform.tracing.start_span("hostile trace"):
            for payload in payloads:
                with platform.tracing.start_span(f"span {payload}") as span:
                    span.set_status("error", payload)
                    clock.advance(0.1)
        platform.tracing.force_flush(5)
        depth = platform.metrics.gauge("queue_depth", "Items waiting.", labels=("queue",)).unwrap()
        depth.labels(queue=payloads[2]).set(500)
        platform.alerts.add_rule(
            alert_rule(
                "QueueTooDeep",
                threshold("queue_depth", ">", 100),
                severity="critical",
                labels={"team": payloads[0] + payloads[1]},
            ).unwrap()
        ).unwrap()
        platform.alerts.add_rule(
            alert_rule("QueueFilling", threshold("queue_depth", ">", 10), for_seconds=3600).unwrap()
        )
        platform.alerts.evaluate_now().unwrap()
        server = platform.serve("127.0.0.1", 0).unwrap()
        yield Served(platform, f"http://127.0.0.1:{server.port}/", beacon)
    finally:
        platform.shutdown(5)
        beacon.close()
        reset_logging()


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == PNG_SIGNATURE, "not a PNG file"
    assert header[12:16] == b"IHDR"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def _assert_clean(watched: Watched, served: Served, loads: int = 1) -> None:
    """The page logged no error or warning, threw nothing, and asked for nothing but itself; no payload ran."""
    assert watched.console == []
    assert watched.errors == []
    assert watched.failed == []
    assert watched.requests == [served.url] * loads
    assert watched.page.evaluate("typeof window.__pwned") == "undefined"
    assert served.beacon.requests == []


def test_the_page_shows_the_service_the_health_the_alerts_and_the_trace(browser: Browser, served: Served) -> None:
    """Service and environment, coloured check statuses, firing and pending alerts, and a waterfall to scale."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        watched = Watched(context.new_page())
        page = watched.page
        response = page.goto(served.url, wait_until="load")
        assert response is not None
        assert response.status == 200
        assert response.headers["content-security-policy"] == PAGE_CSP
        assert page.title() == "orders-api \u2014 status"
        assert page.locator("h1.service").inner_text() == "orders-api"
        assert page.locator("header .environment").inner_text() == "staging"
        # Health: each status shown, and coloured (the inline style sheet applied despite the strict CSP).
        passing = page.locator("tr.check", has_text="database:status").locator(".status")
        failing = page.locator("tr.check", has_text="queue:status").locator(".status")
        assert (passing.inner_text(), failing.inner_text()) == ("pass", "fail")
        colour = "element => getComputedStyle(element).color"
        assert passing.evaluate(colour) != failing.evaluate(colour)
        # Alerts: the firing one with its severity, and the pending one.
        firing = page.locator("tr.alert.firing", has_text="QueueTooDeep")
        assert firing.is_visible()
        assert "critical" in firing.inner_text()
        assert page.locator("tr.alert.pending", has_text="QueueFilling").is_visible()
        # The trace as a waterfall: the child's bar starts a quarter in and is half as wide as the trace.
        trace = page.locator(".trace", has=page.locator(".root", has_text="GET /orders"))
        rows = trace.locator("tr.span")
        assert rows.locator("td.name").all_inner_texts() == ["GET /orders", "load orders"]
        root_box = rows.nth(0).locator(".bar").bounding_box()
        child_box = rows.nth(1).locator(".bar").bounding_box()
        assert root_box is not None
        assert child_box is not None
        assert child_box["x"] - root_box["x"] == pytest.approx(root_box["width"] * 0.25, abs=2)
        assert child_box["width"] == pytest.approx(root_box["width"] * 0.5, abs=2)
        _assert_clean(watched, served)
    finally:
        context.close()


def test_payloads_show_as_text_run_nothing_and_call_nowhere(browser: Browser, served: Served, tmp_path: Path) -> None:
    """Script and image payloads show as error spans' text; nothing ran, nothing was fetched; a full screenshot."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        watched = Watched(context.new_page())
        page = watched.page
        page.goto(served.url, wait_until="load")
        hostile = page.locator(".trace", has=page.locator(".root", has_text="hostile trace"))
        names = hostile.locator("tr.span.error td.name").all_inner_texts()
        assert any("<script>window.__pwned=1</script>" in name for name in names)
        assert any("onerror=window.__pwned=2" in name for name in names)
        assert any(name.startswith('\u2715 span "><img') for name in names)
        assert page.get_by_text("cache <script>window.__pwned=1</script>:status").is_visible()
        assert page.locator("script, img, link, iframe, object, embed, form").count() == 0
        assert page.locator("meta[http-equiv]").count() == 1
        _assert_clean(watched, served)
        shot = tmp_path / "status-page.png"
        page.screenshot(path=str(shot), full_page=True)
    finally:
        context.close()
    assert shot.exists()
    assert shot.stat().st_size > 20_000
    width, height = _png_size(shot)
    assert width == 1280
    assert height >= 900


def test_the_page_refreshes_itself_and_shows_what_happened_since(browser: Browser, served: Served) -> None:
    """The meta refresh reloads the page within seconds; the reload shows a new span, still clean."""
    context = browser.new_context()
    try:
        watched = Watched(context.new_page())
        page = watched.page
        page.goto(served.url, wait_until="load")
        assert page.locator('meta[http-equiv="refresh"]').get_attribute("content") == "5"
        assert page.get_by_text("after the first load").count() == 0
        with served.platform.tracing.start_span("after the first load"):
            pass
        served.platform.tracing.force_flush(5)
        page.locator(".root", has_text="after the first load").wait_for(state="visible", timeout=15_000)
        page.wait_for_load_state("load")
        _assert_clean(watched, served, loads=2)
    finally:
        context.close()


def test_the_demo_shows_its_trace_alert_and_health(browser: Browser, tmp_path: Path) -> None:
    """``demo --serve``'s page shows the run's waterfall, the OrdersRejected alert and the warning check."""
    import signal  # noqa: PLC0415 - only this test starts the command line
    import subprocess  # noqa: PLC0415

    with subprocess.Popen(  # noqa: S603 - our own command
        [*CLI, "demo", "--serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=clean_environment(),
    ) as process:
        try:
            url = served_urls(process)["/"]
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            try:
                page = context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda error: errors.append(str(error)))
                page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
                response = page.goto(url, wait_until="load")
                assert response is not None
                assert response.status == 200
                assert page.locator("h1.service").inner_text() == "orders-pipeline"
                trace = page.locator(".trace", has=page.locator(".root", has_text="orders_pipeline"))
                names = trace.locator("tr.span td.name").all_inner_texts()
                assert names[0] == "orders_pipeline"
                assert sum("transform" in name for name in names) == 12
                assert trace.locator("tr.span.error").count() == 3
                assert page.locator("tr.alert.firing", has_text="OrdersRejected").is_visible()
                check = page.locator("tr.check", has_text="orders:rejectedShare").locator(".status")
                assert check.inner_text() == "warn"
                assert page.get_by_text("orders_records_loaded_total").first.is_visible()
                assert errors == []
                shot = tmp_path / "demo-status-page.png"
                page.screenshot(path=str(shot), full_page=True)
            finally:
                context.close()
            assert _png_size(shot)[0] == 1280
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=20) == 0
        finally:
            if process.poll() is None:
                process.kill()
