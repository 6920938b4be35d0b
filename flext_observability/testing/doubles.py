"""A clock that only moves when told to, and ids that repeat run after run."""

from __future__ import annotations

import hashlib
from typing import final

_NS_PER_SECOND = 1_000_000_000


_MAX_SECONDS = 100_000_000_000
"""About 3,000 years from the epoch, either way: further is no time a test means."""


def _nanoseconds(argument: str, seconds: object) -> int:
    """``seconds`` in integer nanoseconds; a ``TypeError`` or ``ValueError`` naming ``argument`` if it is no time."""
    if type(seconds) is int:
        if abs(seconds) > _MAX_SECONDS:
            message = f"{argument} must be within {_MAX_SECONDS} seconds of the epoch"
            raise ValueError(message)
        return seconds * _NS_PER_SECOND
    if type(seconds) is not float:
        message = f"{argument} must be a number of seconds (int or float), got {type(seconds).__name__}"
        raise TypeError(message)
    if not abs(seconds) <= _MAX_SECONDS:  # NaN is not within either
        message = f"{argument} must be finite and within {_MAX_SECONDS} seconds of the epoch, got {seconds!r}"
        raise ValueError(message)
    return round(seconds * _NS_PER_SECOND)


@final
class FakeClock:
    """A clock for tests: starts at ``start`` seconds and moves by :meth:`advance`.

    Time is kept in integer nanoseconds, so ``time_ns()`` is exact. The
    monotonic reading starts at 0 and moves with :meth:`advance` only:
    :meth:`set` jumps the wall clock, as a system clock adjusted by NTP does,
    and leaves durations and deadlines alone. A value that is no number of
    seconds (or is not finite) raises a ``TypeError`` or ``ValueError``
    naming the argument: the test that passed it is wrong.

    >>> clock = FakeClock(100.0)
    >>> clock.advance(1.5)
    >>> clock.set(50.0)
    >>> clock.time(), clock.monotonic()
    (50.0, 1.5)
    """

    __slots__ = ("_monotonic_ns", "_ns")

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        """Start at ``start`` seconds since the epoch (and at 0 on the monotonic clock)."""
        self._ns = _nanoseconds("start", start)
        self._monotonic_ns = 0

    def time(self) -> float:
        """Seconds since the epoch."""
        return self._ns / _NS_PER_SECOND

    def time_ns(self) -> int:
        """Nanoseconds since the epoch."""
        return self._ns

    def monotonic(self) -> float:
        """Seconds on a clock that only :meth:`advance` moves, for durations and deadlines."""
        return self._monotonic_ns / _NS_PER_SECOND

    def monotonic_ns(self) -> int:
        """:meth:`monotonic` in integer nanoseconds."""
        return self._monotonic_ns

    def advance(self, seconds: float) -> None:
        """Move the clock forward; a negative value moves the wall clock back, never the monotonic one."""
        step = _nanoseconds("seconds", seconds)
        self._ns += step
        self._monotonic_ns += max(step, 0)

    def set(self, seconds: float) -> None:
        """Jump to ``seconds`` since the epoch."""
        self._ns = _nanoseconds("seconds", seconds)

    def __repr__(self) -> str:
        return f"FakeClock({self.time()!r})"


@final
class DeterministicIdGenerator:
    """Random-looking ids that are the same for the same ``seed`` in every run."""

    __slots__ = ("_count", "_seed")

    def __init__(self, seed: int = 0) -> None:
        """Start the sequence of ``seed``; a ``TypeError`` or ``ValueError`` unless it is a 64-bit ``int``."""
        given: object = seed  # what callers pass at runtime may be anything
        if type(given) is not int:
            message = f"seed must be an int, got {type(given).__name__}"
            raise TypeError(message)
        if not -(2**63) <= given < 2**64:
            message = "seed must fit in 64 bits"
            raise ValueError(message)
        self._seed = given
        self._count = 0

    def _next(self, kind: str, digits: int) -> str:
        while True:
            self._count += 1
            digest = hashlib.blake2b(f"{self._seed}:{kind}:{self._count}".encode(), digest_size=digits // 2)
            text = digest.hexdigest()
            if text.strip("0"):
                return text

    def new_trace_id(self) -> str:
        """The next trace id of the sequence."""
        return self._next("trace", 32)

    def new_span_id(self) -> str:
        """The next span id of the sequence."""
        return self._next("span", 16)

    def __repr__(self) -> str:
        return f"DeterministicIdGenerator(seed={self._seed!r})"
