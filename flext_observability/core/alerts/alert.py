"""``FlextAlert``: a condition that needs attention, as Alertmanager models it.

The fingerprint identifies an alert by its name and labels. It is a SHA-256
over a canonical encoding, so it is the same in every process, on every
machine and every Python version (unlike the built-in ``hash()``):

>>> alert_fingerprint("PipelineStalled", {"tap": "postgres", "env": "prod"})
'a1f1e874fd67e157'
>>> alert_fingerprint("PipelineStalled", {"env": "prod", "tap": "postgres"})
'a1f1e874fd67e157'
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Final

from attrs import field, frozen
from returns.result import Result, Success

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


def alert_fingerprint(name: str, labels: Mapping[str, str]) -> str:
    """16 hex digits identifying an alert by ``name`` and ``labels`` (in any order); never raises.

    A ``name`` that is not text, or ``labels`` that are not a readable mapping
    of text to text, give ``""``: no fingerprint.

    >>> alert_fingerprint("DiskFull", {"host": "db1"}) == alert_fingerprint("DiskFull", {"host": "db1"})
    True
    >>> alert_fingerprint("DiskFull", labels=5)
    ''
    """
    items = read_items([], "labels", labels)
    given: object = name  # what callers pass at runtime may be anything
    if not isinstance(given, str) or items is None:
        return ""
    pairs = [(key, value) for key, value in items if isinstance(key, str) and isinstance(value, str)]
    if len(pairs) != len(items):
        return ""
    text_pairs = sorted((str.__str__(key), str.__str__(value)) for key, value in pairs)
    canonical = json.dumps([str.__str__(given), text_pairs], ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()[:16]


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
        """The stable identity of this alert: see :func:`alert_fingerprint`."""
        return alert_fingerprint(self.name, self.labels)

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
        f"does not match name and labels (expected {alert.fingerprint}); drop it to recompute",
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
