"""A JSON Schema of the ``application/health+json`` format, and a small validator for the keywords it uses.

Shared by the property tests of the document and the tests over HTTP, so both
hold the served document to one definition. (``jsonschema`` is not a
dependency; the validator covers only the keywords written here.)
"""

from __future__ import annotations

import re
from typing import Any, Final

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
