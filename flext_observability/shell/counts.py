"""Whole numbers given to the shell's services at set-up: capacities, queue sizes, worker counts, caps.

One rule for every such argument, so that they all refuse and accept the
same values with the same words: a plain ``int`` (a ``bool`` is none) in a
range. A bad value raises at once, naming its argument and saying what is
allowed; durations have their own rule in
:mod:`flext_observability.shell.seconds`.
"""

from __future__ import annotations

from typing import cast

from flext_observability.core.checks import describe, shown_number


def check_count(
    name: str,
    value: object,
    *,
    least: int = 1,
    most: int | None = None,
    not_an_int: type[TypeError | ValueError] = TypeError,
) -> int:
    """``value`` as a plain ``int`` from ``least`` to ``most`` (no upper bound when ``most`` is ``None``).

    A value that is no ``int`` (a ``bool`` is none) raises ``not_an_int``
    (a ``TypeError``, or a ``ValueError`` for the services that have always
    refused every bad value with one), one out of range a ``ValueError``;
    both name ``name`` and say what is allowed, in the same words. A subclass of ``int`` is read as the plain
    number it holds (``int.__int__``), never through its own methods, and
    the value is never shown through its own ``repr``: a huge int is shown
    by its size in bits.

    >>> check_count("capacity", 10), check_count("max_retries", 0, least=0, most=99)
    (10, 0)
    >>> check_count("capacity", 0, most=10_000)
    Traceback (most recent call last):
    ...
    ValueError: capacity must be an int from 1 to 10,000, not 0
    >>> check_count("capacity", "ten")
    Traceback (most recent call last):
    ...
    TypeError: capacity must be an int of at least 1, not 'ten'
    >>> check_count("max_workers", True, most=64)
    Traceback (most recent call last):
    ...
    TypeError: max_workers must be an int from 1 to 64, not a value of type bool
    >>> check_count("max_queue", 2.0)
    Traceback (most recent call last):
    ...
    TypeError: max_queue must be an int of at least 1, not 2.0
    >>> check_count("max_queue", None)
    Traceback (most recent call last):
    ...
    TypeError: max_queue must be an int of at least 1, not a value of type NoneType
    >>> check_count("max_series", "8", not_an_int=ValueError)
    Traceback (most recent call last):
    ...
    ValueError: max_series must be an int of at least 1, not '8'
    >>> check_count("history", -(10**400), most=10_000_000)
    Traceback (most recent call last):
    ...
    ValueError: history must be an int from 1 to 10,000,000, not an int of 1329 bits
    """
    kind = type(value)  # never ``value.__class__``: an object's own property could lie or raise
    if not issubclass(kind, int) or issubclass(kind, bool):
        message = f"{name} must be {_allowed(least, most)}, not {_shown(value)}"
        raise not_an_int(message)
    number = int.__int__(cast("int", value))  # the number held, not what a subclass's methods say
    if number < least or (most is not None and number > most):
        message = f"{name} must be {_allowed(least, most)}, not {shown_number(number)}"
        raise ValueError(message)
    return number


def _allowed(least: int, most: int | None) -> str:
    """What a count may be, in words: ``an int of at least 1`` or ``an int from 1 to 64``."""
    if most is None:
        return f"an int of at least {least:,}"
    return f"an int from {least:,} to {most:,}"


def _shown(value: object) -> str:
    """A value that is no int, for a message: a float or text as written, anything else by its type only."""
    kind = type(value)
    if kind is float:
        return shown_number(value)
    if issubclass(kind, str):
        return describe(value)
    return f"a value of type {kind.__name__}"
