"""The one owner of the library's context: the current span, the baggage and the values bound to logs.

Every context variable of the library is defined here, and only here; other
modules read and change them through the functions below. Context variables
follow asyncio tasks (each task starts with a copy of its creator's context)
and stay out of other threads, unless :func:`with_current_context` or
:class:`ContextExecutor` carry a copy there.

- The current span: the tracing service makes its spans current with
  :func:`activate_span` / :func:`deactivate_span`; code that manages spans
  itself (another tracing library, ids received from a queue message) uses
  :func:`use_span_ids`. Logs read it through a :class:`CorrelationSource`.
- The baggage: :func:`current_baggage`, :func:`use_baggage` (what
  propagation sends and what a remote parent brought).
- Values bound to log events: :func:`bind_context`, :func:`bound_context`
  and friends.

>>> current_span_ids() is None
True
>>> with use_span_ids("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"), bound_context(run_id="r-42"):
...     current_span_ids(), current_context()
(SpanIds(trace_id='4bf92f3577b34da6a3ce929d0e0e4736', span_id='00f067aa0ba902b7'), {'run_id': 'r-42'})
>>> current_context()
{}
"""

from __future__ import annotations

import contextvars
import functools
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final, NamedTuple, ParamSpec, Protocol, TypeVar, final, runtime_checkable

from flext_observability.core.frozen import EMPTY_MAP, FrozenMap
from flext_observability.core.tracing.baggage import EMPTY_BAGGAGE, Baggage
from flext_observability.shell.counts import check_count
from flext_observability.shell.library_log import library_logger

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

P = ParamSpec("P")
R = TypeVar("R")


class SpanIds(NamedTuple):
    """The W3C ids of a span: 32 and 16 lowercase hex digits."""

    trace_id: str
    span_id: str


class HasSpanIds(Protocol):
    """Anything that tells a trace id and a span id: :class:`SpanIds`, or a running span."""

    @property
    def trace_id(self) -> str:
        """32 lowercase hex digits."""
        ...

    @property
    def span_id(self) -> str:
        """16 lowercase hex digits."""
        ...


@runtime_checkable
class CorrelationSource(Protocol):
    """Tells the ids of the current span, or ``None`` outside any span."""

    def current(self) -> HasSpanIds | None:
        """The current span's ids."""
        ...


# --- the variables (private: read and set them through the functions below) ---

_SPAN: Final[contextvars.ContextVar[HasSpanIds | None]] = contextvars.ContextVar(
    "flext_observability_current_span", default=None
)
_BAGGAGE: Final[contextvars.ContextVar[Baggage]] = contextvars.ContextVar(
    "flext_observability_baggage", default=EMPTY_BAGGAGE
)
_BOUND: Final[contextvars.ContextVar[FrozenMap[str, object]]] = contextvars.ContextVar(
    "flext_observability_log_context", default=EMPTY_MAP
)

SpanToken = contextvars.Token[HasSpanIds | None]
"""What :func:`activate_span` returns and :func:`deactivate_span` takes back."""

BaggageToken = contextvars.Token[Baggage]
"""What :func:`activate_baggage` returns and :func:`deactivate_baggage` takes back."""

# --- the current span -------------------------------------------------------------

current_span_ids: Final[Callable[[], HasSpanIds | None]] = _SPAN.get
"""The ids of the span the calling code runs in (our span object, or :class:`SpanIds`), if any."""

activate_span: Final[Callable[[HasSpanIds | None], SpanToken]] = _SPAN.set
"""Make a span current in this context; hand the token to :func:`deactivate_span` when it ends.

The variable's own methods, so that the tracing hot path pays no extra call.
"""

deactivate_span: Final[Callable[[SpanToken], None]] = _SPAN.reset
"""Restore the span that was current before :func:`activate_span` gave ``token``."""


_HEX_DIGITS: Final = frozenset("0123456789abcdef")
_TRACE_ID_LENGTH: Final = 32
_SPAN_ID_LENGTH: Final = 16
_LOG: Final = library_logger("flext_observability.context")


class _RefusedIds:
    """How many id pairs were refused (not W3C ids); the first refusal is logged."""

    __slots__ = ("count", "logged")

    def __init__(self) -> None:
        self.count = 0
        self.logged = False

    def refuse(self, source: str) -> None:
        # A lost increment under a race undercounts by one; a lock here could deadlock a log call.
        self.count += 1
        if not self.logged:
            self.logged = True
            _LOG.warning(
                "span ids from %s were not W3C ids (32 and 16 lowercase hex digits, not all zero) and were "
                "dropped; later refusals are only counted (refused_span_ids())",
                source,
            )


_REFUSED: Final = _RefusedIds()


def _is_hex_id(value: object, length: int) -> bool:
    return type(value) is str and len(value) == length and _HEX_DIGITS.issuperset(value) and value != "0" * length


def valid_span_ids(ids: object, source: str = "a correlation source") -> SpanIds | None:
    """``ids`` as :class:`SpanIds` when both are valid W3C ids; otherwise ``None``, counted and logged once.

    Ids read from outside (a queue message, another library's span, a custom
    correlation source) pass through here before they reach a log line or
    become a span's parent, so that a crafted id can neither forge log
    lines nor poison a trace.

    >>> valid_span_ids(SpanIds("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"))
    SpanIds(trace_id='4bf92f3577b34da6a3ce929d0e0e4736', span_id='00f067aa0ba902b7')
    """
    checked = span_ids_of(ids)
    if checked is None:
        _REFUSED.refuse(source)
    return checked


def span_ids_of(ids: object) -> SpanIds | None:
    """``ids`` as :class:`SpanIds` when both are valid W3C ids, else ``None``; counts and logs nothing.

    For a caller that reports the refusal itself, in its own terms (the
    tracing service counts a bad parent as ``invalid_parent``), so that one
    mistake is reported once.
    """
    try:
        trace_id = getattr(ids, "trace_id", None)
        span_id = getattr(ids, "span_id", None)
    except Exception:  # noqa: BLE001 - an object whose attributes fail has no usable ids
        return None
    if _is_hex_id(trace_id, _TRACE_ID_LENGTH) and _is_hex_id(span_id, _SPAN_ID_LENGTH):
        return ids if type(ids) is SpanIds else SpanIds(trace_id, span_id)  # type: ignore[arg-type]
    return None


def refused_span_ids() -> int:
    """How many id pairs this process refused so far (from :func:`use_span_ids` or a correlation source)."""
    return _REFUSED.count


@contextmanager
def use_span_ids(trace_id: str, span_id: str) -> Iterator[SpanIds | None]:
    """Make ``(trace_id, span_id)`` current for the block (and tasks started in it).

    Ids that are not W3C ids (32 and 16 lowercase hex digits, not all zero)
    are refused: the block then runs with no current span (its log lines
    carry no ids and its spans start a new trace), the refusal is counted in
    :func:`refused_span_ids` and the first one is logged. The block gets the
    ids made current, or ``None``.
    """
    ids = valid_span_ids(SpanIds(trace_id, span_id), "use_span_ids")
    token = _SPAN.set(ids)
    try:
        yield ids
    finally:
        _SPAN.reset(token)


@final
class ContextCorrelation:
    """The default correlation source: the span ids in the current context."""

    __slots__ = ()

    def current(self) -> HasSpanIds | None:
        """The span ids set by the tracing service or :func:`use_span_ids`."""
        return _SPAN.get()

    def __repr__(self) -> str:
        return "ContextCorrelation()"


# --- baggage ------------------------------------------------------------------------

current_baggage: Final[Callable[[], Baggage]] = _BAGGAGE.get
"""The baggage of the current context (what propagation sends with the trace context)."""

activate_baggage: Final[Callable[[Baggage], BaggageToken]] = _BAGGAGE.set
"""Make ``baggage`` current; hand the token to :func:`deactivate_baggage` to restore the previous one."""

deactivate_baggage: Final[Callable[[BaggageToken], None]] = _BAGGAGE.reset
"""Restore the baggage that was current before :func:`activate_baggage` gave ``token``."""


@contextmanager
def use_baggage(baggage: Baggage | None = None, **values: str) -> Iterator[Baggage]:
    """Make ``baggage`` (plus ``values``) current for the block, for instance a pipeline run id.

    A value the W3C rules refuse is left out (the rest is kept), and so is a
    ``baggage`` that is no :class:`Baggage` (the current one is used). Never raises.

    >>> with use_baggage(run_id="r-42") as baggage:
    ...     current_baggage().get("run_id").value
    'r-42'
    >>> len(current_baggage())
    0
    """
    given: object = baggage  # what callers pass at runtime may be anything
    merged = given if isinstance(given, Baggage) else _BAGGAGE.get()
    for name, value in values.items():
        merged = merged.with_entry(name, value).value_or(merged)
    token = _BAGGAGE.set(merged)
    try:
        yield merged
    finally:
        _BAGGAGE.reset(token)


# --- values bound to log events ------------------------------------------------------


def current_context() -> dict[str, object]:
    """A copy of the values bound to log events in the current context."""
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


# --- carrying the context into other threads --------------------------------------------


def with_current_context(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` wrapped to run in a copy of the caller's context, wherever it is called.

    The copy holds everything above: the current span, the baggage and the
    bound log values. Use it for threads you start yourself;
    :class:`ContextExecutor` does it for every task it runs. Each call runs
    in a fresh copy, so calls from several threads at once do not collide.
    Wrapping what is not callable is a set-up mistake: a ``TypeError``.
    """
    given: object = function  # what callers pass at runtime may be anything
    if not callable(given):
        message = f"function must be callable, got {type(given).__name__}"
        raise TypeError(message)
    context = contextvars.copy_context()

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        return context.copy().run(function, *args, **kwargs)

    return run


class ContextExecutor(ThreadPoolExecutor):
    """A ``ThreadPoolExecutor`` whose tasks see the context of the code that submitted them.

    Its set-up raises ``TypeError`` or ``ValueError`` naming the argument for
    a ``max_workers`` that is not an ``int`` of 1 or more, a
    ``thread_name_prefix`` that is not text, an ``initializer`` that is not
    callable or ``initargs`` that are not a tuple.
    """

    def __init__(
        self,
        max_workers: int | None = None,
        thread_name_prefix: str = "",
        initializer: Callable[..., object] | None = None,
        initargs: tuple[Any, ...] = (),
    ) -> None:
        """Check the set-up, then start as a ``ThreadPoolExecutor``."""
        workers = _check_pool(max_workers, thread_name_prefix, initializer, initargs)
        super().__init__(workers, str.__str__(thread_name_prefix), initializer, initargs)

    def submit(self, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> Future[R]:  # noqa: ANN401 - forwards anything
        """Run ``fn(*args, **kwargs)`` in a worker thread, in a copy of the current context; never raises.

        When the task cannot be queued (the executor is shut down or broken),
        the future returned holds the error instead.
        """
        try:
            return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)
        except Exception as error:  # noqa: BLE001 - the caller reads the failure from the future
            refused: Future[R] = Future()
            refused.set_exception(error)
            return refused


def _check_pool(max_workers: object, thread_name_prefix: object, initializer: object, initargs: object) -> int | None:
    """The worker count to start with (``None``: the standard library's default); a mistake raises naming it."""
    workers = None if max_workers is None else check_count("max_workers", max_workers, most=_MAX_WORKERS)
    if not isinstance(thread_name_prefix, str):
        message = f"thread_name_prefix must be text, got {type(thread_name_prefix).__name__}"
        raise TypeError(message)
    if initializer is not None and not callable(initializer):
        message = f"initializer must be callable or None, got {type(initializer).__name__}"
        raise TypeError(message)
    if type(initargs) is not tuple:
        message = f"initargs must be a tuple, got {type(initargs).__name__}"
        raise TypeError(message)
    return workers


_MAX_WORKERS: Final = 4096
"""The most threads one executor may start."""
