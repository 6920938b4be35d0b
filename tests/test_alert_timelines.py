"""The alert service over live metrics on a fake clock: flapping, keep_firing_for, absence, staleness, one thread.

Each timeline sets a gauge, evaluates, and moves the fake clock on by the
evaluation interval; what the sink was handed is then read exactly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Final

from flext_observability.alerts import FlextAlert, FlextAlertService, absent, alert_rule, stale_for, threshold
from flext_observability.metrics import FlextMetricsService
from flext_observability.testing import FakeClock

START: Final = 1_700_000_000.0
STEP: Final = 15.0


class RecordingSink:
    """A sink that keeps (seconds since START, alert name, status) of every alert handed to it."""

    name = "recording"

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.sent: list[tuple[float, str, str]] = []

    def submit(self, alerts: Sequence[FlextAlert]) -> bool:
        """Record the batch."""
        self.sent.extend((self.clock.time() - START, alert.name, alert.status.value) for alert in alerts)
        return True

    def flush(self, timeout: float) -> bool:
        """Nothing is queued."""
        del timeout
        return True

    def shutdown(self, timeout: float) -> bool:
        """Nothing to stop."""
        del timeout
        return True


def _run(service: FlextAlertService, clock: FakeClock, steps: int, each: object = None) -> None:
    """Evaluate ``steps`` times, STEP seconds apart, calling ``each(step)`` before each evaluation."""
    for step in range(steps):
        if callable(each):
            each(step)
        assert service.evaluate_now().unwrap().failed == ()
        clock.advance(STEP)


def _setting(values: Sequence[float], gauge: object) -> object:
    def each(step: int) -> None:
        gauge.set(values[step])  # type: ignore[attr-defined]

    return each


def test_a_flapping_expression_shorter_than_for_never_fires() -> None:
    """True and false on alternate evaluations with for_seconds=60: pending comes and goes, nothing is ever sent."""
    clock = FakeClock(START)
    metrics = FlextMetricsService()
    depth = metrics.gauge("queue_depth", "Records waiting.").unwrap()
    sink = RecordingSink(clock)
    service = FlextAlertService(routes=[sink], metrics=metrics, clock=clock)
    service.add_rule(alert_rule("Deep", threshold("queue_depth", ">", 10), for_seconds=60).unwrap()).unwrap()
    pending_seen: list[int] = []

    def each(step: int) -> None:
        depth.set(50 if step % 2 == 0 else 0)
        pending_seen.append(len(service.pending_alerts()))

    _run(service, clock, 40, each)
    assert sink.sent == []
    assert service.active_alerts() == ()
    assert set(pending_seen[1:]) == {0, 1}  # pending after each true evaluation, gone after each false one


def test_keep_firing_for_bridges_short_gaps_and_resolves_once_after_a_long_one() -> None:
    """A firing alert with keep_firing_for=60 survives 30 s gaps, then resolves once, 60 s after it last held."""
    clock = FakeClock(START)
    metrics = FlextMetricsService()
    depth = metrics.gauge("queue_depth", "Records waiting.").unwrap()
    sink = RecordingSink(clock)
    service = FlextAlertService(routes=[sink], metrics=metrics, clock=clock)
    rule = alert_rule("Deep", threshold("queue_depth", ">", 10), keep_firing_for=60).unwrap()
    service.add_rule(rule).unwrap()
    # true at 0-45 s, false 60-75 s (a 30 s gap), true 90-105 s, then false for good from 120 s.
    values = [50, 50, 50, 50, 0, 0, 50, 50] + [0] * 10
    _run(service, clock, len(values), _setting(values, depth))
    assert sink.sent == [(0.0, "Deep", "firing"), (165.0, "Deep", "resolved")]  # last true at 105 s, + 60 s


def test_without_keep_firing_for_each_flap_is_a_new_firing_and_a_resolution() -> None:
    """With for_seconds=0 and no keep_firing_for, every flap fires and resolves again: nothing is deduped away."""
    clock = FakeClock(START)
    metrics = FlextMetricsService()
    depth = metrics.gauge("queue_depth", "Records waiting.").unwrap()
    sink = RecordingSink(clock)
    service = FlextAlertService(routes=[sink], metrics=metrics, clock=clock, repeat_interval=3600.0)
    service.add_rule(alert_rule("Deep", threshold("queue_depth", ">", 10)).unwrap()).unwrap()
    values = [50, 0, 50, 0, 50, 0]
    _run(service, clock, len(values), _setting(values, depth))
    assert [(at, status) for at, _, status in sink.sent] == [
        (0.0, "firing"),
        (15.0, "resolved"),
        (30.0, "firing"),
        (45.0, "resolved"),
        (60.0, "firing"),
        (75.0, "resolved"),
    ]


def test_an_absence_rule_fires_while_the_series_is_missing_and_resolves_when_it_appears() -> None:
    """absent(rows_total{tap="pg"}) fires while only another tap reports, and resolves once pg's series exists."""
    clock = FakeClock(START)
    metrics = FlextMetricsService()
    rows = metrics.counter("rows", "Rows read.", labels=("tap",)).unwrap()
    rows.labels(tap="mysql").inc()
    sink = RecordingSink(clock)
    service = FlextAlertService(routes=[sink], metrics=metrics, clock=clock)
    rule = alert_rule("PgSilent", absent("rows_total", matchers={"tap": "pg"}), for_seconds=30).unwrap()
    service.add_rule(rule).unwrap()

    def each(step: int) -> None:
        if step == 6:
            rows.labels(tap="pg").inc()

    _run(service, clock, 10, each)
    assert sink.sent == [(30.0, "PgSilent", "firing"), (90.0, "PgSilent", "resolved")]
    assert service.query_alerts(name="PgSilent").unwrap()[0].alert.labels["tap"] == "pg"


def test_a_staleness_rule_fires_when_a_gauge_stops_changing_and_resolves_when_it_moves() -> None:
    """stale_for(duration=60) fires once the gauge has kept one value for 60 s, and resolves when it changes."""
    clock = FakeClock(START)
    metrics = FlextMetricsService()
    last_batch = metrics.gauge("last_batch_rows", "Rows of the last batch.").unwrap()
    sink = RecordingSink(clock)
    service = FlextAlertService(routes=[sink], metrics=metrics, clock=clock)
    service.add_rule(alert_rule("Stalled", stale_for("last_batch_rows", duration=60)).unwrap()).unwrap()
    # Changes at every step up to 60 s, holds 7 from 75 s to 180 s, changes again from 195 s.
    values = [1, 2, 3, 4, 5] + [7] * 8 + [8, 9, 10]
    _run(service, clock, len(values), _setting(values, last_batch))
    assert [(status, at) for at, _, status in sink.sent] == [("firing", 135.0), ("resolved", 195.0)]


class _BlockingRead:
    """A gauge reader that, once armed, holds the scrape (and so the evaluation) until released."""

    def __init__(self) -> None:
        self.armed = threading.Event()
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> float:
        if self.armed.is_set():
            self.entered.set()
            self.release.wait(30.0)
        return 1.0


def _running(service: FlextAlertService) -> bool:
    """Whether the service's background evaluation runs, read afresh (a property mypy would narrow)."""
    return service.running


def _evaluation_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "flext-alert-evaluation"]


def test_start_never_runs_a_second_thread_even_while_a_stop_waits() -> None:
    """Starting twice, and again while stop waits on a hung evaluation: one evaluation thread at all times."""
    metrics = FlextMetricsService()
    read = _BlockingRead()
    metrics.gauge_callback("slow_reading", "A reading that can hang.", read).unwrap()
    service = FlextAlertService(metrics=metrics)
    service.add_rule(alert_rule("Slow", threshold("slow_reading", ">", 5)).unwrap()).unwrap()
    before = len(_evaluation_threads())
    try:
        service.start(interval=0.01)
        service.start(interval=0.01)
        assert _running(service)
        assert len(_evaluation_threads()) == before + 1
        read.armed.set()
        assert read.entered.wait(10.0)  # an evaluation now hangs in the scrape
        assert service.stop(timeout=0.05) is False  # the thread cannot end while it evaluates
        assert not _running(service)
        service.start(interval=0.01)  # the stopping thread is kept going, no second one
        assert len(_evaluation_threads()) == before + 1
        read.armed.clear()
        read.release.set()
        done = service.evaluations
        deadline = time.monotonic() + 10.0
        while service.evaluations < done + 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert service.evaluations >= done + 3  # it went on evaluating
        assert _running(service)
        assert len(_evaluation_threads()) == before + 1
    finally:
        read.release.set()
        assert service.shutdown(5.0)
    assert not _running(service)
    assert len(_evaluation_threads()) == before
