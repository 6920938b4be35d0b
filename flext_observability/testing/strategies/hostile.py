"""Hostile values (their comparisons, hashing, iteration and ``str()`` raise) and ``anything``."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Final, NoReturn

from hypothesis import strategies as st

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy


def _raise(*_args: object, **_kwargs: object) -> NoReturn:
    message = "hostile value"
    raise RuntimeError(message)


class _Hostile:
    """An object every dunder method of which raises."""

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _raise
    __hash__ = __str__ = __repr__ = __format__ = __bool__ = __len__ = _raise
    __iter__ = __getitem__ = __contains__ = __float__ = __int__ = __index__ = _raise


class _HostileStr(str):
    __slots__ = ()
    __eq__ = __hash__ = __len__ = __iter__ = __str__ = __format__ = _raise


class _HostileFloat(float):
    __eq__ = __hash__ = __float__ = __lt__ = __gt__ = __le__ = __ge__ = _raise


class _HostileInt(int):
    __eq__ = __hash__ = __int__ = __index__ = __float__ = __lt__ = __gt__ = __le__ = __ge__ = _raise


class _HostileDict(dict[object, object]):
    __iter__ = __getitem__ = __len__ = keys = items = values = _raise


class _HostileList(list[object]):
    __iter__ = __getitem__ = __len__ = _raise


def _self_containing_list() -> list[object]:
    loop: list[object] = []
    loop.append(loop)
    return loop


def _self_containing_dict() -> dict[str, object]:
    loop: dict[str, object] = {}
    loop["self"] = loop
    return loop


HOSTILE_MAKERS: Final[tuple[Callable[[], object], ...]] = (
    _Hostile,
    lambda: _HostileStr("name"),
    lambda: _HostileFloat(1.5),
    lambda: _HostileInt(3),
    lambda: _HostileDict(a=1),
    lambda: _HostileList([1, 2]),
    lambda: {"k": _Hostile()},
    lambda: [_Hostile()],
    _self_containing_list,
    _self_containing_dict,
    lambda: 10**400,
    lambda: -(10**400),
    lambda: 2**64,
    lambda: math.nan,
    lambda: -0.0,
    lambda: "\udc80",
    lambda: b"bytes",
    lambda: bytearray(b"x"),
    object,
    lambda: type,
    lambda: print,
    lambda: Ellipsis,
    lambda: NotImplemented,
    lambda: frozenset({1}),
    lambda: range(3),
    lambda: complex(1, 2),
)


def hostile_values() -> SearchStrategy[object]:
    """Values built to break careless code: their comparisons, hashing, iteration and str() raise.

    Each draw makes a fresh object (Hypothesis itself must never hash one).
    """
    return st.sampled_from(HOSTILE_MAKERS).map(lambda make: make())


def anything() -> SearchStrategy[object]:
    """A value of any type: ordinary data, containers of it, and hostile values."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(),
        st.binary(max_size=8),
        hostile_values(),
    )
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.tuples(children, children),
            st.dictionaries(st.text(max_size=5) | st.integers() | st.none(), children, max_size=3),
        ),
        max_leaves=4,
    )
