"""The alert identity and payload encoders: Alertmanager's fingerprint, the v2 body and the webhook message."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from returns.result import Failure

from flext_observability import FlextErrorCode, alert_fingerprint, build_alert
from flext_observability.core.alerts.alert import FlextAlert, alert_label_set
from flext_observability.core.alerts.fingerprint import label_set_fingerprint
from flext_observability.core.alerts.payloads import (
    alertmanager_alert,
    alertmanager_body,
    group_key,
    webhook_payload,
)
from flext_observability.core.frozen import FrozenMap


def _alert(**fields: object) -> FlextAlert:
    """A valid alert with the given fields changed."""
    base: dict[str, object] = {"name": "Stalled", "message": "no rows", "source": "etl", "starts_at": 1_700_000_000.0}
    return build_alert(**{**base, **fields}).unwrap()


class _Unreadable(Mapping[str, str]):
    """A mapping whose keys cannot be read."""

    def __getitem__(self, key: str) -> str:
        """Never reached."""
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        """Fail as a broken mapping would."""
        message = "broken"
        raise RuntimeError(message)

    def __len__(self) -> int:
        """One entry, supposedly."""
        return 1


def test_fingerprints_are_known_values_from_alertmanager() -> None:
    """Known label sets give the fingerprints the real Alertmanager 0.25 showed for them."""
    assert label_set_fingerprint({"alertname": "PipelineStalled", "severity": "warning", "tap": "postgres"}) == (
        "069c5001f28ebcb8"
    )
    assert label_set_fingerprint({"alertname": "ü日本", "y": 'a\nb"'}) == "f0031619110612ef"
    assert label_set_fingerprint({}) == "cbf29ce484222325"  # FNV-1a's offset basis


def test_a_fingerprint_of_what_is_not_a_text_label_set_is_empty() -> None:
    """Non-text names or values, an unreadable mapping, a lone surrogate, and no mapping give no fingerprint."""
    assert label_set_fingerprint({"a": 1}) == ""  # type: ignore[dict-item]
    assert label_set_fingerprint({1: "a"}) == ""  # type: ignore[dict-item]
    assert label_set_fingerprint(_Unreadable()) == ""
    assert label_set_fingerprint({"a": "\ud800"}) == ""
    assert label_set_fingerprint(5) == ""  # type: ignore[arg-type]


def test_the_alert_fingerprint_is_that_of_its_label_set() -> None:
    """An alert's fingerprint is Alertmanager's over alertname, severity and labels; alert_fingerprint agrees."""
    alert = _alert(severity="error", labels={"tap": "pg"})
    assert dict(alert_label_set(alert)) == {"alertname": "Stalled", "severity": "error", "tap": "pg"}
    assert alert.fingerprint == label_set_fingerprint({"alertname": "Stalled", "severity": "error", "tap": "pg"})
    assert alert.fingerprint == alert_fingerprint("Stalled", {"tap": "pg"}, severity="error")
    assert alert_fingerprint("Stalled", {"tap": "pg"}) == label_set_fingerprint({"alertname": "Stalled", "tap": "pg"})
    assert alert_fingerprint("Stalled", {"severity": "x"}) == ""
    assert alert_fingerprint("Stalled", {}, severity="urgent") == ""
    assert alert_fingerprint(3, {}) == ""  # type: ignore[arg-type]
    assert _alert(severity="critical").fingerprint != _alert(severity="info").fingerprint


def test_the_v2_alert_holds_labels_annotations_and_times() -> None:
    """Summary is the message; description and other annotations follow; endsAt only once ended."""
    firing = _alert(annotations={"description": "the tap is idle", "runbook_url": "https://r.example/x"})
    assert alertmanager_alert(firing, generator_url="http://etl/graph").unwrap() == {
        "labels": {"alertname": "Stalled", "severity": "warning"},
        "annotations": {"summary": "no rows", "description": "the tap is idle", "runbook_url": "https://r.example/x"},
        "startsAt": "2023-11-14T22:13:20.000Z",
        "generatorURL": "http://etl/graph",
    }
    resolved = _alert(status="resolved", ends_at=1_700_000_060.5)
    assert alertmanager_alert(resolved).unwrap()["endsAt"] == "2023-11-14T22:14:20.500Z"
    body = alertmanager_body([firing, resolved]).unwrap()
    assert [entry["labels"]["alertname"] for entry in json.loads(body)] == ["Stalled", "Stalled"]
    assert b" " not in body.replace(b"no rows", b"").replace(b"the tap is idle", b"")  # compact


def test_the_webhook_message_groups_and_truncates() -> None:
    """Status firing while any fires; common labels and annotations; max_alerts cuts and counts the rest."""
    alerts = [
        _alert(labels={"tap": "pg", "env": "prod"}),
        _alert(labels={"tap": "mysql", "env": "prod"}, status="resolved", ends_at=1_700_000_100.0),
        _alert(labels={"tap": "s3", "env": "prod"}),
    ]
    message: Any = webhook_payload(alerts, receiver="team", group_labels={"env": "prod"}, max_alerts=2).unwrap()
    assert message["status"] == "firing"
    assert message["truncatedAlerts"] == 1
    assert len(message["alerts"]) == 2
    assert message["commonLabels"] == {"alertname": "Stalled", "env": "prod", "severity": "warning"}
    assert message["commonAnnotations"] == {"summary": "no rows"}
    assert message["groupKey"] == '{}:{env="prod"}'
    assert message["alerts"][1]["endsAt"] == "2023-11-14T22:15:00.000Z"
    resolved: Any = webhook_payload(alerts[1:2], receiver="team", key="custom").unwrap()
    assert (resolved["status"], resolved["groupKey"], resolved["groupLabels"]) == ("resolved", "custom", {})
    empty: Any = webhook_payload([], receiver="team").unwrap()
    assert (empty["status"], empty["commonLabels"], empty["alerts"]) == ("resolved", {}, [])


def test_group_keys_quote_values_as_alertmanager_does() -> None:
    """Group labels are sorted by name and their values quoted with escapes."""
    assert group_key({"b": 'x"y', "a": "1"}).unwrap() == '{}:{a="1", b="x\\"y"}'
    assert group_key({}, route='{}/{team="data"}').unwrap() == '{}/{team="data"}:{}'


def test_every_bad_argument_of_the_webhook_message_is_named() -> None:
    """Each wrong argument is reported under its own name, all at once."""
    result = webhook_payload(
        [_alert(), "not an alert"],  # type: ignore[list-item]
        receiver="",
        group_labels={"a": 1},  # type: ignore[dict-item]
        external_url=5,  # type: ignore[arg-type]
        generator_url=None,  # type: ignore[arg-type]
        key=7,  # type: ignore[arg-type]
        max_alerts=0,
    )
    assert isinstance(result, Failure)
    fields = {error.field for error in result.failure().errors}
    assert {"receiver", "external_url", "generator_url", "key", "max_alerts", "alerts[1]"} <= fields
    assert any(field.startswith("group_labels") for field in fields)
    unlisted = webhook_payload(5, receiver="team")  # type: ignore[arg-type]
    assert [error.code for error in unlisted.failure().errors] == [FlextErrorCode.WRONG_TYPE]


def _hand_made(**changes: object) -> FlextAlert:
    """An alert built with the constructor, which checks nothing, with some fields changed."""
    fields: dict[str, Any] = {
        "name": "RowsRejected",
        "message": "m",
        "source": "etl",
        "labels": FrozenMap({"tap": "pg"}),
        "starts_at": 1.0,
    }
    return FlextAlert(**{**fields, **changes})


def test_hand_made_alerts_with_bad_fields_are_refused_by_every_encoder() -> None:
    """A constructor-built alert with a field of the wrong type has no label set and is a Failure everywhere."""
    bad = [
        _hand_made(name=1),
        _hand_made(severity="loud"),
        _hand_made(status="on fire"),
        _hand_made(labels={"tap": "pg"}),
        _hand_made(labels=FrozenMap({"tap": 1})),
        _hand_made(annotations=FrozenMap({1: "x"})),
        _hand_made(starts_at=1),
        _hand_made(ends_at="later"),
    ]
    for alert in bad:
        assert alert_label_set(alert) == FrozenMap({})
        assert isinstance(alertmanager_alert(alert), Failure)
        assert isinstance(alertmanager_body([alert]), Failure)
        assert isinstance(webhook_payload([alert], receiver="r"), Failure)
    good = _hand_made(ends_at=2.0)
    assert alertmanager_alert(good).unwrap()["endsAt"] == "1970-01-01T00:00:02.000Z"


def test_texts_json_cannot_carry_and_bad_keys_are_failures() -> None:
    """A lone surrogate in a hand-made alert, a bad route or key, and an unreadable batch are Failures, not raises."""
    surrogate = _hand_made(message="\ud800")
    failure = alertmanager_body([surrogate]).failure()
    assert failure.codes == frozenset({FlextErrorCode.INVALID_TEXT})
    assert isinstance(group_key({"a": "1"}, route=5), Failure)  # type: ignore[arg-type]
    assert isinstance(group_key({"a": 1}), Failure)  # type: ignore[dict-item]
    alert = _hand_made()
    assert isinstance(webhook_payload([alert], receiver="r", key=7), Failure)  # type: ignore[arg-type]
    assert webhook_payload([alert], receiver="r", key="{}:{}").unwrap()["groupKey"] == "{}:{}"

    def broken() -> Iterator[FlextAlert]:
        yield alert
        message = "a batch that breaks while read"
        raise RuntimeError(message)

    assert isinstance(alertmanager_body(broken()), Failure)


def test_matchers_match_nothing_that_is_not_a_map_of_texts() -> None:
    """A matcher given anything but a dict or FrozenMap, or a non-text value, answers False instead of raising."""
    from flext_observability.alerts import label_matcher  # noqa: PLC0415 - only this test needs it

    equal = label_matcher("tap", "=", "pg").unwrap()
    assert equal.matches({"tap": "pg"})
    assert equal.matches(FrozenMap({"tap": "pg"}))
    assert not equal.matches([("tap", "pg")])  # type: ignore[arg-type]
    assert not equal.matches({"tap": 5})  # type: ignore[dict-item]
