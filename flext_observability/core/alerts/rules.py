"""Alert rules: an expression, how long it must hold, and what the alert says.

An :class:`AlertRule` is a frozen plan checked once by :func:`alert_rule`;
:func:`~flext_observability.core.alerts.evaluation.evaluate_rule` runs it.
Every broken argument is reported at once, each under its own name:

- ``name``: an identifier (letters, digits and ``_``, not starting with a
  digit), the ``alertname`` of every alert of the rule;
- ``expression``: made by a factory of
  :mod:`~flext_observability.core.alerts.expressions` (its ``Result`` is
  accepted too);
- ``for_seconds`` and ``keep_firing_for``: finite seconds, zero or more;
- ``severity``: an :class:`~flext_observability.core.values.AlertSeverity`
  or its name;
- ``labels``: added to every alert; ``alertname`` and ``severity`` are
  reserved, since the rule's own fields set them;
- ``annotations``: checked templates (see
  :mod:`~flext_observability.core.alerts.templates`); without a ``summary``
  the rule gets :data:`DEFAULT_SUMMARY`, which is also the alert's message;
- ``max_alerts``: how many alerts of the rule may be active at once.

>>> from flext_observability.core.alerts.expressions import threshold
>>> rule = alert_rule("QueueTooDeep", threshold("queue_depth", ">", 100), for_seconds=60).unwrap()
>>> rule
alert_rule('QueueTooDeep', threshold('queue_depth', '>', 100.0), for_seconds=60.0, severity='warning')
>>> rule.annotations["summary"]
annotation_template('{rule}: value {value:g}')
>>> for error in alert_rule("queue too deep", None, for_seconds=-1, labels={"severity": "x"}).failure().errors:
...     print(error.field, error.code.value)
name invalid_name
expression wrong_type
for_seconds out_of_range
labels['severity'] reserved_name
"""

from __future__ import annotations

from typing import Final

from attrs import frozen
from returns.result import Failure, Result, Success

from flext_observability.core.alerts.alert import RESERVED_ALERT_LABELS
from flext_observability.core.alerts.expressions import (
    Expression,
    IncreaseExpression,
    QuantileExpression,
    RateExpression,
    StaleExpression,
    is_well_formed_expression,
)
from flext_observability.core.alerts.templates import (
    AnnotationTemplate,
    annotation_template,
    check_template,
    is_well_formed_template,
)
from flext_observability.core.checks import (
    LABEL_NAME,
    Problems,
    add,
    check_choice,
    check_count,
    check_label_name,
    check_non_negative,
    check_string_map,
    check_text,
    describe,
    invalid,
    key_path,
    read_items,
)
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.frozen import FrozenMap
from flext_observability.core.limits import MAX_LABELS
from flext_observability.core.records import nest_errors
from flext_observability.core.values import AlertSeverity

DEFAULT_SUMMARY: Final = "{rule}: value {value:g}"
"""The ``summary`` of a rule that gives none: its name and the value, as in ``QueueTooDeep: value 150``."""

MAX_ALERTS: Final = 100_000
"""The largest ``max_alerts``: each active alert is kept in the rule's state and re-sent."""

DEFAULT_MAX_ALERTS: Final = 1000
"""The ``max_alerts`` of a rule that gives none."""

_ENTITY: Final = "alert rule"
_DEFAULT_TEMPLATE: Final = annotation_template(DEFAULT_SUMMARY).unwrap()


@frozen(kw_only=True)
class AlertRule:
    """A checked alert rule; make it with :func:`alert_rule`, which documents each field."""

    name: str
    expression: Expression
    for_seconds: float
    keep_firing_for: float
    severity: AlertSeverity
    labels: FrozenMap[str, str]
    annotations: FrozenMap[str, AnnotationTemplate]
    max_alerts: int

    def __repr__(self) -> str:
        """The call that makes the rule, with the arguments that differ from the defaults."""
        options = [("for_seconds", self.for_seconds, 0.0), ("keep_firing_for", self.keep_firing_for, 0.0)]
        shown = "".join(f", {name}={value!r}" for name, value, default in options if value != default)
        shown += f", severity={self.severity.value!r}"
        if self.labels:
            shown += f", labels={dict(self.labels)!r}"
        if dict(self.annotations) != {"summary": _DEFAULT_TEMPLATE}:
            shown += f", annotations={ {key: value.text for key, value in self.annotations.items()}!r}"
        if self.max_alerts != DEFAULT_MAX_ALERTS:
            shown += f", max_alerts={self.max_alerts!r}"
        return f"alert_rule({self.name!r}, {self.expression!r}{shown})"


def _check_name(problems: Problems, value: object) -> str | None:
    text = check_text(problems, "name", value)
    if text is not None and LABEL_NAME.fullmatch(text) is None:
        add(
            problems,
            FlextErrorCode.INVALID_NAME,
            "name",
            f"{describe(text)} is not an alert name (letters, digits and '_', not starting with a digit); "
            "write it in CamelCase, such as QueueTooDeep",
        )
        return None
    return text


def _check_expression(problems: Problems, value: object) -> Expression | None:
    if isinstance(value, Success):
        value = value.unwrap()
    elif isinstance(value, Failure) and isinstance(value.failure(), FlextValidationError):
        nest_errors(problems, "expression", value.failure())
        return None
    if not is_well_formed_expression(value):
        add(
            problems,
            FlextErrorCode.WRONG_TYPE,
            "expression",
            "expected an expression made by threshold(), increase_over(), rate_over(), quantile_over(), "
            f"absent(), stale_for() or health_check_status(), got {describe(value)}",
        )
        return None
    return value  # type: ignore[return-value]  # is_well_formed_expression checked it


def _check_annotations(problems: Problems, value: object) -> FrozenMap[str, AnnotationTemplate] | None:
    items = read_items(problems, "annotations", {} if value is None else value)
    if items is None or not check_count(problems, "annotations", len(items), MAX_LABELS, "entries"):
        return None
    before = len(problems)
    checked: dict[str, AnnotationTemplate] = {"summary": _DEFAULT_TEMPLATE}
    for key, text in items:
        path = key_path("annotations", key)
        name = check_label_name(problems, path, key, frozenset())
        template = check_template(problems, path, text)
        if name is not None and template is not None:
            checked[name] = template
    if len(problems) != before:
        return None
    return FrozenMap.adopt(checked)


def _check_max_alerts(problems: Problems, value: object) -> int | None:
    if type(value) is not int:
        add(problems, FlextErrorCode.WRONG_TYPE, "max_alerts", f"expected a whole number, got {describe(value)}")
        return None
    if not 1 <= value <= MAX_ALERTS:
        add(
            problems,
            FlextErrorCode.OUT_OF_RANGE,
            "max_alerts",
            f"must be from 1 to {MAX_ALERTS}, got {value}",
        )
        return None
    return value


def alert_rule(  # noqa: PLR0913 - one argument per part of the rule, the options keyword-only
    name: object,
    expression: object,
    *,
    for_seconds: object = 0.0,
    keep_firing_for: object = 0.0,
    severity: object = AlertSeverity.WARNING,
    labels: object = None,
    annotations: object = None,
    max_alerts: object = DEFAULT_MAX_ALERTS,
) -> Result[AlertRule, FlextValidationError]:
    """Check every argument (see the module's documentation) and make an :class:`AlertRule`.

    >>> from flext_observability.core.alerts.expressions import absent
    >>> print(alert_rule("NoRows", absent("rows_total"), annotations={"summary": "{labels[tap]}"}).failure())
    invalid alert rule: annotations['summary']: {labels[tap]}: unknown field; \
use {value}, {value:.2f}, {labels.NAME} or {rule} [unknown_field]
    """
    problems: Problems = []
    checked_name = _check_name(problems, name)
    checked_expression = _check_expression(problems, expression)
    checked_for = check_non_negative(problems, "for_seconds", for_seconds)
    checked_keep = check_non_negative(problems, "keep_firing_for", keep_firing_for)
    checked_severity = check_choice(problems, "severity", severity, AlertSeverity)
    checked_labels = check_string_map(problems, "labels", labels, reserved=RESERVED_ALERT_LABELS)
    checked_annotations = _check_annotations(problems, annotations)
    checked_max = _check_max_alerts(problems, max_alerts)
    if (
        problems
        or checked_name is None
        or checked_expression is None
        or checked_for is None
        or checked_keep is None
        or checked_severity is None
        or checked_labels is None
        or checked_annotations is None
        or checked_max is None
    ):
        return invalid(_ENTITY, problems)
    return Success(
        AlertRule(
            name=checked_name,
            expression=checked_expression,
            for_seconds=checked_for,
            keep_firing_for=checked_keep,
            severity=checked_severity,
            labels=checked_labels,
            annotations=checked_annotations,
            max_alerts=checked_max,
        ),
    )


def is_well_formed_rule(rule: object) -> bool:
    """Tell whether ``rule`` is an :class:`AlertRule` as :func:`alert_rule` makes them (not built or changed by hand).

    >>> from flext_observability.core.alerts.expressions import absent
    >>> is_well_formed_rule(alert_rule("NoRows", absent("rows_total")).unwrap()), is_well_formed_rule("NoRows")
    (True, False)
    """
    if type(rule) is not AlertRule:
        return False
    severity: object = rule.severity
    return (
        type(rule.name) is str
        and LABEL_NAME.fullmatch(rule.name) is not None
        and is_well_formed_expression(rule.expression)
        and _is_duration(rule.for_seconds)
        and _is_duration(rule.keep_firing_for)
        and isinstance(severity, AlertSeverity)
        and is_text_map(rule.labels)
        and not RESERVED_ALERT_LABELS.intersection(rule.labels)
        and _is_template_map(rule.annotations)
        and type(rule.max_alerts) is int
        and 1 <= rule.max_alerts <= MAX_ALERTS
    )


def _is_duration(value: object) -> bool:
    return type(value) is float and 0.0 <= value < float("inf")


def _is_template_map(value: object) -> bool:
    return type(value) is FrozenMap and all(
        type(key) is str and is_well_formed_template(item) for key, item in value.to_dict().items()
    )


def is_text_map(value: object) -> bool:
    """Tell whether ``value`` is a ``FrozenMap`` of text to text (labels, rendered annotations)."""
    # to_dict() iterates as fast as a dict; the Mapping methods of a FrozenMap go through its __getitem__.
    return type(value) is FrozenMap and all(
        type(key) is str and type(item) is str for key, item in value.to_dict().items()
    )


def rule_reach(rule: AlertRule) -> float:
    """How many seconds of history ``rule`` reads: its window or staleness duration, 0 for an instant expression.

    Keep the samples of the last ``rule_reach(rule)`` seconds and the newest
    one older than that: a staleness rule needs a sample from at least its
    duration ago to tell that nothing changed. Anything but a well-formed
    rule reads nothing (0).

    >>> from flext_observability.core.alerts.expressions import rate_over, stale_for, threshold
    >>> [rule_reach(alert_rule("R", expression).unwrap())
    ...  for expression in (threshold("up", "==", 0), rate_over("rows_total", "<", 1, window=300),
    ...                     stale_for("rows_total", duration=3600))]
    [0.0, 300.0, 3600.0]
    >>> rule_reach(None)
    0.0
    """
    if not is_well_formed_rule(rule):
        return 0.0
    expression = rule.expression
    if isinstance(expression, IncreaseExpression | RateExpression | QuantileExpression):
        return expression.window
    if isinstance(expression, StaleExpression):
        return expression.duration
    return 0.0
