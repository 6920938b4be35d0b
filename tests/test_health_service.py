"""FlextHealthService: hard timeouts, a bounded pool, single flight, TTLs on the fake clock, async checks, fork."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from typing import TYPE_CHECKING

import pytest
from returns.result import Failure, Success

from flext_observability.core.health.check import build_health_check
from flext_observability.core.values import HealthStatus
from flext_observability.shell.health.plan import HealthCheckPlan, HealthProbe, health_check_plan
from flext_observability.shell.health.service import FlextHealthService, HealthRun
from flext_observability.testing import FakeClock

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from flext_observability.core.health.report import HealthReport

MARGIN = 0.2


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """An event the hanging checks wait on; set at teardown so their threads end."""
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock for the timelines."""
    return FakeClock(1_700_000_000.0)


@pytest.fixture
def service(clock: FakeClock) -> Iterator[FlextHealthService]:
    """A service on the fake clock, shut down at teardown."""
    health = FlextHealthService(clock=clock, max_workers=4)
    yield health
    health.shutdown(1.0)


class Counter:
    """A check that counts its calls, optionally waiting on an event or sleeping first."""

    def __init__(self, answer: object = True, *, wait: threading.Event | None = None, sleep: float = 0.0) -> None:
        self.calls = 0
        self.answer = answer
        self.wait = wait
        self.sleep = sleep
        self._lock = threading.Lock()

    def __call__(self) -> object:
        with self._lock:
            self.calls += 1
        if self.wait is not None:
            self.wait.wait(30)
        if self.sleep:
            time.sleep(self.sleep)
        return self.answer


def timed(call: Callable[[], HealthReport]) -> tuple[HealthReport, float]:
    """The report ``call`` gives and the real seconds it took."""
    began = time.monotonic()
    report = call()
    return report, time.monotonic() - began


def statuses(report: HealthReport) -> dict[str, tuple[HealthStatus, str]]:
    """Each check's key mapped to its status and output."""
    return {outcome.key: (outcome.check.status, outcome.check.output) for outcome in report.outcomes}


def wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Poll ``condition`` until it holds; fail the test after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.01)


def running(service: FlextHealthService, key: str) -> bool:
    """Whether a run of the check ``key`` is in flight."""
    return next(state.running for state in service.states() if state.plan.key == key)


# --- timeouts and threads ------------------------------------------------------


def test_a_check_that_sleeps_30_s_fails_within_its_timeout() -> None:
    """A check sleeping 30 s is `fail`, "timed out after 0.5 s", and the call returns within 0.5 s + 0.2 s."""
    health = FlextHealthService()
    health.register(lambda: time.sleep(30), component="slow", timeout=0.5)
    health.register(lambda: True, component="quick")
    report, took = timed(lambda: health.check_health().unwrap())
    assert took < 0.5 + MARGIN
    assert report.status is HealthStatus.FAIL
    assert report.http_status == 503
    assert statuses(report)["slow:status"] == (HealthStatus.FAIL, "timed out after 0.5 s")
    assert statuses(report)["quick:status"] == (HealthStatus.PASS, "")
    health.shutdown(0.1)


def test_100_concurrent_calls_while_checks_hang_add_no_threads_beyond_the_pool_and_loop(
    release: threading.Event,
) -> None:
    """100 concurrent calls, with sync and async checks hung, leave at most pool + loop threads more than before."""
    before = threading.active_count()
    health = FlextHealthService(max_workers=3)
    hung = [Counter(wait=release) for _ in range(5)]
    for index, check in enumerate(hung):
        health.register(check, component=f"hung{index}", timeout=0.3)

    async def stuck() -> bool:
        await asyncio.sleep(30)
        return True

    health.register(stuck, component="stuck", timeout=0.3, fail_ttl=0.0)
    took: list[float] = []
    results: list[HealthStatus] = []

    def call() -> None:
        report, seconds = timed(lambda: health.check_health().unwrap())
        took.append(seconds)
        results.append(report.status)

    callers = [threading.Thread(target=call) for _ in range(100)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(10)
    assert results == [HealthStatus.FAIL] * 100
    assert max(took) < 0.3 + MARGIN + 0.3  # 100 threads on 2 CPUs: some scheduling slack
    assert threading.active_count() <= before + health.max_workers + 1
    assert sum(check.calls for check in hung) == health.max_workers  # the others never got a worker
    health.shutdown(0.1)


def test_a_hung_check_is_not_started_again_until_it_returns_then_recovers(
    service: FlextHealthService, clock: FakeClock
) -> None:
    """A hung check stays fail/timed-out without a second run; once it returns and its fail TTL passes, it passes."""
    gate = threading.Event()
    check = Counter(wait=gate)
    service.register(check, component="db", timeout=0.2, fail_ttl=1.0)
    first = statuses(service.check_health().unwrap())["db:status"]
    assert first == (HealthStatus.FAIL, "timed out after 0.2 s")
    time.sleep(0.1)
    again, took = timed(lambda: service.check_health().unwrap())
    assert took < 0.05  # the run is past its deadline: no waiting
    status, output = statuses(again)["db:status"]
    assert status is HealthStatus.FAIL
    assert "not started again until it returns" in output
    assert check.calls == 1
    gate.set()
    wait_until(lambda: not running(service, "db:status"))
    status, output = statuses(service.check_health().unwrap())["db:status"]
    assert status is HealthStatus.FAIL  # its late answer is the timed-out fail, cached for fail_ttl
    assert output.startswith("timed out after 0.2 s (it returned after")
    assert check.calls == 1
    check.wait = None
    clock.advance(1.0)
    assert statuses(service.check_health().unwrap())["db:status"] == (HealthStatus.PASS, "")
    assert check.calls == 2


def test_a_full_pool_says_the_check_never_started(release: threading.Event) -> None:
    """With one worker held by a hung check, another check times out saying it was never started."""
    health = FlextHealthService(max_workers=1)
    health.register(Counter(wait=release), component="hung", timeout=0.2)
    health.register(lambda: True, component="waiting", timeout=0.2)
    report = health.check_health().unwrap()
    status, output = statuses(report)["waiting:status"]
    assert status is HealthStatus.FAIL
    assert "not started: every worker was busy" in output
    health.shutdown(0.1)


# --- cache and single flight ---------------------------------------------------


def test_pass_results_are_reused_for_pass_ttl_on_the_injected_clock(
    service: FlextHealthService, clock: FakeClock
) -> None:
    """A pass is served from the cache until pass_ttl has passed on the fake clock, then the check runs again."""
    check = Counter()
    service.register(check, component="app", pass_ttl=5.0)
    for _ in range(3):
        assert service.check_health().unwrap().status is HealthStatus.PASS
    assert check.calls == 1
    clock.advance(4.9)
    service.check_health()
    assert check.calls == 1
    clock.advance(0.1)
    service.check_health()
    assert check.calls == 2


def test_fail_results_are_reused_for_fail_ttl(service: FlextHealthService, clock: FakeClock) -> None:
    """A fail is cached for fail_ttl (shorter than pass_ttl), so recovery shows soon."""
    check = Counter(answer=False)
    service.register(check, component="db", pass_ttl=60.0, fail_ttl=2.0)
    assert statuses(service.check_health().unwrap())["db:status"] == (HealthStatus.FAIL, "the check returned False")
    clock.advance(1.9)
    service.check_health()
    assert check.calls == 1
    check.answer = True
    clock.advance(0.1)
    assert service.check_health().unwrap().status is HealthStatus.PASS
    assert check.calls == 2


def test_concurrent_callers_share_one_run(service: FlextHealthService) -> None:
    """Twenty concurrent callers with no cache (TTL 0) share one run of a slow check."""
    check = Counter(sleep=0.3)
    service.register(check, component="db", pass_ttl=0.0)
    start = threading.Barrier(20)
    reports: list[HealthReport] = []

    def call() -> None:
        start.wait()
        reports.append(service.check_health().unwrap())

    callers = [threading.Thread(target=call) for _ in range(20)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(5)
    assert check.calls == 1
    assert [report.status for report in reports] == [HealthStatus.PASS] * 20
    service.check_health()
    assert check.calls == 2  # TTL 0: a later call runs it again


def test_times_come_from_the_injected_clock(service: FlextHealthService, clock: FakeClock) -> None:
    """The report's time and each check's time are the fake clock's."""
    clock.set(1_800_000_000.0)
    service.register(lambda: True, component="app")
    report = service.check_health().unwrap()
    assert report.time == 1_800_000_000.0
    assert report.outcomes[0].check.time == 1_800_000_000.0


# --- what a check may return ---------------------------------------------------


def test_every_kind_of_answer_is_read(service: FlextHealthService) -> None:
    """FlextHealthCheck, Success, Failure, bools, exceptions (redacted), and wrong answers all give a status."""
    warn = build_health_check(
        component="other",
        measurement="x",
        status="warn",
        observed_value=95,
        observed_unit="percent",
        output="almost full",
        time=0.0,
    ).unwrap()
    answers: dict[str, Callable[[], object]] = {
        "entity": lambda: warn,
        "success": lambda: Success(warn),
        "failure": lambda: Failure(ConnectionError("down")),
        "true": lambda: True,
        "false": lambda: False,
        "raises": lambda: (_ for _ in ()).throw(RuntimeError("login failed, password=hunter2")),
        "number": lambda: 42,
    }
    for name, check in answers.items():
        service.register(check, component=name)
    got = statuses(service.check_health().unwrap())
    assert got["entity:status"] == (HealthStatus.WARN, "almost full")
    assert got["success:status"] == (HealthStatus.WARN, "almost full")
    assert got["failure:status"] == (HealthStatus.FAIL, "ConnectionError: down")
    assert got["true:status"] == (HealthStatus.PASS, "")
    assert got["false:status"] == (HealthStatus.FAIL, "the check returned False")
    status, output = got["raises:status"]
    assert status is HealthStatus.FAIL
    assert output.startswith("RuntimeError: login failed")
    assert "hunter2" not in output
    assert got["number:status"][0] is HealthStatus.FAIL
    assert "a value of type int" in got["number:status"][1]
    entity = next(o for o in service.check_health().unwrap().outcomes if o.key == "entity:status")
    assert (entity.check.component, entity.check.observed_value, entity.check.observed_unit) == (
        "entity",
        95,
        "percent",
    )  # the registration owns the key; the check's facts are kept


def test_a_text_observed_value_is_redacted_like_the_output(service: FlextHealthService) -> None:
    """A check reporting the DSN it tried as its observed value shows it without the password."""
    leaky = build_health_check(
        component="db",
        status="fail",
        observed_value="postgres://etl:hunter2@db:5432/dw",
        output="cannot connect",
        time=0.0,
    ).unwrap()
    service.register(lambda: leaky, component="db")
    check = service.check_health().unwrap().outcomes[0].check
    assert isinstance(check.observed_value, str)
    assert "hunter2" not in check.observed_value
    assert check.observed_value.startswith("postgres://")


def test_a_check_asking_its_own_service_is_refused_without_waiting(service: FlextHealthService) -> None:
    """check_health called from inside one of its own checks (sync or async) is a reentrant_call Failure at once."""
    seen: list[object] = []

    def nested() -> bool:
        seen.append(service.check_health())
        return True

    async def nested_async() -> bool:
        seen.append(service.check_health())
        return True

    service.register(nested, component="nested", timeout=5.0)
    service.register(nested_async, component="nested_async", timeout=5.0)
    report, elapsed = timed(lambda: service.check_health().unwrap())
    assert elapsed < 1.0, elapsed
    assert report.status is HealthStatus.PASS
    assert len(seen) == 2
    for inner in seen:
        assert isinstance(inner, Failure)
        assert [error.code.value for error in inner.failure().errors] == ["reentrant_call"]
        assert "inside one of this service's own checks" in str(inner.failure())
    other = FlextHealthService()
    other.register(lambda: service.check_health() is not None, component="asks_another")
    assert other.check_health().unwrap().status is HealthStatus.PASS  # another service may ask
    other.shutdown()


def test_a_sync_registration_returning_a_coroutine_fails_clearly(service: FlextHealthService) -> None:
    """A lambda around an async function is a sync check; its coroutine is closed and the check fails saying why."""

    async def ping() -> bool:
        return True

    service.register(lambda: ping(), component="wrapped")  # noqa: PLW0108 - the mistake under test
    status, output = statuses(service.check_health().unwrap())["wrapped:status"]
    assert status is HealthStatus.FAIL
    assert "register the async function itself" in output


# --- async checks --------------------------------------------------------------


def test_async_checks_run_on_one_loop_thread_with_the_same_timeouts(
    service: FlextHealthService, clock: FakeClock
) -> None:
    """Async checks pass, fail, and time out (cancelled) on one event loop made once, not one per call."""
    loops: list[asyncio.AbstractEventLoop] = []

    async def ok() -> bool:
        loops.append(asyncio.get_running_loop())
        await asyncio.sleep(0.01)
        return True

    async def broken() -> bool:
        message = "no route"
        raise OSError(message)

    async def hangs() -> bool:
        await asyncio.sleep(30)
        return True

    service.register(ok, component="ok", pass_ttl=0.0)
    service.register(broken, component="broken")
    service.register(hangs, component="hangs", timeout=0.2, fail_ttl=0.0)
    report, took = timed(lambda: service.check_health().unwrap())
    assert took < 0.2 + MARGIN
    got = statuses(report)
    assert got["ok:status"] == (HealthStatus.PASS, "")
    assert got["broken:status"] == (HealthStatus.FAIL, "OSError: no route")
    assert got["hangs:status"][0] is HealthStatus.FAIL
    assert got["hangs:status"][1].startswith("timed out after 0.2 s")
    wait_until(lambda: not running(service, "hangs:status"))  # cancelled, so it may run again
    service.check_health()
    assert len(loops) == 2
    assert loops[0] is loops[1]
    assert sum(thread.name == "flext-health-loop" for thread in threading.enumerate()) == 1
    hangs_state = next(state for state in service.states() if state.plan.key == "hangs:status")
    assert (hangs_state.runs, hangs_state.timeouts) == (2, 2)


# --- probes --------------------------------------------------------------------


def test_liveness_stays_pass_while_every_dependency_check_fails(
    service: FlextHealthService, release: threading.Event
) -> None:
    """Liveness runs only its own checks: it is `pass` while all dependency (readiness) checks fail or hang."""
    alive = Counter()
    dependencies = [Counter(answer=False), Counter(wait=release)]
    service.register(alive, component="app", probes="liveness")
    service.register(dependencies[0], component="postgres", timeout=0.2)
    service.register(dependencies[1], component="redis", timeout=0.2)
    assert service.check_health("readiness").unwrap().status is HealthStatus.FAIL
    liveness = service.check_health("liveness").unwrap()
    assert liveness.status is HealthStatus.PASS
    assert [outcome.key for outcome in liveness.outcomes] == ["app:status"]
    assert service.check_health(HealthProbe.STARTUP).unwrap().outcomes == ()
    everything = service.check_health(None).unwrap()
    assert len(everything.outcomes) == 3


def test_an_unknown_probe_is_a_failure(service: FlextHealthService) -> None:
    """A probe name that is none of the three is a Failure naming the choices, not an exception."""
    result = service.check_health("lively")
    assert isinstance(result, Failure)
    assert "liveness, readiness, startup" in str(result.failure())


def test_a_non_critical_failure_only_warns(service: FlextHealthService) -> None:
    """A non-critical check's fail makes the report warn (HTTP 200), with the check itself still fail."""
    service.register(lambda: False, component="cache", critical=False)
    report = service.check_health().unwrap()
    assert (report.status, report.http_status) == (HealthStatus.WARN, 200)
    assert report.outcomes[0].check.status is HealthStatus.FAIL


# --- registration ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "error", "named"),
    [
        ({"check": 3}, TypeError, "check"),
        ({"component": 7}, TypeError, "component"),
        ({"component": ""}, ValueError, "component"),
        ({"component": "db:main"}, ValueError, "component"),
        ({"measurement": "a:b"}, ValueError, "measurement"),
        ({"critical": "yes"}, TypeError, "critical"),
        ({"timeout": 0}, ValueError, "timeout"),
        ({"timeout": float("nan")}, ValueError, "timeout"),
        ({"timeout": "1s"}, TypeError, "timeout"),
        ({"pass_ttl": -1}, ValueError, "pass_ttl"),
        ({"fail_ttl": True}, TypeError, "fail_ttl"),
        ({"probes": "lively"}, ValueError, "probes"),
        ({"probes": []}, ValueError, "probes"),
        ({"probes": 5}, TypeError, "probes"),
        ({"component_type": 1}, TypeError, "component_type"),
    ],
)
def test_a_bad_registration_raises_naming_the_argument(settings: dict[str, object], error: type, named: str) -> None:
    """Every bad setting raises a TypeError or ValueError whose message names the argument."""
    arguments: dict[str, object] = {"check": lambda: True, "component": "app", **settings}
    check = arguments.pop("check")
    with pytest.raises(error, match=named):
        health_check_plan(check, **arguments)  # type: ignore[arg-type]


def test_plans_record_their_settings_and_duplicates_are_refused(service: FlextHealthService) -> None:
    """A plan keeps what it was given (async decided once); the same key and id twice is refused."""

    async def ping() -> bool:
        return True

    plan = service.register(ping, component="cache", critical=False, probes=("liveness", "startup"), timeout=2)
    assert isinstance(plan, HealthCheckPlan)
    assert (plan.is_async, plan.critical, plan.timeout) == (True, False, 2.0)
    assert plan.probes == {HealthProbe.LIVENESS, HealthProbe.STARTUP}
    assert service.plans == (plan,)
    with pytest.raises(ValueError, match="registered already"):
        service.register(lambda: True, component="cache")
    service.register(lambda: True, component="cache", component_id="replica")
    with pytest.raises(TypeError, match="plan must be a HealthCheckPlan"):
        service.register_plan("cache")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_workers"):
        FlextHealthService(max_workers=0)


def test_on_run_hears_every_finished_run(service: FlextHealthService) -> None:
    """The on_run hook gets each finished run with its outcome; a hook that raises changes nothing."""
    heard: list[HealthRun] = []

    def hook(run: HealthRun) -> None:
        heard.append(run)
        message = "hook broke"
        raise RuntimeError(message)

    health = FlextHealthService(on_run=hook)
    health.register(lambda: True, component="app")
    assert health.check_health().unwrap().status is HealthStatus.PASS
    wait_until(lambda: len(heard) == 1)
    assert heard[0].outcome.check.status is HealthStatus.PASS
    assert heard[0].timed_out is False
    health.shutdown(1.0)


# --- shutdown and fork -------------------------------------------------------------


def test_shutdown_is_bounded_and_fails_every_check_afterwards(release: threading.Event) -> None:
    """Shutdown returns within its timeout with a check hung (False), and every check fails afterwards."""
    health = FlextHealthService()
    health.register(Counter(wait=release), component="hung", timeout=0.2)
    health.register(lambda: True, component="app", pass_ttl=60.0)
    health.check_health()
    began = time.monotonic()
    assert health.shutdown(0.3) is False
    assert time.monotonic() - began < 0.3 + MARGIN
    got = statuses(health.check_health().unwrap())
    assert got["app:status"] == (HealthStatus.FAIL, "not run: the health service is shut down")
    idle = FlextHealthService()
    idle.register(lambda: True, component="app")
    idle.check_health()
    assert idle.shutdown(1.0) is True


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_gets_a_fresh_pool_and_loop(release: threading.Event) -> None:
    """After a fork with a check hung in the parent, the child runs its checks on its own pool and loop."""
    health = FlextHealthService(max_workers=1)
    gate = Counter(wait=release)
    health.register(gate, component="gate", timeout=0.2, fail_ttl=0.0)

    async def ping() -> bool:
        return True

    health.register(ping, component="ping")
    health.check_health()  # the parent's only worker is now held by the gate
    gate.wait = None  # the child's run of it returns at once
    pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            report = health.check_health().unwrap()
            code = 0 if report.status is HealthStatus.PASS else 2
        finally:
            os._exit(code)
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            break
        time.sleep(0.01)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the forked child hung")
    health.shutdown(0.1)
