"""Run a blocking call with a hard deadline, for network calls that socket timeouts cannot bound.

A socket timeout bounds each read, not a whole exchange: a peer that answers
a byte every few seconds keeps a request alive far past its timeout. The
calls here run in a daemon thread, and the caller waits for it only until
the budget is spent; the thread then finishes (or times out) on its own.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")


class Outcome(Generic[T]):
    """What a bounded call gave: its value, the exception it raised, or nothing in time."""

    __slots__ = ("error", "finished", "value")

    def __init__(self) -> None:
        self.finished = False
        self.value: T | None = None
        self.error: BaseException | None = None


def call_within(function: Callable[[], T], budget: float, name: str = "flext-bounded-call") -> Outcome[T]:
    """Call ``function()`` in a daemon thread and wait at most ``budget`` seconds for it."""
    outcome: Outcome[T] = Outcome()

    def run() -> None:
        try:
            outcome.value = function()
        except BaseException as error:  # noqa: BLE001 - handed back to the caller as a value
            outcome.error = error
        finally:
            outcome.finished = True

    worker = threading.Thread(target=run, name=name, daemon=True)
    worker.start()
    worker.join(max(budget, 0.0))
    return outcome
