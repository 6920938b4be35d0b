"""``make bench``: our figures beside the peer's, measured in the same run.

Entity creation: ``flext_create_metric`` with two labels, which reads the
clock and checks every rule, against a plain frozen attrs class with two
``instance_of`` validators (the least a validated entity can cost).
"""

from __future__ import annotations

import sys
from pathlib import Path

import attrs

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Comparison, compare

from flext_observability import flext_create_metric


@attrs.frozen
class PlainMetric:
    """The peer: a frozen attrs record with two validators and no domain rules."""

    name: str = attrs.field(validator=attrs.validators.instance_of(str))
    value: float = attrs.field(validator=attrs.validators.instance_of(float))
    labels: dict[str, str]
    timestamp: float


LABELS = {"tap": "postgres", "step": "extract"}


def create_ours() -> object:
    """One validated metric through the simple API."""
    return flext_create_metric("pipeline_rows_total", 120.0, kind="counter", labels=LABELS)


def create_peer() -> object:
    """One plain attrs instance."""
    return PlainMetric(name="pipeline_rows_total", value=120.0, labels=LABELS, timestamp=1.0)


def main() -> int:
    """Run every benchmark and print one line each."""
    assert create_ours().unwrap().labels == LABELS  # type: ignore[attr-defined]
    ours, peer = compare(create_ours, create_peer)
    result = Comparison(
        name="entity creation (flext_create_metric, 2 labels, validated)",
        ours_ns=ours,
        peer_ns=peer,
        peer="frozen attrs + 2 validators",
        goal_ns=3_000,
    )
    print(f"python {sys.version.split()[0]}; medians of 15 runs of 20,000 calls")
    print(result.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
