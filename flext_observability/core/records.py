"""Reading entities back from JSON-safe dicts, and the JSON value types.

Every entity's ``to_dict()`` gives plain JSON data; its ``from_dict()`` checks
the shape here (unknown and missing keys) and the rules in the entity's
builder, and reports every problem of both kinds at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from returns.result import Failure, Result

from flext_observability.core.checks import Problems, add, describe, invalid, invalid_one, read_items
from flext_observability.core.errors import FlextErrorCode, FlextFieldError, FlextValidationError

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]
"""A value that ``json.dumps`` writes without help and ``json.loads`` reads back."""

JsonDict = dict[str, JsonValue]
"""A JSON object, as produced by every entity's ``to_dict()``."""


def wrong_entity(entity: str, value: object, expected: str) -> Failure[FlextValidationError]:
    """The failure for a value that is not an entity of the expected class."""
    return invalid_one(entity, FlextErrorCode.WRONG_TYPE, "", f"expected a {expected}, got {describe(value)}")


def read_fields(
    problems: Problems,
    path: str,
    data: object,
    *,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    entity: str,
) -> dict[str, object] | None:
    """The fields of a mapping whose keys must be among ``required`` and ``optional``.

    Unknown keys are reported and left out; ``None`` (with the missing keys
    reported) when a required key is absent or ``data`` is not a mapping.
    """
    items = read_items(problems, path, data)
    if items is None:
        return None
    allowed = frozenset(required) | frozenset(optional)
    fields: dict[str, object] = {}
    for key, value in items:
        name = str.__str__(key) if isinstance(key, str) else "?"
        if name in allowed:
            fields[name] = value
        else:
            add(
                problems,
                FlextErrorCode.UNKNOWN_FIELD,
                join_path(path, name),
                f"{entity} has no such field; known fields: {', '.join(sorted(allowed))}",
            )
    missing = [name for name in required if name not in fields]
    for name in missing:
        add(problems, FlextErrorCode.MISSING, join_path(path, name), "is required")
    return None if missing else fields


def join_path(prefix: str, field: str) -> str:
    """The path of ``field`` inside the field ``prefix`` (``events[0].name``)."""
    if not prefix:
        return field
    if not field:
        return prefix
    if field.startswith("["):
        return prefix + field
    return f"{prefix}.{field}"


def nest_errors(problems: Problems, prefix: str, error: FlextValidationError) -> None:
    """Append ``error``'s problems with their paths moved under ``prefix``."""
    problems.extend(
        FlextFieldError(code=item.code, field=join_path(prefix, item.field), message=item.message)
        for item in error.errors
    )


def read_record(
    entity: str,
    data: object,
    build: Callable[..., Result[T, FlextValidationError]],
    *,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
) -> Result[T, FlextValidationError]:
    """Check the keys of ``data``, then call ``build(**data)``.

    Unknown keys are reported together with the builder's own problems;
    missing required keys stop the read (there is nothing to check them with).
    """
    problems: Problems = []
    fields = read_fields(problems, "", data, required=required, optional=optional, entity=entity)
    if fields is None:
        return invalid(entity, problems)
    result = build(**fields)
    if not problems:
        return result
    match result:
        case Failure(error):
            problems.extend(error.errors)
    return invalid(entity, problems)
