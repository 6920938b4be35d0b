"""Where checks run: a fixed pool of worker threads and one event loop thread, each made once, on first use.

Neither makes a thread per request or per check. :class:`WorkerPool` starts
its ``size`` threads together the first time it is given a job and feeds
them from one queue; :class:`LoopThread` makes one ``asyncio`` event loop and
one thread running it the first time a coroutine is given to it. Every thread
is a daemon: a check that never returns holds its thread for ever, and must
not hold up the interpreter's exit too (``concurrent.futures`` joins its
workers at exit, which is why it is not used here).

A job must not raise (the service's jobs catch everything); one that does is
logged and the worker goes on.

After ``os.fork()`` the child has none of these threads: the owner calls
:meth:`WorkerPool.reset_after_fork` and :meth:`LoopThread.reset_after_fork`,
which forget the parent's threads, queue and loop, so the child makes its own
on first use.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from typing import TYPE_CHECKING, Final

from flext_observability.shell.library_log import library_logger
from flext_observability.shell.locks import fork_safe_lock

if TYPE_CHECKING:
    import concurrent.futures
    from collections.abc import Callable, Coroutine

_LOG: Final = library_logger("flext_observability.health")
_CANCEL_GRACE: Final = 0.1


class WorkerPool:
    """``size`` daemon threads, started together on the first job, taking jobs from one queue in order."""

    def __init__(self, size: int, *, name: str = "flext-health-worker") -> None:
        """A pool of ``size`` threads (not started yet), named ``name-1``, ``name-2``..."""
        self.size = size
        self._name = name
        self._lock = fork_safe_lock()
        self._fresh_state()
        self._closed = False

    def _fresh_state(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []

    @property
    def started(self) -> int:
        """How many threads this pool has started (0 or ``size``)."""
        return len(self._threads)

    def runs_here(self) -> bool:
        """Whether the calling thread is one of this pool's."""
        return threading.current_thread() in self._threads

    def submit(self, job: Callable[[], None]) -> bool:
        """Queue ``job``; ``False`` (and nothing queued) once the pool is shut down."""
        with self._lock:
            if self._closed:
                return False
            if not self._threads:
                self._threads = [
                    threading.Thread(
                        target=self._work, args=(self._jobs,), name=f"{self._name}-{index + 1}", daemon=True
                    )
                    for index in range(self.size)
                ]
                for thread in self._threads:
                    thread.start()
            self._jobs.put(job)
        return True

    @staticmethod
    def _work(jobs: queue.SimpleQueue[Callable[[], None] | None]) -> None:
        while (job := jobs.get()) is not None:
            try:
                job()
            except Exception:  # noqa: BLE001 - logged with its traceback; the worker must go on
                _LOG.exception("a health-check job raised; the worker goes on")

    def shutdown(self, deadline: float) -> bool:
        """Take no more jobs and stop the threads by ``deadline`` (``time.monotonic``); ``True`` when all stopped.

        Jobs already queued run first; a thread held by a check that hangs
        is left behind (it is a daemon).
        """
        with self._lock:
            self._closed = True
            threads, self._threads = self._threads, []
            for _ in threads:
                self._jobs.put(None)
        for thread in threads:
            thread.join(max(deadline - time.monotonic(), 0.0))
        return not any(thread.is_alive() for thread in threads)

    def reset_after_fork(self) -> None:
        """In a forked child: forget the parent's threads and queued jobs; new threads start on the next job."""
        self._fresh_state()


class LoopThread:
    """One event loop in one daemon thread, made on the first coroutine and kept for every later one."""

    def __init__(self, *, name: str = "flext-health-loop") -> None:
        """A loop thread that is not started yet."""
        self._name = name
        self._lock = fork_safe_lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def started(self) -> bool:
        """Whether the loop and its thread have been made."""
        return self._thread is not None

    def runs_here(self) -> bool:
        """Whether the calling thread is this loop's."""
        return self._thread is not None and threading.current_thread() is self._thread

    def submit(self, coroutine: Coroutine[object, object, None]) -> concurrent.futures.Future[None] | None:
        """Run ``coroutine`` on the loop; ``None`` (and the coroutine closed) once shut down."""
        with self._lock:
            if self._closed:
                coroutine.close()
                return None
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=self._run, args=(self._loop,), name=self._name, daemon=True)
                self._thread.start()
            return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
            # Stopped by shutdown: cancel what is left, give it a moment to hear it, and close.
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            if tasks:
                loop.run_until_complete(asyncio.wait(tasks, timeout=_CANCEL_GRACE))
        finally:
            loop.close()

    def shutdown(self, deadline: float) -> bool:
        """Stop the loop and its thread by ``deadline`` (``time.monotonic``); ``True`` when it stopped in time.

        A coroutine that blocks the loop (a synchronous sleep inside
        ``async def``) keeps the thread busy past the deadline: it is left
        behind (a daemon).
        """
        with self._lock:
            self._closed = True
            loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return True
        try:
            loop.call_soon_threadsafe(loop.stop)
        except RuntimeError:  # already closed
            return True
        thread.join(max(deadline - time.monotonic(), 0.0))
        return not thread.is_alive()

    def reset_after_fork(self) -> None:
        """In a forked child: forget the parent's loop and thread (the loop cannot be closed while marked running)."""
        self._loop = None
        self._thread = None
