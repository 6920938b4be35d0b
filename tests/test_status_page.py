"""The status page ``GET /`` over plain HTTP: what it shows, its headers, its escaping, its bounds, its methods."""

from __future__ import annotations

import html
import http.client
import io
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flext_observability.core.alerts.expressions import threshold
from flext_observability.core.alerts.rules import alert_rule
from flext_observability.core.metrics.aggregation import GaugeState
from flext_observability.core.metrics.exposition import FamilySnapshot, SeriesSnapshot
from flext_observability.core.metrics.instruments import define_instrument
from flext_observability.platform.page import (
    MAX_PAGE_BYTES,
    MAX_SERIES_SHOWN,
    PAGE_CSP,
    StatusPageApp,
    render_status_page,
)
from flext_observability.platform.platform import FlextObservabilityPlatform
from flext_observability.shell.logs.setup import reset_logging
from flext_observability.shell.metrics.http import serve_metrics
from flext_observability.shell.metrics.service import FlextMetricsService
from flext_observability.testing import FakeClock

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
STYLE_END = "</style>"
QUOTES = "it's \"quoted\" & 'single'"
CONTROLS = "bell\x07escape\x1bnull\x00del\x7f"
SECRET = "password=hunter2"
HOSTILE = f"{SCRIPT} {IMG} {STYLE_END} {QUOTES} {CONTROLS} {SECRET}"

ALLOWED_TAGS = {
    *("html", "head", "meta", "title", "style", "body", "header", "main", "footer", "section", "div", "span"),
    *("h1", "h2", "h3", "p", "strong", "code", "a", "table", "thead", "tbody", "tr", "th", "td"),
}
ALLOWED_ATTRIBUTES = {"lang", "charset", "http-equiv", "content", "name", "class", "id", "title", "style", "href"}
STYLE_VALUE = re.compile(r"padding-left:\d+px|left:\d+\.\d{3}%;width:\d+\.\d{3}%")


@pytest.fixture(autouse=True)
def _clean_logging() -> Iterator[None]:
    """Each test leaves the process's logging as it found it."""
    yield
    reset_logging()


def _platform(name: str = "orders-api", **options: Any) -> FlextObservabilityPlatform:
    options.setdefault("environ", {"FLEXT_OBSERVABILITY_ENVIRONMENT": "staging"})
    return FlextObservabilityPlatform(name, log_stream=io.StringIO(), load_plugins=False, **options)


class Answer:
    """One HTTP answer: status, headers (by lowercase name) and body."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(port: int, path: str = "/", method: str = "GET") -> Answer:
    """One request to 127.0.0.1:port, answered whatever its status."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        body = response.read()
        return Answer(response.status, {name.lower(): value for name, value in response.getheaders()}, body)
    finally:
        connection.close()


class PageParser(HTMLParser):
    """Every tag, attribute and text of a page, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str | None]] = []
        self.text: list[str] = []
        self.style_blocks = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((tag, name, value) for name, value in attrs)
        if tag == "style":
            self.style_blocks += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> PageParser:
    """``page`` parsed as a whole."""
    parser = PageParser()
    parser.feed(page)
    parser.close()
    return parser


def _busy_platform(**options: Any) -> FlextObservabilityPlatform:
    """A platform with a passing and a failing check, a firing and a pending alert, a trace, and metrics."""
    platform = _platform(**options)
    platform.health.register(lambda: True, component="database")
    platform.health.register(lambda: False, component="queue", critical=False)
    platform.health.check_health(None)
    with platform.tracing.start_span("GET /orders"), platform.tracing.start_span("load orders") as span:
        span.set_status("error", "timeout reading orders")
    platform.tracing.force_flush(5)
    platform.metrics.gauge("queue_depth", "Items waiting.", labels=("queue",)).unwrap().labels(queue="orders").set(500)
    rules = (
        alert_rule("QueueTooDeep", threshold("queue_depth", ">", 100), severity="critical").unwrap(),
        alert_rule("QueueFilling", threshold("queue_depth", ">", 10), for_seconds=3600).unwrap(),
    )
    for rule in rules:
        platform.alerts.add_rule(rule).unwrap()
    platform.alerts.evaluate_now().unwrap()
    return platform


# --- what it shows --------------------------------------------------------------------------


def test_get_answers_one_self_contained_page_of_every_part() -> None:
    """GET / is 200 HTML with a strict CSP and shows service, health, alerts, the trace, metrics and counters."""
    with _busy_platform() as platform:
        server = platform.serve("127.0.0.1", 0).unwrap()
        answer = fetch(server.port)
    assert answer.status == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["content-security-policy"] == PAGE_CSP
    assert "default-src 'none'" in PAGE_CSP
    assert "script-src 'none'" in PAGE_CSP
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert int(answer.headers["content-length"]) == len(answer.body)
    page = answer.text
    parsed = parse(page)
    text = " ".join(parsed.text)
    assert '<meta http-equiv="refresh" content="5">' in page
    # Nothing that would load or run anything: no script, image, link, frame, form, CSS url() or @import.
    assert set(parsed.tags) <= ALLOWED_TAGS
    assert "url(" not in page
    assert "@import" not in page
    assert all(name != "src" for _, name, _ in parsed.attributes)
    assert all(not (value or "").startswith(("http:", "https:", "//", "data:")) for _, _, value in parsed.attributes)
    # The service and its environment.
    assert "orders-api" in text
    assert "staging" in text
    # Health checks with their statuses, coloured by class.
    assert re.search(r'database:status</td><td><span class="badge status pass">pass</span>', page)
    assert re.search(r'queue:status</td><td><span class="badge status fail">fail</span>', page)
    # The firing alert with its severity, and the pending one.
    assert re.search(r'class="alert firing"><td><strong>QueueTooDeep</strong>.*?critical', page)
    assert re.search(r'class="alert pending"><td><strong>QueueFilling</strong>', page)
    assert "QueueTooDeep: value 500" in text
    # The trace: both spans, the failed one marked with its description.
    assert "GET /orders" in text
    assert re.search(r'<tr class="span error">.*?load orders.*?error: timeout reading orders', page)
    # Metric families with their values, and the counters.
    assert re.search(r"queue_depth</td><td>gauge</td><td><span class=\"label\">queue=orders</span></td>", page)
    assert '<td class="num">500</td>' in page
    assert "drops.spans_queue_full" in text
    assert "refusals.metric_samples" in text


def test_the_waterfall_places_each_span_by_its_start_and_duration_and_indents_it_by_depth() -> None:
    """With a fake clock: a child from 0.25 s to 0.75 s of a 1 s trace starts at 25 % and is 50 % wide."""
    clock = FakeClock()
    with _platform(clock=clock) as platform:
        with platform.tracing.start_span("nightly load"):
            clock.advance(0.25)
            with platform.tracing.start_span("extract"):
                clock.advance(0.25)
                with platform.tracing.start_span("read page"):
                    clock.advance(0.25)
            clock.advance(0.25)
        platform.tracing.force_flush(5)
        page = StatusPageApp(platform.status, platform.metrics.snapshot).render().decode()
    rows = re.findall(
        r'<tr class="span"><td class="name" style="padding-left:(\d+)px" title="([^"]*)">[^<]*</td>'
        r'.*?<div class="bar" style="left:([\d.]+)%;width:([\d.]+)%"></div>.*?<td class="num">([^<]*)</td>',
        page,
    )
    assert [(name, float(left), float(width), duration) for _, name, left, width, duration in rows] == [
        ("nightly load", 0.0, 100.0, "1,000.0 ms"),
        ("extract", 25.0, 50.0, "500.0 ms"),
        ("read page", 50.0, 25.0, "250.0 ms"),
    ]
    indents = [int(indent) for indent, *_ in rows]
    assert indents[0] < indents[1] < indents[2]


# --- escaping -------------------------------------------------------------------------------


def test_hostile_values_are_escaped_everywhere_and_secrets_redacted() -> None:
    """Markup, quotes and control characters in every user-given text show as text; a password is redacted."""
    environ = {"FLEXT_OBSERVABILITY_ENVIRONMENT": f"prod {IMG}"}
    with _platform(f"svc{SCRIPT}", environ=environ) as platform:
        platform.health.register(lambda: True, component=f"db {HOSTILE}")
        platform.health.check_health(None)
        with platform.tracing.start_span(f"span {HOSTILE}", attributes={"payload": f"attribute {HOSTILE}"}) as span:
            span.set_attribute("db.statement", f"SELECT '{SCRIPT}'")
            span.set_status("error", f"failed {HOSTILE}")
        platform.tracing.force_flush(5)
        gauge = platform.metrics.gauge("hostile_depth", f"Help {HOSTILE}", labels=("queue",)).unwrap()
        gauge.labels(queue=f"label {HOSTILE}").set(500)
        platform.alerts.add_rule(
            alert_rule("Hostile", threshold("hostile_depth", ">", 1), labels={"team": f"team {HOSTILE}"}).unwrap()
        ).unwrap()
        platform.alerts.evaluate_now().unwrap()
        server = platform.serve("127.0.0.1", 0).unwrap()
        answer = fetch(server.port)
    assert answer.status == 200
    page = answer.text
    parsed = parse(page)
    # The markup of the values never became markup of the page.
    assert set(parsed.tags) <= ALLOWED_TAGS
    assert parsed.tags.count("style") == 1
    assert page.count("</style>") == 1
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    for tag, name, value in parsed.attributes:
        assert name in ALLOWED_ATTRIBUTES, (tag, name, value)
        if name == "style":
            assert value is not None
            assert STYLE_VALUE.fullmatch(value), value
    # Each value shows as text, in text nodes and in the title attributes, escaped with quote=True.
    text = "".join(parsed.text)
    for shown in (SCRIPT, IMG, STYLE_END, QUOTES):
        assert f"span {shown}" in text or shown in text
        assert html.escape(shown, quote=True) in page
    titles = [value or "" for _, name, value in parsed.attributes if name == "title"]
    assert any(SCRIPT in title and IMG in title and QUOTES in title for title in titles)
    assert f"svc{SCRIPT}" in text
    assert f"prod {IMG}" in text
    for where in ("db ", "span ", "team ", "label ", "failed "):
        assert where + SCRIPT in text, where
    # Control characters show as escapes, never raw.
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f]", page)
    assert "\\x07" in text
    assert "\\x1b" in text
    # The password is redacted everywhere; span attributes are never shown.
    assert "hunter2" not in page
    assert "password=REDACTED" in text
    assert "attribute " not in text
    assert "SELECT" not in text


# --- bounds ---------------------------------------------------------------------------------


def test_the_page_is_bounded_with_ten_thousand_series_and_huge_texts() -> None:
    """10,000 series, long quote-filled span names and labels: the page stays under its byte bound and says so."""
    with _platform(environ={"FLEXT_OBSERVABILITY_STATUS_TRACES": "40"}) as platform:
        gauge = platform.metrics.gauge("wide", "Many series.", labels=("item",), max_series=10_000).unwrap()
        quoted = '"' * 900
        for number in range(10_000):
            gauge.labels(item=f"{number}{quoted}").set(number)
        for trace in range(40):
            with platform.tracing.start_span(f"trace {trace} {quoted}"):
                for child in range(60):
                    with platform.tracing.start_span(f"span {child} {quoted}"):
                        pass
        platform.tracing.force_flush(10)
        for number in range(50):
            platform.health.register(lambda: True, component=f"check{number}{quoted[:100]}")
        platform.health.check_health(None)
        before = sum(len(family.series) for family in platform.metrics.snapshot().families)
        server = platform.serve("127.0.0.1", 0).unwrap()
        answer = fetch(server.port)
        # Serving adds series of its own (health runs, self-metrics), so the page's count lies between the two.
        after = sum(len(family.series) for family in platform.metrics.snapshot().families)
    assert answer.status == 200
    assert before > 10_000
    assert len(answer.body) <= MAX_PAGE_BYTES
    text = " ".join(parse(answer.text).text)
    counted = re.search(r"(\d+) more series not listed \((\d+) in \d+ metrics\)", text)
    assert counted is not None, text[-2000:]
    more, total = int(counted.group(1)), int(counted.group(2))
    assert before <= total <= after
    assert more == total - MAX_SERIES_SHOWN
    assert "left out to keep the page small" in text
    assert "more spans of this trace not shown" in text
    assert "trace 39" in text  # the newest trace comes first
    assert answer.text.rstrip().endswith("</html>")


# --- methods and failures -------------------------------------------------------------------


def test_head_answers_the_headers_without_a_body_and_other_methods_405() -> None:
    """HEAD / is 200 with the page's headers and no body; POST, PUT and DELETE answer 405 naming GET and HEAD."""
    with _busy_platform() as platform:
        server = platform.serve("127.0.0.1", 0).unwrap()
        head = fetch(server.port, method="HEAD")
        refused = [fetch(server.port, method=method) for method in ("POST", "PUT", "DELETE")]
    assert head.status == 200
    assert head.body == b""
    assert head.headers["content-type"] == "text/html; charset=utf-8"
    assert head.headers["content-security-policy"] == PAGE_CSP
    assert int(head.headers["content-length"]) > 1000
    for answer in refused:
        assert answer.status == 405
        assert answer.headers["allow"] == "GET, HEAD"
        assert b"<" not in answer.body


def test_a_failure_while_rendering_answers_503_with_a_minimal_page(caplog: pytest.LogCaptureFixture) -> None:
    """A status source that raises gives a 503 page with the same headers, no traceback, and a log record."""

    def broken() -> dict[str, object]:
        message = "the status store is gone: postgres://etl:hunter2@db/dw"
        raise RuntimeError(message)

    service = FlextMetricsService()
    server = serve_metrics(service.registry, routes={"/": StatusPageApp(broken, service.snapshot)}).unwrap()
    try:
        with caplog.at_level("ERROR", logger="flext_observability.platform"):
            answer = fetch(server.port)
    finally:
        server.close()
    assert answer.status == 503
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["content-security-policy"] == PAGE_CSP
    assert answer.headers["cache-control"] == "no-store"
    assert b"Status unavailable" in answer.body
    assert b"Traceback" not in answer.body
    assert b"status store" not in answer.body
    assert b"hunter2" not in answer.body
    assert any("building the status page failed" in record.getMessage() for record in caplog.records)
    assert all("hunter2" not in (record.exc_text or "") for record in caplog.records)


def test_the_other_routes_keep_answering_beside_the_page() -> None:
    """/metrics, /status and the health paths answer as before; only the exact path / is the page."""
    with _busy_platform() as platform:
        server = platform.serve("127.0.0.1", 0).unwrap()
        port = server.port
        metrics = fetch(port, "/metrics")
        status = fetch(port, "/status")
        health = {path: fetch(port, path) for path in ("/livez", "/readyz", "/startupz", "/health")}
        with_query = fetch(port, "/?refresh=1")
        elsewhere = [fetch(port, path) for path in ("/index.html", "/nothing", "/status/", "/metrics/x")]
        wsgi_page = _call(platform.wsgi_app(), "/")
    assert metrics.status == 200
    assert b"queue_depth" in metrics.body
    assert status.status == 200
    assert status.headers["content-type"] == "application/json"
    assert json.loads(status.body)["service"]["name"] == "orders-api"
    for path, answer in health.items():
        assert answer.headers["content-type"].startswith("application/health+json"), path
    assert with_query.status == 200
    assert with_query.headers["content-type"] == "text/html; charset=utf-8"
    assert [answer.status for answer in elsewhere] == [404, 404, 404, 404]
    assert wsgi_page[0] == "200 OK"
    assert b"QueueTooDeep" in wsgi_page[1]


def _call(app: Any, path: str) -> tuple[str, bytes]:
    answered: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
        del headers, exc_info
        answered.append(status)

    body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": ""}, start_response))
    return answered[0], body


def test_metric_labels_pass_the_redaction_policy_on_the_page_too() -> None:
    """A snapshot holding a credential in a label value or help text (one made by hand) shows it redacted."""
    spec = define_instrument(
        kind="gauge", name="pool_size", help_text="Pool of postgres://etl:hunter2@db/dw.", label_names=("dsn",)
    ).unwrap()
    family = FamilySnapshot(
        spec=spec, series=(SeriesSnapshot((("dsn", "postgres://etl:hunter2@db/dw"),), GaugeState(value=4.0)),)
    )
    page = render_status_page({}, [family], now=0.0)
    assert "hunter2" not in page
    assert "dsn=postgres://REDACTED:REDACTED@db/dw" in page
    assert "No health check is registered." in page
    assert "No trace recorded yet." in page


@pytest.mark.parametrize(
    "number",
    [10**400, -(10**400), 2**1024, 2**1024 - 1, float("nan"), float("inf"), 10**20],
    ids=["10**400", "-10**400", "2**1024", "2**1024-1", "nan", "inf", "10**20"],
)
def test_any_number_in_the_document_renders(number: float) -> None:
    """Counters, check runs and alert values of any size (an int wider than a float too) render, never fail."""
    document = {
        "service": {"name": "orders", "environment": None, "plugins": []},
        "lifecycle": {"started": True, "serving": True, "shut_down": False},
        "traces": [],
        "alerts": {
            "firing": [],
            "firing_left_out": number,
            "pending": [{"name": "Big", "severity": "info", "labels": {}, "active_since": number, "value": number}],
            "pending_left_out": 0,
        },
        "health": [{"check": "db:status", "critical": True, "probes": [], "status": "pass", "runs": number}],
        "counters": {"refusals": {"platform": {"x": number}}, "drops": {}, "plugin_failures": {}, "spans": {}},
    }
    page = render_status_page(document, now=0.0)
    assert page.startswith("<!doctype html>")
    if isinstance(number, int) and number.bit_length() > 1024:  # wider than a float
        assert f"an int of {number.bit_length()} bits" in page


_ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats()
    | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=30,
)
_PARTS = st.sampled_from(["service", "lifecycle", "traces", "alerts", "health", "counters"])


@given(
    document=st.dictionaries(_PARTS, _ANY_JSON, max_size=6)
    | st.fixed_dictionaries(
        {
            "traces": st.lists(
                st.dictionaries(st.sampled_from(["spans", "root", "trace_id", "duration_seconds"]), _ANY_JSON)
            )
        }
    )
)
def test_any_document_renders_an_escaped_page(document: dict[str, Any]) -> None:
    """Whatever shape the document has, the page renders, holds no tag it did not write, and stays bounded."""
    page = render_status_page(document, now=0.0)
    assert page.startswith("<!doctype html>")
    assert "<script" not in page.lower()
    assert len(page.encode()) <= MAX_PAGE_BYTES
