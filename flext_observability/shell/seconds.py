"""Durations given to the shell's services: checked at set-up, clamped at run time.

One rule for every ``timeout``, ``interval``, ``ttl`` and delay the services
take, so that they all refuse and accept the same values with the same
words. At set-up a bad value raises, naming its argument; at run time
(``close(timeout=...)``, ``flush(timeout=...)``) nothing raises and a value
that makes no sense waits a default.
"""

from __future__ import annotations

import math
import threading
from typing import Final

from flext_observability.core.checks import as_number, shown_number

MAX_SECONDS: Final = threading.TIMEOUT_MAX
"""The longest duration a service takes: the longest a thread can wait."""


def check_seconds(name: str, value: object, *, allow_zero: bool = False) -> float:
    """``value`` as finite seconds up to :data:`MAX_SECONDS`, above 0 (or from 0 when ``allow_zero``).

    A value that is no number (a ``bool`` is none) raises a ``TypeError``,
    one out of range a ``ValueError``; both name ``name`` and say what is
    allowed. A subclass of ``int`` or ``float`` is read as the plain number
    it holds, never through its own methods.

    >>> check_seconds("timeout", 2), check_seconds("pass_ttl", 0, allow_zero=True)
    (2.0, 0.0)
    >>> check_seconds("timeout", 0)
    Traceback (most recent call last):
    ...
    ValueError: timeout must be a finite number of seconds above 0 (at most 9.22337e+09), not 0
    >>> check_seconds("interval", "5s")
    Traceback (most recent call last):
    ...
    TypeError: interval must be a number of seconds, not '5s'
    """
    seconds = as_number(value)
    if seconds is None:
        message = f"{name} must be a number of seconds, not {shown_number(value)}"
        raise TypeError(message)
    low_ok = seconds >= 0 if allow_zero else seconds > 0
    if not (math.isfinite(seconds) and low_ok and seconds <= MAX_SECONDS):
        low = "0 or more" if allow_zero else "above 0"
        message = (
            f"{name} must be a finite number of seconds {low} (at most {MAX_SECONDS:g}), not {shown_number(value)}"
        )
        raise ValueError(message)
    return seconds


def timeout_seconds(value: object, default: float) -> float:
    """A run-time ``timeout`` as seconds to wait; never raises.

    A number is clamped to ``[0, MAX_SECONDS]`` (an infinity waits the
    longest a thread can wait); ``None``, ``NaN`` and anything that is not a
    number give ``default``.

    >>> timeout_seconds(2, 30.0), timeout_seconds(-1, 30.0), timeout_seconds(None, 30.0), timeout_seconds("5", 30.0)
    (2.0, 0.0, 30.0, 30.0)
    >>> timeout_seconds(10**400, 30.0) == MAX_SECONDS
    True
    """
    seconds = as_number(value)
    if seconds is None or math.isnan(seconds):
        return default
    return min(max(seconds, 0.0), MAX_SECONDS)
