"""A small benchmark harness: medians of repeated timings, printed side by side.

Machines here are noisy, so every figure is the median of several repeats of
a timed loop, and ours and the peer's are measured in the same run,
interleaved, so that both see the same noise.
"""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


_SCALES = {"ns/op": 1.0, "µs/op": 1e3, "ms/op": 1e6, "B": 1.0}


@dataclass(frozen=True)
class Comparison:
    """One benchmark line: our median, the peer's, and the goals.

    Times are given in nanoseconds and shown in ``unit``; sizes in bytes.
    """

    name: str
    ours: float
    peer: float
    peer_name: str
    unit: str = "ns/op"
    goal_ratio: float | None = None
    goal_ours: float | None = None

    @property
    def ratio(self) -> float:
        """Ours divided by the peer's (below 1 means we are faster or smaller)."""
        return self.ours / self.peer

    def verdict(self) -> str:
        """Whether the goals are met, in words."""
        checks = []
        if self.goal_ratio is not None:
            checks.append(f"goal ratio <= {self.goal_ratio:g}: {'met' if self.ratio <= self.goal_ratio else 'MISSED'}")
        if self.goal_ours is not None:
            limit = self._show(self.goal_ours)
            checks.append(f"goal <= {limit}: {'met' if self.ours <= self.goal_ours else 'MISSED'}")
        return "; ".join(checks) or "no goal"

    def _show(self, value: float) -> str:
        return f"{value / _SCALES[self.unit]:,.{0 if self.unit in {'ns/op', 'B'} else 2}f} {self.unit}"

    def line(self) -> str:
        """The printed form."""
        return (
            f"{self.name}: ours {self._show(self.ours)}, {self.peer_name} {self._show(self.peer)}, "
            f"ratio {self.ratio:.2f} ({self.verdict()})"
        )


def _time_loop(func: Callable[[], object], number: int) -> float:
    """Nanoseconds per call of ``func`` over ``number`` calls."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter_ns()
        for _ in range(number):
            func()
        elapsed = time.perf_counter_ns() - start
    finally:
        if gc_was_enabled:
            gc.enable()
    return elapsed / number


def compare(
    ours: Callable[[], object],
    peer: Callable[[], object],
    *,
    number: int = 20_000,
    repeat: int = 15,
) -> tuple[float, float]:
    """Median ns/op of ``ours`` and ``peer``, timed alternately ``repeat`` times."""
    ours(), peer()  # warm caches and lazy imports
    ours_times, peer_times = [], []
    for _ in range(repeat):
        ours_times.append(_time_loop(ours, number))
        peer_times.append(_time_loop(peer, number))
    return statistics.median(ours_times), statistics.median(peer_times)
