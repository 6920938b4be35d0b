"""Validation errors: which rule broke, on which field, and how to fix it.

Validation in the core never raises. It returns ``Failure(FlextValidationError)``
holding one :class:`FlextFieldError` per broken rule, so a caller sees every
problem of an input at once.

>>> err = FlextFieldError(
...     code=FlextErrorCode.INVALID_NAME,
...     field="name",
...     message="use letters, digits, '_' or ':'",
... )
>>> print(FlextValidationError(entity="metric", errors=(err,)))
invalid metric: name: use letters, digits, '_' or ':' [invalid_name]
"""

from __future__ import annotations

from enum import StrEnum

from attrs import frozen


class FlextErrorCode(StrEnum):
    """Stable, machine-readable codes of the validation rules.

    The values never change once released; messages may be reworded.
    """

    WRONG_TYPE = "wrong_type"
    MISSING = "missing"
    UNKNOWN_FIELD = "unknown_field"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    TOO_MANY = "too_many"
    TOO_DEEP = "too_deep"
    INVALID_TEXT = "invalid_text"
    INVALID_NAME = "invalid_name"
    RESERVED_NAME = "reserved_name"
    INVALID_CHOICE = "invalid_choice"
    NOT_FINITE = "not_finite"
    OUT_OF_RANGE = "out_of_range"
    NEGATIVE_COUNTER = "negative_counter"
    INVALID_UNIT = "invalid_unit"
    NON_BASE_UNIT = "non_base_unit"
    UNIT_SUFFIX_MISSING = "unit_suffix_missing"
    INVALID_ID = "invalid_id"
    ZERO_ID = "zero_id"
    TIME_ORDER = "time_order"
    MIXED_ARRAY = "mixed_array"
    DESCRIPTION_WITHOUT_ERROR = "description_without_error"
    FINGERPRINT_MISMATCH = "fingerprint_mismatch"
    DUPLICATE_SPAN = "duplicate_span"
    MIXED_TRACE_IDS = "mixed_trace_ids"
    NO_ROOT = "no_root"
    MULTIPLE_ROOTS = "multiple_roots"
    CYCLE = "cycle"
    NOT_INCREASING = "not_increasing"
    INCOMPATIBLE = "incompatible"
    CONFLICTING_DEFINITION = "conflicting_definition"
    WRONG_LABELS = "wrong_labels"
    CALLBACK_FAILED = "callback_failed"
    REENTRANT_CALL = "reentrant_call"
    MISSING_HELP = "missing_help"
    NAMING_CAMEL_CASE = "naming_camel_case"
    NAMING_COLON = "naming_colon"
    NAMING_ABBREVIATED_UNIT = "naming_abbreviated_unit"
    NAMING_NON_BASE_UNIT = "naming_non_base_unit"
    NAMING_TYPE_IN_NAME = "naming_type_in_name"
    NAMING_TOTAL_SUFFIX = "naming_total_suffix"
    NAMING_RESERVED_SUFFIX = "naming_reserved_suffix"
    NAMING_RESERVED_LABEL = "naming_reserved_label"


@frozen
class FlextFieldError:
    """One broken rule: a stable ``code``, the ``field`` path, and a fix hint."""

    code: FlextErrorCode
    field: str
    message: str

    def __str__(self) -> str:
        """Render as ``field: message [code]``."""
        return f"{self.field}: {self.message} [{self.code.value}]"


@frozen(auto_exc=False)
class FlextValidationError(ValueError):
    """Every rule an input of kind ``entity`` broke, in field order.

    It is a value (frozen, compared by its fields) returned inside a
    ``Failure``, and also a ``ValueError``: ``.unwrap()`` on a failed set-up
    call shows it, message and all, as the cause in the traceback, and
    ``raise result.failure()`` raises it directly.
    """

    entity: str
    errors: tuple[FlextFieldError, ...]

    @property
    def codes(self) -> frozenset[FlextErrorCode]:
        """The distinct codes of the broken rules."""
        return frozenset(error.code for error in self.errors)

    def for_field(self, field: str) -> tuple[FlextFieldError, ...]:
        """The errors reported on ``field`` exactly; none for a field that is not text."""
        given: object = field  # what callers pass at runtime may be anything
        if not isinstance(given, str):
            return ()
        text = str.__str__(given)
        return tuple(error for error in self.errors if error.field == text)

    def __str__(self) -> str:
        """One line per broken rule, prefixed by the entity kind."""
        lines = "\n  ".join(str(error) for error in self.errors)
        return f"invalid {self.entity}: {lines}"

    # Shown as ``flext_observability.FlextValidationError`` in tracebacks: the name users import.
    __module__ = "flext_observability"

    def __reduce__(self) -> tuple[type[FlextValidationError], tuple[str, tuple[FlextFieldError, ...]]]:
        """Pickle by the fields (an exception's default pickling would call the class without them)."""
        return (type(self), (self.entity, self.errors))


@frozen(auto_exc=False)
class FlextExportError(Exception):
    """Data could not leave the process: where it was going and why.

    A value returned inside a ``Failure``, and an ``Exception`` so that
    ``.unwrap()`` shows it as the cause in a traceback.

    ``status`` is the peer's HTTP status when it answered, and ``message``
    carries its reason when it gave one.

    >>> str(FlextExportError(target="http://127.0.0.1:9091", message="bad request", status=400))
    'export to http://127.0.0.1:9091 failed (HTTP 400): bad request'
    """

    target: str
    message: str
    status: int | None = None

    def __str__(self) -> str:
        """One line naming the target, the status and the reason."""
        status = f" (HTTP {self.status})" if self.status is not None else ""
        return f"export to {self.target} failed{status}: {self.message}"

    __module__ = "flext_observability"

    def __reduce__(self) -> tuple[type[FlextExportError], tuple[str, str, int | None]]:
        """Pickle by the fields."""
        return (type(self), (self.target, self.message, self.status))
