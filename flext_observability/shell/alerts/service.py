"""``FlextAlertService``: alerts raised by code or by rules, sent once, repeated sparingly, resolved once.

The service is the one stateful executor of the alert plans (rules made by
``alert_rule``): it keeps what fires, decides what to send where and when,
and hands deliveries to sinks that never block it.

- **Dedup and repeat.** An alert is known by its fingerprint (its label set,
  as Alertmanager computes it). A firing alert is sent to a sink once, then
  again only after ``repeat_interval`` (4 h, Alertmanager's default).
  Sinks that hold alerts with an expiry (Alertmanager, which resolves an
  alert not heard of for its ``resolve_timeout``) get firing alerts again
  every ``resend_delay`` (1 min, Prometheus's default), so they never lapse.
- **Resolution once.** A resolution goes to each sink that was sent the
  firing, once, with its ``endsAt``; a sink never told of a firing never
  hears of its resolution.
- **Rules.** :meth:`FlextAlertService.evaluate_now` takes one snapshot of
  the metrics service, keeps it in a bounded history (as many samples as
  the longest window needs, at most ``max_samples``) and runs every rule's
  pure evaluation on it; ``start()`` does that every ``interval`` seconds in
  one thread.
- **Never in the way.** Nothing here raises into the caller once set up;
  an alert refused (invalid, or past ``max_active``) is a ``Failure``,
  counted and logged once per kind.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Final

from attrs import evolve, frozen
from returns.result import Failure, Result, Success

from flext_observability.core.alerts.alert import FlextAlert, validate_alert
from flext_observability.core.alerts.evaluation import (
    EMPTY_RULE_STATE,
    AlertPhase,
    RuleState,
    evaluate_rule,
    firing_alerts,
    transition_alert,
)
from flext_observability.core.alerts.rules import AlertRule, is_well_formed_rule, rule_reach
from flext_observability.core.checks import describe, invalid_one
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.frozen import FrozenMap
from flext_observability.core.redaction import DEFAULT_POLICY, RedactionPolicy, redact_text
from flext_observability.core.values import AlertSeverity, AlertStatus
from flext_observability.shell.alerts.repository import DEFAULT_HISTORY, AlertEvent, AlertHistory, alert_query
from flext_observability.shell.alerts.routing import AlertRoute, AlertSink, alert_route, is_well_formed_route
from flext_observability.shell.clock import Clock, SystemClock
from flext_observability.shell.counts import check_count
from flext_observability.shell.library_log import library_logger
from flext_observability.shell.locks import fork_safe_lock
from flext_observability.shell.seconds import check_seconds, timeout_seconds

if TYPE_CHECKING:
    from flext_observability.core.metrics.exposition import MetricsSnapshot
    from flext_observability.shell.metrics.service import FlextMetricsService

_LOG: Final = library_logger("flext_observability.alerts")

DEFAULT_INTERVAL: Final = 15.0
"""Seconds between two background evaluations (Prometheus defaults to a minute; pipelines want sooner)."""

DEFAULT_REPEAT_INTERVAL: Final = 4 * 3600.0
"""Seconds before a still-firing alert is sent again to a sink that keeps no expiry (Alertmanager's default)."""

DEFAULT_RESEND_DELAY: Final = 60.0
"""Seconds between re-sends of a firing alert to Alertmanager (Prometheus's ``--rules.alert.resend-delay``)."""

DEFAULT_MAX_ACTIVE: Final = 10_000
"""Firing alerts kept at once; a new one beyond is refused and counted."""

DEFAULT_MAX_SAMPLES: Final = 256
"""Metrics snapshots kept for the rules' windows, whatever the windows say."""


@frozen(kw_only=True)
class ActiveAlert:
    """A firing alert as the service holds it: the alert, since when, and when each sink was last sent it."""

    alert: FlextAlert
    since: float
    sent: FrozenMap[str, float]


@frozen(kw_only=True)
class PendingAlert:
    """An alert of a rule whose expression holds but not yet for the rule's ``for_seconds``.

    ``labels`` are the alert's identity labels besides ``alertname`` (the
    rule's ``name``) and ``severity``; ``active_since`` is when the
    expression started to hold, ``value`` its value at the last evaluation.
    """

    name: str
    severity: AlertSeverity
    labels: FrozenMap[str, str]
    active_since: float
    value: float


class _Active:
    """The mutable record behind an :class:`ActiveAlert`; guarded by the service's lock."""

    __slots__ = ("alert", "sent", "since")

    def __init__(self, alert: FlextAlert, since: float) -> None:
        self.alert = alert
        self.since = since
        self.sent: dict[str, float] = {}

    def view(self) -> ActiveAlert:
        return ActiveAlert(alert=self.alert, since=self.since, sent=FrozenMap(self.sent))


_SERVICES: Final[weakref.WeakSet[FlextAlertService]] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for service in list(_SERVICES):
        service._reset_after_fork()  # noqa: SLF001 - the fork hook is part of the class's contract


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


MAX_COUNT: Final = 10_000_000
"""The largest bound (``max_active``, ``history``, ``max_samples``) taken: larger ones are surely mistakes."""


def _resends(sink: AlertSink) -> bool:
    """Whether ``sink`` forgets a firing alert unless told again (Alertmanager does)."""
    return getattr(sink, "resends_firing", False) is True


class FlextAlertService:
    """Alert processing, routing and notification: take alerts from code and rules, send them to sinks."""

    def __init__(  # noqa: PLR0913 - the service's settings, all keyword-only
        self,
        *,
        routes: Iterable[AlertRoute | AlertSink] = (),
        metrics: FlextMetricsService | None = None,
        clock: Clock | None = None,
        redaction: RedactionPolicy | None = None,
        repeat_interval: float = DEFAULT_REPEAT_INTERVAL,
        resend_delay: float = DEFAULT_RESEND_DELAY,
        max_active: int = DEFAULT_MAX_ACTIVE,
        history: int = DEFAULT_HISTORY,
        max_samples: int = DEFAULT_MAX_SAMPLES,
    ) -> None:
        """Set up the service; no thread starts until :meth:`start`.

        ``routes`` are :func:`alert_route` results, or bare sinks (which take
        every alert). Rules read snapshots of ``metrics``. Times come from ``clock`` (the system clock by
        default); every text of an alert passes ``redaction`` before it is
        kept or sent. A bad setting raises a ``TypeError`` or ``ValueError``
        naming it.
        """
        given: tuple[object, object, object] = (clock, redaction, metrics)
        if given[2] is not None and not callable(getattr(given[2], "snapshot", None)):
            message = f"metrics must be a FlextMetricsService or None, not {describe(given[2])}"
            raise TypeError(message)
        if given[0] is not None and not isinstance(given[0], Clock):
            message = f"clock must have time() and monotonic() (a Clock), not {describe(given[0])}"
            raise TypeError(message)
        if given[1] is not None and not isinstance(given[1], RedactionPolicy):
            message = f"redaction must be a RedactionPolicy or None, not {describe(given[1])}"
            raise TypeError(message)
        self._routes = self._check_routes(routes)
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._policy = redaction if redaction is not None else DEFAULT_POLICY
        self.repeat_interval = check_seconds("repeat_interval", repeat_interval)
        self.resend_delay = check_seconds("resend_delay", resend_delay)
        self.max_active = check_count("max_active", max_active, most=MAX_COUNT)
        self._history = AlertHistory(check_count("history", history, most=MAX_COUNT))
        max_samples = check_count("max_samples", max_samples, most=MAX_COUNT)
        self._active: dict[str, _Active] = {}
        self._refused: dict[str, int] = {}
        self._warned: set[str] = set()
        self._metrics = metrics
        self._rules: list[_RuleSlot] = []
        self._rule_hooks: list[Callable[[str, float], object]] = []
        self._samples: deque[tuple[float, MetricsSnapshot]] = deque(maxlen=max_samples)
        self.interval = DEFAULT_INTERVAL
        self.evaluations = 0
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = fork_safe_lock()
        self._count_lock = fork_safe_lock()
        self._evaluation_lock = fork_safe_lock()
        _SERVICES.add(self)

    @staticmethod
    def _check_routes(routes: object) -> tuple[AlertRoute, ...]:
        wanted = "a list of alert routes (alert_route(...)) or sinks"
        if isinstance(routes, str | bytes | Mapping):
            message = f"routes must be {wanted}, not {describe(routes)}"
            raise TypeError(message)
        try:
            items = list(routes)  # type: ignore[call-overload]
        except Exception:  # noqa: BLE001 - whatever cannot be read as a list is a set-up mistake to name
            message = f"routes must be {wanted}, not {describe(routes)}"
            raise TypeError(message) from None
        made: list[AlertRoute] = []
        for index, item in enumerate(items):
            if isinstance(item, AlertRoute):
                if not is_well_formed_route(item):
                    message = f"routes[{index}] is an AlertRoute built by hand with bad parts; make it with alert_route"
                    raise TypeError(message)
                made.append(item)
                continue
            try:
                made.append(alert_route(item))
            except (TypeError, ValueError) as error:
                message = f"routes[{index}]: {error}"
                raise type(error)(message) from None
        checked = tuple(made)
        names = [route.sink.name for route in checked]
        clash = sorted({name for name in names if names.count(name) > 1})
        if clash:
            message = f"routes: two sinks are named {clash[0]!r}; give each sink its own name (it labels its metrics)"
            raise ValueError(message)
        return checked

    def _reset_after_fork(self) -> None:
        """In a forked child: the parent's evaluation thread is gone; ``start()`` makes a new one."""
        self._thread = None

    # --- alerts raised by code ---------------------------------------------

    def process_alert(self, alert: FlextAlert) -> Result[FlextAlert, FlextValidationError]:
        """Take in ``alert`` (firing or resolved): keep it, and send it where its routes say, when due.

        ``Success`` holds the alert as kept (its texts redacted). An invalid
        alert, or a new firing one beyond ``max_active``, is a ``Failure``,
        counted and logged once per kind; it never raises.
        """
        checked = validate_alert(alert)
        if isinstance(checked, Failure):
            return self._refuse("invalid", checked.failure())
        clean = self._redacted(checked.unwrap())
        now = self._clock.time()
        with self._lock:
            result = self._take(clean, now)
            if isinstance(result, Failure):
                return result
            sends = result.unwrap()
        self._deliver(sends)
        return Success(clean)

    def _take(self, alert: FlextAlert, now: float) -> Result[list[tuple[AlertSink, FlextAlert]], FlextValidationError]:
        """Under the lock: record ``alert`` and say what to send to which sink."""
        key = alert.fingerprint
        entry = self._active.get(key)
        if alert.status is AlertStatus.FIRING:
            if entry is None:
                if len(self._active) >= self.max_active:
                    refused = invalid_one(
                        "alert",
                        FlextErrorCode.TOO_MANY,
                        "alert",
                        f"{self.max_active} alerts fire already (max_active); resolve some or raise the limit",
                    )
                    return self._refuse("too_many_active", refused.failure())
                entry = _Active(alert, now)
                self._active[key] = entry
                self._history.append(AlertEvent(alert=alert, at=now))
            else:
                entry.alert = evolve(alert, starts_at=entry.alert.starts_at)
            return Success(self._due(entry, now))
        self._history.append(AlertEvent(alert=alert, at=now))
        if entry is None:
            return Success([])
        del self._active[key]
        resolved = evolve(alert, starts_at=entry.alert.starts_at)
        return Success([(route.sink, resolved) for route in self._routes if route.sink.name in entry.sent])

    def _due(self, entry: _Active, now: float) -> list[tuple[AlertSink, FlextAlert]]:
        """The sinks ``entry``'s firing alert is due at, marking them sent."""
        sends: list[tuple[AlertSink, FlextAlert]] = []
        for route in self._routes:
            if not route.accepts(entry.alert):
                continue
            sink = route.sink
            last = entry.sent.get(sink.name)
            wait = self.resend_delay if _resends(sink) else self.repeat_interval
            if last is None or now - last >= wait:
                entry.sent[sink.name] = now
                sends.append((sink, entry.alert))
        return sends

    def _deliver(self, sends: Sequence[tuple[AlertSink, FlextAlert]]) -> None:
        """Hand each sink its alerts (one batch per sink), outside the lock; a sink's trouble is its own."""
        batches: dict[str, tuple[AlertSink, list[FlextAlert]]] = {}
        for sink, alert in sends:
            batches.setdefault(sink.name, (sink, []))[1].append(alert)
        for sink, alerts in batches.values():
            try:
                sink.submit(alerts)
            except Exception:  # noqa: BLE001 - a sink must not raise; if one does, the caller is still safe
                self._note("sink_raised", f"the sink {sink.name!r} raised from submit(); its alerts are lost")

    def _redacted(self, alert: FlextAlert) -> FlextAlert:
        policy = self._policy
        return evolve(
            alert,
            message=redact_text(policy, alert.message),
            source=redact_text(policy, alert.source),
            labels=FrozenMap({key: redact_text(policy, value) for key, value in alert.labels.items()}),
            annotations=FrozenMap({key: redact_text(policy, value) for key, value in alert.annotations.items()}),
        )

    def _refuse(self, kind: str, error: FlextValidationError) -> Failure[FlextValidationError]:
        self._note(kind, f"an alert was refused: {error}")
        return Failure(error)

    def _note(self, kind: str, message: str) -> None:
        """Count one refusal of ``kind``; log the first of each kind."""
        with self._count_lock:
            self._refused[kind] = self._refused.get(kind, 0) + 1
            first = kind not in self._warned
            self._warned.add(kind)
        if first:
            _LOG.warning("%s (further ones of this kind are only counted)", message)

    # --- reading -------------------------------------------------------------

    def active_alerts(self) -> tuple[ActiveAlert, ...]:
        """The alerts firing now, oldest first."""
        with self._lock:
            entries = sorted(self._active.values(), key=lambda entry: entry.since)
            return tuple(entry.view() for entry in entries)

    def pending_alerts(self) -> tuple[PendingAlert, ...]:
        """The rules' alerts waiting out their ``for_seconds``: active, not firing yet; in the order of the rules.

        Nothing is sent for them; they show here, on ``flext_alerts_active``
        with ``state="pending"``, and on the platform's status page.
        """
        with self._lock:
            slots = list(self._rules)
        # A slot's state is replaced whole by an evaluation, never changed in place: reading it needs no lock.
        return tuple(
            PendingAlert(
                name=slot.rule.name,
                severity=slot.rule.severity,
                labels=instance.labels,
                active_since=instance.active_since,
                value=instance.value,
            )
            for slot in slots
            for instance in slot.state.instances
            if instance.phase is AlertPhase.PENDING
        )

    def query_alerts(  # noqa: PLR0913 - one keyword per filter
        self,
        *,
        name: str | None = None,
        severity: str | None = None,
        state: str | None = None,
        matchers: object = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 100,
    ) -> Result[tuple[AlertEvent, ...], FlextValidationError]:
        """The newest ``limit`` events of the history matching every filter given (see ``alert_query``)."""
        made = alert_query(
            name=name, severity=severity, state=state, matchers=matchers, since=since, until=until, limit=limit
        )
        if isinstance(made, Failure):
            return Failure(made.failure())
        with self._lock:
            return Success(self._history.query(made.unwrap()))

    def refusals(self) -> dict[str, int]:
        """How many alerts or deliveries were refused, by kind."""
        with self._count_lock:
            return dict(self._refused)

    @property
    def routes(self) -> tuple[AlertRoute, ...]:
        """The routes, in the order given."""
        return self._routes

    # --- rules -----------------------------------------------------------------

    def add_rule(self, rule: AlertRule) -> Result[AlertRule, FlextValidationError]:
        """Evaluate ``rule`` from the next evaluation on; a second rule of the same name is a ``Failure``."""
        given: object = rule  # callers outside the type checker may pass anything
        if not is_well_formed_rule(given):
            return invalid_one(
                "alert rule",
                FlextErrorCode.WRONG_TYPE,
                "rule",
                f"expected an AlertRule made by alert_rule (not built or changed by hand), got {describe(rule)}",
            )
        with self._lock:
            if any(slot.rule.name == rule.name for slot in self._rules):
                return invalid_one(
                    "alert rule",
                    FlextErrorCode.CONFLICTING_DEFINITION,
                    "name",
                    f"a rule named {rule.name!r} is added already; give each rule its own name",
                )
            self._rules.append(_RuleSlot(rule))
        return Success(rule)

    def add_rule_hook(self, hook: Callable[[str, float], object]) -> None:
        """Have ``hook(rule_name, seconds)`` hear of every rule evaluation (the seam alert metrics use)."""
        given: object = hook
        if not callable(given):
            message = f"hook must be a function taking a rule name and seconds, not {describe(hook)}"
            raise TypeError(message)
        self._rule_hooks.append(hook)

    def rule_failures(self) -> dict[str, int]:
        """How many evaluations of each rule failed."""
        with self._lock:
            return {slot.rule.name: slot.failures for slot in self._rules}

    def rules(self) -> tuple[AlertRule, ...]:
        """The rules added, in order."""
        with self._lock:
            return tuple(slot.rule for slot in self._rules)

    def evaluate_now(self) -> Result[EvaluationSummary, FlextValidationError]:
        """Take a metrics snapshot, run every rule on the history, and send what changed; never raises.

        Without a metrics service (``metrics=None``) rules have nothing to
        read: only the re-sends of firing alerts happen. A rule whose
        evaluation fails keeps its state; the failure is counted per rule
        and logged once per rule.
        """
        with self._evaluation_lock:
            return self._evaluate()

    def _evaluate(self) -> Result[EvaluationSummary, FlextValidationError]:
        began = time.perf_counter()
        snapshot = self._take_snapshot()
        now = self._clock.time()
        with self._lock:
            if snapshot is not None:
                self._remember(now, snapshot)
            history = tuple(self._samples)
            slots = list(self._rules)
        alerts: list[FlextAlert] = []
        failed: list[str] = []
        for slot in slots:
            started = time.perf_counter()
            outcome = self._run_rule(slot, history, now) if history else None
            slot.last_duration = time.perf_counter() - started
            for hook in self._rule_hooks:
                try:
                    hook(slot.rule.name, slot.last_duration)
                except Exception:  # noqa: BLE001 - a hook must not stop the evaluation
                    self._note("hook_raised", "a rule hook raised; the evaluation goes on")
            if isinstance(outcome, Failure):
                failed.append(slot.rule.name)
                continue
            if outcome is not None:
                alerts.extend(outcome.unwrap())
        sends: list[tuple[AlertSink, FlextAlert]] = []
        with self._lock:
            for alert in alerts:
                taken = self._take(self._redacted(alert), now)
                if isinstance(taken, Success):
                    sends.extend(taken.unwrap())
            for entry in self._active.values():
                sends.extend(self._due(entry, now))
        self._deliver(sends)
        self.evaluations += 1
        return Success(
            EvaluationSummary(
                at=now,
                rules=len(slots),
                failed=tuple(failed),
                sent=len(sends),
                seconds=time.perf_counter() - began,
            )
        )

    def _run_rule(
        self, slot: _RuleSlot, history: tuple[tuple[float, MetricsSnapshot], ...], now: float
    ) -> Result[list[FlextAlert], FlextValidationError]:
        """Evaluate one rule (outside the service's lock); the alerts its transitions make."""
        rule = slot.rule
        try:
            evaluated = evaluate_rule(rule, history, slot.state, now)
        except Exception as error:  # noqa: BLE001 - the core never raises, but a rule must not stop the others
            evaluated = invalid_one("alert evaluation", FlextErrorCode.CALLBACK_FAILED, "rule", repr(error))
        if isinstance(evaluated, Failure):
            slot.failures += 1
            self._note(
                f"rule:{rule.name}", f"the alert rule {rule.name!r} could not be evaluated: {evaluated.failure()}"
            )
            return Failure(evaluated.failure())
        outcome = evaluated.unwrap()
        slot.state = outcome.state
        if outcome.dropped:
            slot.dropped += outcome.dropped
            self._note(
                f"rule_full:{rule.name}",
                f"the alert rule {rule.name!r} matched more series than its max_alerts; the rest are not alerted on",
            )
        alerts: list[FlextAlert] = []
        for transition in outcome.transitions:
            made = transition_alert(rule, transition)
            if isinstance(made, Success):
                alerts.append(made.unwrap())
        alerts.extend(firing_alerts(rule, outcome.state))
        return Success(alerts)

    def _take_snapshot(self) -> MetricsSnapshot | None:
        """The metrics service's snapshot, outside every lock of this service (its readers may read ours)."""
        if self._metrics is None:
            return None
        try:
            return self._metrics.snapshot()
        except Exception:  # noqa: BLE001 - a snapshot must not stop the evaluation
            self._note("snapshot_failed", "the metrics snapshot for the alert rules failed; rules skip this round")
            return None

    def _remember(self, now: float, snapshot: MetricsSnapshot) -> None:
        """Under the lock: keep the sample, and forget those older than the longest window needs."""
        if self._samples and now <= self._samples[-1][0]:
            return  # a clock that did not move: one sample per time, as the rules require
        self._samples.append((now, snapshot))
        reach = max((slot.reach for slot in self._rules), default=0.0)
        while len(self._samples) > 1 and self._samples[1][0] <= now - reach:
            self._samples.popleft()

    # --- the background evaluation ------------------------------------------

    def start(self, interval: float = DEFAULT_INTERVAL) -> None:
        """Evaluate every ``interval`` seconds in one daemon thread; a second ``start`` changes only the interval.

        There is never more than one evaluation thread: a ``start`` while a
        ``stop`` is still waiting for the thread (an evaluation in progress)
        keeps that thread going instead of starting another. A bad
        ``interval`` raises a ``ValueError`` or ``TypeError`` naming it.
        """
        seconds = check_seconds("interval", interval)
        with self._lock:
            self.interval = seconds
            if self._thread is not None and self._thread.is_alive():
                if self._stop.is_set():
                    self._stop = threading.Event()  # the stopping thread sees a new event and goes on
                return
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._loop, name="flext-alert-evaluation", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            with self._lock:
                stop = self._stop
            if stop.wait(self.interval):
                with self._lock:
                    if self._stop is stop:  # no start since this stop: the thread ends
                        self._thread = None
                        return
                continue
            try:
                self.evaluate_now()
            except Exception:  # noqa: BLE001 - the loop must outlive any one evaluation
                _LOG.exception("an alert evaluation raised; the next one runs on time")

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop the background evaluation; ``True`` when its thread ended within ``timeout`` seconds."""
        with self._lock:
            thread = self._thread
            self._stop.set()
        if thread is None:
            return True
        thread.join(timeout_seconds(timeout, 5.0))
        return not thread.is_alive()

    @property
    def running(self) -> bool:
        """Whether the background evaluation runs."""
        with self._lock:
            thread, stopping = self._thread, self._stop.is_set()
        return thread is not None and thread.is_alive() and not stopping

    def shutdown(self, timeout: float = 5.0) -> bool:
        """Stop evaluating and let every sink deliver what it holds, within ``timeout`` seconds in all."""
        deadline = time.monotonic() + timeout_seconds(timeout, 5.0)
        stopped = self.stop(max(deadline - time.monotonic(), 0.0))
        for route in self._routes:
            try:
                stopped = route.sink.shutdown(max(deadline - time.monotonic(), 0.0)) and stopped
            except Exception:  # noqa: BLE001 - one broken sink must not keep the others from stopping
                self._note("sink_raised", f"the sink {route.sink.name!r} raised from shutdown()")
                stopped = False
        return stopped


@frozen(kw_only=True)
class EvaluationSummary:
    """What one evaluation did: when, how many rules, which failed, how many deliveries, how long."""

    at: float
    rules: int
    failed: tuple[str, ...]
    sent: int
    seconds: float


class _RuleSlot:
    """One rule and its evaluation state; guarded by the service's evaluation lock."""

    __slots__ = ("dropped", "failures", "last_duration", "rule", "state")

    def __init__(self, rule: AlertRule) -> None:
        self.rule = rule
        self.state: RuleState = EMPTY_RULE_STATE
        self.failures = 0
        self.dropped = 0
        self.last_duration = 0.0

    @property
    def reach(self) -> float:
        """How far back the rule reads the history, in seconds."""
        return rule_reach(self.rule)
