"""Alert rule factories: expressions, label matchers, annotation templates and rules name every bad input."""

from __future__ import annotations

import re
from typing import Any

import pytest
from attrs import evolve
from returns.result import Failure, Success

from flext_observability.core.alerts.expressions import (
    Comparison,
    absent,
    health_check_status,
    increase_over,
    is_well_formed_expression,
    quantile_over,
    rate_over,
    stale_for,
    threshold,
)
from flext_observability.core.alerts.matchers import (
    LabelMatcher,
    MatchOp,
    check_matchers,
    is_well_formed_matcher,
    label_matcher,
)
from flext_observability.core.alerts.rules import (
    DEFAULT_SUMMARY,
    MAX_ALERTS,
    alert_rule,
    is_well_formed_rule,
    rule_reach,
)
from flext_observability.core.alerts.templates import (
    MAX_PRECISION,
    MAX_WIDTH,
    AnnotationTemplate,
    TemplatePart,
    annotation_template,
    is_well_formed_template,
    render_template,
)
from flext_observability.core.errors import FlextValidationError
from flext_observability.core.frozen import FrozenMap
from flext_observability.core.values import AlertSeverity, HealthStatus


def fields(result: object) -> list[tuple[str, str]]:
    """The (field, code) of every problem of a failed result."""
    assert isinstance(result, Failure)
    error = result.failure()
    assert isinstance(error, FlextValidationError)
    return [(item.field, item.code.value) for item in error.errors]


class BrokenMapping(dict[str, str]):
    """A mapping whose reading fails."""

    def __iter__(self) -> object:  # type: ignore[override]
        """Fail as a broken user mapping would."""
        raise RuntimeError


# Expressions


def test_threshold_reports_every_bad_argument() -> None:
    """A threshold names its metric, comparison, value and matchers when all four are wrong."""
    assert fields(threshold("queue depth", "gt", float("inf"), matchers=5)) == [
        ("metric", "invalid_name"),
        ("comparison", "invalid_choice"),
        ("value", "not_finite"),
        ("matchers", "wrong_type"),
    ]


def test_window_expressions_refuse_windows_that_are_not_positive() -> None:
    """Increase, rate and quantile windows, and staleness durations, must be more than zero seconds."""
    assert fields(increase_over("rows_total", ">", 1, window=0)) == [("window", "out_of_range")]
    assert fields(rate_over(7, ">", 1, window="5m")) == [("metric", "wrong_type"), ("window", "wrong_type")]
    assert fields(stale_for("rows_total", duration=-1, matchers=[("2x", "=", "a")])) == [
        ("duration", "out_of_range"),
        ("matchers[0].name", "invalid_name"),
    ]
    assert fields(quantile_over("latency_seconds", "<", 1, q=None, window=1)) == [("q", "wrong_type")]
    assert fields(absent("", matchers={"tap": 5})) == [("metric", "empty"), ("matchers['tap'].value", "wrong_type")]


def test_expression_reprs_and_text_read_like_the_rule() -> None:
    """Each expression's repr is its factory call and its str a PromQL-like line."""
    quantile = quantile_over("latency_seconds", ">=", 0.5, q=0.9, window=60, matchers={"route": "/a"}).unwrap()
    assert repr(quantile) == (
        "quantile_over('latency_seconds', '>=', 0.5, q=0.9, window=60.0, matchers=[('route', '=', '/a')])"
    )
    assert str(increase_over("rows_total", "==", 0, window=600).unwrap()) == "increase(rows_total[600s]) == 0"
    assert repr(rate_over("rows_total", "<", 2, window=30).unwrap()) == "rate_over('rows_total', '<', 2.0, window=30.0)"
    assert repr(absent("up").unwrap()) == "absent('up')"
    assert str(stale_for("up", duration=90).unwrap()) == "unchanged_seconds(up) >= 90"
    health = health_check_status("fail", component="pg", measurement="latency").unwrap()
    assert repr(health) == "health_check_status('fail', component='pg', measurement='latency')"
    assert str(health) == 'flext_health_check_status{component="pg", measurement="latency"} <= 0'
    assert repr(health_check_status().unwrap()) == "health_check_status('fail')"


def test_health_check_status_checks_its_arguments() -> None:
    """Health status expressions refuse 'pass', unknown statuses and non-text labels."""
    assert fields(health_check_status("ok", component=5, measurement="")) == [
        ("status", "invalid_choice"),
        ("component", "wrong_type"),
        ("measurement", "empty"),
    ]
    assert health_check_status("warn").unwrap().level == 0.5


def test_comparisons_follow_promql_on_nan() -> None:
    """Only != holds for NaN, as in PromQL."""
    nan = float("nan")
    assert [comparison.holds(nan, 1.0) for comparison in Comparison] == [False, False, False, False, False, True]
    assert [comparison.holds(1.0, 1.0) for comparison in Comparison] == [False, True, False, True, True, False]


@pytest.mark.parametrize(
    "changed",
    [
        {"metric": 5},
        {"matchers": ("tap",)},
        {"comparison": ">"},
        {"value": float("nan")},
        {"window": 1},
        {"q": "0.5"},
    ],
)
def test_an_expression_changed_by_hand_is_not_well_formed(changed: dict[str, Any]) -> None:
    """Expressions built or changed by hand are refused, whichever field is broken."""
    quantile = quantile_over("latency_seconds", ">", 1, q=0.5, window=60).unwrap()
    assert is_well_formed_expression(quantile)
    assert not is_well_formed_expression(evolve(quantile, **changed))


def test_other_hand_made_expressions_are_not_well_formed() -> None:
    """Staleness, health and threshold expressions changed by hand are refused too."""
    assert is_well_formed_expression(threshold("up", "==", 0).unwrap())
    assert not is_well_formed_expression(evolve(stale_for("up", duration=5).unwrap(), duration=-0.0 + float("inf")))
    assert not is_well_formed_expression(evolve(health_check_status().unwrap(), status=HealthStatus.PASS))
    assert not is_well_formed_expression(evolve(health_check_status().unwrap(), component=3))  # type: ignore[arg-type]
    assert is_well_formed_expression(stale_for("up", duration=5).unwrap())


# Matchers


def test_label_matchers_match_whole_values() -> None:
    """Each operator matches as PromQL's does, regexes anchored and a missing label read as empty."""
    assert label_matcher("tap", "=", "").unwrap().matches({})
    assert label_matcher("tap", "!=", "pg").unwrap().matches({"tap": "mysql"})
    assert not label_matcher("tap", "!~", "p.*").unwrap().matches({"tap": "pg"})
    assert label_matcher("tap", "!~", "p.*").unwrap().matches({"tap": "mysql"})
    assert str(label_matcher("tap", "!=", 'a"b').unwrap()) == 'tap!="a\\"b"'


def test_check_matchers_reads_every_accepted_form() -> None:
    """Matchers come as a mapping, results of label_matcher, matcher objects and triples."""
    made = label_matcher("tap", "=~", "pg").unwrap()
    hand_made = LabelMatcher(name="env", op=MatchOp.REGEX, value="prod")
    problems: list[object] = []
    checked = check_matchers(problems, "matchers", [Success(made), made, hand_made, ("job", "!=", "x")])  # type: ignore[arg-type]
    assert problems == []
    assert checked is not None
    assert [str(matcher) for matcher in checked] == ['tap=~"pg"', 'tap=~"pg"', 'env=~"prod"', 'job!="x"']
    assert all(is_well_formed_matcher(matcher) for matcher in checked)


def test_check_matchers_reports_each_bad_entry() -> None:
    """Failed label_matcher results, odd entries, broken mappings and too many matchers are named."""
    assert fields(threshold("up", "==", 0, matchers=[label_matcher("x", "~", "a"), "tap", ("a", "=")])) == [
        ("matchers[0].op", "invalid_choice"),
        ("matchers[1]", "wrong_type"),
        ("matchers[2]", "wrong_type"),
    ]
    assert fields(threshold("up", "==", 0, matchers=BrokenMapping(a="b"))) == [("matchers", "wrong_type")]
    assert fields(threshold("up", "==", 0, matchers={f"l{i}": "v" for i in range(33)})) == [("matchers", "too_many")]
    assert fields(threshold("up", "==", 0, matchers=[("a", "=", "b")] * 33)) == [("matchers", "too_many")]
    assert fields(threshold("up", "==", 0, matchers=[Failure("boom")])) == [("matchers[0]", "wrong_type")]


def test_regex_matchers_report_patterns_that_do_not_compile() -> None:
    """A regex that does not compile, or that overflows the compiler, is named with the reason."""
    assert fields(label_matcher("tap", "=~", "(")) == [("value", "invalid_text")]
    deep = label_matcher("tap", "=~", "a{4294967296}")
    assert fields(deep) == [("value", "invalid_text")]


def test_hand_made_matchers_are_not_well_formed() -> None:
    """A matcher without its compiled pattern, or with a wrong field, is refused."""
    assert not is_well_formed_matcher(LabelMatcher(name="tap", op=MatchOp.REGEX, value="pg"))
    assert not is_well_formed_matcher(LabelMatcher(name="tap", op="=", value="pg"))  # type: ignore[arg-type]
    assert not is_well_formed_matcher(("tap", "=", "pg"))
    regex = label_matcher("tap", "=~", "pg").unwrap()
    assert is_well_formed_matcher(regex)
    assert not is_well_formed_matcher(evolve(regex, op=MatchOp.EQUAL))


# Templates


def test_templates_render_values_labels_and_rule_names() -> None:
    """Value specs, label specs, literal braces and the rule name all render."""
    template = annotation_template("{{x}} {rule:>5}|{labels.tap:>4}|{value:.1%}|{value}").unwrap()
    assert render_template(template, value=0.25, labels={"tap": "pg"}, rule="R") == "{x}     R|  pg|25.0%|0.25"
    assert render_template(template, value="x", labels={"tap": 5, 6: "a"}, rule=5) == "{x}      |    |nan%|nan"
    assert render_template("{value}", value=1, labels={}, rule="R") == ""  # type: ignore[arg-type]
    assert render_template(annotation_template("").unwrap(), value=1, labels={}, rule="R") == ""


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("{foo}", "unknown_field"),
        ("{labels.2x}", "unknown_field"),
        ("{value!s}", "invalid_text"),
        ("{value:{x}}", "invalid_text"),
        ("{value:xyz}", "invalid_text"),
        (f"{{value:{MAX_WIDTH + 1}}}", "out_of_range"),
        (f"{{value:.{MAX_PRECISION + 1}f}}", "out_of_range"),
        ("{value:n}", "invalid_text"),
        ("{rule:.2f}", "invalid_text"),
        ("{labels.tap:d}", "invalid_text"),
        ("}", "invalid_text"),
        (5, "wrong_type"),
    ],
)
def test_bad_templates_are_refused(text: object, code: str) -> None:
    """Each kind of bad field or spec is refused with its own code."""
    assert [item[1] for item in fields(annotation_template(text))] == [code]


def test_hand_made_templates_are_not_well_formed() -> None:
    """A template whose parts do not come from its text renders as nothing."""
    made = annotation_template("{value}").unwrap()
    assert is_well_formed_template(made)
    assert repr(made) == "annotation_template('{value}')"
    assert not is_well_formed_template(AnnotationTemplate(text="{foo}", parts=()))
    assert not is_well_formed_template(evolve(made, text=5))  # type: ignore[arg-type]
    assert not is_well_formed_template(evolve(made, parts=[TemplatePart("", "value", "", "")]))  # type: ignore[arg-type]
    assert not is_well_formed_template(evolve(made, parts=(TemplatePart("", "rule", "", ""),)))


# Rules


def test_alert_rule_reports_every_bad_argument() -> None:
    """Every argument of a rule is checked and named at once."""
    result = alert_rule(
        "1st rule",
        threshold("queue depth", ">", 1),
        for_seconds=float("nan"),
        keep_firing_for=-1,
        severity="urgent",
        labels={"alertname": "x", "team": 5},
        annotations={"summary": "{foo}", "2x": "a"},
        max_alerts=0,
    )
    assert fields(result) == [
        ("name", "invalid_name"),
        ("expression.metric", "invalid_name"),
        ("for_seconds", "not_finite"),
        ("keep_firing_for", "out_of_range"),
        ("severity", "invalid_choice"),
        ("labels['alertname']", "reserved_name"),
        ("labels['team']", "wrong_type"),
        ("annotations['summary']", "unknown_field"),
        ("annotations['2x']", "invalid_name"),
        ("max_alerts", "out_of_range"),
    ]


def test_alert_rule_refuses_odd_types() -> None:
    """Names, expressions, annotations and caps of the wrong type are named."""
    assert fields(alert_rule(None, "up == 0", annotations=[("summary", "x")], max_alerts=True)) == [
        ("name", "wrong_type"),
        ("expression", "wrong_type"),
        ("annotations", "wrong_type"),
        ("max_alerts", "wrong_type"),
    ]
    too_many = {f"a{i}": "x" for i in range(33)}
    assert fields(alert_rule("R", absent("up"), annotations=too_many, max_alerts=MAX_ALERTS + 1)) == [
        ("annotations", "too_many"),
        ("max_alerts", "out_of_range"),
    ]


def test_alert_rule_fills_defaults_and_shows_its_call() -> None:
    """A rule gets the default summary, and its repr shows what differs from the defaults."""
    plain = alert_rule("Down", threshold("up", "==", 0)).unwrap()
    assert plain.annotations["summary"].text == DEFAULT_SUMMARY
    assert plain.severity is AlertSeverity.WARNING
    assert repr(plain) == "alert_rule('Down', threshold('up', '==', 0.0), severity='warning')"
    custom = alert_rule(
        "Down",
        threshold("up", "==", 0).unwrap(),
        keep_firing_for=30,
        severity=AlertSeverity.CRITICAL,
        labels={"team": "data"},
        annotations={"summary": "{labels.job} is down", "runbook": "see wiki"},
        max_alerts=5,
    ).unwrap()
    assert custom.annotations["summary"].text == "{labels.job} is down"
    assert repr(custom) == (
        "alert_rule('Down', threshold('up', '==', 0.0), keep_firing_for=30.0, severity='critical', "
        "labels={'team': 'data'}, annotations={'summary': '{labels.job} is down', 'runbook': 'see wiki'}, "
        "max_alerts=5)"
    )


def test_rule_reach_is_the_longest_lookback() -> None:
    """Windows and staleness durations are the reach; instant expressions and non-rules reach nothing."""
    reaches = [
        rule_reach(alert_rule("R", expression).unwrap())
        for expression in (
            increase_over("rows_total", ">", 1, window=120),
            quantile_over("latency_seconds", ">", 1, q=0.5, window=30),
            absent("up"),
            health_check_status(),
        )
    ]
    assert reaches == [120.0, 30.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "changed",
    [
        {"name": "bad name"},
        {"for_seconds": -1.0},
        {"severity": "warning"},
        {"labels": FrozenMap({"severity": "x"})},
        {"labels": {"a": "b"}},
        {"annotations": FrozenMap({"summary": "text"})},
        {"max_alerts": 0},
    ],
)
def test_a_rule_changed_by_hand_is_not_well_formed(changed: dict[str, Any]) -> None:
    """Rules built or changed by hand are refused, whichever field is broken."""
    rule = alert_rule("R", absent("up")).unwrap()
    assert is_well_formed_rule(rule)
    assert not is_well_formed_rule(evolve(rule, **changed))
    assert rule_reach(evolve(rule, **changed)) == 0.0


def test_regex_flags_let_dot_match_newlines() -> None:
    """Regex matchers compile with DOTALL, as Prometheus anchors and compiles them."""
    matcher = label_matcher("msg", "=~", "a.b").unwrap()
    assert matcher.pattern is not None
    assert matcher.pattern.flags & re.DOTALL
    assert matcher.matches({"msg": "a\nb"})
