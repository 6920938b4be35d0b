"""``make bench``: our figures beside the peer's, measured in the same run.

Each line prints our median, the peer's median and their ratio, with the goal
the issue set. Times are medians of repeated timed loops, ours and the peer's
interleaved; memory is bytes allocated per series (tracemalloc).
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_alert_rules
import bench_budget
import bench_cli_run
import bench_decorator
import bench_entities
import bench_health
import bench_logging
import bench_metrics
import bench_tracing
import bench_web


def main() -> int:
    """Run every benchmark and print one line each."""
    print(f"python {platform.python_version()} on {platform.machine()}; medians of repeated runs")
    modules = (
        bench_entities,
        bench_metrics,
        bench_logging,
        bench_tracing,
        bench_health,
        bench_alert_rules,
        bench_decorator,
        bench_web,
        bench_budget,
        bench_cli_run,
    )
    for module in modules:
        for comparison in module.run():
            print(comparison.line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
