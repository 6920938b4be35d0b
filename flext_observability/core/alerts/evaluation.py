"""Evaluating an alert rule: its alerts' lifecycle, one evaluation at a time.

:func:`evaluate_rule` reads the rule's expression over a history at ``now``
and moves the rule's state on, as Prometheus moves an alerting rule's:

- a series for which the expression holds is an alert, known by its
  identity labels: the series' labels (``alertname`` and ``severity``
  renamed ``exported_alertname`` and ``exported_severity``), then the
  rule's labels, which win;
- a new alert is ``pending``, and ``firing`` once the expression has held
  at every evaluation for ``for_seconds`` since it became active (with
  ``for_seconds=0`` it fires in the evaluation that finds it);
- a pending alert whose expression no longer holds becomes ``inactive`` and
  is forgotten;
- a firing alert keeps firing while the expression holds and for
  ``keep_firing_for`` seconds after it last held; then it is ``resolved``
  and leaves the state.

Each change is a :class:`Transition`; :func:`transition_alert` turns those to
``firing`` and ``resolved`` into alerts to send, and :func:`firing_alerts`
gives the alerts firing now (to send again). At most ``max_alerts`` alerts
are active: an alert beyond that is not created, and counted in
``dropped``. Time comes only from ``now``, and the result depends only on
the arguments. A problem (a rule, history or state not made by this
library's functions, a metric the expression cannot read, two series with
the same identity) is a ``Failure``; the caller keeps its old state.

>>> from flext_observability.core.alerts.expressions import threshold
>>> from flext_observability.core.alerts.rules import alert_rule
>>> from flext_observability.core.metrics.aggregation import GaugeState
>>> from flext_observability.core.metrics.exposition import FamilySnapshot, MetricsSnapshot, SeriesSnapshot
>>> from flext_observability.core.metrics.instruments import define_instrument
>>> depth = define_instrument(kind="gauge", name="queue_depth", help_text="Jobs waiting.").unwrap()
>>> def at(value):
...     series = (SeriesSnapshot((), GaugeState(value=value)),)
...     return MetricsSnapshot(families=(FamilySnapshot(spec=depth, series=series),))
>>> rule = alert_rule("QueueTooDeep", threshold("queue_depth", ">", 100), for_seconds=60).unwrap()
>>> state = EMPTY_RULE_STATE
>>> for now, value in [(0.0, 150.0), (30.0, 170.0), (60.0, 160.0), (90.0, 20.0)]:
...     state, transitions, dropped = evaluate_rule(rule, [(now, at(value))], state, now).unwrap()
...     print(now, [f"{t.from_phase} -> {t.to_phase}" for t in transitions])
0.0 ['inactive -> pending']
30.0 []
60.0 ['pending -> firing']
90.0 ['firing -> resolved']
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Final, NamedTuple

from attrs import frozen
from returns.result import Failure, Result, Success

from flext_observability.core.alerts.alert import RESERVED_ALERT_LABELS, FlextAlert, build_alert
from flext_observability.core.alerts.queries import ENTITY, LabelKey, check_history, read_expression
from flext_observability.core.alerts.rules import AlertRule, is_text_map, is_well_formed_rule
from flext_observability.core.alerts.templates import render_parts
from flext_observability.core.checks import Problems, add, describe, invalid, invalid_one
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.frozen import FrozenMap
from flext_observability.core.limits import MAX_TIMESTAMP
from flext_observability.core.values import AlertStatus

if TYPE_CHECKING:
    from flext_observability.core.alerts.queries import ExpressionElement

ALERT_SOURCE: Final = "alert rule"
"""The ``source`` of the alerts made from a rule's transitions."""


class AlertPhase(StrEnum):
    """Where an alert is in its lifecycle; only ``pending`` and ``firing`` alerts are kept in a state."""

    INACTIVE = "inactive"
    PENDING = "pending"
    FIRING = "firing"
    RESOLVED = "resolved"


@frozen(kw_only=True)
class AlertInstance:
    """One active alert of a rule.

    ``active_since`` is when the expression started to hold (Prometheus's
    ``activeAt``), ``fired_at`` when it started firing (``None`` while
    pending), ``last_true`` the last evaluation at which it held; ``value``
    and ``annotations`` are those of that evaluation.
    """

    labels: FrozenMap[str, str]
    phase: AlertPhase
    active_since: float
    fired_at: float | None
    last_true: float
    value: float
    annotations: FrozenMap[str, str]


@frozen(kw_only=True)
class RuleState:
    """The active alerts of one rule, sorted by labels; start from :data:`EMPTY_RULE_STATE`."""

    instances: tuple[AlertInstance, ...] = ()


EMPTY_RULE_STATE: Final = RuleState()
"""The state of a rule that has not been evaluated yet: no active alert."""


@frozen(kw_only=True)
class Transition:
    """An alert's change of phase at ``at``, with its value, annotations, ``active_since`` and ``fired_at`` then.

    ``fired_at`` is ``None`` for the transitions of an alert that never
    fired (to ``pending``, and from it to ``inactive``).
    """

    labels: FrozenMap[str, str]
    from_phase: AlertPhase
    to_phase: AlertPhase
    at: float
    value: float
    annotations: FrozenMap[str, str]
    active_since: float
    fired_at: float | None


class RuleEvaluation(NamedTuple):
    """What one evaluation gives: the new state, the transitions sorted by labels, the alerts not created."""

    state: RuleState
    transitions: tuple[Transition, ...]
    dropped: int


def _is_time(value: object) -> bool:
    return type(value) is float and 0.0 <= value <= MAX_TIMESTAMP


def _instance_key(instance: object) -> LabelKey | None:
    """The identity of a well-formed instance; ``None`` for one built or changed by hand."""
    if type(instance) is not AlertInstance or not is_text_map(instance.labels):
        return None
    phase: object = instance.phase
    fired: object = instance.fired_at
    well_formed = (
        ((phase is AlertPhase.PENDING and fired is None) or (phase is AlertPhase.FIRING and _is_time(fired)))
        and _is_time(instance.active_since)
        and _is_time(instance.last_true)
        and instance.active_since <= instance.last_true
        and type(instance.value) is float
        and is_text_map(instance.annotations)
    )
    return _key(instance.labels) if well_formed else None


def _key(labels: FrozenMap[str, str]) -> LabelKey:
    return tuple(sorted(labels.to_dict().items()))


def _read_state(problems: Problems, state: object) -> dict[LabelKey, AlertInstance]:
    """The instances of ``state`` by identity; each broken one is reported."""
    if type(state) is not RuleState or type(state.instances) is not tuple:
        add(
            problems,
            FlextErrorCode.WRONG_TYPE,
            "state",
            f"expected the RuleState of the rule's last evaluation (or EMPTY_RULE_STATE), got {describe(state)}",
        )
        return {}
    instances: dict[LabelKey, AlertInstance] = {}
    for index, instance in enumerate(state.instances):
        key = _instance_key(instance)
        if key is None or key in instances:
            add(
                problems,
                FlextErrorCode.WRONG_TYPE,
                f"state.instances[{index}]",
                "is not an alert instance as evaluate_rule keeps them (built or changed by hand, "
                "or a repeat of another's labels); pass the state evaluate_rule returned",
            )
            continue
        instances[key] = instance
    return instances


def _identity(series: LabelKey, rule: AlertRule) -> dict[str, str]:
    labels = {(f"exported_{name}" if name in RESERVED_ALERT_LABELS else name): value for name, value in series}
    labels.update(rule.labels.to_dict())
    return labels


def _render(rule: AlertRule, labels: dict[str, str], value: float) -> FrozenMap[str, str]:
    templates = rule.annotations.to_dict()
    return FrozenMap.adopt(
        {name: render_parts(template.parts, value, labels, rule.name) for name, template in templates.items()},
    )


def _transition(instance: AlertInstance, from_phase: AlertPhase, to_phase: AlertPhase, now: float) -> Transition:
    return Transition(
        labels=instance.labels,
        from_phase=from_phase,
        to_phase=to_phase,
        at=now,
        value=instance.value,
        annotations=instance.annotations,
        active_since=instance.active_since,
        fired_at=instance.fired_at,
    )


def _transition_key(transition: Transition) -> LabelKey:
    return _key(transition.labels)


def _advance(
    rule: AlertRule,
    instances: dict[LabelKey, AlertInstance],
    elements: tuple[ExpressionElement, ...],
    now: float,
) -> Result[RuleEvaluation, FlextValidationError]:
    holding: dict[LabelKey, tuple[dict[str, str], float]] = {}
    for element in elements:
        labels = _identity(element.labels, rule)
        key = tuple(sorted(labels.items()))
        if key in holding:
            return invalid_one(
                ENTITY,
                FlextErrorCode.WRONG_LABELS,
                "rule.labels",
                f"two series of the expression have the labels {dict(key)!r} once renamed and joined with the "
                "rule's labels; narrow the expression with matchers, or drop the rule label that overrides theirs",
            )
        holding[key] = (labels, element.value)
    kept: dict[LabelKey, AlertInstance] = {}
    transitions: list[Transition] = []
    # Known alerts go first, so that new ones never push them out of the max_alerts slots.
    for key, instance in sorted(instances.items()):
        if key in holding:
            labels, value = holding[key]
            phase, fired_at = instance.phase, instance.fired_at
            if phase is AlertPhase.PENDING and now - instance.active_since >= rule.for_seconds:
                phase, fired_at = AlertPhase.FIRING, now
            updated = AlertInstance(
                labels=instance.labels,
                phase=phase,
                active_since=instance.active_since,
                fired_at=fired_at,
                last_true=now,
                value=value,
                annotations=_render(rule, labels, value),
            )
            if phase is not instance.phase:
                transitions.append(_transition(updated, instance.phase, phase, now))
            kept[key] = updated
        elif instance.phase is AlertPhase.FIRING and now - instance.last_true < rule.keep_firing_for:
            kept[key] = instance
        else:
            ended = AlertPhase.INACTIVE if instance.phase is AlertPhase.PENDING else AlertPhase.RESOLVED
            transitions.append(_transition(instance, instance.phase, ended, now))
    dropped = 0
    for key in sorted(holding.keys() - instances.keys()):
        if len(kept) >= rule.max_alerts:
            dropped += 1
            continue
        labels, value = holding[key]
        fires = rule.for_seconds == 0
        created = AlertInstance(
            labels=FrozenMap.adopt(labels),
            phase=AlertPhase.FIRING if fires else AlertPhase.PENDING,
            active_since=now,
            fired_at=now if fires else None,
            last_true=now,
            value=value,
            annotations=_render(rule, labels, value),
        )
        transitions.append(_transition(created, AlertPhase.INACTIVE, created.phase, now))
        kept[key] = created
    state = RuleState(instances=tuple(kept[key] for key in sorted(kept)))
    return Success(RuleEvaluation(state, tuple(sorted(transitions, key=_transition_key)), dropped))


def _wrong_rule(problems: Problems, rule: object) -> None:
    if not is_well_formed_rule(rule):
        add(problems, FlextErrorCode.WRONG_TYPE, "rule", f"expected a rule made by alert_rule(), got {describe(rule)}")


def evaluate_rule(
    rule: AlertRule,
    history: object,
    state: RuleState,
    now: object,
) -> Result[RuleEvaluation, FlextValidationError]:
    """The rule's new state and transitions after evaluating it over ``history`` at ``now``.

    ``history`` is a sequence of ``(timestamp, MetricsSnapshot)``, oldest
    first, none later than ``now`` (see
    :mod:`~flext_observability.core.alerts.queries`); ``state`` is the one the
    last evaluation returned, and ``now`` may not be before its last
    evaluation. Every problem with the arguments is reported at once.

    >>> print(evaluate_rule(None, [], EMPTY_RULE_STATE, now=0.0).failure())
    invalid alert evaluation: rule: expected a rule made by alert_rule(), got a value of type NoneType [wrong_type]
      history: give at least the current snapshot, as (timestamp, snapshot) [empty]
    """
    problems: Problems = []
    _wrong_rule(problems, rule)
    checked = check_history(history, now)
    if isinstance(checked, Failure):
        problems.extend(checked.failure().errors)
    instances = _read_state(problems, state)
    last = max((instance.last_true for instance in instances.values()), default=0.0)
    if isinstance(checked, Success) and checked.unwrap().now < last:
        add(
            problems,
            FlextErrorCode.TIME_ORDER,
            "now",
            f"{checked.unwrap().now!r} is before the state's last evaluation ({last!r}); time only moves forward",
        )
    if problems:
        return invalid(ENTITY, problems)
    history_read = checked.unwrap()
    elements = read_expression(rule.expression, history_read)
    if isinstance(elements, Failure):
        return elements
    return _advance(rule, instances, elements.unwrap(), history_read.now)


def _alert(
    rule: AlertRule,
    labels: FrozenMap[str, str],
    annotations: FrozenMap[str, str],
    status: AlertStatus,
    starts_at: float,
    ends_at: float | None,
) -> Result[FlextAlert, FlextValidationError]:
    return build_alert(
        name=rule.name,
        message=annotations.get("summary") or rule.name,
        severity=rule.severity,
        source=ALERT_SOURCE,
        labels=labels,
        annotations=annotations,
        status=status,
        starts_at=starts_at,
        ends_at=ends_at,
    )


def _is_well_formed_transition(transition: object) -> bool:
    if type(transition) is not Transition:
        return False
    phases: tuple[object, object] = (transition.from_phase, transition.to_phase)
    return (
        is_text_map(transition.labels)
        and is_text_map(transition.annotations)
        and all(isinstance(phase, AlertPhase) for phase in phases)
        and type(transition.at) is float
        and type(transition.active_since) is float
        and type(transition.value) is float
        and (type(transition.fired_at) is float if phases[1] in _SENT else transition.fired_at is None)
    )


_SENT: Final = frozenset({AlertPhase.FIRING, AlertPhase.RESOLVED})
"""The phases whose transitions are alerts to send."""


def transition_alert(rule: AlertRule, transition: Transition) -> Result[FlextAlert, FlextValidationError]:
    """The alert to send for a transition to ``firing`` or ``resolved`` (see :func:`~.alert.build_alert`).

    Its name is the rule's, its message the rendered ``summary`` (the rule's
    name when that renders empty), its labels the alert's identity labels,
    ``starts_at`` the time the alert started firing and, once resolved,
    ``ends_at`` the time of the resolution. ``starts_at`` is ``fired_at``,
    not ``active_since``, because that is what Prometheus sends Alertmanager
    as ``startsAt`` (its ``activeAt`` shows only in its own alerts API): as
    a notification the alert starts when it fires, not while it is pending
    and may still come to nothing. Transitions to ``pending`` or
    ``inactive`` are no alert (``INVALID_CHOICE``); a rule or transition not
    made by this library's functions is ``WRONG_TYPE``, and labels that
    break an alert's rules (too many of them, say) are reported as
    :func:`~.alert.build_alert` finds them.

    >>> from flext_observability.core.alerts.expressions import absent
    >>> from flext_observability.core.alerts.rules import alert_rule
    >>> from flext_observability.core.metrics.exposition import MetricsSnapshot
    >>> rule = alert_rule("NoRows", absent("rows_total", matchers={"tap": "pg"})).unwrap()
    >>> evaluation = evaluate_rule(rule, [(10.0, MetricsSnapshot(families=()))], EMPTY_RULE_STATE, 10.0).unwrap()
    >>> alert = transition_alert(rule, evaluation.transitions[0]).unwrap()
    >>> alert.name, alert.message, dict(alert.labels), alert.status.value, alert.starts_at
    ('NoRows', 'NoRows: value 1', {'tap': 'pg'}, 'firing', 10.0)
    """
    problems: Problems = []
    _wrong_rule(problems, rule)
    if not _is_well_formed_transition(transition):
        add(
            problems,
            FlextErrorCode.WRONG_TYPE,
            "transition",
            f"expected a Transition made by evaluate_rule, got {describe(transition)}",
        )
    elif transition.to_phase not in _SENT:
        add(
            problems,
            FlextErrorCode.INVALID_CHOICE,
            "transition.to_phase",
            f"a transition to {transition.to_phase.value!r} is no alert; send only those to 'firing' or 'resolved'",
        )
    if problems:
        return invalid(ENTITY, problems)
    resolved = transition.to_phase is AlertPhase.RESOLVED
    return _alert(
        rule,
        transition.labels,
        transition.annotations,
        AlertStatus.RESOLVED if resolved else AlertStatus.FIRING,
        transition.fired_at or 0.0,  # a float here: _is_well_formed_transition checked it
        transition.at if resolved else None,
    )


def firing_alerts(rule: AlertRule, state: RuleState) -> tuple[FlextAlert, ...]:
    """The alerts of the instances firing in ``state``, sorted by labels, to send again; never raises.

    A rule or state not made by this library's functions gives none, and
    an instance whose labels break an alert's rules is left out.

    >>> firing_alerts(None, EMPTY_RULE_STATE)
    ()
    """
    if not is_well_formed_rule(rule):
        return ()
    alerts: list[FlextAlert] = []
    for _, instance in sorted(_read_state([], state).items()):
        if instance.phase is AlertPhase.FIRING:
            made = _alert(
                rule, instance.labels, instance.annotations, AlertStatus.FIRING, instance.fired_at or 0.0, None
            )
            if isinstance(made, Success):
                alerts.append(made.unwrap())
    return tuple(alerts)
