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


@final
class RandomIdGenerator:
    """Random ids, as W3C trace context (level 2, ``random`` flag) expects."""

    __slots__ = ()

    def new_trace_id(self) -> str:
        """A new random trace id."""
        while True:
            value = random.getrandbits(128)
            if value:
                return f"{value:032x}"

    def new_span_id(self) -> str:
        """A new random span id."""
        while True:
            value = random.getrandbits(64)
            if value:
                return f"{value:016x}"

    def __repr__(self) -> str:
        return "RandomIdGenerator()"
