"""Where trace and span ids come from.

:class:`RandomIdGenerator` draws from the ``random`` module's shared
generator: it is fast, safe to call from many threads (each draw is one C
call), and Python re-seeds it in a forked child, so a parent and its children
never produce the same ids. Ids need to be unique, not secret.
"""

from __future__ import annotations

import random
from typing import Protocol, final, runtime_checkable


@runtime_checkable
class IdGenerator(Protocol):
    """A source of W3C trace ids (32 hex digits) and span ids (16 hex digits)."""

    def new_trace_id(self) -> str:
        """A new, non-zero, lowercase 32-hex-digit trace id."""
        ...

    def new_span_id(self) -> str:
        """A new, non-zero, lowercase 16-hex-digit span id."""
        ...


def random_trace_id() -> str:
    """A new random trace id (a zero draw, one chance in 2**128, becomes 1)."""
    return "%032x" % (random.getrandbits(128) or 1)


def random_span_id() -> str:
    """A new random span id (a zero draw, one chance in 2**64, becomes 1)."""
    return "%016x" % (random.getrandbits(64) or 1)


@final
class RandomIdGenerator:
    """Random ids, as W3C trace context (level 2, ``random`` flag) expects."""

    __slots__ = ()

    new_trace_id = staticmethod(random_trace_id)
    new_span_id = staticmethod(random_span_id)

    def __repr__(self) -> str:
        return "RandomIdGenerator()"
