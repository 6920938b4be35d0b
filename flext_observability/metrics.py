"""Metrics: the live service and its instruments, ``/metrics`` over HTTP, pushes, and the pure parts.

This module only re-exports; it is one of the public faces of the package
(with :mod:`flext_observability.tracing`, :mod:`~flext_observability.logs`,
:mod:`~flext_observability.propagation` and :mod:`~flext_observability.testing`).
Import from here, not from the internal ``core`` and ``shell`` packages,
which may move between releases.

>>> from flext_observability.metrics import FlextMetricsService
>>> service = FlextMetricsService()
>>> rows = service.counter("rows_total", "Rows read.", labels=("tap",)).unwrap()
>>> rows.labels(tap="postgres").inc(3)
<Success: None>
>>> [row.value for row in service.get_metrics_summary()]
['3']
"""

from __future__ import annotations

from flext_observability.core.errors import FlextExportError
from flext_observability.core.metrics.aggregation import (
    DEFAULT_BUCKETS,
    CounterState,
    GaugeState,
    HistogramState,
    fold,
    histogram_quantile,
    identity,
    increase,
    merge,
    observe,
)
from flext_observability.core.metrics.exposition import FamilySnapshot, MetricsSnapshot, SeriesSnapshot, merge_snapshots
from flext_observability.core.metrics.instruments import (
    DEFAULT_MAX_SERIES,
    DEFAULT_QUANTILES,
    InstrumentSpec,
    define_instrument,
)
from flext_observability.core.metrics.metric import FlextMetric, build_metric, metric_from_dict, validate_metric
from flext_observability.core.metrics.naming import lint_family
from flext_observability.core.metrics.sketch import SketchState, sketch_quantile
from flext_observability.core.values import MetricKind
from flext_observability.shell.metrics.callbacks import CallbackHandle
from flext_observability.shell.metrics.collector import FlextMetricsCollector
from flext_observability.shell.metrics.http import MetricsServer, make_metrics_app, serve_metrics
from flext_observability.shell.metrics.push import PushMethod, push_to_gateway, write_textfile
from flext_observability.shell.metrics.series import Counter, Gauge, Histogram, Summary
from flext_observability.shell.metrics.service import REJECTED_SAMPLES, SERIES_OVERFLOW, FlextMetricsService, SummaryRow

__all__ = [
    "DEFAULT_BUCKETS",
    "DEFAULT_MAX_SERIES",
    "DEFAULT_QUANTILES",
    "REJECTED_SAMPLES",
    "SERIES_OVERFLOW",
    "CallbackHandle",
    "Counter",
    "CounterState",
    "FamilySnapshot",
    "FlextExportError",
    "FlextMetric",
    "FlextMetricsCollector",
    "FlextMetricsService",
    "Gauge",
    "GaugeState",
    "Histogram",
    "HistogramState",
    "InstrumentSpec",
    "MetricKind",
    "MetricsServer",
    "MetricsSnapshot",
    "PushMethod",
    "SeriesSnapshot",
    "SketchState",
    "Summary",
    "SummaryRow",
    "build_metric",
    "define_instrument",
    "fold",
    "histogram_quantile",
    "identity",
    "increase",
    "lint_family",
    "make_metrics_app",
    "merge",
    "merge_snapshots",
    "metric_from_dict",
    "observe",
    "push_to_gateway",
    "serve_metrics",
    "sketch_quantile",
    "validate_metric",
    "write_textfile",
]
