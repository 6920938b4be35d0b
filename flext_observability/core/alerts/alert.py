"""``FlextAlert``: a condition that needs attention, as Alertmanager models it.

An alert is known by its label set as Alertmanager sees it: ``alertname``
(the alert's name), ``severity`` and its labels. Its fingerprint is the one
Alertmanager computes for that set (64-bit FNV-1a, see
:func:`label_set_fingerprint`), so the value here is the ``fingerprint``
Alertmanager's API and webhooks show for the same alert:

>>> alert_fingerprint("PipelineStalled", {"tap": "postgres"}, severity="warning")
'069c5001f28ebcb8'
>>> alert_fingerprint("PipelineStalled", {"tap": "postgres"})  # without severity: another label set
'ba96ce07d8f91f1d'

Earlier versions used a SHA-256 over the name and labels (severity left
out); fingerprints stored from then differ from today's, and reading such a
record with :func:`alert_from_dict` names the mismatch (drop the recorded
fingerprint to recompute it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, TypeGuard

from attrs import field, frozen
from returns.result import Result, Success

from flext_observability.core.alerts.fingerprint import label_set_fingerprint
from flext_observability.core.checks import (
    Problems,
    add,
    check_choice,
    check_string_map,
    check_text,
    check_timestamp,
    invalid,
    read_items,
)
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.frozen import EMPTY_MAP, FrozenMap
from flext_observability.core.limits import MAX_TEXT_LENGTH
from flext_observability.core.records import read_record, wrong_entity
from flext_observability.core.values import AlertSeverity, AlertStatus

if TYPE_CHECKING:
    from collections.abc import Mapping

    from flext_observability.core.records import JsonDict

RESERVED_ALERT_LABELS: Final = frozenset({"alertname", "severity"})
"""Labels set from the alert's own fields when it is sent to Alertmanager."""


def alert_fingerprint(name: str, labels: Mapping[str, str], *, severity: object = None) -> str:
    """Alertmanager's fingerprint of ``{alertname: name, severity: severity, **labels}``; never raises.

    ``severity`` (an :class:`AlertSeverity` or its name) joins the set when
    given, as it does for every :class:`FlextAlert`. A ``name`` that is not
    text, labels that are not a readable mapping of text to text, or labels
    naming ``alertname`` or ``severity`` themselves, give ``""``: no
    fingerprint.

    >>> alert_fingerprint("DiskFull", {"host": "db1"}) == alert_fingerprint("DiskFull", {"host": "db1"})
    True
    >>> alert_fingerprint("DiskFull", labels=5), alert_fingerprint("DiskFull", {"alertname": "x"})
    ('', '')
    """
    items = read_items([], "labels", labels)
    given: object = name  # what callers pass at runtime may be anything
    if not isinstance(given, str) or items is None:
        return ""
    pairs = dict(items)
    if any(key in RESERVED_ALERT_LABELS for key in pairs):
        return ""
    identity: dict[object, object] = {**pairs, "alertname": str.__str__(given)}
    if severity is not None:
        chosen = check_choice([], "severity", severity, AlertSeverity)
        if chosen is None:
            return ""
        identity["severity"] = chosen.value
    return label_set_fingerprint(identity)  # type: ignore[arg-type]


@frozen(kw_only=True)
class FlextAlert:
    """An alert: what is wrong, how urgent, where from, and since when.

    Instances made by :func:`build_alert` are valid; the constructor itself
    checks nothing (call :meth:`validate_domain_rules` after using it).
    """

    name: str
    message: str
    severity: AlertSeverity = AlertSeverity.WARNING
    source: str
    labels: FrozenMap[str, str] = field(default=EMPTY_MAP)
    annotations: FrozenMap[str, str] = field(default=EMPTY_MAP)
    status: AlertStatus = AlertStatus.FIRING
    starts_at: float
    ends_at: float | None = None

    @property
    def fingerprint(self) -> str:
        """The identity of this alert, equal to Alertmanager's fingerprint of :func:`alert_label_set`."""
        return label_set_fingerprint(alert_label_set(self))

    def validate_domain_rules(self) -> Result[FlextAlert, FlextValidationError]:
        """``Success(self)`` when every rule holds, else every broken rule."""
        return validate_alert(self)

    def to_dict(self) -> JsonDict:
        """JSON-safe data (with the fingerprint) that :func:`alert_from_dict` reads back."""
        return {
            "name": self.name,
            "message": self.message,
            "severity": self.severity.value,
            "source": self.source,
            "labels": dict(sorted(self.labels.items())),
            "annotations": dict(sorted(self.annotations.items())),
            "status": self.status.value,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "fingerprint": self.fingerprint,
        }

    @staticmethod
    def from_dict(data: object) -> Result[FlextAlert, FlextValidationError]:
        """Read an alert from :meth:`to_dict` data; see :func:`alert_from_dict`."""
        return alert_from_dict(data)


def is_well_formed_alert(alert: object) -> TypeGuard[FlextAlert]:
    """Whether ``alert`` is a ``FlextAlert`` whose fields have the types ``build_alert`` gives them.

    A cheap check of shape, not of the domain rules (:func:`validate_alert`
    checks those): the encoders and the services read such an alert without
    a surprise, and refuse anything else.
    """
    if not isinstance(alert, FlextAlert):
        return False
    texts = (alert.name, alert.message, alert.source)
    ends_at: object = alert.ends_at
    severity: object = alert.severity  # the constructor checks no types: a hand-made alert may hold anything
    status: object = alert.status
    return (
        all(type(text) is str for text in texts)
        and isinstance(severity, AlertSeverity)
        and isinstance(status, AlertStatus)
        and _is_text_map(alert.labels)
        and _is_text_map(alert.annotations)
        and type(alert.starts_at) is float
        and (ends_at is None or type(ends_at) is float)
    )


def _is_text_map(value: object) -> bool:
    return type(value) is FrozenMap and all(type(key) is str and type(text) is str for key, text in value.items())


def alert_label_set(alert: FlextAlert) -> FrozenMap[str, str]:
    """The labels Alertmanager knows ``alert`` by: ``alertname``, ``severity`` and the alert's labels.

    What is not a well-formed ``FlextAlert`` has no label set: the result is
    empty.

    >>> from flext_observability.core.values import AlertSeverity
    >>> alert = build_alert(name="Stalled", message="no rows", source="etl", starts_at=0.0,
    ...                     severity=AlertSeverity.ERROR, labels={"tap": "pg"}).unwrap()
    >>> dict(alert_label_set(alert))
    {'alertname': 'Stalled', 'severity': 'error', 'tap': 'pg'}
    """
    if not is_well_formed_alert(alert):
        return EMPTY_MAP
    return FrozenMap({"alertname": alert.name, "severity": alert.severity.value, **alert.labels})


def _check_period(
    problems: Problems,
    status: AlertStatus | None,
    starts_at: float | None,
    ends_at: object,
) -> float | None:
    if ends_at is None:
        if status is AlertStatus.RESOLVED:
            add(problems, FlextErrorCode.MISSING, "ends_at", "a resolved alert needs the time it ended")
        return None
    checked = check_timestamp(problems, "ends_at", ends_at)
    if checked is not None and starts_at is not None and checked < starts_at:
        add(
            problems,
            FlextErrorCode.TIME_ORDER,
            "ends_at",
            "the alert ends before it starts; Alertmanager rejects it",
        )
    return checked


def build_alert(  # noqa: PLR0913 - one argument per field, all keyword-only
    *,
    name: object,
    message: object,
    severity: object = AlertSeverity.WARNING,
    source: object,
    labels: object = None,
    annotations: object = None,
    status: object = AlertStatus.FIRING,
    starts_at: object,
    ends_at: object = None,
) -> Result[FlextAlert, FlextValidationError]:
    """Check every rule on the given fields and build a :class:`FlextAlert`.

    >>> build_alert(name="Stalled", message="no rows", source="etl",
    ...             status="resolved", starts_at=10.0).failure().codes
    frozenset({<FlextErrorCode.MISSING: 'missing'>})
    """
    problems: Problems = []
    checked_name = check_text(problems, "name", name)
    checked_message = check_text(problems, "message", message, max_length=MAX_TEXT_LENGTH)
    checked_severity = check_choice(problems, "severity", severity, AlertSeverity)
    checked_source = check_text(problems, "source", source)
    checked_labels = check_string_map(problems, "labels", labels, reserved=RESERVED_ALERT_LABELS)
    checked_annotations = check_string_map(problems, "annotations", annotations, max_value_length=MAX_TEXT_LENGTH)
    checked_status = check_choice(problems, "status", status, AlertStatus)
    checked_start = check_timestamp(problems, "starts_at", starts_at)
    checked_end = _check_period(problems, checked_status, checked_start, ends_at)
    if (
        problems
        or checked_name is None
        or checked_message is None
        or checked_severity is None
        or checked_source is None
        or checked_labels is None
        or checked_annotations is None
        or checked_status is None
        or checked_start is None
    ):
        return invalid("alert", problems)
    return Success(
        FlextAlert(
            name=checked_name,
            message=checked_message,
            severity=checked_severity,
            source=checked_source,
            labels=checked_labels,
            annotations=checked_annotations,
            status=checked_status,
            starts_at=checked_start,
            ends_at=checked_end,
        ),
    )


_ALERT_REQUIRED: Final = ("name", "message", "source", "starts_at")
_ALERT_OPTIONAL: Final = ("severity", "labels", "annotations", "status", "ends_at")


def validate_alert(alert: object) -> Result[FlextAlert, FlextValidationError]:
    """``Success(alert)`` when ``alert`` is a valid :class:`FlextAlert`."""
    if not isinstance(alert, FlextAlert):
        return wrong_entity("alert", alert, "FlextAlert")
    fields = {name: getattr(alert, name) for name in _ALERT_REQUIRED + _ALERT_OPTIONAL}
    return build_alert(**fields).map(lambda _: alert)


def _build_from_record(*, fingerprint: object = None, **fields: object) -> Result[FlextAlert, FlextValidationError]:
    """Build, then check a recorded fingerprint against the one computed."""
    return build_alert(**fields).bind(lambda alert: _check_fingerprint(alert, fingerprint))


def _check_fingerprint(alert: FlextAlert, recorded: object) -> Result[FlextAlert, FlextValidationError]:
    if recorded is None or (isinstance(recorded, str) and str.__str__(recorded) == alert.fingerprint):
        return Success(alert)
    problems: Problems = []
    add(
        problems,
        FlextErrorCode.FINGERPRINT_MISMATCH,
        "fingerprint",
        f"does not match the alert's label set (expected {alert.fingerprint}); drop it to recompute",
    )
    return invalid("alert", problems)


def alert_from_dict(data: object) -> Result[FlextAlert, FlextValidationError]:
    """Read an alert from :meth:`FlextAlert.to_dict` data, checking every rule."""
    return read_record(
        "alert",
        data,
        _build_from_record,
        required=_ALERT_REQUIRED,
        optional=(*_ALERT_OPTIONAL, "fingerprint"),
    )
