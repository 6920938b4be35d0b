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
>>> alertmanager_alert(alert)
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

from flext_observability.core.alerts.alert import FlextAlert, alert_label_set
from flext_observability.core.checks import Problems, add, check_string_map, check_text, describe, invalid
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.timestamps import ZERO_TIME, format_rfc3339
from flext_observability.core.values import AlertStatus

if TYPE_CHECKING:
    from flext_observability.core.records import JsonDict

WEBHOOK_VERSION: Final = "4"
"""The version of Alertmanager's webhook message this module writes."""

DEFAULT_MAX_ALERTS: Final = 1_000
"""Alerts in one webhook message by default; the rest are counted in ``truncatedAlerts``."""


def alertmanager_alert(alert: FlextAlert, *, generator_url: str | None = None) -> JsonDict:
    """``alert`` as one element of the body of Alertmanager's ``POST /api/v2/alerts``."""
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


def alertmanager_body(alerts: Iterable[FlextAlert], *, generator_url: str | None = None) -> bytes:
    """The compact UTF-8 JSON list of ``alerts`` that ``POST /api/v2/alerts`` takes."""
    encoded = [alertmanager_alert(alert, generator_url=generator_url) for alert in alerts]
    return json.dumps(encoded, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


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


def group_key(group_labels: Mapping[str, str], route: str = "{}") -> str:
    """Alertmanager's key of an alert group: the route's key, ``:``, the group labels as PromQL braces.

    >>> group_key({"tap": "pg", "alertname": "Stalled"})
    '{}:{alertname="Stalled", tap="pg"}'
    """
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
    urls: tuple[tuple[str, object], ...] = (("external_url", external_url), ("generator_url", generator_url))
    for field, value in urls:
        if not isinstance(value, str):
            add(problems, FlextErrorCode.WRONG_TYPE, field, f"must be a URL (text), got {describe(value)}")
    given_key: object = key  # callers outside the type checker may pass anything
    if given_key is not None and not isinstance(given_key, str):
        add(problems, FlextErrorCode.WRONG_TYPE, "key", f"must be a group key (text) or None, got {describe(key)}")
    if type(max_alerts) is not int or max_alerts < 1:
        add(
            problems,
            FlextErrorCode.OUT_OF_RANGE,
            "max_alerts",
            f"must be an int of at least 1, got {describe(max_alerts)}",
        )
    listed: list[FlextAlert] = []
    try:
        listed = list(alerts)
    except TypeError:
        add(problems, FlextErrorCode.WRONG_TYPE, "alerts", f"must be an iterable of FlextAlert, got {describe(alerts)}")
    for index, item in enumerate(listed):
        alert: object = item
        if not isinstance(alert, FlextAlert):
            add(
                problems, FlextErrorCode.WRONG_TYPE, f"alerts[{index}]", f"expected a FlextAlert, got {describe(alert)}"
            )
    if problems or checked_receiver is None or checked_groups is None:
        return invalid("webhook message", problems)
    max_alerts = int.__int__(max_alerts)
    kept = listed[:max_alerts]
    labels = [dict(alert_label_set(alert)) for alert in kept]
    firing = any(alert.status is AlertStatus.FIRING for alert in listed)
    return Success(
        {
            "receiver": checked_receiver,
            "status": (AlertStatus.FIRING if firing else AlertStatus.RESOLVED).value,
            "alerts": [_webhook_alert(alert, generator_url) for alert in kept],
            "groupLabels": _json(checked_groups),
            "commonLabels": _json(_common(labels)),
            "commonAnnotations": _json(_common([_annotations(alert) for alert in kept])),
            "externalURL": external_url,
            "version": WEBHOOK_VERSION,
            "groupKey": key if key is not None else group_key(checked_groups),
            "truncatedAlerts": len(listed) - len(kept),
        }
    )
