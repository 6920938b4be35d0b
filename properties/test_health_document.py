"""Every health document validates against a JSON Schema of ``application/health+json``, with details on and off.

``jsonschema`` is not a dependency of the project, so the schema below is
checked by a small validator of the keywords it uses; the validator is
itself tested on documents that break each rule.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Final

import pytest
from health_schema import HEALTH_SCHEMA, RFC3339, STATUS_ONLY_SCHEMA, schema_errors
from hypothesis import given
from hypothesis import strategies as st

from flext_observability.core.health.check import FlextHealthCheck, build_health_check
from flext_observability.core.health.document import (
    ServiceInfo,
    build_service_info,
    health_document,
)
from flext_observability.core.health.report import HealthOutcome, aggregate, build_health_outcome
from flext_observability.core.limits import MAX_TIMESTAMP
from flext_observability.core.timestamps import format_rfc3339
from flext_observability.core.values import HealthStatus
from flext_observability.testing.strategies import health_check_fields, texts

_COMPONENTS: Final = st.sampled_from(["postgres", "redis", "disk", "cpu"])


@st.composite
def health_checks(draw: st.DrawFn) -> FlextHealthCheck:
    """Valid checks, often sharing a component so that several land under one key."""
    fields = draw(health_check_fields())
    if draw(st.booleans()):
        fields["component"] = draw(_COMPONENTS)
        fields["measurement"] = draw(st.sampled_from(["status", "responseTime"]))
    return build_health_check(**fields).unwrap()


@st.composite
def outcomes(draw: st.DrawFn) -> HealthOutcome:
    """Valid outcomes: a check, critical or not, with or without component facts."""
    return build_health_outcome(
        draw(health_checks()),
        critical=draw(st.booleans()),
        component_type=draw(st.sampled_from(["", "datastore", "system", "component"])),
        component_id=draw(st.sampled_from(["", "replica-1"]) | texts(max_size=12)),
    ).unwrap()


@st.composite
def service_infos(draw: st.DrawFn) -> ServiceInfo:
    """Valid service facts, empty or full."""
    words = texts(max_size=20)
    return build_service_info(
        version=draw(words),
        release_id=draw(words),
        service_id=draw(words),
        description=draw(words),
        notes=draw(st.lists(texts(min_size=1, max_size=20), max_size=3)),
        links=draw(st.dictionaries(texts(min_size=1, max_size=10), texts(min_size=1, max_size=30), max_size=3)),
    ).unwrap()


def _keys_anywhere(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in _keys_anywhere(item)}
    if isinstance(value, list):
        return {key for item in value for key in _keys_anywhere(item)}
    return set()


@given(st.lists(outcomes(), max_size=6), service_infos(), st.booleans())
def test_every_document_validates_and_is_json(items: list[HealthOutcome], service: ServiceInfo, details: bool) -> None:
    """With details on or off, the document validates against the schema and survives strict JSON unchanged."""
    document = health_document(aggregate(items, time=0.0), details=details, service=service)
    assert schema_errors(HEALTH_SCHEMA if details else STATUS_ONLY_SCHEMA, document) == []
    assert json.loads(json.dumps(document, allow_nan=False)) == document


@given(st.lists(outcomes(), max_size=6), service_infos())
def test_details_off_shows_statuses_and_names_only(items: list[HealthOutcome], service: ServiceInfo) -> None:
    """Without details no output, observed value or service fact appears; keys and statuses are as with details."""
    report = aggregate(items, time=0.0)
    hidden: Any = health_document(report, details=False, service=service)
    shown: Any = health_document(report, details=True, service=service)
    assert not _keys_anywhere(hidden) & {"output", "observedValue", "observedUnit", "componentId", "time", "version"}
    assert hidden["status"] == shown["status"] == report.status.value
    assert hidden.get("checks", {}) == {
        key: [{"status": entry["status"]} for entry in entries] for key, entries in shown.get("checks", {}).items()
    }


@given(st.lists(outcomes(), max_size=6), service_infos())
def test_details_on_shows_everything_known(items: list[HealthOutcome], service: ServiceInfo) -> None:
    """With details every outcome appears under its key, with its time, value and output (output only when not pass)."""
    document: Any = health_document(aggregate(items, time=0.0), details=True, service=service)
    assert ("output" in document) == (document["status"] != "pass")
    assert sum(len(entries) for entries in document.get("checks", {}).values()) == len(items)
    for outcome in items:
        entries = document["checks"][outcome.key]
        check = outcome.check
        expected_output = check.output if check.status is not HealthStatus.PASS else ""
        assert any(
            entry["status"] == check.status.value
            and entry["time"] == format_rfc3339(check.time)
            and entry.get("observedValue") == check.observed_value
            and entry.get("output", "") == expected_output
            and entry.get("componentId", "") == outcome.component_id
            for entry in entries
        )
    assert document.get("serviceId", "") == service.service_id
    assert document.get("notes", []) == list(service.notes)
    assert document.get("links", {}) == service.links


@pytest.mark.parametrize(
    ("document", "broken"),
    [
        ({"status": "ok"}, "not one of"),
        ({}, "is required"),
        ({"status": "pass", "output": "fine"}, "must not match"),
        ({"status": "warn", "checks": {"nocolon": []}}, "does not match"),
        ({"status": "warn", "checks": {"a:b": [{"status": "pass", "time": "yesterday"}]}}, "does not match"),
        ({"status": "warn", "checks": {"a:b": [{"status": "warn", "observed_value": 1}]}}, "not allowed"),
        ({"status": "warn", "checks": {"a:b": {"status": "warn"}}}, "not of type"),
        ({"status": "warn", "notes": ["a", 2]}, "not of type"),
        ({"status": "warn", "links": {"about": 1}}, "not of type"),
    ],
)
def test_the_schema_rejects_broken_documents(document: dict[str, Any], broken: str) -> None:
    """The schema and its validator catch each broken rule, so that the properties above can fail."""
    assert any(broken in error for error in schema_errors(HEALTH_SCHEMA, document))


def test_the_status_only_schema_rejects_details() -> None:
    """A document without details may not carry an output, an observed value or a service fact."""
    for document in (
        {"status": "warn", "output": "x"},
        {"status": "pass", "version": "1"},
        {"status": "pass", "checks": {"a:b": [{"status": "pass", "observedValue": 3}]}},
    ):
        assert schema_errors(STATUS_ONLY_SCHEMA, document) != []


@given(st.floats(min_value=0.0, max_value=MAX_TIMESTAMP))
def test_rfc3339_agrees_with_datetime(seconds: float) -> None:
    """The hand-made calendar gives the date, time and millisecond of ``datetime``, in RFC 3339 form."""
    millis = round(seconds * 1000)
    expected = datetime.fromtimestamp(millis // 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{millis % 1000:03d}Z"
    formatted = format_rfc3339(seconds)
    assert formatted == expected
    assert schema_errors(RFC3339, formatted) == []
