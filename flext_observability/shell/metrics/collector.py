"""The bridge to prometheus_client: a custom collector over a service's snapshots.

At each scrape the collector takes a snapshot, lets the core describe its
families (:func:`~flext_observability.core.metrics.exposition.expose`) and hands them
to prometheus_client as ``Metric`` objects, which it renders in the text
format or OpenMetrics. No exposition text is written here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client.metrics_core import Metric
from prometheus_client.samples import Exemplar as PrometheusExemplar
from prometheus_client.samples import Sample

from flext_observability.core.metrics.exposition import Exemplar, MetricsSnapshot, expose

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


def _exemplar(exemplar: Exemplar | None) -> PrometheusExemplar | None:
    """prometheus_client's form of an exemplar (shown by OpenMetrics, left out of the text format)."""
    if exemplar is None:
        return None
    labels = {"trace_id": exemplar.trace_id, "span_id": exemplar.span_id}
    return PrometheusExemplar(labels, exemplar.value, exemplar.timestamp)


class FlextMetricsCollector:
    """A ``prometheus_client`` collector (``collect`` and ``describe``) for one service."""

    def __init__(self, snapshot: Callable[[], MetricsSnapshot]) -> None:
        """Collect from ``snapshot``, a function returning the current snapshot."""
        self._snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        """Every family of a fresh snapshot.

        A failure propagates to prometheus_client, so that the scrape or the
        export fails visibly instead of serving a partial exposition; the
        service's export and the HTTP app turn it into a ``Failure`` or a 500.
        """
        for family in expose(self._snapshot()):
            metric = Metric(family.name, family.help, family.kind.value, family.unit)
            metric.samples = [
                Sample(sample.name, sample.labels, sample.value, None, _exemplar(sample.exemplar))
                for sample in family.samples
            ]
            yield metric

    def describe(self) -> list[Metric]:
        """The current families, so that a registry refuses a second copy of them.

        prometheus_client calls this only when the collector is registered.
        """
        return list(self.collect())
