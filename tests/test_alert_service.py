"""FlextAlertService on a fake clock: dedup, repeat and resend, resolution once, routing, bounds and history.

The sink here records what it is handed, so that the timelines can be read
exactly; the real sinks (log, webhook, Alertmanager) have their own tests
over real loopback servers and the real Alertmanager.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pytest
from returns.result import Failure, Success

from flext_observability import FlextAlert, build_alert
from flext_observability.core.alerts.expressions import increase_over, threshold
from flext_observability.core.alerts.rules import alert_rule
from flext_observability.metrics import FlextMetricsService
from flext_observability.shell.alerts.routing import alert_route
from flext_observability.shell.alerts.service import FlextAlertService
from flext_observability.testing import FakeClock


class RecordingSink:
    """A sink that keeps every batch handed to it, with the fake time it came at."""

    def __init__(self, clock: FakeClock, name: str = "recording", *, resends_firing: bool = False) -> None:
        self.name = name
        self.clock = clock
        self.resends_firing = resends_firing
        self.batches: list[tuple[float, list[FlextAlert]]] = []

    def submit(self, alerts: Sequence[FlextAlert]) -> bool:
        """Record the batch."""
        self.batches.append((self.clock.time(), list(alerts)))
        return True

    def flush(self, timeout: float) -> bool:
        """Nothing is queued."""
        del timeout
        return True

    def shutdown(self, timeout: float) -> bool:
        """Nothing to stop."""
        del timeout
        return True

    def sent(self) -> list[tuple[float, str, str]]:
        """(time, alert name, status) of each alert handed over."""
        return [(at, alert.name, alert.status.value) for at, batch in self.batches for alert in batch]


class BrokenSink(RecordingSink):
    """A sink whose submit raises, as no real sink may."""

    def submit(self, alerts: Sequence[FlextAlert]) -> bool:
        """Raise."""
        del alerts
        message = "broken sink"
        raise RuntimeError(message)


def firing(clock: FakeClock, name: str = "RowsRejected", **fields: object) -> FlextAlert:
    """A firing alert that started now."""
    base: dict[str, object] = {"name": name, "message": "rows rejected", "source": "etl", "starts_at": clock.time()}
    return build_alert(**{**base, **fields}).unwrap()


def resolved(clock: FakeClock, alert: FlextAlert) -> FlextAlert:
    """The resolution of ``alert``, now."""
    return build_alert(
        name=alert.name,
        message=alert.message,
        source=alert.source,
        severity=alert.severity,
        labels=dict(alert.labels),
        status="resolved",
        starts_at=alert.starts_at,
        ends_at=clock.time(),
    ).unwrap()


@pytest.fixture
def clock() -> FakeClock:
    """The fake clock of the timelines."""
    return FakeClock(1_700_000_000.0)


def test_a_firing_alert_is_sent_once_then_again_after_the_repeat_interval(clock: FakeClock) -> None:
    """The same firing alert processed every minute reaches the sink at 0 s and then only after repeat_interval."""
    sink = RecordingSink(clock)
    service = FlextAlertService(routes=[sink], clock=clock, repeat_interval=600.0)
    alert = firing(clock)
    for _ in range(21):  # 20 minutes, once a minute
        assert service.process_alert(alert).unwrap().fingerprint == alert.fingerprint
        clock.advance(60.0)
    assert [at - 1_700_000_000.0 for at, _, _ in sink.sent()] == [0.0, 600.0, 1200.0]
    assert len(service.active_alerts()) == 1


def test_sinks_that_expire_alerts_get_them_every_resend_delay(clock: FakeClock) -> None:
    """An Alertmanager-like sink hears of a firing alert every resend_delay; a webhook only once an interval."""
    alertmanager = RecordingSink(clock, "alertmanager", resends_firing=True)
    webhook = RecordingSink(clock, "webhook")
    service = FlextAlertService(routes=[alertmanager, webhook], clock=clock, resend_delay=60.0)
    alert = firing(clock)
    for _ in range(5):
        service.process_alert(alert)
        clock.advance(30.0)
    assert [at - 1_700_000_000.0 for at, _, _ in alertmanager.sent()] == [0.0, 60.0, 120.0]
    assert len(webhook.sent()) == 1


def test_a_resolution_goes_once_and_only_where_the_firing_went(clock: FakeClock) -> None:
    """Resolved goes to each sink sent the firing, once; a resolution of an alert never sent goes nowhere."""
    sink = RecordingSink(clock)
    critical_only = RecordingSink(clock, "pager")
    service = FlextAlertService(routes=[sink, alert_route(critical_only, severities=["critical"])], clock=clock)
    alert = firing(clock)
    service.process_alert(alert)
    clock.advance(120.0)
    service.process_alert(resolved(clock, alert))
    service.process_alert(resolved(clock, alert))  # a second resolution changes nothing
    assert [status for _, _, status in sink.sent()] == ["firing", "resolved"]
    assert critical_only.sent() == []
    assert service.active_alerts() == ()
    never_fired = firing(clock, "Other")
    service.process_alert(resolved(clock, never_fired))
    assert len(sink.sent()) == 2
    ends = sink.batches[1][1][0]
    assert (ends.starts_at, ends.ends_at) == (alert.starts_at, clock.time())


def test_routes_filter_by_severity_and_labels(clock: FakeClock) -> None:
    """A route takes the severities and label matchers it names, alertname and severity included."""
    everything = RecordingSink(clock, "log")
    data_team = RecordingSink(clock, "data")
    pager = RecordingSink(clock, "pager")
    service = FlextAlertService(
        routes=[
            everything,
            alert_route(data_team, matchers=[("team", "=~", "data|etl")]),
            alert_route(pager, severities="critical", matchers={"alertname": "DiskFull"}),
        ],
        clock=clock,
    )
    service.process_alert(firing(clock, "RowsRejected", labels={"team": "etl"}))
    service.process_alert(firing(clock, "DiskFull", severity="critical"))
    service.process_alert(firing(clock, "DiskFull", severity="warning", labels={"team": "ops"}))
    assert len(everything.sent()) == 3
    assert [name for _, name, _ in data_team.sent()] == ["RowsRejected"]
    assert [name for _, name, _ in pager.sent()] == ["DiskFull"]


def test_texts_are_redacted_before_they_are_kept_or_sent(clock: FakeClock) -> None:
    """A message, label or annotation holding a secret is kept and sent without it."""
    sink = RecordingSink(clock)
    service = FlextAlertService(routes=[sink], clock=clock)
    alert = firing(
        clock,
        message="cannot reach postgres://etl:hunter2@db/dw",
        labels={"dsn": "postgres://etl:hunter2@db/dw"},
        annotations={"description": "password=hunter2"},
    )
    kept = service.process_alert(alert).unwrap()
    for text in (kept.message, kept.labels["dsn"], kept.annotations["description"], repr(sink.batches)):
        assert "hunter2" not in text


def test_bad_alerts_and_too_many_are_refused_counted_and_logged_once(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """An invalid alert and one beyond max_active are Failures, counted by kind and logged once per kind."""
    service = FlextAlertService(routes=[RecordingSink(clock)], clock=clock, max_active=2)
    with caplog.at_level(logging.WARNING, logger="flext_observability"):
        for _ in range(3):
            assert isinstance(service.process_alert("not an alert"), Failure)  # type: ignore[arg-type]
        for index in range(4):
            result = service.process_alert(firing(clock, f"A{index}"))
            assert isinstance(result, Failure) == (index >= 2)
    assert service.refusals() == {"invalid": 3, "too_many_active": 2}
    assert len([record for record in caplog.records if "refused" in record.getMessage()]) == 2
    assert len(service.active_alerts()) == 2


def test_a_sink_that_raises_does_not_reach_the_caller_or_the_other_sinks(clock: FakeClock) -> None:
    """Even a sink breaking its promise and raising leaves process_alert a Success and the next sink served."""
    good = RecordingSink(clock, "good")
    service = FlextAlertService(routes=[BrokenSink(clock, "broken"), good], clock=clock)
    assert isinstance(service.process_alert(firing(clock)), Success)
    assert len(good.sent()) == 1
    assert service.refusals() == {"sink_raised": 1}


def test_the_history_is_bounded_and_queried_by_every_filter(clock: FakeClock) -> None:
    """query_alerts filters by name, severity, state, labels, time range and limit; the oldest events leave first."""
    service = FlextAlertService(clock=clock, history=5)
    first = firing(clock, "A", labels={"tap": "pg"})
    service.process_alert(first)
    clock.advance(10.0)
    service.process_alert(firing(clock, "B", severity="critical", labels={"tap": "mysql"}))
    clock.advance(10.0)
    service.process_alert(resolved(clock, first))
    names = [event.alert.name for event in service.query_alerts().unwrap()]
    assert names == ["A", "B", "A"]
    assert [e.alert.name for e in service.query_alerts(severity="critical").unwrap()] == ["B"]
    assert [e.alert.status.value for e in service.query_alerts(name="A", state="resolved").unwrap()] == ["resolved"]
    assert [e.alert.name for e in service.query_alerts(matchers={"tap": "mysql"}).unwrap()] == ["B"]
    assert len(service.query_alerts(since=1_700_000_005.0, until=1_700_000_015.0).unwrap()) == 1
    assert [e.alert.name for e in service.query_alerts(limit=1).unwrap()] == ["A"]
    for index in range(10):
        service.process_alert(firing(clock, f"N{index}"))
    assert len(service.query_alerts(limit=100).unwrap()) == 5
    refused = service.query_alerts(severity="urgent", limit=0)
    assert {error.field for error in refused.failure().errors} == {"severity", "limit"}


def test_bad_settings_raise_naming_the_argument(clock: FakeClock) -> None:
    """Set-up mistakes raise at once, naming what was wrong."""
    with pytest.raises(ValueError, match="repeat_interval"):
        FlextAlertService(repeat_interval=0)
    with pytest.raises(TypeError, match="max_active"):
        FlextAlertService(max_active="many")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="sink"):
        FlextAlertService(routes=["not a sink"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="named 'x'"):
        FlextAlertService(routes=[RecordingSink(clock, "x"), RecordingSink(clock, "x")])
    with pytest.raises(ValueError, match="severities"):
        alert_route(RecordingSink(clock), severities=["urgent"])
    with pytest.raises(TypeError, match="metrics"):
        FlextAlertService(metrics=object())  # type: ignore[arg-type]


def test_a_rule_fires_after_its_for_and_resolves_once_the_burst_ends(clock: FakeClock) -> None:
    """Over live metrics on the fake clock: pending for 60 s, firing sent once, resolution sent after the burst."""
    metrics = FlextMetricsService()
    rejected = metrics.counter("rows_rejected", "Rows the target refused.", labels=("tap",)).unwrap()
    sink = RecordingSink(clock)
    service = FlextAlertService(routes=[sink], metrics=metrics, clock=clock)
    rule = alert_rule(
        "RowsRejectedBurst",
        increase_over("rows_rejected_total", ">", 10, window=120),
        for_seconds=60,
        severity="error",
        labels={"team": "data"},
        annotations={"summary": "{labels.tap}: {value:.0f} rows rejected"},
    ).unwrap()
    assert service.add_rule(rule).unwrap() is rule
    assert isinstance(service.add_rule(rule), Failure)  # one rule per name
    for second in range(0, 600, 15):
        if 30 <= second < 240:
            rejected.labels(tap="pg").inc(5)  # 20 rows a minute, for 3.5 minutes
        summary = service.evaluate_now().unwrap()
        assert summary.failed == ()
        clock.advance(15.0)
    sent = sink.sent()
    assert [status for _, _, status in sent] == ["firing", "resolved"]
    fired_at, resolved_at = sent[0][0] - 1_700_000_000.0, sent[1][0] - 1_700_000_000.0
    assert 90 <= fired_at <= 150  # true from about 45 s, then 60 s of for
    assert 240 <= resolved_at <= 400  # the window empties of increase after the burst
    first = sink.batches[0][1][0]
    assert dict(first.labels) == {"tap": "pg", "team": "data"}
    assert first.message.startswith("pg: ")
    assert first.message.endswith(" rows rejected")
    assert service.active_alerts() == ()
    assert [event.alert.status.value for event in service.query_alerts(name="RowsRejectedBurst").unwrap()] == [
        "firing",
        "resolved",
    ]


def test_a_rule_that_cannot_be_evaluated_is_counted_and_the_others_go_on(clock: FakeClock) -> None:
    """A rule reading a gauge as a counter fails each evaluation, counted per rule, while a good rule still fires."""
    metrics = FlextMetricsService()
    metrics.gauge("queue_depth", "Records waiting.").unwrap().set(50)
    sink = RecordingSink(clock)
    service = FlextAlertService(routes=[sink], metrics=metrics, clock=clock)
    service.add_rule(alert_rule("Wrong", increase_over("queue_depth", ">", 1, window=60)).unwrap())
    service.add_rule(alert_rule("Deep", threshold("queue_depth", ">", 10)).unwrap())
    for _ in range(3):
        assert service.evaluate_now().unwrap().failed == ("Wrong",)
        clock.advance(15.0)
    assert service.rule_failures() == {"Wrong": 3, "Deep": 0}
    assert [name for _, name, _ in sink.sent()] == ["Deep"]
