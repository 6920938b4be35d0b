"""The live twin of the core's quantile sketch, for the summary hot path.

The core's :class:`~flext_observability.core.metrics.sketch.SketchState` is frozen:
adding to it copies its bins. A summary series instead keeps the same bins in
plain dicts, changed in place under its family's lock, and freezes them into a
``SketchState`` for each snapshot. It uses the core's own bin mapping and
folding, so the frozen result equals what :func:`sketch_add` would have built
from the same observations (a property test checks it).
"""

from __future__ import annotations

import math

from flext_observability.core.frozen import FrozenMap
from flext_observability.core.metrics.sketch import (
    DEFAULT_MAX_BINS,
    DEFAULT_RELATIVE_ACCURACY,
    MIN_INDEXABLE,
    SketchState,
    bin_key,
    collapse_bins,
    log_gamma,
)


class LiveSketch:
    """Mutable sketch bins; not thread-safe on its own (the series lock guards it)."""

    __slots__ = (
        "_accuracy",
        "_count",
        "_log_gamma",
        "_max",
        "_max_bins",
        "_min",
        "_negative",
        "_positive",
        "_sum",
        "_zero",
    )

    def __init__(self, relative_accuracy: float = DEFAULT_RELATIVE_ACCURACY, max_bins: int = DEFAULT_MAX_BINS) -> None:
        """An empty sketch with these (already checked) parameters."""
        self._accuracy = relative_accuracy
        self._max_bins = max_bins
        self._log_gamma = log_gamma(relative_accuracy)
        self._positive: dict[int, int] = {}
        self._negative: dict[int, int] = {}
        self._zero = 0
        self._count = 0
        self._sum = 0.0
        self._min = math.inf
        self._max = -math.inf

    def add(self, value: float) -> bool:
        """Add a finite observation; ``False`` (and no change) when the sum would overflow."""
        total = self._sum + value
        if not math.isfinite(total):
            return False
        magnitude = abs(value)
        if magnitude <= MIN_INDEXABLE:
            self._zero += 1
        else:
            key = bin_key(magnitude, self._log_gamma)
            store = self._positive if value > 0 else self._negative
            store[key] = store.get(key, 0) + 1
            if len(store) > self._max_bins:
                folded = collapse_bins(store, self._max_bins)
                if value > 0:
                    self._positive = folded
                else:
                    self._negative = folded
        self._count += 1
        self._sum = total
        self._min = min(self._min, value)
        self._max = max(self._max, value)
        return True

    def freeze(self) -> SketchState:
        """A frozen copy for a snapshot."""
        return SketchState(
            relative_accuracy=self._accuracy,
            max_bins=self._max_bins,
            positive=FrozenMap(self._positive),
            negative=FrozenMap(self._negative),
            zero_count=self._zero,
            count=self._count,
            sum=self._sum,
            min=self._min,
            max=self._max,
        )
