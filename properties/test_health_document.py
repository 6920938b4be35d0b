"""Every health document validates against a JSON Schema of ``application/health+json``, with details on and off.

``jsonschema`` is not a dependency of the project, so the schema below is
checked by a small validator of the keywords it uses; the validator is
itself tested on documents that break each rule.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any, Final

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flext_observability.core.health.check import FlextHealthCheck, build_health_check
from flext_observability.core.health.document import (
    ServiceInfo,
    build_service_info,
    format_rfc3339,
    health_document,
)
from flext_observability.core.health.report import HealthOutcome, aggregate, build_health_outcome
from flext_observability.core.limits import MAX_TIMESTAMP
from flext_observability.core.values import HealthStatus
from flext_observability.testing.strategies import health_check_fields, texts

Schema = dict[str, Any]

STATUS: Final[Schema] = {"enum": ["pass", "warn", "fail"]}
TEXT: Final[Schema] = {"type": "string"}
RFC3339: Final[Schema] = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$",
}
LINKS: Final[Schema] = {"type": "object", "additionalProperties": TEXT}
OUTPUT_ONLY_WHEN_NOT_PASS: Final[Schema] = {
    "if": {"properties": {"status": {"const": "pass"}}},
    "then": {"not": {"required": ["output"]}},
}
CHECK_KEY: Final[Schema] = {"pattern": r"^[^:]+:[^:]+$"}

CHECK_ENTRY: Final[Schema] = {
    "type": "object",
    "required": ["status"],
    "properties": {
        "componentId": TEXT,
        "componentType": TEXT,
        "observedValue": {"type": ["string", "number", "boolean", "null", "object", "array"]},
        "observedUnit": TEXT,
        "status": STATUS,
        "affectedEndpoints": {"type": "array", "items": TEXT},
        "time": RFC3339,
        "output": TEXT,
        "links": LINKS,
    },
    "additionalProperties": False,
    "allOf": [OUTPUT_ONLY_WHEN_NOT_PASS],
}

HEALTH_SCHEMA: Final[Schema] = {
    "type": "object",
    "required": ["status"],
    "properties": {
        "status": STATUS,
        "version": TEXT,
        "releaseId": TEXT,
        "notes": {"type": "array", "items": TEXT},
        "output": TEXT,
        "checks": {
            "type": "object",
            "propertyNames": CHECK_KEY,
            "additionalProperties": {"type": "array", "items": CHECK_ENTRY},
        },
        "links": LINKS,
        "serviceId": TEXT,
        "description": TEXT,
    },
    "additionalProperties": False,
    "allOf": [OUTPUT_ONLY_WHEN_NOT_PASS],
}
"""The document of draft-inadarei-api-health-check, section 3 and 4, with its MUSTs and SHOULDs as rules."""

STATUS_ONLY_SCHEMA: Final[Schema] = {
    "type": "object",
    "required": ["status"],
    "properties": {
        "status": STATUS,
        "checks": {
            "type": "object",
            "propertyNames": CHECK_KEY,
            "additionalProperties": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["status"],
                    "properties": {"status": STATUS},
                    "additionalProperties": False,
                },
            },
        },
    },
    "additionalProperties": False,
    "allOf": [HEALTH_SCHEMA],
}
"""A document without details: the same format, holding statuses and check names only."""

_JSON_TYPES: Final = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "number": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
}


def schema_errors(schema: Schema, value: object, path: str = "$") -> list[str]:  # noqa: C901, PLR0912 - one branch per keyword
    """The ways ``value`` breaks ``schema``, for the JSON Schema keywords the schemas above use."""
    errors: list[str] = []
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_JSON_TYPES[kind](value) for kind in kinds):
            return [f"{path}: {value!r} is not of type {schema['type']}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: {value!r} is not {schema['const']!r}")
    if "pattern" in schema and isinstance(value, str) and re.search(schema["pattern"], value) is None:
        errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, dict):
        errors.extend(f"{path}: {name!r} is required" for name in schema.get("required", ()) if name not in value)
        properties = schema.get("properties", {})
        for name, item in value.items():
            if "propertyNames" in schema:
                errors.extend(schema_errors(schema["propertyNames"], name, f"{path}[{name!r}] (name)"))
            if name in properties:
                errors.extend(schema_errors(properties[name], item, f"{path}.{name}"))
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: {name!r} is not allowed")
            elif isinstance(schema.get("additionalProperties"), dict):
                errors.extend(schema_errors(schema["additionalProperties"], item, f"{path}[{name!r}]"))
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            errors.extend(schema_errors(schema["items"], item, f"{path}[{index}]"))
    if "not" in schema and not schema_errors(schema["not"], value, path):
        errors.append(f"{path}: must not match {schema['not']}")
    if "if" in schema and not schema_errors(schema["if"], value, path):
        errors.extend(schema_errors(schema.get("then", {}), value, path))
    for part in schema.get("allOf", ()):
        errors.extend(schema_errors(part, value, path))
    return errors


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
