"""Alerts: rules over the live metrics, a lifecycle with dedup and repeat limits, and delivery to Alertmanager.

This module only re-exports; it is one of the public faces of the package.
Import from here, not from the internal ``core`` and ``shell`` packages,
which may move between releases. ``docs/alerts.md`` shows them at work.

>>> from flext_observability.alerts import alert_rule, threshold
>>> print(alert_rule("QueueDeep", threshold("queue_depth", ">", 100)).unwrap().expression)
queue_depth > 100
"""

from __future__ import annotations

from flext_observability.core.alerts.alert import (
    RESERVED_ALERT_LABELS,
    FlextAlert,
    alert_fingerprint,
    alert_from_dict,
    alert_label_set,
    build_alert,
    validate_alert,
)
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
    HEALTH_CHECK_STATUS_METRIC,
    Comparison,
    Expression,
    absent,
    health_check_status,
    increase_over,
    quantile_over,
    rate_over,
    stale_for,
    threshold,
)
from flext_observability.core.alerts.fingerprint import label_set_fingerprint
from flext_observability.core.alerts.matchers import LabelMatcher, MatchOp, label_matcher
from flext_observability.core.alerts.payloads import alertmanager_alert, alertmanager_body, group_key, webhook_payload
from flext_observability.core.alerts.queries import ExpressionElement, evaluate_expression
from flext_observability.core.alerts.rules import DEFAULT_SUMMARY, AlertRule, alert_rule, rule_reach
from flext_observability.core.alerts.templates import AnnotationTemplate, annotation_template, render_template
from flext_observability.core.values import AlertSeverity, AlertStatus
from flext_observability.shell.alerts.delivery import AlertmanagerSink, LogSink, SinkStats, WebhookSink
from flext_observability.shell.alerts.metrics import register_alert_metrics
from flext_observability.shell.alerts.repository import DEFAULT_HISTORY, AlertEvent, AlertQuery, alert_query
from flext_observability.shell.alerts.routing import AlertRoute, AlertSink, alert_route
from flext_observability.shell.alerts.service import (
    DEFAULT_INTERVAL,
    DEFAULT_MAX_ACTIVE,
    DEFAULT_REPEAT_INTERVAL,
    DEFAULT_RESEND_DELAY,
    ActiveAlert,
    EvaluationSummary,
    FlextAlertService,
    PendingAlert,
)
from flext_observability.shell.http_client import NO_RETRY, RetryPolicy

__all__ = [
    "DEFAULT_HISTORY",
    "DEFAULT_INTERVAL",
    "DEFAULT_MAX_ACTIVE",
    "DEFAULT_REPEAT_INTERVAL",
    "DEFAULT_RESEND_DELAY",
    "DEFAULT_SUMMARY",
    "EMPTY_RULE_STATE",
    "HEALTH_CHECK_STATUS_METRIC",
    "NO_RETRY",
    "RESERVED_ALERT_LABELS",
    "ActiveAlert",
    "AlertEvent",
    "AlertInstance",
    "AlertPhase",
    "AlertQuery",
    "AlertRoute",
    "AlertRule",
    "AlertSeverity",
    "AlertSink",
    "AlertStatus",
    "AlertmanagerSink",
    "AnnotationTemplate",
    "Comparison",
    "EvaluationSummary",
    "Expression",
    "ExpressionElement",
    "FlextAlert",
    "FlextAlertService",
    "LabelMatcher",
    "LogSink",
    "MatchOp",
    "PendingAlert",
    "RetryPolicy",
    "RuleEvaluation",
    "RuleState",
    "SinkStats",
    "Transition",
    "WebhookSink",
    "absent",
    "alert_fingerprint",
    "alert_from_dict",
    "alert_label_set",
    "alert_query",
    "alert_route",
    "alert_rule",
    "alertmanager_alert",
    "alertmanager_body",
    "annotation_template",
    "build_alert",
    "evaluate_expression",
    "evaluate_rule",
    "firing_alerts",
    "group_key",
    "health_check_status",
    "increase_over",
    "label_matcher",
    "label_set_fingerprint",
    "quantile_over",
    "rate_over",
    "register_alert_metrics",
    "render_template",
    "rule_reach",
    "stale_for",
    "threshold",
    "transition_alert",
    "validate_alert",
    "webhook_payload",
]
