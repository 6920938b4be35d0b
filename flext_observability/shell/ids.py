"""Where trace and span ids come from.

:class:`RandomIdGenerator` draws from a generator of its own, seeded from
``os.urandom``: it is fast, safe to call from many threads (each draw is one
C call), and re-seeded from ``os.urandom`` in a forked child, so a parent
and its children never produce the same ids. It is not the ``random``
module's shared generator on purpose: a job that calls ``random.seed(7)``
for reproducible sampling of its own data would otherwise get the same trace
ids on every run. Ids need to be unique, not secret.
"""

from __future__ import annotations

import os
import random
from typing import Final, Protocol, final, runtime_checkable

_SEED_BYTES: Final = 32
_GENERATOR: Final = random.Random(os.urandom(_SEED_BYTES))  # noqa: S311 - ids must be unique, not secret


def _reseed() -> None:
    _GENERATOR.seed(os.urandom(_SEED_BYTES))


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reseed)


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
    return "%032x" % (_GENERATOR.getrandbits(128) or 1)


def random_span_id() -> str:
    """A new random span id (a zero draw, one chance in 2**64, becomes 1)."""
    return "%016x" % (_GENERATOR.getrandbits(64) or 1)


@final
class RandomIdGenerator:
    """Random ids, as W3C trace context (level 2, ``random`` flag) expects."""

    __slots__ = ()

    new_trace_id = staticmethod(random_trace_id)
    new_span_id = staticmethod(random_span_id)

    def __repr__(self) -> str:
        return "RandomIdGenerator()"
