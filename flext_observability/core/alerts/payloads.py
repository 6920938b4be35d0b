"""Alerts as the JSON Alertmanager takes and sends: the API v2 body, and the webhook message.

:func:`alertmanager_alert` is one element of the list ``POST /api/v2/alerts``
takes: ``labels`` (the alert's label set, with ``alertname`` and
``severity``), ``annotations`` (``summary`` is the alert's message, next to
its own annotations, ``description`` among them when it has one),
``startsAt``, ``endsAt`` for an alert that has ended, and ``generatorURL``.

:func:`webhook_payload` is the message Alertmanager's webhook notifier posts
(version 4), so a receiver written for Alertmanager reads ours unchanged:
``receiver``, ``status``, ``alerts`` (each with ``fingerprint``, and
``endsAt`` at Go's zero time while it fires), ``groupLabels``,
``commonLabels``, ``commonAnnotations``, ``externalURL``, ``version``,
``groupKey`` and ``truncatedAlerts``.

>>> from flext_observability.core.alerts.alert import build_alert
>>> alert = build_alert(name="RowsRejected", message="12 rows rejected", source="etl",
...                     labels={"tap": "pg"}, starts_at=1_700_000_000.0).unwrap()
>>> alertmanager_alert(alert).unwrap()
{'labels': {'alertname': 'RowsRejected', 'severity': 'warning', 'tap': 'pg'}, \
'annotations': {'summary': '12 rows rejected'}, 'startsAt': '2023-11-14T22:13:20.000Z'}
>>> message = webhook_payload([alert], receiver="etl-team", group_labels={"alertname": "RowsRejected"}).unwrap()
>>> message["status"], message["groupKey"], message["alerts"][0]["endsAt"]
('firing', '{}:{alertname="RowsRejected"}', '0001-01-01T00:00:00Z')
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Final

from returns.result import Result, Success

from flext_observability.core.alerts.alert import FlextAlert, alert_label_set, is_well_formed_alert
from flext_observability.core.checks import (
    Problems,
    add,
    check_string_map,
    check_text,
    describe,
    invalid,
    invalid_one,
)
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.timestamps import ZERO_TIME, format_rfc3339
from flext_observability.core.values import AlertStatus

if TYPE_CHECKING:
    from flext_observability.core.records import JsonDict

WEBHOOK_VERSION: Final = "4"
"""The version of Alertmanager's webhook message this module writes."""

DEFAULT_MAX_ALERTS: Final = 1_000
"""Alerts in one webhook message by default; the rest are counted in ``truncatedAlerts``."""


MAX_URL_LENGTH: Final = 4096
"""The longest ``generator_url`` or ``external_url`` taken, in characters."""

ENTITY: Final = "alertmanager payload"


def _check_url(problems: Problems, field: str, value: object, *, allow_none: bool) -> str | None:
    if value is None and allow_none:
        return None
    return check_text(problems, field, value, max_length=MAX_URL_LENGTH, allow_empty=True)


def _listed_alerts(problems: Problems, alerts: object) -> list[FlextAlert]:
    """``alerts`` as a list, each checked; every problem is added to ``problems``."""
    try:
        listed: list[object] = list(alerts)  # type: ignore[call-overload]
    except Exception:  # noqa: BLE001 - a hostile iterable is a problem to report, not to raise
        add(problems, FlextErrorCode.WRONG_TYPE, "alerts", f"must be an iterable of FlextAlert, got {describe(alerts)}")
        return []
    for index, alert in enumerate(listed):
        if not is_well_formed_alert(alert):
            add(
                problems,
                FlextErrorCode.WRONG_TYPE,
                f"alerts[{index}]",
                f"expected a FlextAlert made by build_alert, got {describe(alert)}",
            )
    return listed  # type: ignore[return-value] # checked above; the caller stops on any problem


def _api_alert(alert: FlextAlert, generator_url: str | None) -> JsonDict:
    encoded: JsonDict = {
        "labels": _json(alert_label_set(alert)),
        "annotations": dict(_annotations(alert)),
        "startsAt": format_rfc3339(alert.starts_at),
    }
    if alert.ends_at is not None:
        encoded["endsAt"] = format_rfc3339(alert.ends_at)
    if generator_url:
        encoded["generatorURL"] = generator_url
    return encoded


def alertmanager_alert(
    alert: FlextAlert, *, generator_url: str | None = None
) -> Result[JsonDict, FlextValidationError]:
    """``alert`` as one element of the body of Alertmanager's ``POST /api/v2/alerts``.

    Anything but a ``FlextAlert`` made by this library, or a
    ``generator_url`` that is not text, is a ``Failure`` naming it.
    """
    problems: Problems = []
    url = _check_url(problems, "generator_url", generator_url, allow_none=True)
    if not is_well_formed_alert(alert):
        add(
            problems,
            FlextErrorCode.WRONG_TYPE,
            "alert",
            f"expected a FlextAlert made by build_alert, got {describe(alert)}",
        )
    if problems:
        return invalid(ENTITY, problems)
    return Success(_api_alert(alert, url))


def alertmanager_body(
    alerts: Iterable[FlextAlert], *, generator_url: str | None = None
) -> Result[bytes, FlextValidationError]:
    """The compact UTF-8 JSON list of ``alerts`` that ``POST /api/v2/alerts`` takes; every bad argument listed.

    >>> print(alertmanager_body([None], generator_url=3).failure())
    invalid alertmanager payload: generator_url: expected text (str), got a value of type int [wrong_type]
      alerts[0]: expected a FlextAlert made by build_alert, got a value of type NoneType [wrong_type]
    """
    problems: Problems = []
    url = _check_url(problems, "generator_url", generator_url, allow_none=True)
    listed = _listed_alerts(problems, alerts)
    if problems:
        return invalid(ENTITY, problems)
    encoded = [_api_alert(alert, url) for alert in listed]
    return _utf8_json(encoded)


def _utf8_json(value: object) -> Result[bytes, FlextValidationError]:
    try:
        return Success(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    except (UnicodeEncodeError, ValueError) as error:  # a lone surrogate in a hand-made alert, say
        return invalid_one(ENTITY, FlextErrorCode.INVALID_TEXT, "alerts", f"cannot be written as UTF-8 JSON: {error}")


def _annotations(alert: FlextAlert) -> dict[str, str]:
    return {"summary": alert.message, **dict(sorted(alert.annotations.items()))}


def _json(pairs: Mapping[str, str]) -> JsonDict:
    """Text pairs as a JSON object, sorted by name."""
    return {key: pairs[key] for key in sorted(pairs)}


def _webhook_alert(alert: FlextAlert, generator_url: str) -> JsonDict:
    return {
        "status": alert.status.value,
        "labels": _json(alert_label_set(alert)),
        "annotations": dict(_annotations(alert)),
        "startsAt": format_rfc3339(alert.starts_at),
        "endsAt": ZERO_TIME if alert.ends_at is None else format_rfc3339(alert.ends_at),
        "generatorURL": generator_url,
        "fingerprint": alert.fingerprint,
    }


def _common(maps: list[dict[str, str]]) -> dict[str, str]:
    """The pairs every map holds."""
    if not maps:
        return {}
    shared = dict(maps[0])
    for other in maps[1:]:
        shared = {key: value for key, value in shared.items() if other.get(key) == value}
    return dict(sorted(shared.items()))


def group_key(group_labels: Mapping[str, str], route: str = "{}") -> Result[str, FlextValidationError]:
    """Alertmanager's key of an alert group: the route's key, ``:``, the group labels as PromQL braces.

    >>> group_key({"tap": "pg", "alertname": "Stalled"}).unwrap()
    '{}:{alertname="Stalled", tap="pg"}'
    """
    problems: Problems = []
    checked = check_string_map(problems, "group_labels", group_labels)
    checked_route = check_text(problems, "route", route, max_length=MAX_URL_LENGTH)
    if problems or checked is None or checked_route is None:
        return invalid(ENTITY, problems)
    return Success(_group_key(checked, checked_route))


def _group_key(group_labels: Mapping[str, str], route: str) -> str:
    pairs = ", ".join(f"{name}={json.dumps(value, ensure_ascii=False)}" for name, value in sorted(group_labels.items()))
    return f"{route}:{{{pairs}}}"


def webhook_payload(  # noqa: PLR0913 - the message's parts, all keyword-only
    alerts: Iterable[FlextAlert],
    *,
    receiver: str,
    group_labels: Mapping[str, str] | None = None,
    external_url: str = "",
    generator_url: str = "",
    key: str | None = None,
    max_alerts: int = DEFAULT_MAX_ALERTS,
) -> Result[JsonDict, FlextValidationError]:
    """Alertmanager's webhook message for ``alerts`` sent to ``receiver``; every bad argument is listed.

    ``status`` is ``firing`` while any alert fires, else ``resolved``;
    ``groupKey`` is ``key``, or the root route's key for ``group_labels``
    (see :func:`group_key`). At most ``max_alerts`` alerts are written (the
    first ones); ``truncatedAlerts`` counts the rest.
    """
    problems: Problems = []
    checked_receiver = check_text(problems, "receiver", receiver)
    checked_groups = check_string_map(problems, "group_labels", group_labels)
    external = _check_url(problems, "external_url", external_url, allow_none=False)
    generator = _check_url(problems, "generator_url", generator_url, allow_none=False)
    checked_key = None if key is None else check_text(problems, "key", key, max_length=MAX_URL_LENGTH)
    if type(max_alerts) is not int or max_alerts < 1:
        add(
            problems,
            FlextErrorCode.OUT_OF_RANGE,
            "max_alerts",
            f"must be an int of at least 1, got {describe(max_alerts)}",
        )
    listed = _listed_alerts(problems, alerts)
    if problems or checked_receiver is None or checked_groups is None or external is None or generator is None:
        return invalid("webhook message", problems)
    max_alerts = int.__int__(max_alerts)
    kept = listed[:max_alerts]
    labels = [dict(alert_label_set(alert)) for alert in kept]
    firing = any(alert.status is AlertStatus.FIRING for alert in listed)
    return Success(
        {
            "receiver": checked_receiver,
            "status": (AlertStatus.FIRING if firing else AlertStatus.RESOLVED).value,
            "alerts": [_webhook_alert(alert, generator) for alert in kept],
            "groupLabels": _json(checked_groups),
            "commonLabels": _json(_common(labels)),
            "commonAnnotations": _json(_common([_annotations(alert) for alert in kept])),
            "externalURL": external,
            "version": WEBHOOK_VERSION,
            "groupKey": checked_key if checked_key is not None else _group_key(checked_groups, "{}"),
            "truncatedAlerts": len(listed) - len(kept),
        }
    )
