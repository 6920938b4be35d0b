"""Locks that survive ``os.fork()``.

A forked child gets a copy of every lock in the state it had at the moment of
the fork, but only the thread that forked. A lock another thread held then
stays held forever in the child, and the child's first log line, metric
update or scrape waits on it for ever. Pre-fork servers (gunicorn, uWSGI,
Celery's prefork pool, ``multiprocessing`` with the fork start method) fork
while the parent's threads run, so this is not a corner case.

Every lock the library owns comes from :func:`fork_safe_lock` (or
:func:`fork_safe_rlock`): it is an ordinary ``threading`` lock, remembered
weakly, and put back to the unlocked state in the child right after a fork,
in place, so every object holding it keeps working. This is how the
standard library's ``logging`` and ``concurrent.futures`` keep their own locks
usable after a fork (``_at_fork_reinit``, CPython 3.9 and later).

The data a lock guards is left as it was: an operation another thread had
half done at the moment of the fork may be missing in the child (a count off
by one), but nothing waits.
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import Final

_LOCKS: Final[weakref.WeakSet[object]] = weakref.WeakSet()
_GUARD: Final = threading.Lock()


def fork_safe_lock() -> threading.Lock:
    """A new ``threading.Lock`` that is unlocked again in a forked child."""
    lock = threading.Lock()
    _remember(lock)
    return lock


def fork_safe_rlock() -> threading.RLock:
    """A new ``threading.RLock`` that is unlocked again in a forked child."""
    lock = threading.RLock()
    _remember(lock)
    return lock


def adopt_lock(lock: object) -> None:
    """Unlock ``lock`` too in a forked child: for a lock another library made inside an object we own.

    Anything without the standard library's ``_at_fork_reinit`` hook is ignored.
    """
    if hasattr(lock, "_at_fork_reinit"):
        _remember(lock)


def _remember(lock: object) -> None:
    with _GUARD:
        _LOCKS.add(lock)


def _reinit_in_child() -> None:
    """Unlock every remembered lock (in place); the child has one thread, so nothing races here."""
    _GUARD._at_fork_reinit()  # type: ignore[attr-defined]  # noqa: SLF001 - the standard library's own fork hook
    for lock in list(_LOCKS):
        reinit = getattr(lock, "_at_fork_reinit", None)
        if reinit is not None:
            reinit()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reinit_in_child)
