"""Hypothesis strategies for valid entities and for inputs that break one rule.

Use them in your own property tests: the valid strategies generate entities
that pass :func:`~flext_observability.validate_metric` and friends, and the
``broken_*`` strategies generate field sets that break exactly one named
rule, each tagged with the code validation must report.

The strategies live in four modules, all re-exported here: ``_common``
(small shared strategies), ``valid`` (valid entities), ``broken`` (inputs
that break one rule) and ``hostile`` (hostile values and ``anything``).

>>> from hypothesis import given
>>> from flext_observability import metric_from_dict
>>> @given(metrics())
... def test_round_trip(metric):
...     assert metric_from_dict(metric.to_dict()).unwrap() == metric
>>> test_round_trip()
"""

from __future__ import annotations

from flext_observability.testing.strategies._common import (
    UTF8_TEXT,
    Fields,
    attribute_maps,
    attribute_values,
    context_values,
    finite_numbers,
    hex_ids,
    label_names,
    label_sets,
    metric_names,
    span_ids,
    texts,
    timestamps,
    trace_ids,
)
from flext_observability.testing.strategies.broken import (
    ALL_BROKEN,
    BrokenCase,
    Builder,
    MalformedTrace,
    broken_alerts,
    broken_health_checks,
    broken_log_entries,
    broken_metrics,
    broken_spans,
    malformed_traces,
)
from flext_observability.testing.strategies.hostile import HOSTILE_MAKERS, anything, hostile_values
from flext_observability.testing.strategies.valid import (
    UNITS,
    alert_fields,
    alerts,
    health_check_fields,
    health_checks,
    log_entries,
    log_entry_fields,
    metric_fields,
    metrics,
    span_fields,
    span_trees,
    spans,
    traces,
)

__all__ = [
    "ALL_BROKEN",
    "HOSTILE_MAKERS",
    "UNITS",
    "UTF8_TEXT",
    "BrokenCase",
    "Builder",
    "Fields",
    "MalformedTrace",
    "alert_fields",
    "alerts",
    "anything",
    "attribute_maps",
    "attribute_values",
    "broken_alerts",
    "broken_health_checks",
    "broken_log_entries",
    "broken_metrics",
    "broken_spans",
    "context_values",
    "finite_numbers",
    "health_check_fields",
    "health_checks",
    "hex_ids",
    "hostile_values",
    "label_names",
    "label_sets",
    "log_entries",
    "log_entry_fields",
    "malformed_traces",
    "metric_fields",
    "metric_names",
    "metrics",
    "span_fields",
    "span_ids",
    "span_trees",
    "spans",
    "texts",
    "timestamps",
    "trace_ids",
    "traces",
]
