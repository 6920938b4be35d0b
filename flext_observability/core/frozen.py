"""An immutable, hashable mapping for the fields of frozen entities.

Entities are frozen, so their mappings (labels, attributes, context) must be
too: a ``dict`` inside a frozen object could still change under a caller.

>>> labels = FrozenMap({"tap": "postgres", "step": "extract"})
>>> labels["tap"]
'postgres'
>>> labels == {"step": "extract", "tap": "postgres"}
True
>>> hash(labels) == hash(FrozenMap({"step": "extract", "tap": "postgres"}))
True
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, final

if TYPE_CHECKING:
    from collections.abc import Iterable

K = TypeVar("K")
V = TypeVar("V")


@final
class FrozenMap(Mapping[K, V]):
    """A read-only mapping that compares like a ``dict`` and can be hashed.

    Key order is kept as given but ignored by ``==`` and ``hash``.
    """

    __slots__ = ("_data", "_hash")

    _data: dict[K, V]
    _hash: int | None

    def __init__(self, data: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> None:
        """Copy ``data`` so that later changes to it cannot leak in; a ``TypeError`` if it cannot be read."""
        try:
            self._data = dict(data)
        except Exception:  # noqa: BLE001 - a set-up mistake: say which argument, whatever went wrong
            message = (
                f"data must be a mapping, or pairs of key and value, with hashable keys; got {type(data).__name__}"
            )
            raise TypeError(message) from None
        self._hash = None

    @classmethod
    def adopt(cls, data: dict[K, V]) -> FrozenMap[K, V]:
        """Wrap a dict the caller made and will never touch again (no copy)."""
        new = object.__new__(cls)
        new._data = data
        new._hash = None
        return new

    def __getitem__(self, key: K) -> V:
        """Look ``key`` up."""
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        """Iterate over the keys in insertion order."""
        return iter(self._data)

    def __len__(self) -> int:
        """The number of keys."""
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        """Tell whether ``key`` is present."""
        return key in self._data

    def __eq__(self, other: object) -> bool:
        """Compare with any mapping, by content."""
        if isinstance(other, FrozenMap):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __hash__(self) -> int:
        """Hash by content; the values must be hashable."""
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __repr__(self) -> str:
        """Show the content like a constructor call."""
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by content."""
        return (FrozenMap, (self._data,))

    def to_dict(self) -> dict[K, V]:
        """A new plain ``dict`` with the same content."""
        return dict(self._data)


EMPTY_MAP: FrozenMap[Any, Any] = FrozenMap()
"""The shared empty mapping, the default of every mapping field."""
