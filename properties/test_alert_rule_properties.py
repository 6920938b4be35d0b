"""Alert rule evaluation follows the Prometheus lifecycle on any timeline, repeatably, and never raises."""

from __future__ import annotations

from typing import Final

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from flext_observability.core.alerts.evaluation import (
    EMPTY_RULE_STATE,
    AlertPhase,
    RuleEvaluation,
    evaluate_rule,
    firing_alerts,
    transition_alert,
)
from flext_observability.core.alerts.expressions import (
    absent,
    health_check_status,
    increase_over,
    quantile_over,
    rate_over,
    stale_for,
    threshold,
)
from flext_observability.core.alerts.matchers import label_matcher
from flext_observability.core.alerts.queries import evaluate_expression
from flext_observability.core.alerts.rules import AlertRule, alert_rule, rule_reach
from flext_observability.core.alerts.templates import annotation_template, render_template
from flext_observability.core.metrics.aggregation import GaugeState
from flext_observability.core.metrics.exposition import FamilySnapshot, MetricsSnapshot, SeriesSnapshot
from flext_observability.core.metrics.instruments import define_instrument
from flext_observability.testing.strategies import anything

DEPTH: Final = define_instrument(kind="gauge", name="queue_depth", help_text="Jobs.", label_names=("queue",)).unwrap()
LEGAL: Final = {
    (AlertPhase.INACTIVE, AlertPhase.PENDING),
    (AlertPhase.INACTIVE, AlertPhase.FIRING),
    (AlertPhase.PENDING, AlertPhase.FIRING),
    (AlertPhase.PENDING, AlertPhase.INACTIVE),
    (AlertPhase.FIRING, AlertPhase.RESOLVED),
}
ENDED: Final = {AlertPhase.INACTIVE, AlertPhase.RESOLVED}

Timeline = list[tuple[float, dict[str, float]]]


def snapshot(values: dict[str, float]) -> MetricsSnapshot:
    """A snapshot of queue_depth with one series per queue."""
    series = tuple(
        SeriesSnapshot((("queue", queue),), GaugeState(value=value)) for queue, value in sorted(values.items())
    )
    return MetricsSnapshot(families=(FamilySnapshot(spec=DEPTH, series=series),))


@st.composite
def timelines(draw: st.DrawFn) -> Timeline:
    """Evaluation times a few seconds apart, each with the queues present and their depths (deep is 100)."""
    steps = draw(
        st.lists(
            st.tuples(
                st.integers(min_value=1, max_value=40),
                st.dictionaries(st.sampled_from("abc"), st.sampled_from([0.0, 100.0]), max_size=3),
            ),
            min_size=1,
            max_size=25,
        ),
    )
    now = 1000.0
    timeline: Timeline = []
    for gap, values in steps:
        now += gap
        timeline.append((now, values))
    return timeline


durations = st.sampled_from([0, 10, 25, 60])
rules = st.builds(
    lambda for_seconds, keep, cap: alert_rule(
        "Deep",
        threshold("queue_depth", ">", 50),
        for_seconds=for_seconds,
        keep_firing_for=keep,
        max_alerts=cap,
    ).unwrap(),
    durations,
    durations,
    st.integers(min_value=1, max_value=3),
)


def run(rule: AlertRule, timeline: Timeline) -> list[RuleEvaluation]:
    """Evaluate the rule at each time of the timeline, carrying the state along."""
    state = EMPTY_RULE_STATE
    evaluations = []
    for now, values in timeline:
        evaluation = evaluate_rule(rule, [(now, snapshot(values))], state, now).unwrap()
        evaluations.append(evaluation)
        state = evaluation.state
    return evaluations


@given(rules, timelines())
def test_only_legal_transitions_happen_and_resolutions_follow_firing(rule: AlertRule, timeline: Timeline) -> None:
    """Each transition starts from the alert's phase, is a legal move, and the state holds what is active."""
    phases: dict[str, AlertPhase] = {}
    last_true: dict[str, float] = {}
    for (now, values), evaluation in zip(timeline, run(rule, timeline), strict=True):
        for transition in evaluation.transitions:
            queue = transition.labels["queue"]
            assert transition.from_phase == phases.get(queue, AlertPhase.INACTIVE)
            assert (transition.from_phase, transition.to_phase) in LEGAL
            if transition.to_phase is AlertPhase.RESOLVED:
                assert values.get(queue, 0.0) <= 50
                assert now - last_true[queue] >= rule.keep_firing_for
            if transition.to_phase in ENDED:
                del phases[queue]
            else:
                phases[queue] = transition.to_phase
        for queue, value in values.items():
            if value > 50 and queue in phases:
                last_true[queue] = now
        assert {instance.labels["queue"]: instance.phase for instance in evaluation.state.instances} == phases
        assert len(evaluation.state.instances) <= rule.max_alerts


@given(rules, timelines())
def test_an_alert_fires_only_after_holding_for_for_seconds(rule: AlertRule, timeline: Timeline) -> None:
    """A transition to firing comes after the expression held at every evaluation for at least for_seconds."""
    true_since: dict[str, float] = {}
    for (now, values), evaluation in zip(timeline, run(rule, timeline), strict=True):
        for queue in "abc":
            if values.get(queue, 0.0) > 50:
                true_since.setdefault(queue, now)
            else:
                true_since.pop(queue, None)
        for transition in evaluation.transitions:
            if transition.to_phase is AlertPhase.FIRING:
                queue = transition.labels["queue"]
                assert transition.active_since >= true_since[queue]
                assert now - transition.active_since >= rule.for_seconds
                assert rule.for_seconds == 0 or transition.from_phase is AlertPhase.PENDING
                alert = transition_alert(rule, transition).unwrap()
                assert alert.starts_at == transition.fired_at == now
        firing = {i.labels["queue"] for i in evaluation.state.instances if i.phase is AlertPhase.FIRING}
        assert {alert.labels["queue"] for alert in firing_alerts(rule, evaluation.state)} == firing


@given(rules, timelines())
def test_same_inputs_give_same_outputs(rule: AlertRule, timeline: Timeline) -> None:
    """Evaluating a timeline twice gives equal states, transitions and drop counts."""
    assert run(rule, timeline) == run(rule, timeline)


def is_result(value: object) -> bool:
    """Tell whether a value is a Success or a Failure."""
    return isinstance(value, Success | Failure)


@given(anything(), anything(), anything(), anything())
def test_evaluation_never_raises_on_hostile_input(rule: object, history: object, state: object, now: object) -> None:
    """Any arguments give a Result from evaluate_rule and transition_alert, and a tuple from firing_alerts."""
    assert isinstance(evaluate_rule(rule, history, state, now), Failure)  # type: ignore[arg-type]
    assert is_result(transition_alert(rule, history))  # type: ignore[arg-type]
    assert firing_alerts(rule, state) == ()  # type: ignore[arg-type]
    assert rule_reach(rule) == 0.0  # type: ignore[arg-type]


real_rules = st.sampled_from(
    [
        alert_rule("Deep", threshold("queue_depth", ">", 50)).unwrap(),
        alert_rule("Stale", stale_for("queue_depth", duration=10), for_seconds=5).unwrap(),
        alert_rule("Gone", absent("queue_depth", matchers={"queue": "a"})).unwrap(),
    ],
)


@given(real_rules, anything(), anything(), anything())
def test_a_real_rule_never_raises_on_hostile_history_or_state(
    rule: AlertRule,
    history: object,
    state: object,
    now: object,
) -> None:
    """A valid rule over any history, state and time gives a Result, and firing_alerts a tuple."""
    result: Result[RuleEvaluation, object] = evaluate_rule(rule, history, state, now)  # type: ignore[arg-type]
    assert is_result(result)
    assert is_result(evaluate_rule(rule, [(1.0, snapshot({"a": 1.0}))], state, now))  # type: ignore[arg-type]
    assert isinstance(firing_alerts(rule, state), tuple)  # type: ignore[arg-type]
    assert is_result(transition_alert(rule, state))  # type: ignore[arg-type]


@given(anything(), anything(), anything(), anything())
def test_rule_factory_never_raises_on_hostile_input(
    name: object, expression: object, labels: object, other: object
) -> None:
    """alert_rule and the expression factories return a Result whatever they are given."""
    assert is_result(
        alert_rule(
            name,
            expression,
            for_seconds=other,
            keep_firing_for=other,
            severity=other,
            labels=labels,
            annotations=labels,
            max_alerts=other,
        ),
    )
    assert is_result(threshold(name, other, other, matchers=labels))
    assert is_result(stale_for(name, duration=other, matchers=expression))
    assert is_result(increase_over(name, other, other, window=other, matchers=labels))
    assert is_result(rate_over(name, expression, other, window=other))
    assert is_result(quantile_over(name, other, other, q=other, window=other, matchers=labels))
    assert is_result(absent(name, matchers=labels))
    assert is_result(health_check_status(other, component=name, measurement=labels))
    assert is_result(label_matcher(name, other, labels))
    assert is_result(annotation_template(name))
    assert is_result(evaluate_expression(expression, labels, other))  # type: ignore[arg-type]


@given(anything(), anything(), anything(), anything())
def test_rendering_never_raises_on_hostile_input(template: object, value: object, labels: object, rule: object) -> None:
    """render_template gives text for any arguments, and a checked template renders any value and labels."""
    assert isinstance(render_template(template, value=value, labels=labels, rule=rule), str)  # type: ignore[arg-type]
    checked = annotation_template("{rule} {labels.tap:>3} {value:.2f} {value:,}").unwrap()
    assert isinstance(render_template(checked, value=value, labels=labels, rule=rule), str)
