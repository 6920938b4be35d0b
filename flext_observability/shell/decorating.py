"""One way to wrap a function in a scope, whatever kind of function it is.

A scope is four hooks: ``begin()`` when a call starts, giving a state;
``end(state, error)`` when it is over; and, optionally, ``activate(state)`` /
``deactivate(token)`` around each stretch of the caller's code (to make a
span current in a context variable, say). :func:`decorate` picks the wrapper
by the kind of the function:

- a plain function (a method, a classmethod or a staticmethod too): the
  scope covers the call;
- a coroutine function: the scope covers the awaited call;
- a generator function: the scope begins at the first ``next()`` and covers
  the whole iteration, until the generator is exhausted, closed or raises.
  The hooks run around each step, and **no context token is held across a
  ``yield``**: the generator may be resumed in another thread or another
  asyncio task without a context error, and it sees its scope active inside;
- an async generator function: the same, step by step.

The wrapper keeps the function's name, qualified name, docstring, module,
signature (``__wrapped__``) and the answers of ``inspect.iscoroutinefunction``,
``isgeneratorfunction`` and ``isasyncgenfunction``. It returns what the
function returns and raises what it raises: the same exception object, with
its traceback and ``__cause__`` chain. ``send``, ``throw`` and ``close`` reach
the wrapped generator. A hook that raises is counted (:func:`hook_failures`),
logged once per hook, and never reaches the caller.

>>> log = []
>>> def begin():
...     log.append("begin")
...     return "state"
>>> def end(state, error):
...     log.append(f"end {type(error).__name__ if error else 'ok'}")
>>> @decorate(begin=begin, end=end)
... def rows():
...     yield 1
...     yield 2
>>> list(rows()), log
([1, 2], ['begin', 'end ok'])
"""

from __future__ import annotations

import functools
import inspect
import os
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar, cast

from flext_observability.shell.library_log import library_logger
from flext_observability.shell.locks import fork_safe_lock

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Awaitable, Callable, Generator

S = TypeVar("S")
T = TypeVar("T")
F = TypeVar("F", bound="Callable[..., Any]")

_LOG: Final = library_logger("flext_observability")
_FAILED: Final = object()
"""The state of a call whose ``begin`` hook raised: nothing else of the scope runs for it."""


class _HookFailures:
    """How many hook calls raised, and which hooks were already logged (once each)."""

    def __init__(self) -> None:
        self.count = 0
        self.logged: set[str] = set()
        self.lock = fork_safe_lock()

    def record(self, hook: Callable[..., object], error: BaseException) -> None:
        name = getattr(hook, "__qualname__", type(hook).__qualname__)
        with self.lock:
            self.count += 1
            first = name not in self.logged
            self.logged.add(name)
        if first:
            _LOG.warning("a scope hook raised and was skipped: %s: %s", name, type(error).__name__)

    def reset_after_fork(self) -> None:
        self.lock = fork_safe_lock()


_FAILURES: Final = _HookFailures()
os.register_at_fork(after_in_child=_FAILURES.reset_after_fork)


def hook_failures() -> int:
    """How many hook calls raised (and were skipped) in this process so far."""
    return _FAILURES.count


class _Hooks(Generic[S, T]):
    """The four hooks, each made safe: a raising hook is recorded and skipped."""

    __slots__ = ("_activate", "_begin", "_deactivate", "_end")

    def __init__(
        self,
        begin: Callable[[], S],
        end: Callable[[S, BaseException | None], object],
        activate: Callable[[S], T] | None,
        deactivate: Callable[[T], object] | None,
    ) -> None:
        self._begin = begin
        self._end = end
        self._activate = activate
        self._deactivate = deactivate

    def raw(
        self,
    ) -> tuple[
        Callable[[], S],
        Callable[[S, BaseException | None], object],
        Callable[[S], T] | None,
        Callable[[T], object] | None,
    ]:
        return self._begin, self._end, self._activate, self._deactivate

    def begin(self) -> S | object:
        try:
            return self._begin()
        except BaseException as error:  # noqa: BLE001 - a broken hook must not break the call
            _FAILURES.record(self._begin, error)
            return _FAILED

    def end(self, state: S | object, error: BaseException | None) -> None:
        if state is _FAILED:
            return
        try:
            self._end(state, error)  # type: ignore[arg-type]  # not _FAILED, so an S (no cast: a call per use)
        except BaseException as failure:  # noqa: BLE001 - same
            _FAILURES.record(self._end, failure)

    def activate(self, state: S | object) -> T | object:
        if self._activate is None or state is _FAILED:
            return _FAILED
        try:
            return self._activate(state)  # type: ignore[arg-type]  # same
        except BaseException as error:  # noqa: BLE001 - same
            _FAILURES.record(self._activate, error)
            return _FAILED

    def deactivate(self, token: T | object) -> None:
        if self._deactivate is None or token is _FAILED:
            return
        try:
            self._deactivate(token)  # type: ignore[arg-type]  # same
        except BaseException as error:  # noqa: BLE001 - same
            _FAILURES.record(self._deactivate, error)


def decorate(
    *,
    begin: Callable[[], S],
    end: Callable[[S, BaseException | None], object],
    activate: Callable[[S], T] | None = None,
    deactivate: Callable[[T], object] | None = None,
) -> Callable[[F], F]:
    """A decorator that runs every call of the function it wraps inside the scope of these hooks.

    ``end`` runs while the scope is still active (so that what it logs is
    correlated), then ``deactivate``. Decorating what is not callable is a
    set-up mistake: a ``TypeError`` naming ``function``.
    """
    hooks: _Hooks[S, T] = _Hooks(begin, end, activate, deactivate)

    def decorator(function: F) -> F:
        given: object = function  # what callers pass at runtime may be anything
        if not callable(given) and not isinstance(given, classmethod | staticmethod):
            message = f"function must be a function or other callable to decorate, got {type(given).__name__}"
            raise TypeError(message)
        return cast("F", _wrap(function, hooks))

    return decorator


def _wrap(function: Any, hooks: _Hooks[Any, Any]) -> Any:  # noqa: ANN401 - any kind of callable in, the same kind out
    """``function`` wrapped by the right wrapper for its kind (descriptors re-made around it)."""
    if isinstance(function, classmethod | staticmethod):
        return type(function)(_wrap(function.__func__, hooks))
    if inspect.isasyncgenfunction(function):
        return _async_generator_wrapper(function, hooks)
    if inspect.iscoroutinefunction(function):
        return _coroutine_wrapper(function, hooks)
    if inspect.isgeneratorfunction(function):
        return _generator_wrapper(function, hooks)
    return _function_wrapper(function, hooks)


def _function_wrapper(function: Callable[..., Any], hooks: _Hooks[Any, Any]) -> Callable[..., Any]:
    # The hot path of every decorated call: the hooks are called directly, each
    # under a try that costs nothing until it raises.
    begin, end, activate, deactivate = hooks.raw()

    @functools.wraps(function)
    def scoped(*args: object, **kwargs: object) -> Any:  # noqa: ANN401 - the wrapped function's result
        try:
            state = begin()
        except BaseException as failure:  # noqa: BLE001 - a broken hook must not break the call
            _FAILURES.record(begin, failure)
            return function(*args, **kwargs)
        token: object = _FAILED
        if activate is not None:
            try:
                token = activate(state)
            except BaseException as failure:  # noqa: BLE001 - same
                _FAILURES.record(activate, failure)
        try:
            result = function(*args, **kwargs)
        except BaseException as error:
            hooks.end(state, error)
            hooks.deactivate(token)
            raise
        try:
            end(state, None)
        except BaseException as failure:  # noqa: BLE001 - same
            _FAILURES.record(end, failure)
        if token is not _FAILED:
            try:
                deactivate(token)  # type: ignore[misc] # set whenever a token was made
            except BaseException as failure:  # noqa: BLE001 - same
                _FAILURES.record(deactivate, failure)  # type: ignore[arg-type] # same
        return result

    return scoped


def _coroutine_wrapper(function: Callable[..., Awaitable[Any]], hooks: _Hooks[Any, Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    async def scoped(*args: object, **kwargs: object) -> Any:  # noqa: ANN401 - the wrapped coroutine's result
        state = hooks.begin()
        token = hooks.activate(state)
        try:
            result = await function(*args, **kwargs)
        except BaseException as error:
            hooks.end(state, error)
            hooks.deactivate(token)
            raise
        hooks.end(state, None)
        hooks.deactivate(token)
        return result

    return scoped


def _step(hooks: _Hooks[Any, Any], state: object, advance: Callable[[], Any]) -> tuple[bool, Any]:
    """Run one step of a wrapped generator inside the scope: ``(finished, value or return value)``."""
    token = hooks.activate(state)
    try:
        value = advance()
    except StopIteration as stop:
        hooks.end(state, None)
        hooks.deactivate(token)
        return True, stop.value
    except BaseException as error:
        hooks.end(state, error)
        hooks.deactivate(token)
        raise
    hooks.deactivate(token)
    return False, value


def _last_step(hooks: _Hooks[Any, Any], state: object, close: Callable[[], object]) -> None:
    """Close a wrapped generator inside the scope, then end the scope."""
    token = hooks.activate(state)
    try:
        close()
    except BaseException as error:
        hooks.end(state, error)
        hooks.deactivate(token)
        raise
    hooks.end(state, None)
    hooks.deactivate(token)


def _generator_wrapper(
    function: Callable[..., Generator[Any, Any, Any]], hooks: _Hooks[Any, Any]
) -> Callable[..., Any]:
    @functools.wraps(function)
    def scoped(*args: object, **kwargs: object) -> Generator[Any, Any, Any]:
        state = hooks.begin()
        made: list[Generator[Any, Any, Any]] = []

        def first() -> object:
            made.append(function(*args, **kwargs))
            return next(made[0])

        finished, value = _step(hooks, state, first)
        while not finished:
            inner = made[0]
            try:
                sent = yield value
            except GeneratorExit:
                _last_step(hooks, state, inner.close)
                raise
            except BaseException as thrown:  # noqa: BLE001 - passed on into the wrapped generator
                finished, value = _step(hooks, state, functools.partial(inner.throw, thrown))
            else:
                finished, value = _step(hooks, state, functools.partial(inner.send, sent))
        return value

    return scoped


async def _async_step(
    hooks: _Hooks[Any, Any], state: object, advance: Callable[[], Awaitable[Any]]
) -> tuple[bool, Any]:
    """One step of a wrapped async generator inside the scope: ``(finished, value)``."""
    token = hooks.activate(state)
    try:
        value = await advance()
    except StopAsyncIteration:
        hooks.end(state, None)
        hooks.deactivate(token)
        return True, None
    except BaseException as error:
        hooks.end(state, error)
        hooks.deactivate(token)
        raise
    hooks.deactivate(token)
    return False, value


async def _async_last_step(hooks: _Hooks[Any, Any], state: object, close: Callable[[], Awaitable[object]]) -> None:
    """Close a wrapped async generator inside the scope, then end the scope."""
    token = hooks.activate(state)
    try:
        await close()
    except BaseException as error:
        hooks.end(state, error)
        hooks.deactivate(token)
        raise
    hooks.end(state, None)
    hooks.deactivate(token)


def _async_generator_wrapper(
    function: Callable[..., AsyncGenerator[Any, Any]], hooks: _Hooks[Any, Any]
) -> Callable[..., Any]:
    @functools.wraps(function)
    async def scoped(*args: object, **kwargs: object) -> AsyncGenerator[Any, Any]:
        state = hooks.begin()
        made: list[AsyncGenerator[Any, Any]] = []

        def first() -> Awaitable[Any]:
            made.append(function(*args, **kwargs))
            return anext(made[0])

        finished, value = await _async_step(hooks, state, first)
        while not finished:
            inner = made[0]
            try:
                sent = yield value
            except GeneratorExit:
                await _async_last_step(hooks, state, inner.aclose)
                raise
            except BaseException as thrown:  # noqa: BLE001 - passed on into the wrapped generator
                finished, value = await _async_step(hooks, state, functools.partial(inner.athrow, thrown))
            else:
                finished, value = await _async_step(hooks, state, functools.partial(inner.asend, sent))

    return scoped
