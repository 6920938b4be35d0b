"""The bridge to prometheus_client: a custom collector over a service's snapshots.

At each scrape the collector takes a snapshot, lets the core describe its
families (:func:`~flext_observability.core.exposition.expose`) and hands them
to prometheus_client as ``Metric`` objects, which it renders in the text
format or OpenMetrics. No exposition text is written here.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

from prometheus_client.metrics_core import Metric
from prometheus_client.samples import Sample

from flext_observability.core.exposition import MetricsSnapshot, expose

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

_LOG: Final = logging.getLogger("flext_observability.metrics")


class FlextMetricsCollector:
    """A ``prometheus_client`` collector (``collect`` and ``describe``) for one service."""

    def __init__(self, snapshot: Callable[[], MetricsSnapshot]) -> None:
        """Collect from ``snapshot``, a function returning the current snapshot."""
        self._snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        """Every family of a fresh snapshot; a failure logs and yields nothing rather than failing the scrape."""
        try:
            families = expose(self._snapshot())
        except Exception:  # noqa: BLE001 - a scrape must not take the application down
            _LOG.exception("collecting metrics failed")
            return
        for family in families:
            metric = Metric(family.name, family.help, family.kind.value, family.unit)
            metric.samples = [Sample(sample.name, sample.labels, sample.value, None, None) for sample in family.samples]
            yield metric

    def describe(self) -> list[Metric]:
        """Nothing: names are checked by the service, and describing would cost a snapshot."""
        return []
