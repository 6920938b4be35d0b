"""``FlextMetric``: one measurement of a named, labelled series.

Build one with :func:`build_metric`, which checks every rule and reports all
broken ones at once:

>>> from returns.result import Success
>>> result = build_metric(
...     name="pipeline_rows_total",
...     value=120,
...     kind="counter",
...     labels={"tap": "postgres"},
...     timestamp=1_700_000_000.0,
... )
>>> metric = result.unwrap()
>>> metric.value, metric.kind, metric.labels["tap"]
(120.0, <MetricKind.COUNTER: 'counter'>, 'postgres')
>>> metric_from_dict(metric.to_dict()) == Success(metric)
True
>>> bad = build_metric(name="rows/sec", value=-1, kind="counter", unit="ms", timestamp=0)
>>> sorted(code.value for code in bad.failure().codes)
['invalid_name', 'negative_counter', 'non_base_unit']
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Final

from attrs import field, frozen
from returns.result import Result, Success

from flext_observability.core.checks import (
    Problems,
    add,
    check_choice,
    check_finite,
    check_metric_name,
    check_string_map,
    check_text,
    check_timestamp,
    describe,
    invalid,
    is_encodable,
)
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.frozen import EMPTY_MAP, FrozenMap
from flext_observability.core.limits import (
    MAX_LABEL_VALUE_LENGTH,
    MAX_LABELS,
    MAX_NAME_LENGTH,
    MAX_TIMESTAMP,
    MAX_UNIT_LENGTH,
)
from flext_observability.core.records import read_record, wrong_entity
from flext_observability.core.values import MetricKind

if TYPE_CHECKING:
    from flext_observability.core.records import JsonDict

BASE_UNITS: Final = frozenset(
    {"seconds", "bytes", "ratio", "meters", "volts", "amperes", "joules", "grams", "celsius"},
)
"""The base units Prometheus recommends; custom count units (``rows``) are fine too."""

NON_BASE_UNITS: Final = {
    "milliseconds": "seconds (divide by 1e3)",
    "ms": "seconds (divide by 1e3)",
    "microseconds": "seconds (divide by 1e6)",
    "us": "seconds (divide by 1e6)",
    "nanoseconds": "seconds (divide by 1e9)",
    "ns": "seconds (divide by 1e9)",
    "sec": "seconds",
    "secs": "seconds",
    "second": "seconds",
    "minutes": "seconds (multiply by 60)",
    "hours": "seconds (multiply by 3600)",
    "days": "seconds (multiply by 86400)",
    "bits": "bytes (divide by 8)",
    "byte": "bytes",
    "kilobytes": "bytes (multiply by 1e3)",
    "kb": "bytes (multiply by 1e3)",
    "kibibytes": "bytes (multiply by 1024)",
    "megabytes": "bytes (multiply by 1e6)",
    "mb": "bytes (multiply by 1e6)",
    "mebibytes": "bytes (multiply by 2**20)",
    "gigabytes": "bytes (multiply by 1e9)",
    "gb": "bytes (multiply by 1e9)",
    "gibibytes": "bytes (multiply by 2**30)",
    "percent": "ratio (divide by 100, so 1.0 means 100%)",
    "percentage": "ratio (divide by 100, so 1.0 means 100%)",
    "kilometers": "meters (multiply by 1e3)",
    "kilograms": "grams (multiply by 1e3)",
    "millivolts": "volts (divide by 1e3)",
    "milliamperes": "amperes (divide by 1e3)",
}
"""Units that have a base unit, with how to convert."""

RESERVED_METRIC_LABELS: Final = frozenset({"le", "quantile"})
"""Labels Prometheus sets itself on histogram and summary series."""

_UNIT: Final = re.compile(r"[a-z][a-z0-9_]*")


@frozen(kw_only=True)
class FlextMetric:
    """One measurement: a counter increment, a gauge value or one observation.

    Instances made by :func:`build_metric` are valid; the constructor itself
    checks nothing (call :meth:`validate_domain_rules` after using it).
    """

    name: str
    value: float
    kind: MetricKind = MetricKind.GAUGE
    unit: str = ""
    labels: FrozenMap[str, str] = field(default=EMPTY_MAP)
    timestamp: float

    def validate_domain_rules(self) -> Result[FlextMetric, FlextValidationError]:
        """``Success(self)`` when every rule holds, else every broken rule."""
        return validate_metric(self)

    def to_dict(self) -> JsonDict:
        """JSON-safe data that :func:`metric_from_dict` turns back into this metric."""
        return {
            "name": self.name,
            "value": self.value,
            "kind": self.kind.value,
            "unit": self.unit,
            "labels": dict(sorted(self.labels.items())),
            "timestamp": self.timestamp,
        }

    @staticmethod
    def from_dict(data: object) -> Result[FlextMetric, FlextValidationError]:
        """Read a metric from :meth:`to_dict` data; see :func:`metric_from_dict`."""
        return metric_from_dict(data)


def check_unit(problems: Problems, unit: object) -> str | None:
    """Check a unit: empty, or a lowercase unit name that is not a non-base unit."""
    text = check_text(problems, "unit", unit, max_length=MAX_UNIT_LENGTH, allow_empty=True)
    if not text:
        return text
    if text in NON_BASE_UNITS:
        add(
            problems,
            FlextErrorCode.NON_BASE_UNIT,
            "unit",
            f"{describe(text)} is not a base unit; record {NON_BASE_UNITS[text]}",
        )
        return None
    if _UNIT.fullmatch(text) is None:
        add(
            problems,
            FlextErrorCode.INVALID_UNIT,
            "unit",
            f"{describe(text)} is not a unit name (lowercase letters, digits and '_', "
            "starting with a letter), such as 'seconds' or 'bytes'",
        )
        return None
    return text


def _has_unit_suffix(name: str, unit: str, kind: MetricKind) -> bool:
    """OpenMetrics requires a metric with a unit to carry it as a name suffix."""
    stem = name.removesuffix("_total") if kind is MetricKind.COUNTER else name
    return stem.endswith("_" + unit)


def check_unit_suffix(problems: Problems, name: str, unit: str, kind: MetricKind) -> None:
    """Report a name that does not end with its unit (before ``_total`` for counters)."""
    if not _has_unit_suffix(name, unit, kind):
        stem = name.removesuffix("_total") if kind is MetricKind.COUNTER else name
        wanted = f"{stem}_{unit}_total" if kind is MetricKind.COUNTER else f"{stem}_{unit}"
        add(
            problems,
            FlextErrorCode.UNIT_SUFFIX_MISSING,
            "name",
            f"a metric with unit {describe(unit)} must end with '_{unit}'; rename it to {describe(wanted)}",
        )


def build_metric(
    *,
    name: object,
    value: object,
    kind: object = MetricKind.GAUGE,
    unit: object = "",
    labels: object = None,
    timestamp: object,
) -> Result[FlextMetric, FlextValidationError]:
    """Check every rule on the given fields and build a :class:`FlextMetric`.

    Accepts values of any type; wrong ones are reported, never raised.
    """
    quick = quick_metric(name, value, kind, unit, labels, timestamp)
    if quick is not None:
        return Success(quick)
    return _checked_metric(name, value, kind, unit, labels, timestamp)


_KINDS: Final = {kind.value: kind for kind in MetricKind}
_NEW: Final = object.__new__
_SET_NAME, _SET_VALUE, _SET_KIND, _SET_UNIT, _SET_LABELS, _SET_TIMESTAMP = (
    FlextMetric.__dict__[field].__set__ for field in ("name", "value", "kind", "unit", "labels", "timestamp")
)
_EXACT_FLOAT_INT: Final = 2**53
_INF: Final = math.inf


def quick_metric(  # noqa: C901 - one early exit per field keeps the hot path flat
    name: object,
    value: object,
    kind: object,
    unit: object,
    labels: object,
    timestamp: object,
) -> FlextMetric | None:
    """The hot path: a metric when every field is of the usual exact type and obviously valid.

    ``None`` means "not obviously valid", never "invalid": :func:`build_metric`
    then decides and explains. A property test shows that whenever this
    returns a metric, the full check returns the same one.

    >>> quick_metric("rows_total", 3, "counter", "", {"tap": "pg"}, 1.0).value
    3.0
    >>> quick_metric("rows/sec", 3, "counter", "", None, 1.0) is None
    True
    """
    if not (
        type(name) is str
        and len(name) <= MAX_NAME_LENGTH
        and name.isascii()
        # ASCII identifiers are exactly [a-zA-Z_][a-zA-Z0-9_]*; colons are also allowed in metric names
        and (name.isidentifier() or name.replace(":", "_").isidentifier())
    ):
        return None
    if type(value) is int and -_EXACT_FLOAT_INT <= value <= _EXACT_FLOAT_INT:
        value = float(value)
    if type(value) is not float or not -_INF < value < _INF:
        return None
    checked_kind = _KINDS.get(kind) if type(kind) is str or type(kind) is MetricKind else None
    if checked_kind is None or (checked_kind is MetricKind.COUNTER and value < 0):
        return None
    if type(unit) is not str or (unit and not (unit in BASE_UNITS and _has_unit_suffix(name, unit, checked_kind))):
        return None
    if type(timestamp) is int and 0 <= timestamp <= MAX_TIMESTAMP:
        timestamp = float(timestamp)
    if type(timestamp) is not float or not 0.0 <= timestamp <= MAX_TIMESTAMP:
        return None
    if labels is None:
        frozen_labels = EMPTY_MAP
    else:
        if type(labels) is not dict or len(labels) > MAX_LABELS:
            return None
        for key, item in labels.items():
            if not (
                type(key) is str
                and type(item) is str
                and len(key) <= MAX_NAME_LENGTH
                and len(item) <= MAX_LABEL_VALUE_LENGTH
                and key.isidentifier()  # with isascii: exactly [a-zA-Z_][a-zA-Z0-9_]*
                and key.isascii()
                and key[:2] != "__"
                and key not in RESERVED_METRIC_LABELS
                and (item.isascii() or is_encodable(item))
            ):
                return None
        frozen_labels = FrozenMap.adopt(dict(labels)) if labels else EMPTY_MAP
    metric: FlextMetric = _NEW(FlextMetric)
    _SET_NAME(metric, name)
    _SET_VALUE(metric, value)
    _SET_KIND(metric, checked_kind)
    _SET_UNIT(metric, unit)
    _SET_LABELS(metric, frozen_labels)
    _SET_TIMESTAMP(metric, timestamp)
    return metric


def _checked_metric(
    name: object,
    value: object,
    kind: object,
    unit: object,
    labels: object,
    timestamp: object,
) -> Result[FlextMetric, FlextValidationError]:
    """Check every rule, collecting every problem."""
    problems: Problems = []
    checked_name = check_metric_name(problems, "name", name)
    checked_value = check_finite(problems, "value", value)
    checked_kind = check_choice(problems, "kind", kind, MetricKind)
    if checked_kind is MetricKind.COUNTER and checked_value is not None and checked_value < 0:
        add(
            problems,
            FlextErrorCode.NEGATIVE_COUNTER,
            "value",
            f"a counter only goes up; got {checked_value!r} (use a gauge for values that go down)",
        )
    checked_unit = check_unit(problems, unit)
    if checked_name and checked_unit and checked_kind:
        check_unit_suffix(problems, checked_name, checked_unit, checked_kind)
    checked_labels = check_string_map(problems, "labels", labels, reserved=RESERVED_METRIC_LABELS)
    checked_time = check_timestamp(problems, "timestamp", timestamp)
    if (
        problems
        or checked_name is None
        or checked_value is None
        or checked_kind is None
        or checked_unit is None
        or checked_labels is None
        or checked_time is None
    ):
        return invalid("metric", problems)
    return Success(
        FlextMetric(
            name=checked_name,
            value=checked_value,
            kind=checked_kind,
            unit=checked_unit,
            labels=checked_labels,
            timestamp=checked_time,
        ),
    )


def validate_metric(metric: object) -> Result[FlextMetric, FlextValidationError]:
    """``Success(metric)`` when ``metric`` is a valid :class:`FlextMetric`."""
    if not isinstance(metric, FlextMetric):
        return wrong_entity("metric", metric, "FlextMetric")
    return build_metric(
        name=metric.name,
        value=metric.value,
        kind=metric.kind,
        unit=metric.unit,
        labels=metric.labels,
        timestamp=metric.timestamp,
    ).map(lambda _: metric)


def metric_from_dict(data: object) -> Result[FlextMetric, FlextValidationError]:
    """Read a metric from :meth:`FlextMetric.to_dict` data, checking every rule."""
    return read_record(
        "metric",
        data,
        build_metric,
        required=("name", "value", "timestamp"),
        optional=("kind", "unit", "labels"),
    )
