"""Alert rules: evaluation cost per matched series, its growth with the series count, and a plain-loop peer.

The snapshots come from a real metrics service: one gauge with one series
per label value. The rule is a threshold every series crosses, so each
evaluation updates one firing alert per series (its value, its rendered
summary), the steady state of a rule with many alerts. The peer is the same
comparison written by hand over prometheus_client: collect its registry and
keep the samples above the threshold (no lifecycle, no labels, no text).
"""

from __future__ import annotations

import prometheus_client
from harness import Comparison, compare
from prometheus_client import CollectorRegistry

from flext_observability.core.alerts.evaluation import EMPTY_RULE_STATE, RuleState, evaluate_rule
from flext_observability.core.alerts.expressions import threshold
from flext_observability.core.alerts.rules import MAX_ALERTS, AlertRule, alert_rule
from flext_observability.core.metrics.exposition import MetricsSnapshot
from flext_observability.shell.metrics.service import FlextMetricsService

SERIES = 10_000
SMALL, LARGE = 1_000, 100_000
NOW = 1_700_000_000.0
DEEP = 100.0


def _rule() -> AlertRule:
    return alert_rule(
        "QueueTooDeep",
        threshold("queue_depth", ">", DEEP),
        annotations={"summary": "{labels.queue} holds {value:.0f} jobs"},
        max_alerts=MAX_ALERTS,
    ).unwrap()


def _snapshot(series: int) -> MetricsSnapshot:
    service = FlextMetricsService(max_series=series)
    depth = service.gauge("queue_depth", "Jobs waiting.", labels=("queue",)).unwrap()
    for index in range(series):
        depth.labels(queue=f"queue_{index}").set(DEEP + 1 + index % 50)
    return service.snapshot()


def _steady(rule: AlertRule, snapshot: MetricsSnapshot) -> tuple[list[tuple[float, MetricsSnapshot]], RuleState]:
    """The history and the state of a rule whose alerts all fire already."""
    history = [(NOW, snapshot)]
    state = evaluate_rule(rule, history, EMPTY_RULE_STATE, NOW).unwrap().state
    return history, state


def _peer(series: int) -> CollectorRegistry:
    registry = CollectorRegistry()
    depth = prometheus_client.Gauge("queue_depth", "Jobs waiting.", ["queue"], registry=registry)
    for index in range(series):
        depth.labels(queue=f"queue_{index}").set(DEEP + 1 + index % 50)
    return registry


def _per_series_against_prometheus_client() -> Comparison:
    rule = _rule()
    history, state = _steady(rule, _snapshot(SERIES))
    assert len(state.instances) == SERIES
    registry = _peer(SERIES)

    def ours() -> object:
        return evaluate_rule(rule, history, state, NOW)

    def peer() -> object:
        return [
            (sample.labels, sample.value)
            for family in registry.collect()
            for sample in family.samples
            if sample.value > DEEP
        ]

    assert len(peer()) == SERIES  # type: ignore[arg-type]
    ours_ns, peer_ns = compare(ours, peer, number=3, repeat=7)
    return Comparison(
        name=f"threshold rule over {SERIES:,} firing series, per series",
        ours=ours_ns / SERIES,
        peer=peer_ns / SERIES,
        peer_name="registry.collect() and a loop keeping the samples above it",
        unit="µs/op",
    )


def _quiet_against_prometheus_client() -> Comparison:
    rule = alert_rule("QueueTooDeep", threshold("queue_depth", ">", 10 * DEEP), max_alerts=MAX_ALERTS).unwrap()
    history = [(NOW, _snapshot(SERIES))]
    registry = _peer(SERIES)

    def ours() -> object:
        return evaluate_rule(rule, history, EMPTY_RULE_STATE, NOW)

    def peer() -> object:
        return [
            (sample.labels, sample.value)
            for family in registry.collect()
            for sample in family.samples
            if sample.value > 10 * DEEP
        ]

    assert evaluate_rule(rule, history, EMPTY_RULE_STATE, NOW).unwrap().state == EMPTY_RULE_STATE
    ours_ns, peer_ns = compare(ours, peer, number=3, repeat=7)
    return Comparison(
        name=f"threshold rule over {SERIES:,} series that none crosses, per series",
        ours=ours_ns / SERIES,
        peer=peer_ns / SERIES,
        peer_name="registry.collect() and the same loop",
        unit="µs/op",
    )


def _growth() -> Comparison:
    rule = _rule()
    small_history, small_state = _steady(rule, _snapshot(SMALL))
    large_history, large_state = _steady(rule, _snapshot(LARGE))

    def large() -> object:
        return evaluate_rule(rule, large_history, large_state, NOW)

    def small() -> object:
        return [evaluate_rule(rule, small_history, small_state, NOW) for _ in range(LARGE // SMALL)]

    # Both calls evaluate 100,000 series: one rule over all of them, or 100 rules over 1,000 each.
    large_ns, small_ns = compare(large, small, number=1, repeat=5)
    return Comparison(
        name=f"growth: one rule over {LARGE:,} series, per series",
        ours=large_ns / LARGE,
        peer=small_ns / LARGE,
        peer_name=f"the same rule over {SMALL:,} series",
        unit="µs/op",
        goal_ratio=1.3,
    )


def run() -> list[Comparison]:
    """Cost per series (every alert firing, and none) against a hand-written loop, and growth to 100,000 series."""
    return [_per_series_against_prometheus_client(), _quiet_against_prometheus_client(), _growth()]


if __name__ == "__main__":
    for comparison in run():
        print(comparison.line(), flush=True)
