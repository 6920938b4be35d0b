"""Test support for users of flext-observability.

Importing this package does not import Hypothesis; its strategies live in
:mod:`flext_observability.testing.strategies`, which does.

>>> clock = FakeClock(100.0)
>>> clock.advance(2.5)
>>> clock.time(), clock.time_ns()
(102.5, 102500000000)
>>> ids = DeterministicIdGenerator(seed=7)
>>> ids.new_trace_id() == DeterministicIdGenerator(seed=7).new_trace_id()
True
"""

from __future__ import annotations

from flext_observability.testing.doubles import DeterministicIdGenerator, FakeClock

__all__ = ["DeterministicIdGenerator", "FakeClock"]
