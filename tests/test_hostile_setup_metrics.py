"""Hostile arguments to the metrics and redaction API: clear set-up errors, and runtime calls that never raise.

The fuzzer (``test_fuzz_public_api.py``) checks the rule for every callable;
these tests pin down what each of these calls answers.
"""

from __future__ import annotations

import math
import urllib.request
from typing import Any, NoReturn, cast

import pytest
from prometheus_client import CollectorRegistry
from returns.result import Failure, Success

from flext_observability.core.errors import FlextErrorCode
from flext_observability.core.metrics.aggregation import (
    CounterState,
    HistogramState,
    fold,
    histogram_quantile,
    increase,
    new_histogram,
)
from flext_observability.core.metrics.exposition import FamilySnapshot, MetricsSnapshot, merge_snapshots
from flext_observability.core.metrics.naming import lint_family
from flext_observability.core.redaction import (
    RedactionPolicy,
    is_sensitive_key,
    redact_mapping,
    redact_text,
    redact_value,
    redaction_policy,
)
from flext_observability.core.values import MetricKind
from flext_observability.shell.http_client import HttpError
from flext_observability.shell.metrics.http import make_metrics_app, serve_metrics
from flext_observability.shell.metrics.push import push_to_gateway, write_textfile
from flext_observability.shell.metrics.service import FlextMetricsService
from flext_observability.testing.strategies import HOSTILE_MAKERS

HOSTILE = HOSTILE_MAKERS[0]
"""An object every dunder method of which raises."""
HOSTILE_STR = cast("type[str]", type(HOSTILE_MAKERS[1]()))
"""A ``str`` whose ``__str__``, ``__eq__``, ``__hash__``, ``__len__`` and ``__iter__`` raise."""
HOSTILE_INT = cast("type[int]", type(HOSTILE_MAKERS[3]()))
"""An ``int`` whose comparisons, hashing and conversions raise."""
HOSTILE_FLOAT = cast("type[float]", type(HOSTILE_MAKERS[2]()))
"""A ``float`` whose comparisons, hashing and conversions raise."""
DEAD_URL = "http://127.0.0.1:9"


def _raise(*_args: object, **_kwargs: object) -> NoReturn:
    message = "hostile value"
    raise RuntimeError(message)


class _OtherText(str):
    """A ``str`` whose ``__str__`` and ``__eq__`` lie."""

    __slots__ = ()

    def __str__(self) -> str:
        return "lie"

    def __eq__(self, _other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return 0


def _codes(result: Any) -> list[tuple[str, FlextErrorCode]]:
    return [(error.field, error.code) for error in result.failure().errors]


# --- aggregation -----------------------------------------------------------------


def test_fold_reports_values_it_cannot_iterate() -> None:
    """Values that are not iterable, or whose iteration raises, are a WRONG_TYPE failure of ``values``."""

    def broken() -> Any:
        yield 1
        _raise()

    for values in (3, None, HOSTILE(), HOSTILE_MAKERS[5](), broken()):
        assert _codes(fold(CounterState(), values)) == [("values", FlextErrorCode.WRONG_TYPE)]  # type: ignore[arg-type]
    assert _codes(fold(CounterState(), [HOSTILE()])) == [("values[0]", FlextErrorCode.WRONG_TYPE)]


def test_quantile_and_increase_of_what_is_no_state_are_nan() -> None:
    """Reading a quantile or an increase from anything but a valid state gives NaN, never an error."""
    for state in (None, HOSTILE(), CounterState()):
        assert math.isnan(histogram_quantile(state, 0.5))  # type: ignore[arg-type]
    assert histogram_quantile(fold(new_histogram([1.0, 2.0]).unwrap(), [0.5, 1.5]).unwrap(), 0.5) == 1.0
    valid = CounterState(value=1.0)
    for broken in (
        None,
        HOSTILE(),
        HistogramState(bounds=(), counts=(0,)),
        CounterState(value=HOSTILE()),  # type: ignore[arg-type]
        CounterState(value=math.inf),
    ):
        assert math.isnan(increase(valid, broken))  # type: ignore[arg-type]
        assert math.isnan(increase(broken, valid))  # type: ignore[arg-type]
    assert math.isnan(increase(CounterState(value=-1.0), valid))
    assert increase(CounterState(value=1), CounterState(value=3)) == 2.0


# --- snapshots -------------------------------------------------------------------


def _snapshot() -> MetricsSnapshot:
    service = FlextMetricsService()
    service.counter("rows_total", "Rows.", labels=("tap",)).unwrap().labels(tap="pg").inc(2)
    return service.snapshot()


def test_snapshot_lookups_by_what_is_not_text_find_nothing() -> None:
    """A family name or label value that is not a ``str`` finds ``None``; a subclass is read by its text."""
    snapshot = _snapshot()
    family = snapshot.family("rows_total")
    assert family is not None
    for name in (HOSTILE(), None, 5):
        assert snapshot.family(name) is None  # type: ignore[arg-type]
    assert snapshot.family(_OtherText("rows_total")) is family
    assert family.state(tap=HOSTILE()) is None  # type: ignore[arg-type]
    assert family.state(tap=_OtherText("pg")) == CounterState(value=2.0)
    assert family.state(tap=_OtherText("lie")) is None


def test_merging_what_is_no_snapshot_fails_naming_the_argument() -> None:
    """Anything but a well-formed snapshot is a WRONG_TYPE failure of ``first`` or ``second``."""
    snapshot = _snapshot()
    family = snapshot.families[0]
    broken = [
        None,
        HOSTILE(),
        MetricsSnapshot(families=[family]),  # type: ignore[arg-type]
        MetricsSnapshot(families=(None,)),  # type: ignore[arg-type]
        MetricsSnapshot(families=(FamilySnapshot(spec=None, series=()),)),  # type: ignore[arg-type]
        MetricsSnapshot(families=(FamilySnapshot(spec=family.spec, series=[]),)),  # type: ignore[arg-type]
        MetricsSnapshot(families=(FamilySnapshot(spec=family.spec, series=(None,)),)),  # type: ignore[arg-type]
    ]
    for value in broken:
        assert _codes(merge_snapshots(value, snapshot)) == [("first", FlextErrorCode.WRONG_TYPE)]  # type: ignore[arg-type]
        assert _codes(merge_snapshots(snapshot, value)) == [("second", FlextErrorCode.WRONG_TYPE)]  # type: ignore[arg-type]
    assert isinstance(merge_snapshots(snapshot, snapshot), Success)


# --- naming ----------------------------------------------------------------------


def test_lint_reports_arguments_it_cannot_read() -> None:
    """A name, kind or label names that cannot be linted are reported alone, each under its own field."""

    def fields(*args: object, **kwargs: object) -> list[tuple[str, str]]:
        return [(error.field, error.code.value) for error in lint_family(*args, **kwargs)]  # type: ignore[arg-type]

    assert fields(HOSTILE(), MetricKind.GAUGE, help_text="H.") == [("name", "wrong_type")]
    assert fields("depth", HOSTILE(), help_text="H.") == [("kind", "invalid_choice")]
    assert fields("depth", "gauge", help_text="H.") == []
    assert fields("depth", MetricKind.GAUGE, help_text="H.", label_names=HOSTILE()) == [("labels", "wrong_type")]
    assert fields("depth", MetricKind.GAUGE, help_text="H.", label_names=b"le") == [("labels", "wrong_type")]
    assert fields("depth", MetricKind.GAUGE, help_text="H.", label_names=("a", 1)) == [("labels[1]", "wrong_type")]
    assert fields(_OtherText("depth_total"), MetricKind.GAUGE, help_text="H.") == [("name", "naming_total_suffix")]


# --- redaction -------------------------------------------------------------------


def test_a_policy_built_directly_is_checked_and_normalised() -> None:
    """``RedactionPolicy(...)`` checks and normalises its settings as ``redaction_policy`` does."""
    policy = RedactionPolicy(keys=["X-Pin"], query_parameters=[" Sig "], safe_suffixes=("Hint",), max_depth=3)
    assert (policy.keys, policy.query_parameters, policy.safe_suffixes) == (
        frozenset({"x_pin"}),
        frozenset({"sig"}),
        frozenset({"hint"}),
    )
    assert redact_text(policy, "x_pin=1234;sig=abc") == "x_pin=REDACTED;sig=REDACTED"
    base: dict[str, object] = {"keys": (), "query_parameters": (), "safe_suffixes": ()}
    for setting, value in [
        ("keys", HOSTILE()),
        ("query_parameters", HOSTILE_MAKERS[4]()),
        ("safe_suffixes", [HOSTILE()]),
        ("glued_keys", HOSTILE_STR("name")),
        ("ordinary_words", 5),
        ("replacement", HOSTILE_STR("")),
        ("replacement", "\udc80"),
        ("max_depth", HOSTILE_INT(3)),
        ("max_depth", 10**400),
    ]:
        with pytest.raises(ValueError, match=f"^{setting}"):
            RedactionPolicy(**{**base, setting: value})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "setting",
    ["keys", "extra_keys", "query_parameters", "extra_query_parameters", "safe_suffixes", "glued_keys"],
)
def test_unreadable_settings_are_refused_naming_them(setting: str) -> None:
    """A collection whose iteration raises is a ValueError that names the setting."""
    with pytest.raises(ValueError, match=f"^{setting} could not be read"):
        redaction_policy(**{setting: HOSTILE()})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=f"^{setting} must be a collection of words, not one string"):
        redaction_policy(**{setting: HOSTILE_STR("name")})  # type: ignore[arg-type]


def test_redaction_with_what_is_no_policy_uses_the_default() -> None:
    """Anything but a policy is read as the default policy: secrets are still hidden, nothing raises."""
    for policy in (None, HOSTILE(), "policy"):
        assert is_sensitive_key(policy, "db_password")  # type: ignore[arg-type]
        assert redact_text(policy, "token=abc") == "token=REDACTED"  # type: ignore[arg-type]
        assert redact_value(policy, {"password": "x"}) == {"password": "REDACTED"}  # type: ignore[arg-type]
        assert redact_mapping(policy, {"password": "x"}) == {"password": "REDACTED"}  # type: ignore[arg-type]


def test_text_that_is_not_a_str_is_replaced_whole() -> None:
    """``redact_text`` never runs a value's own ``__str__``: what is not text comes back as the replacement."""
    policy = redaction_policy(replacement="***")
    for text in (None, b"password=x", HOSTILE(), 5):
        assert redact_text(policy, text) == "***"  # type: ignore[arg-type]
    assert redact_text(policy, _OtherText("token=abc")) == "token=***"


# --- the service, its server and its pushes --------------------------------------


def test_service_settings_are_checked_naming_them() -> None:
    """Caps, the redaction policy and the clock raise at set-up, each naming itself."""
    for name, value in [("max_series", HOSTILE_INT(0)), ("max_series", True), ("max_instruments", 3)]:
        with pytest.raises(ValueError, match=f"^{name} must be an int of at least"):
            FlextMetricsService(**{name: value})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^max_series must be an int of at least 1, not an int of 1329 bits$"):
        FlextMetricsService(max_series=-(10**400))
    with pytest.raises(TypeError, match=r"^redaction must be a RedactionPolicy"):
        FlextMetricsService(redaction=HOSTILE())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^clock must be a Clock"):
        FlextMetricsService(clock=HOSTILE())  # type: ignore[arg-type]
    service = FlextMetricsService(max_series=HOSTILE_INT(2), max_instruments=HOSTILE_MAKERS[12]())  # type: ignore[arg-type]
    assert isinstance(service.counter("jobs_total", "Jobs.").unwrap().inc(), Success)


def test_register_refuses_what_is_no_registry() -> None:
    """A non-registry raises TypeError naming ``registry``; a registry that fails gives a Failure."""

    class Refusing:
        def register(self, _collector: object) -> None:
            raise RuntimeError(HOSTILE_STR("name"))

    service = FlextMetricsService()
    with pytest.raises(TypeError, match=r"^registry must be"):
        service.register(HOSTILE())  # type: ignore[arg-type]
    failed = service.register(Refusing())  # type: ignore[arg-type]
    assert isinstance(failed, Failure)
    assert "no readable message" in failed.failure().message
    registry = CollectorRegistry()
    assert isinstance(service.register(registry), Success)
    assert isinstance(service.register(registry), Failure)  # already there


def test_serving_on_a_bad_address_fails_naming_it() -> None:
    """A host that is not text or a port outside 0..65535 is a Failure that names it."""
    registry = CollectorRegistry()
    for options, named in [
        ({"host": HOSTILE()}, "host must be text"),
        ({"host": None}, "host must be text"),
        ({"port": HOSTILE_INT(70_000)}, "port must be an integer from 0 to 65535"),
        ({"port": 70_000}, "got 70000"),
        ({"port": True}, "got a value of type bool"),
    ]:
        result = serve_metrics(registry, **options)  # type: ignore[arg-type]
        assert isinstance(result, Failure)
        assert named in result.failure().message
    with pytest.raises(ValueError, match=r"^path must be text"):
        make_metrics_app(registry, path=HOSTILE())  # type: ignore[arg-type]
    server = serve_metrics(registry, host=HOSTILE_STR("127.0.0.1"), path=HOSTILE_STR("/m")).unwrap()
    with server, urllib.request.urlopen(f"http://127.0.0.1:{server.port}/m", timeout=5) as answer:
        assert answer.status == 200


@pytest.mark.parametrize("timeout", [math.nan, -1.0, HOSTILE(), HOSTILE_FLOAT(1.5), math.inf])
def test_closing_a_server_with_any_timeout_never_raises(timeout: object) -> None:
    """``close`` reads a bad timeout as the default wait, and an infinite one as the longest allowed."""
    server = serve_metrics(CollectorRegistry()).unwrap()
    server.close(timeout)  # type: ignore[arg-type]
    assert not server._thread.is_alive()  # the server's thread has stopped


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"method": HOSTILE_STR("name")}, "invalid push method"),
        ({"method": HOSTILE()}, "invalid push method a value of type _Hostile"),
        ({"timeout": HOSTILE_FLOAT(-1.5)}, "timeout must be a positive number of seconds, not"),
        ({"timeout": 10**400}, "not a value of type int"),
        ({"timeout": math.nan}, "not nan"),
        ({"retries": HOSTILE_INT(-3)}, "retries must be from 0 to 99, not a value of type _HostileInt"),
        ({"retries": 1000}, "retries must be from 0 to 99, not 1000"),
        ({"retries": 2**63}, "not a value of type int"),
        ({"retries": True}, "not a value of type bool"),
        ({"client": HOSTILE()}, "client must be an HttpClient"),
    ],
)
def test_push_arguments_that_cannot_work_are_failures(options: dict[str, object], message: str) -> None:
    """A push with an unusable method, timeout, retry count or client returns a Failure saying which."""
    result = push_to_gateway(CollectorRegistry(), DEAD_URL, "job", **options)  # type: ignore[arg-type]
    assert isinstance(result, Failure)
    assert message in result.failure().message


def test_push_reads_number_subclasses_by_their_value() -> None:
    """A timeout or retry count given as a subclass of float or int is used as its plain value."""
    result = push_to_gateway(CollectorRegistry(), DEAD_URL, "job", timeout=HOSTILE_FLOAT(1.5), retries=HOSTILE_INT(0))
    assert "connection refused" in result.failure().message


def test_push_survives_a_client_that_raises_or_answers_nonsense() -> None:
    """Another client than the library's may raise or return anything: the push is a Failure all the same."""

    class Raising:
        def send(self, *_args: object, **_kwargs: object) -> object:
            raise ValueError(HOSTILE_STR("name"))

    class Nonsense:
        def send(self, *_args: object, **_kwargs: object) -> object:
            return HOSTILE()

    class Refusing:
        def send(self, *_args: object, **_kwargs: object) -> object:
            return Failure(HttpError(target=DEAD_URL, message="refused", status=400))

    class Accepting:
        def send(self, *_args: object, **_kwargs: object) -> object:
            return Success(None)

    registry = CollectorRegistry()
    raised = push_to_gateway(registry, DEAD_URL, "job", client=Raising())  # type: ignore[arg-type]
    assert "the client failed: ValueError: (no readable message)" in raised.failure().message
    nonsense = push_to_gateway(registry, DEAD_URL, "job", client=Nonsense())  # type: ignore[arg-type]
    assert "not a Result" in nonsense.failure().message
    refused = push_to_gateway(registry, DEAD_URL, "job", client=Refusing())  # type: ignore[arg-type]
    assert refused.failure().status == 400
    assert push_to_gateway(registry, DEAD_URL, "job", client=Accepting()) == Success(None)  # type: ignore[arg-type]


def test_write_textfile_reads_a_str_subclass_by_its_text(tmp_path: Any) -> None:
    """A path given as a ``str`` subclass is written under its own text, whatever its methods do."""
    target = tmp_path / "out.prom"
    assert write_textfile(CollectorRegistry(), HOSTILE_STR(str(target))) == Success(target)
    assert target.exists()
