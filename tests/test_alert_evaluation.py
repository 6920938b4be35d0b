"""Alert rule evaluation over hand-made timelines of snapshots: lifecycle, windows, labels and problems."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pytest
from attrs import evolve
from returns.result import Failure

from flext_observability.core.alerts.evaluation import (
    EMPTY_RULE_STATE,
    AlertInstance,
    AlertPhase,
    RuleEvaluation,
    RuleState,
    Transition,
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
from flext_observability.core.alerts.queries import evaluate_expression
from flext_observability.core.alerts.rules import AlertRule, alert_rule
from flext_observability.core.errors import FlextValidationError
from flext_observability.core.frozen import FrozenMap
from flext_observability.core.metrics.aggregation import CounterState, GaugeState, HistogramState, SketchState
from flext_observability.core.metrics.exposition import FamilySnapshot, MetricsSnapshot, SeriesSnapshot
from flext_observability.core.metrics.instruments import InstrumentSpec, define_instrument
from flext_observability.core.values import AlertSeverity, AlertStatus

if TYPE_CHECKING:
    from collections.abc import Sequence

    from flext_observability.core.metrics.aggregation import AggregationState

Series = tuple[dict[str, str], object]


def spec(kind: str, name: str, *labels: str) -> InstrumentSpec:
    """An instrument definition for the tests' snapshots."""
    buckets = (1.0, 2.0, 4.0) if kind == "histogram" else None
    return define_instrument(kind=kind, name=name, help_text="Help.", label_names=labels, buckets=buckets).unwrap()


DEPTH = spec("gauge", "queue_depth", "queue")
ROWS = spec("counter", "rows_total", "tap")
LATENCY = spec("histogram", "latency_seconds")
SIZES = spec("summary", "size_bytes")
HEALTH = spec("gauge", "flext_health_check_status", "component", "measurement")


def family(instrument: InstrumentSpec, *series: Series) -> FamilySnapshot:
    """A family with the given (labels, state) series."""
    made = tuple(SeriesSnapshot(tuple(labels.items()), state) for labels, state in series)  # type: ignore[arg-type]
    return FamilySnapshot(spec=instrument, series=made)


def snap(*families: FamilySnapshot) -> MetricsSnapshot:
    """A snapshot of the given families."""
    return MetricsSnapshot(families=families)


def depth(**values: float) -> MetricsSnapshot:
    """A snapshot of queue_depth, one series per queue."""
    return snap(family(DEPTH, *(({"queue": queue}, GaugeState(value=value)) for queue, value in values.items())))


def rows(value: float, tap: str = "pg") -> MetricsSnapshot:
    """A snapshot of the rows counter of one tap."""
    return snap(family(ROWS, ({"tap": tap}, CounterState(value=value))))


def histogram(*counts: int) -> HistogramState:
    """A histogram state of the (1, 2, 4) buckets with these counts."""
    return HistogramState(bounds=(1.0, 2.0, 4.0), counts=counts, sum=float(sum(counts)), count=sum(counts))


def run(rule: AlertRule, timeline: Sequence[tuple[float, MetricsSnapshot]]) -> list[RuleEvaluation]:
    """Evaluate the rule at every sample of the timeline, each time over the whole history so far."""
    state = EMPTY_RULE_STATE
    evaluations = []
    for index, (now, _) in enumerate(timeline):
        evaluation = evaluate_rule(rule, timeline[: index + 1], state, now).unwrap()
        evaluations.append(evaluation)
        state = evaluation.state
    return evaluations


def moves(evaluations: list[RuleEvaluation]) -> list[list[str]]:
    """The transitions of each evaluation, as 'from>to'."""
    return [[f"{t.from_phase}>{t.to_phase}" for t in evaluation.transitions] for evaluation in evaluations]


def values(expression: object, history: object, now: float) -> list[tuple[dict[str, str], float]]:
    """The elements of an expression, as (labels, value)."""
    found = evaluate_expression(expression, history, now).unwrap()  # type: ignore[arg-type]
    return [(dict(element.labels), element.value) for element in found]


def problems(result: object) -> list[tuple[str, str]]:
    """The (field, code) of every problem of a failed result."""
    assert isinstance(result, Failure)
    error = result.failure()
    assert isinstance(error, FlextValidationError)
    return [(item.field, item.code.value) for item in error.errors]


DEEP = threshold("queue_depth", ">", 100).unwrap()


# Lifecycle


def test_for_seconds_holds_an_alert_pending_until_it_has_held_long_enough() -> None:
    """An alert fires only once the expression held for for_seconds, and resolves when it stops."""
    rule = alert_rule("Deep", DEEP, for_seconds=60).unwrap()
    timeline = [
        (t, depth(a=v)) for t, v in [(0.0, 150), (30.0, 150), (59.0, 150), (60.0, 150), (90.0, 150), (120.0, 5)]
    ]
    evaluations = run(rule, timeline)
    assert moves(evaluations) == [["inactive>pending"], [], [], ["pending>firing"], [], ["firing>resolved"]]
    fired = evaluations[3].state.instances[0]
    assert (fired.phase, fired.active_since, fired.fired_at, fired.last_true) == (AlertPhase.FIRING, 0.0, 60.0, 60.0)
    assert evaluations[-1].state == EMPTY_RULE_STATE


def test_for_zero_fires_in_the_evaluation_that_finds_it() -> None:
    """Without for_seconds an alert goes from inactive straight to firing."""
    rule = alert_rule("Deep", DEEP).unwrap()
    evaluations = run(rule, [(10.0, depth(a=150)), (20.0, depth(a=1))])
    assert moves(evaluations) == [["inactive>firing"], ["firing>resolved"]]
    resolved = transition_alert(rule, evaluations[1].transitions[0]).unwrap()
    assert (resolved.status, resolved.starts_at, resolved.ends_at) == (AlertStatus.RESOLVED, 10.0, 20.0)


def test_flapping_below_for_seconds_never_fires() -> None:
    """An expression that keeps turning false before for_seconds only goes pending and back."""
    rule = alert_rule("Deep", DEEP, for_seconds=30).unwrap()
    timeline = [(float(t), depth(a=150 if t % 20 == 0 else 5)) for t in range(0, 100, 10)]
    flat = [move for evaluation in run(rule, timeline) for move in moves([evaluation])[0]]
    assert set(flat) == {"inactive>pending", "pending>inactive"}


def test_keep_firing_for_holds_a_firing_alert_after_it_stops_holding() -> None:
    """A firing alert stays firing keep_firing_for seconds after it last held, even if it holds again meanwhile."""
    rule = alert_rule("Deep", DEEP, keep_firing_for=30).unwrap()
    values_at = [(0.0, 150), (10.0, 5), (20.0, 150), (40.0, 5), (49.0, 5), (50.0, 5)]
    evaluations = run(rule, [(t, depth(a=v)) for t, v in values_at])
    assert moves(evaluations) == [["inactive>firing"], [], [], [], [], ["firing>resolved"]]
    assert [len(evaluation.state.instances) for evaluation in evaluations] == [1, 1, 1, 1, 1, 0]
    assert evaluations[-1].transitions[0].at == 50.0


def test_instances_are_bounded_by_max_alerts() -> None:
    """New alerts beyond max_alerts are counted as dropped, and known ones keep their slots."""
    rule = alert_rule("Deep", DEEP, max_alerts=2).unwrap()
    first = evaluate_rule(rule, [(0.0, depth(c=150, d=150))], EMPTY_RULE_STATE, 0.0).unwrap()
    second = evaluate_rule(rule, [(1.0, depth(a=150, b=150, c=150, d=150))], first.state, 1.0).unwrap()
    assert first.dropped == 0
    assert second.dropped == 2
    assert [dict(instance.labels) for instance in second.state.instances] == [{"queue": "c"}, {"queue": "d"}]


def test_transitions_and_state_are_sorted_and_deterministic() -> None:
    """Evaluating twice gives equal results, sorted by labels."""
    rule = alert_rule("Deep", DEEP).unwrap()
    history = [(0.0, depth(b=150, a=200))]
    once = evaluate_rule(rule, history, EMPTY_RULE_STATE, 0.0)
    assert once == evaluate_rule(rule, history, EMPTY_RULE_STATE, 0.0)
    assert [dict(t.labels)["queue"] for t in once.unwrap().transitions] == ["a", "b"]


# Labels and alerts


def test_series_labels_named_like_alert_fields_are_renamed_and_rule_labels_win() -> None:
    """Series labels named alertname and severity become exported_*, and rule labels override series labels."""
    jobs = spec("gauge", "jobs_failed", "alertname", "severity", "team")
    rule = alert_rule("Failing", threshold("jobs_failed", ">", 0), labels={"team": "data"}).unwrap()
    series = ({"alertname": "x", "severity": "low", "team": "web"}, GaugeState(value=3.0))
    evaluation = evaluate_rule(rule, [(5.0, snap(family(jobs, series)))], EMPTY_RULE_STATE, 5.0).unwrap()
    labels = dict(evaluation.transitions[0].labels)
    assert labels == {"exported_alertname": "x", "exported_severity": "low", "team": "data"}
    alert = transition_alert(rule, evaluation.transitions[0]).unwrap()
    assert dict(alert.labels) == labels
    assert alert.message == "Failing: value 3"


def test_series_that_clash_once_labelled_are_a_failure() -> None:
    """Two series that get the same identity from the rule's labels are refused, as Prometheus refuses them."""
    rule = alert_rule("Deep", DEEP, labels={"queue": "all"}).unwrap()
    assert problems(evaluate_rule(rule, [(0.0, depth(a=150, b=150))], EMPTY_RULE_STATE, 0.0)) == [
        ("rule.labels", "wrong_labels"),
    ]


def test_alerts_carry_the_rule_fields_and_rendered_annotations() -> None:
    """Firing alerts have the rule's name, severity, rendered annotations and the time they started firing."""
    rule = alert_rule(
        "Deep",
        DEEP,
        for_seconds=10,
        severity="critical",
        annotations={"summary": "{labels.queue} holds {value:.0f} jobs", "blank": "{labels.none}"},
    ).unwrap()
    evaluations = run(rule, [(0.0, depth(a=150)), (10.0, depth(a=170))])
    fired = transition_alert(rule, evaluations[1].transitions[0]).unwrap()
    assert (fired.name, fired.severity, fired.status) == ("Deep", AlertSeverity.CRITICAL, AlertStatus.FIRING)
    assert (fired.message, fired.starts_at, fired.ends_at) == ("a holds 170 jobs", 10.0, None)
    assert dict(fired.annotations) == {"summary": "a holds 170 jobs", "blank": ""}
    assert firing_alerts(rule, evaluations[1].state) == (fired,)
    assert firing_alerts(rule, evaluations[0].state) == ()


def test_an_empty_summary_falls_back_to_the_rule_name() -> None:
    """An alert whose summary renders empty is sent with the rule's name as its message."""
    rule = alert_rule("Deep", DEEP, annotations={"summary": "{labels.none}"}).unwrap()
    evaluation = evaluate_rule(rule, [(0.0, depth(a=150))], EMPTY_RULE_STATE, 0.0).unwrap()
    assert transition_alert(rule, evaluation.transitions[0]).unwrap().message == "Deep"


def test_alerts_that_break_the_alert_rules_are_reported_or_left_out() -> None:
    """An alert with too many labels is a failure to transition_alert and left out by firing_alerts."""
    names = tuple(f"l{index}" for index in range(33))
    wide = spec("gauge", "wide_things", *names[:3])
    series = SeriesSnapshot(tuple((name, "v") for name in names), GaugeState(value=1.0))
    history = [(0.0, snap(FamilySnapshot(spec=wide, series=(series,))))]
    rule = alert_rule("Wide", threshold("wide_things", ">", 0)).unwrap()
    evaluation = evaluate_rule(rule, history, EMPTY_RULE_STATE, 0.0).unwrap()
    assert problems(transition_alert(rule, evaluation.transitions[0])) == [("labels", "too_many")]
    assert firing_alerts(rule, evaluation.state) == ()


def test_transition_alert_refuses_what_is_not_an_alert() -> None:
    """Pending transitions, hand-made transitions and non-rules are named."""
    rule = alert_rule("Deep", DEEP, for_seconds=5).unwrap()
    pending = evaluate_rule(rule, [(0.0, depth(a=150))], EMPTY_RULE_STATE, 0.0).unwrap().transitions[0]
    assert problems(transition_alert(rule, pending)) == [("transition.to_phase", "invalid_choice")]
    assert problems(transition_alert(None, evolve(pending, at=1))) == [  # type: ignore[arg-type]
        ("rule", "wrong_type"),
        ("transition", "wrong_type"),
    ]
    assert problems(transition_alert(rule, "firing")) == [("transition", "wrong_type")]  # type: ignore[arg-type]
    assert problems(transition_alert(rule, evolve(pending, fired_at=0.0))) == [("transition", "wrong_type")]
    firing = evolve(pending, to_phase=AlertPhase.FIRING, fired_at=5.0)
    assert transition_alert(rule, firing).unwrap().starts_at == 5.0
    assert problems(transition_alert(rule, evolve(firing, fired_at=None))) == [("transition", "wrong_type")]
    assert firing_alerts(rule, "state") == ()  # type: ignore[arg-type]


# Expressions over windows


def test_increase_and_rate_count_through_counter_resets() -> None:
    """A counter that restarts counts its new value; samples outside the window are ignored."""
    history = [(0.0, rows(500)), (100.0, rows(50)), (160.0, rows(80)), (220.0, rows(5)), (280.0, rows(25))]
    window = increase_over("rows_total", ">=", 0, window=120).unwrap()
    assert values(window, history, 280.0) == [({"tap": "pg"}, 25.0)]  # 80 -> 5 is a reset
    rate = rate_over("rows", ">", 0, window=180).unwrap()
    assert values(rate, history, 280.0) == [({"tap": "pg"}, 55.0 / 180.0)]
    assert values(window, history[:1], 0.0) == []  # one sample has no increase


def test_rules_on_counter_rates_fire_and_resolve() -> None:
    """A rate rule over a reset fires as long as rows keep arriving."""
    rule = alert_rule("Busy", rate_over("rows_total", ">", 0.1, window=60)).unwrap()
    timeline = [(0.0, rows(0)), (30.0, rows(10)), (60.0, rows(3)), (90.0, rows(3)), (120.0, rows(3))]
    assert moves(run(rule, timeline)) == [[], ["inactive>firing"], [], ["firing>resolved"], []]


def test_quantile_over_reads_the_buckets_gained_in_the_window() -> None:
    """The quantile is of the observations of the window, through a reset and a change of bounds."""
    other = HistogramState(bounds=(10.0,), counts=(5, 0), sum=5.0, count=5)
    samples = [histogram(9, 0, 0, 0), other, histogram(9, 0, 0, 0), histogram(10, 0, 4, 0), histogram(1, 0, 5, 0)]
    history = [
        (float(t), snap(family(LATENCY, ({}, state)))) for t, state in zip(range(0, 50, 10), samples, strict=True)
    ]
    slow = quantile_over("latency_seconds", ">", 2, q=0.5, window=25).unwrap()
    # 20->30 gained (1, 0, 4, 0), 30->40 was a reset: (1, 0, 5, 0); rank 5.5 of 11 is 3.5 into (2, 4].
    assert values(slow, history, 40.0) == [({}, 2.0 + 2.0 * 3.5 / 9.0)]
    assert values(slow, history[:2], 10.0) == []  # the bounds changed: no window yet
    idle = quantile_over("latency_seconds", "!=", 0, q=0.5, window=5).unwrap()
    quiet = [
        (0.0, snap(family(LATENCY, ({}, histogram(1, 0, 0, 0))))),
        (5.0, snap(family(LATENCY, ({}, histogram(1, 0, 0, 0))))),
    ]
    (found,) = values(idle, quiet, 5.0)
    assert math.isnan(found[1])


def test_staleness_counts_from_the_last_change() -> None:
    """A series is stale once its state has not changed for the duration, and only then."""
    history = [
        (0.0, depth(a=1, b=2)),
        (60.0, depth(a=1, b=3)),
        (120.0, depth(a=1, b=3, c=7)),
        (180.0, depth(a=1, b=3, c=7)),
    ]
    stale = stale_for("queue_depth", duration=100).unwrap()
    assert values(stale, history, 200.0) == [({"queue": "a"}, 200.0), ({"queue": "b"}, 140.0)]
    assert values(stale, history[-1:], 180.0) == []  # the history does not reach back far enough


def test_staleness_reads_histograms_and_summaries() -> None:
    """Histogram and summary series are stale when their counts do not move."""
    sketch = SketchState(relative_accuracy=0.01, max_bins=100)
    both = snap(family(LATENCY, ({}, histogram(1, 0, 0, 0))), family(SIZES, ({}, sketch)))
    history = [(0.0, both), (50.0, both)]
    assert values(stale_for("latency_seconds", duration=60).unwrap(), history, 60.0) == [({}, 60.0)]
    assert values(stale_for("size_bytes", duration=60).unwrap(), history, 60.0) == [({}, 60.0)]


def test_absent_fires_with_the_labels_of_its_equality_matchers() -> None:
    """Absence yields one element labelled by its unambiguous, non-empty = matchers."""
    missing = absent("rows_total", matchers=[("tap", "=", "mysql"), ("env", "=", ""), ("job", "=~", "a.*")]).unwrap()
    assert values(missing, [(0.0, rows(5))], 0.0) == [({"tap": "mysql"}, 1.0)]
    assert values(absent("rows_total", matchers={"tap": "pg"}).unwrap(), [(0.0, rows(5))], 0.0) == []
    twice = absent("rows_total", matchers=[("tap", "=", "a"), ("tap", "=", "b")]).unwrap()
    assert values(twice, [(0.0, rows(5))], 0.0) == [({}, 1.0)]


def test_health_check_status_reads_the_health_gauge() -> None:
    """Checks at warn or worse fire a warn rule; a fail rule ignores warnings."""
    gauge = family(
        HEALTH,
        ({"component": "pg", "measurement": "latency"}, GaugeState(value=0.5)),
        ({"component": "pg", "measurement": "size"}, GaugeState(value=0.0)),
        ({"component": "s3", "measurement": "latency"}, GaugeState(value=1.0)),
    )
    history = [(0.0, snap(gauge))]
    warn = [labels["measurement"] for labels, _ in values(health_check_status("warn").unwrap(), history, 0.0)]
    assert warn == ["latency", "size"]
    failing = values(health_check_status("fail", component="pg").unwrap(), history, 0.0)
    assert failing == [({"component": "pg", "measurement": "size"}, 0.0)]


def test_thresholds_read_counters_and_match_labels() -> None:
    """Thresholds read counters too, and skip the series their matchers exclude."""
    history = [
        (0.0, snap(family(ROWS, ({"tap": "pg"}, CounterState(value=3)), ({"tap": "s3"}, CounterState(value=9.0)))))
    ]
    expression = threshold("rows_total", ">", 1, matchers=[("tap", "!=", "s3")]).unwrap()
    assert values(expression, history, 0.0) == [({"tap": "pg"}, 3.0)]


# Problems


@pytest.mark.parametrize(
    ("history", "now", "expected"),
    [
        ([], 0.0, [("history", "empty")]),
        ("history", 0.0, [("history", "wrong_type")]),
        ([(0.0,)], 0.0, [("history[0]", "wrong_type")]),
        ([(-1.0, MetricsSnapshot(families=()))], 0.0, [("history[0][0]", "out_of_range")]),
        ([(1.0, MetricsSnapshot(families=[]))], 1.0, [("history[0][1]", "wrong_type")]),  # type: ignore[arg-type]
        ([(1.0, MetricsSnapshot(families=()))], "now", [("now", "wrong_type")]),
        (
            [(1.0, MetricsSnapshot(families=())), (1.0, MetricsSnapshot(families=()))],
            0.5,
            [("history[1][0]", "not_increasing"), ("now", "time_order")],
        ),
    ],
)
def test_malformed_histories_are_named(history: object, now: object, expected: list[tuple[str, str]]) -> None:
    """Every problem of a history and of now is reported with its place."""
    rule = alert_rule("Deep", DEEP).unwrap()
    assert problems(evaluate_rule(rule, history, EMPTY_RULE_STATE, now)) == expected


def test_a_metric_of_the_wrong_kind_is_incompatible() -> None:
    """Each expression names the kinds it reads and suggests the right one."""
    history = [(0.0, snap(family(LATENCY, ({}, histogram(1, 0, 0, 0))), family(SIZES, ({}, SketchState()))))]
    for expression in (
        threshold("latency_seconds", ">", 1),
        increase_over("latency_seconds", ">", 1, window=5),
        quantile_over("size_bytes", ">", 1, q=0.5, window=5),
        rate_over("queue_depth", ">", 1, window=5),
    ):
        rule = alert_rule("R", expression).unwrap()
        depth_history = [*history[:0], (0.0, snap(*history[0][1].families, family(DEPTH)))]
        assert problems(evaluate_rule(rule, depth_history, EMPTY_RULE_STATE, 0.0)) == [
            ("expression.metric", "incompatible"),
        ]


def broken_snapshots() -> list[MetricsSnapshot]:
    """Snapshots built by hand that break the rules of their series."""
    good = family(DEPTH, ({"queue": "a"}, GaugeState(value=150.0)))
    gauge: AggregationState = GaugeState(value=float("nan"))
    return [
        snap(FamilySnapshot(spec="queue_depth", series=()), good),  # type: ignore[arg-type]
        snap(FamilySnapshot(spec=DEPTH, series=[])),  # type: ignore[arg-type]
        snap(FamilySnapshot(spec=DEPTH, series=("a",))),  # type: ignore[arg-type]
        snap(FamilySnapshot(spec=DEPTH, series=(SeriesSnapshot([("queue", "a")], gauge),))),  # type: ignore[arg-type]
        snap(FamilySnapshot(spec=DEPTH, series=(SeriesSnapshot((("queue",),), gauge),))),  # type: ignore[arg-type]
        snap(FamilySnapshot(spec=DEPTH, series=(SeriesSnapshot((("q", "a"), ("q", "b")), gauge),))),
        snap(family(DEPTH, ({"queue": "a"}, gauge))),
        snap(family(DEPTH, ({"queue": "a"}, CounterState(value=1.0)))),
    ]


@pytest.mark.parametrize("snapshot", broken_snapshots())
def test_hand_made_snapshots_are_a_failure(snapshot: MetricsSnapshot) -> None:
    """A snapshot whose families or series were built by hand is refused, not read."""
    rule = alert_rule("Deep", DEEP).unwrap()
    assert [code for _, code in problems(evaluate_rule(rule, [(0.0, snapshot)], EMPTY_RULE_STATE, 0.0))] == [
        "wrong_type",
    ]


@pytest.mark.parametrize(
    "state",
    [
        CounterState(value=-1.0),
        CounterState(value="1"),  # type: ignore[arg-type]
        histogram(1, 0, 0),
        evolve(histogram(1, 0, 0, 0), sum=math.inf),
        SketchState(count=-1.5),  # type: ignore[arg-type]
        SketchState(sum=math.nan),
    ],
)
def test_hand_made_states_in_windows_and_staleness_are_a_failure(state: object) -> None:
    """Broken counter, histogram and sketch states are refused by the expressions that read them."""
    kinds = {CounterState: (ROWS, {"tap": "pg"}), HistogramState: (LATENCY, {}), SketchState: (SIZES, {})}
    instrument, labels = kinds[type(state)]
    history = [(0.0, snap(family(instrument, (labels, state))))]
    expressions = {
        CounterState: increase_over("rows_total", ">", 0, window=10),
        HistogramState: quantile_over("latency_seconds", ">", 0, q=0.5, window=10),
        SketchState: stale_for("size_bytes", duration=10),
    }
    rule = alert_rule("R", expressions[type(state)]).unwrap()
    assert [code for _, code in problems(evaluate_rule(rule, history, EMPTY_RULE_STATE, 0.0))] == ["wrong_type"]


def test_a_broken_older_snapshot_stops_the_staleness_walk() -> None:
    """Staleness reports a broken snapshot met while walking back through the history."""
    broken = snap(family(DEPTH, ({"queue": "a"}, GaugeState(value=float("nan")))))
    rule = alert_rule("Stale", stale_for("queue_depth", duration=10)).unwrap()
    history = [(0.0, broken), (10.0, depth(a=1))]
    assert problems(evaluate_rule(rule, history, EMPTY_RULE_STATE, 10.0)) == [("history[0][1]", "wrong_type")]


def good_instance() -> AlertInstance:
    """A firing instance as evaluate_rule keeps them."""
    rule = alert_rule("Deep", DEEP).unwrap()
    return evaluate_rule(rule, [(10.0, depth(a=150))], EMPTY_RULE_STATE, 10.0).unwrap().state.instances[0]


@pytest.mark.parametrize(
    "state",
    [
        RuleState(instances=[good_instance()]),  # type: ignore[arg-type]
        RuleState(instances=(good_instance(), good_instance())),
        RuleState(instances=("instance",)),  # type: ignore[arg-type]
        RuleState(instances=(evolve(good_instance(), labels={"queue": "a"}),)),  # type: ignore[arg-type]
        RuleState(instances=(evolve(good_instance(), phase=AlertPhase.RESOLVED),)),
        RuleState(instances=(evolve(good_instance(), fired_at=None),)),
        RuleState(instances=(evolve(good_instance(), active_since=11.0),)),
        RuleState(instances=(evolve(good_instance(), value=1),)),
        RuleState(instances=(evolve(good_instance(), annotations=FrozenMap({"a": 1})),)),  # type: ignore[arg-type]
        {"instances": ()},
    ],
)
def test_malformed_states_are_a_failure(state: object) -> None:
    """A state not returned by evaluate_rule is refused, whichever part is broken."""
    rule = alert_rule("Deep", DEEP).unwrap()
    found = problems(evaluate_rule(rule, [(20.0, depth(a=150))], state, 20.0))  # type: ignore[arg-type]
    assert {code for _, code in found} == {"wrong_type"}
    assert all(field.startswith("state") for field, _ in found)


def test_time_never_moves_back_behind_the_state() -> None:
    """Evaluating before the state's last evaluation is a time order failure."""
    rule = alert_rule("Deep", DEEP).unwrap()
    state = RuleState(instances=(evolve(good_instance(), last_true=30.0),))
    assert problems(evaluate_rule(rule, [(20.0, depth(a=150))], state, 20.0)) == [("now", "time_order")]


def test_a_pending_instance_keeps_its_start_until_it_fires() -> None:
    """A pending alert updates its value and annotations each evaluation without a transition."""
    rule = alert_rule("Deep", DEEP, for_seconds=100).unwrap()
    evaluations = run(rule, [(0.0, depth(a=150)), (10.0, depth(a=180))])
    instance = evaluations[1].state.instances[0]
    assert (instance.phase, instance.active_since, instance.value) == (AlertPhase.PENDING, 0.0, 180.0)
    assert instance.annotations["summary"] == "Deep: value 180"
    assert evaluations[1].transitions == ()


def test_transitions_from_pending_are_not_alerts() -> None:
    """A pending alert that stops holding goes back to inactive, which transition_alert refuses."""
    rule = alert_rule("Deep", DEEP, for_seconds=100).unwrap()
    evaluations = run(rule, [(0.0, depth(a=150)), (10.0, depth(a=1))])
    (back,) = evaluations[1].transitions
    assert isinstance(back, Transition)
    assert (back.from_phase, back.to_phase, back.value) == (AlertPhase.PENDING, AlertPhase.INACTIVE, 150.0)
    assert problems(transition_alert(rule, back)) == [("transition.to_phase", "invalid_choice")]


def test_health_and_absence_report_broken_snapshots() -> None:
    """Health rules refuse a status metric of another kind, and absence a broken snapshot."""
    not_a_gauge = spec("counter", "flext_health_check_status")
    history = [(0.0, snap(family(not_a_gauge, ({}, CounterState(value=1.0)))))]
    health = alert_rule("Unhealthy", health_check_status()).unwrap()
    assert problems(evaluate_rule(health, history, EMPTY_RULE_STATE, 0.0)) == [("expression.metric", "incompatible")]
    broken = [(0.0, snap(family(DEPTH, ({"queue": "a"}, GaugeState(value=math.inf)))))]
    missing = alert_rule("Gone", absent("queue_depth")).unwrap()
    assert problems(evaluate_rule(missing, broken, EMPTY_RULE_STATE, 0.0)) == [("history[0][1]", "wrong_type")]
