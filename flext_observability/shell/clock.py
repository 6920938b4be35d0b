"""Where time comes from. The core never reads a clock; the shell asks one of these.

Tests hand a :class:`flext_observability.testing.FakeClock` to anything that
takes a ``clock``.
"""

from __future__ import annotations

import time as _time
from typing import Protocol, cast, final, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """A source of time: the wall clock for timestamps, a monotonic clock for durations and deadlines."""

    def time(self) -> float:
        """Seconds since the epoch."""
        ...

    def time_ns(self) -> int:
        """Nanoseconds since the epoch."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary start, never going back: for durations and deadlines."""
        ...

    def monotonic_ns(self) -> int:
        """:meth:`monotonic` in integer nanoseconds."""
        ...


@final
class SystemClock:
    """The machine's clocks (``time.time``, ``time.time_ns``, ``time.monotonic``, ``time.monotonic_ns``).

    The methods are the standard library's functions themselves, so reading
    this clock costs no more than calling them.
    """

    __slots__ = ()

    time = staticmethod(_time.time)
    time_ns = staticmethod(_time.time_ns)
    monotonic = staticmethod(_time.monotonic)
    monotonic_ns = staticmethod(_time.monotonic_ns)

    def __repr__(self) -> str:
        return "SystemClock()"


def checked_clock(clock: object) -> Clock:
    """``clock``, or a :class:`SystemClock` for ``None``; a ``TypeError`` naming it when it has no ``monotonic()``.

    The one set-up check of every ``clock=`` argument. The message names the
    type only: a hostile object's ``repr`` is never called.
    """
    if clock is None:
        return SystemClock()
    try:
        monotonic = getattr(clock, "monotonic", None)
    except Exception:  # noqa: BLE001 - a property that raises is no clock either
        monotonic = None
    if not callable(monotonic):
        message = f"clock must be a Clock (with monotonic()), got a value of type {type(clock).__name__}"
        raise TypeError(message)
    return cast("Clock", clock)
