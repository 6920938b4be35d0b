"""Context bound to log events, kept in a context variable.

Bound values are added to every event logged in the same context: they follow
asyncio tasks (each task starts with a copy of its creator's context) and
stay out of other threads and tasks. :class:`ContextExecutor` and
:func:`with_current_context` carry the caller's context (bound values and the
current span) into worker threads.

>>> with bound_context(run_id="r-42"):
...     current_context()
{'run_id': 'r-42'}
>>> current_context()
{}
"""

from __future__ import annotations

import contextvars
import functools
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final, ParamSpec, TypeVar

from flext_observability.core.frozen import EMPTY_MAP, FrozenMap

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from concurrent.futures import Future

P = ParamSpec("P")
R = TypeVar("R")

_BOUND: Final[contextvars.ContextVar[FrozenMap[str, object]]] = contextvars.ContextVar(
    "flext_observability_log_context", default=EMPTY_MAP
)


def current_context() -> dict[str, object]:
    """A copy of the values bound in the current context."""
    return _BOUND.get().to_dict()


def bound_items() -> FrozenMap[str, object]:
    """The bound values themselves (frozen; for the logging pipeline)."""
    return _BOUND.get()


def bind_context(**values: object) -> None:
    """Add ``values`` to every event logged from now on in this context."""
    _BOUND.set(FrozenMap({**_BOUND.get(), **values}))


def unbind_context(*keys: str) -> None:
    """Stop adding ``keys`` to events in this context."""
    current = _BOUND.get()
    _BOUND.set(FrozenMap({key: value for key, value in current.items() if key not in keys}))


def clear_context() -> None:
    """Remove every bound value in this context."""
    _BOUND.set(EMPTY_MAP)


@contextmanager
def bound_context(**values: object) -> Iterator[dict[str, object]]:
    """Bind ``values`` for the block only."""
    token = _BOUND.set(FrozenMap({**_BOUND.get(), **values}))
    try:
        yield current_context()
    finally:
        _BOUND.reset(token)


def with_current_context(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` wrapped to run in a copy of the caller's context, wherever it is called.

    Use it for threads you start yourself; :class:`ContextExecutor` does it
    for every task it runs.
    """
    context = contextvars.copy_context()

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        return context.copy().run(function, *args, **kwargs)

    return run


class ContextExecutor(ThreadPoolExecutor):
    """A ``ThreadPoolExecutor`` whose tasks see the context of the code that submitted them."""

    def submit(self, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> Future[R]:  # noqa: ANN401 - forwards anything
        """Run ``fn(*args, **kwargs)`` in a worker thread, in a copy of the current context."""
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)
