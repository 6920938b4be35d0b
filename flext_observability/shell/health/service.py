"""``FlextHealthService``: runs registered health checks with hard timeouts, a cache, and one run at a time.

The promise to an orchestrator: :meth:`FlextHealthService.check_health`
answers within the largest timeout of the checks it runs (plus the cost of
building the report), even when checks hang for ever, and no request adds a
thread.

How a call goes:

1. Each check of the probe whose last result is still fresh is served from
   the cache. Each other one joins the run already in flight, or a new run
   is started: a sync check on the bounded :class:`WorkerPool`, an async one
   on the service's one event loop (:class:`LoopThread`).
2. The call waits for those runs, each until its own deadline (when it was
   started plus its timeout); a caller that joins a run late waits less.
3. A run still going at its deadline is ``fail``, "timed out after 1.0 s".
   It is not started again while it goes on: every call meanwhile answers
   ``fail`` at once. When it returns at last, its answer is dropped (it was
   too late) and the timed-out ``fail`` is cached for ``fail_ttl``.

Invariants: at most one run per check is in flight; the threads are the
pool's ``max_workers`` plus one loop thread, made once, on first use.

Two clocks, on purpose. Freshness (``pass_ttl``, ``fail_ttl``) and the
``time`` of results come from the injected :class:`Clock`, so tests move a
:class:`~flext_observability.testing.FakeClock` through a timeline.
Deadlines of runs are on the real ``time.monotonic``: waiting is real, and a
fake clock does not move while a thread waits (a deadline on it would never
come, or come at once). Durations are real for the same reason.

After ``os.fork()`` the child keeps the registrations and the cached results
and gets a fresh pool, loop and lock; runs in flight in the parent are
forgotten (their threads do not exist in the child). After
:meth:`FlextHealthService.shutdown` every check is ``fail`` ("the health
service is shut down"), so readiness fails while the process winds down.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import os
import threading
import time
import weakref
from typing import TYPE_CHECKING, Final

from attrs import frozen
from returns.result import Result, Success

from flext_observability.core.checks import Problems, check_choice, describe, invalid, invalid_one
from flext_observability.core.errors import FlextErrorCode
from flext_observability.core.health.report import HealthOutcome, HealthReport, aggregate
from flext_observability.core.redaction import DEFAULT_POLICY, RedactionPolicy
from flext_observability.core.values import HealthStatus
from flext_observability.shell.clock import Clock, SystemClock
from flext_observability.shell.counts import check_count
from flext_observability.shell.health.plan import (
    DEFAULT_FAIL_TTL,
    DEFAULT_PASS_TTL,
    DEFAULT_PROBES,
    DEFAULT_TIMEOUT,
    HealthCheckPlan,
    HealthProbe,
    ProbesArgument,
    health_check_plan,
)
from flext_observability.shell.health.results import (
    check_from_answer,
    check_from_error,
    outcome_of,
    stamped_check,
)
from flext_observability.shell.health.workers import LoopThread, WorkerPool
from flext_observability.shell.library_log import library_logger
from flext_observability.shell.locks import fork_safe_lock

if TYPE_CHECKING:
    from collections.abc import Callable

    from flext_observability.core.errors import FlextValidationError
    from flext_observability.core.health.check import FlextHealthCheck

_LOG: Final = library_logger("flext_observability.health")
DEFAULT_MAX_WORKERS: Final = 4
"""Worker threads of a service unless told: enough for a few slow dependencies at once."""

MAX_WORKERS: Final = 64
"""The most worker threads one service may have."""

DEFAULT_SHUTDOWN_TIMEOUT: Final = 5.0
_JOINED_LATE: Final = 0.05  # seconds past a deadline that mark a run a caller joined late, not one it just gave up on


@frozen(kw_only=True)
class HealthRun:
    """One finished run of a check, as :class:`FlextHealthService` hands it to ``on_run``.

    ``duration`` is real seconds from the start of the run to its end;
    ``timed_out`` says the run outlived its timeout (``outcome`` is then the
    timed-out ``fail``). The seam for health metrics.
    """

    plan: HealthCheckPlan
    outcome: HealthOutcome
    duration: float
    timed_out: bool


@frozen(kw_only=True)
class HealthCheckState:
    """What the service knows of one check now: its last result, whether a run is in flight, and counts.

    While a run hangs past its deadline, ``last`` is its timed-out ``fail``
    (and ``running`` stays ``True``).
    """

    plan: HealthCheckPlan
    last: HealthOutcome | None
    running: bool
    runs: int
    timeouts: int


class _Run:
    """One run of one check: its real deadline, and its outcome once it ended."""

    __slots__ = ("deadline", "outcome", "started", "timed_out")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.started = False
        self.timed_out = False
        self.outcome: HealthOutcome | None = None


class _Slot:
    """The state of one registered check, guarded by the service's lock."""

    __slots__ = ("fresh_until", "last", "plan", "run", "runs", "timeouts")

    def __init__(self, plan: HealthCheckPlan) -> None:
        self.plan = plan
        self.last: HealthOutcome | None = None
        self.fresh_until = -math.inf  # on the injected clock's monotonic reading
        self.run: _Run | None = None
        self.runs = 0
        self.timeouts = 0


_SERVICES: Final[weakref.WeakSet[FlextHealthService]] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for service in list(_SERVICES):
        service._reset_after_fork()  # noqa: SLF001 - the fork hook is part of the class's contract


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _check_workers(value: object) -> int:
    """``value`` as a plain ``int`` from 1 to :data:`MAX_WORKERS`; a ``TypeError`` or ``ValueError`` naming it."""
    return check_count("max_workers", value, most=MAX_WORKERS)


class FlextHealthService:
    """Health-check coordination and reporting: register plans, then ask for a probe's report."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        max_workers: int = DEFAULT_MAX_WORKERS,
        redaction: RedactionPolicy | None = None,
        on_run: Callable[[HealthRun], object] | None = None,
    ) -> None:
        """Set up the service; no thread starts until a check first runs.

        ``clock`` gives result times and cache freshness (the system clock by
        default); ``max_workers`` is the size of the sync checks' pool;
        ``redaction`` cleans outputs (the default policy); ``on_run`` hears
        of every finished run, in the thread that ran it (it must be quick,
        and what it raises is logged, never passed on). A bad setting raises
        a ``TypeError`` or ``ValueError`` naming it.
        """
        given: tuple[object, object, object] = (clock, redaction, on_run)  # callers outside the type checker
        if given[0] is not None and not isinstance(given[0], Clock):
            message = f"clock must have time() and monotonic() (a Clock), not {describe(given[0])}"
            raise TypeError(message)
        if given[1] is not None and not isinstance(given[1], RedactionPolicy):
            message = f"redaction must be a RedactionPolicy or None, not {describe(given[1])}"
            raise TypeError(message)
        if given[2] is not None and not callable(given[2]):
            message = f"on_run must be a function taking a HealthRun, or None, not {describe(given[2])}"
            raise TypeError(message)
        self.max_workers = _check_workers(max_workers)
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._policy = redaction if redaction is not None else DEFAULT_POLICY
        self._on_run: tuple[Callable[[HealthRun], object], ...] = () if on_run is None else (on_run,)
        self._slots: dict[tuple[str, str], _Slot] = {}
        self._shut_down = False
        self._fresh_state()
        _SERVICES.add(self)

    def _fresh_state(self) -> None:
        self._lock = fork_safe_lock()
        self._changed = threading.Condition(self._lock)
        self._pool = WorkerPool(self.max_workers)
        self._loop = LoopThread()

    def _reset_after_fork(self) -> None:
        """In a forked child: a new lock, pool and loop; the parent's runs in flight are forgotten."""
        self._fresh_state()
        for slot in self._slots.values():
            slot.run = None

    # --- registration ---------------------------------------------------------

    def register(  # noqa: PLR0913 - the settings of a plan, all keyword-only but the check
        self,
        check: Callable[[], object],
        *,
        component: str,
        measurement: str = "status",
        critical: bool = True,
        timeout: float = DEFAULT_TIMEOUT,
        probes: ProbesArgument = DEFAULT_PROBES,
        pass_ttl: float = DEFAULT_PASS_TTL,
        fail_ttl: float = DEFAULT_FAIL_TTL,
        component_type: str = "",
        component_id: str = "",
    ) -> HealthCheckPlan:
        """Make the plan of ``check`` (see :func:`health_check_plan`) and register it; the plan is returned."""
        plan = health_check_plan(
            check,
            component=component,
            measurement=measurement,
            critical=critical,
            timeout=timeout,
            probes=probes,
            pass_ttl=pass_ttl,
            fail_ttl=fail_ttl,
            component_type=component_type,
            component_id=component_id,
        )
        return self.register_plan(plan)

    def register_plan(self, plan: HealthCheckPlan) -> HealthCheckPlan:
        """Register a plan made by :func:`health_check_plan` (or a ready-made probe); ``plan`` is returned.

        A second plan with the same key and ``component_id`` raises a
        ``ValueError``: two checks would answer under one name.
        """
        given: object = plan
        if not isinstance(given, HealthCheckPlan):
            message = f"plan must be a HealthCheckPlan (see health_check_plan), not {describe(given)}"
            raise TypeError(message)
        name = (plan.key, plan.component_id)
        with self._lock:
            if name in self._slots:
                which = f" with component_id {plan.component_id!r}" if plan.component_id else ""
                message = f"a health check {plan.key!r}{which} is registered already; give it another measurement or id"
                raise ValueError(message)
            self._slots[name] = _Slot(plan)
        return plan

    def add_run_hook(self, hook: Callable[[HealthRun], object]) -> None:
        """Have ``hook`` hear of every finished run too, after ``on_run`` (the seam health metrics use).

        The same rules as ``on_run``: quick, called in the thread that ran
        the check, and what it raises is logged. A ``hook`` that cannot be
        called raises a ``TypeError``.
        """
        given: object = hook
        if not callable(given):
            message = f"hook must be a function taking a HealthRun, not {describe(given)}"
            raise TypeError(message)
        with self._lock:
            self._on_run = (*self._on_run, hook)

    @property
    def plans(self) -> tuple[HealthCheckPlan, ...]:
        """The registered plans, in the order of registration."""
        with self._lock:
            return tuple(slot.plan for slot in self._slots.values())

    def states(self) -> tuple[HealthCheckState, ...]:
        """What is known of each check now, without running any: for metrics read at scrape time."""
        with self._lock:
            return tuple(
                HealthCheckState(
                    plan=slot.plan,
                    last=slot.last,
                    running=slot.run is not None,
                    runs=slot.runs,
                    timeouts=slot.timeouts,
                )
                for slot in self._slots.values()
            )

    # --- running --------------------------------------------------------------

    def check_health(
        self, probe: HealthProbe | str | None = HealthProbe.READINESS
    ) -> Result[HealthReport, FlextValidationError]:
        """The report of ``probe``'s checks (``None``: every check), within their largest timeout.

        Never raises: a probe that is none of ``liveness``, ``readiness`` and
        ``startup`` is a ``Failure``; a check that fails, raises or hangs is a
        ``fail`` in the report. A probe without checks is ``pass``.

        A call from inside one of this service's own checks is a ``Failure``
        too (``reentrant_call``): it would wait for the run it is part of,
        holding a worker (or the event loop every async check shares) until
        its timeout.
        """
        if self._pool.runs_here() or self._loop.runs_here():
            return invalid_one(
                "health_request",
                FlextErrorCode.REENTRANT_CALL,
                "check_health",
                "called from inside one of this service's own checks, which would wait for the run it is part of; "
                "check the dependency itself instead of asking the service",
            )
        chosen: HealthProbe | None = None
        if probe is not None:
            problems: Problems = []
            chosen = check_choice(problems, "probe", probe, HealthProbe)
            if chosen is None:
                return invalid("health_request", problems)
        waits, starts = self._plan_call(chosen)
        for slot, run in starts:
            self._start(slot, run)
        outcomes = self._wait(waits)
        return Success(aggregate(outcomes, time=self._clock.time()))

    def _plan_call(self, probe: HealthProbe | None) -> tuple[list[tuple[_Slot, _Run | None]], list[tuple[_Slot, _Run]]]:
        """Under the lock: each check's fresh result or run to wait for, and the runs to start."""
        now = self._clock.monotonic()
        waits: list[tuple[_Slot, _Run | None]] = []
        starts: list[tuple[_Slot, _Run]] = []
        with self._lock:
            real_now = time.monotonic()
            for slot in self._slots.values():
                if probe is not None and probe not in slot.plan.probes:
                    continue
                if slot.run is None and slot.last is not None and now < slot.fresh_until and not self._shut_down:
                    waits.append((slot, None))
                    continue
                if slot.run is None:
                    slot.run = _Run(real_now + slot.plan.timeout)
                    slot.runs += 1
                    starts.append((slot, slot.run))
                waits.append((slot, slot.run))
        return waits, starts

    def _start(self, slot: _Slot, run: _Run) -> None:
        plan = slot.plan
        if plan.is_async:
            submitted = self._loop.submit(self._run_async(slot, run)) is not None
        else:
            submitted = self._pool.submit(lambda: self._run_sync(slot, run))
        if not submitted:
            check = self._stamped(plan, "not run: the health service is shut down", 0.0)
            self._finish(slot, run, check, 0.0)

    def _run_sync(self, slot: _Slot, run: _Run) -> None:
        run.started = True
        began = time.monotonic()
        plan = slot.plan
        try:
            answer = plan.check()
        except BaseException as error:  # noqa: BLE001 - a worker must outlive any check, SystemExit included
            duration = time.monotonic() - began
            check = check_from_error(plan, error, time=self._clock.time(), duration=duration, policy=self._policy)
        else:
            duration = time.monotonic() - began
            check = check_from_answer(plan, answer, time=self._clock.time(), duration=duration, policy=self._policy)
        self._finish(slot, run, check, duration)

    async def _run_async(self, slot: _Slot, run: _Run) -> None:
        run.started = True
        began = time.monotonic()
        plan = slot.plan
        answer: object = None
        error: BaseException | None = None
        expired = False
        try:
            async with asyncio.timeout(max(run.deadline - began, 0.0)) as scope:
                pending = plan.check()
                answer = await pending if inspect.isawaitable(pending) else pending
        except BaseException as caught:  # noqa: BLE001 - cancelled at shutdown, or anything the check raised
            error = caught
            expired = isinstance(caught, TimeoutError) and scope.expired()
        duration = time.monotonic() - began
        now = self._clock.time()
        if error is None:
            check = check_from_answer(plan, answer, time=now, duration=duration, policy=self._policy)
        else:
            check = check_from_error(plan, error, time=now, duration=duration, policy=self._policy)
        self._finish(slot, run, check, duration, late=expired)
        if error is not None and not isinstance(error, Exception):
            raise error

    def _stamped(self, plan: HealthCheckPlan, output: str, duration: float) -> FlextHealthCheck:
        return stamped_check(
            plan,
            status=HealthStatus.FAIL,
            output=output,
            time=self._clock.time(),
            duration=duration,
            policy=self._policy,
        )

    def _finish(self, slot: _Slot, run: _Run, check: FlextHealthCheck, duration: float, *, late: bool = False) -> None:
        """Record the end of ``run``: its outcome (the timed-out fail if it was too late), cached, callers woken."""
        plan = slot.plan
        if late:  # an async check its own deadline cancelled
            check = self._stamped(plan, f"timed out after {plan.timeout:g} s (cancelled)", duration)
        elif time.monotonic() > run.deadline:
            late = True
            output = f"timed out after {plan.timeout:g} s (it returned after {duration:.3g} s)"
            check = self._stamped(plan, output, duration)
        outcome = outcome_of(plan, check)
        ttl = plan.fail_ttl if check.status is HealthStatus.FAIL else plan.pass_ttl
        with self._lock:
            if late and not run.timed_out:
                run.timed_out = True
                slot.timeouts += 1
            run.outcome = outcome
            if slot.run is run:
                slot.run = None
                slot.last = outcome
                slot.fresh_until = self._clock.monotonic() + ttl
            self._changed.notify_all()
        if self._on_run:
            finished = HealthRun(plan=plan, outcome=outcome, duration=duration, timed_out=late)
            for hook in self._on_run:
                try:
                    hook(finished)
                except Exception:  # noqa: BLE001 - a hook's error is logged (with its traceback), never passed on
                    _LOG.exception("the on_run hook of a health service raised")

    def _wait(self, waits: list[tuple[_Slot, _Run | None]]) -> list[HealthOutcome]:
        """Wait for each run until it ends or its deadline passes; the outcome of each check, in order."""
        with self._lock:
            while True:
                now = time.monotonic()
                pending = [run.deadline for _, run in waits if run is not None and run.outcome is None]
                due = [deadline for deadline in pending if deadline > now]
                if not due:
                    break
                self._changed.wait(min(due) - now)
            outcomes: list[HealthOutcome] = []
            for slot, run in waits:
                if run is None:
                    if slot.last is not None:
                        outcomes.append(slot.last)
                    continue
                if run.outcome is not None:
                    outcomes.append(run.outcome)
                    continue
                if not run.timed_out:
                    run.timed_out = True
                    slot.timeouts += 1
                timed_out = outcome_of(slot.plan, self._timed_out(slot.plan, run))
                if slot.run is run:
                    slot.last = timed_out  # what states() (and the status metric) show while it hangs; not cached
                outcomes.append(timed_out)
        return outcomes

    def _timed_out(self, plan: HealthCheckPlan, run: _Run) -> FlextHealthCheck:
        """The ``fail`` of a run still going at its deadline (its duration: the time since it was started)."""
        over = time.monotonic() - run.deadline
        elapsed = plan.timeout + max(over, 0.0)
        if self._shut_down:
            return self._stamped(plan, "not run: the health service is shut down", elapsed)
        why = f"timed out after {plan.timeout:g} s"
        if not run.started:
            why += " (not started: every worker was busy with other checks)"
        elif over > _JOINED_LATE:
            why += f" (still running {over:.3g} s past its deadline; not started again until it returns)"
        return self._stamped(plan, why, elapsed)

    # --- stopping -------------------------------------------------------------

    def shutdown(self, timeout: float = DEFAULT_SHUTDOWN_TIMEOUT) -> bool:
        """Stop the pool and the loop within ``timeout`` seconds; ``True`` when every thread stopped in time.

        A check still hung at the deadline keeps its (daemon) thread; later
        calls of :meth:`check_health` answer ``fail`` for every check.
        Calling it again does nothing more. A ``timeout`` that is no
        non-negative number means the default.
        """
        given: object = timeout
        seconds = math.nan
        if isinstance(given, float):
            seconds = float.__float__(given)
        elif isinstance(given, int) and not isinstance(given, bool):
            seconds = float(min(max(int.__int__(given), -1), int(threading.TIMEOUT_MAX)))
        if not 0 <= seconds <= threading.TIMEOUT_MAX:
            seconds = DEFAULT_SHUTDOWN_TIMEOUT
        deadline = time.monotonic() + seconds
        with self._lock:
            self._shut_down = True
            self._changed.notify_all()
        pool_stopped = self._pool.shutdown(deadline)
        loop_stopped = self._loop.shutdown(deadline)
        return pool_stopped and loop_stopped

    def __repr__(self) -> str:
        return f"FlextHealthService(checks={len(self._slots)}, max_workers={self.max_workers})"
