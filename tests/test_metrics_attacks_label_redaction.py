"""Attack: label values redacted by label *name* merge distinct series, and secrets in values leak or go uncounted.

A label whose name merely contains ``auth``, ``session``, ``cookie`` or
``signature`` used to have every value replaced, so ``auth_method="oauth"``
and ``auth_method="basic"`` became one series whose counts silently added up.
The rule now: only credentials written *in* a value are redacted; each label
set that redaction changed is counted once in
``flext_observability_redacted_label_values_total{metric}`` and warned about
once per metric, and the secret reaches no exposition and no snapshot.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics

from flext_observability.core.metrics.aggregation import CounterState, GaugeState
from flext_observability.shell.metrics.service import FlextMetricsService

if TYPE_CHECKING:
    import pytest

REDACTED_LABEL_VALUES = "flext_observability_redacted_label_values_total"
SECRET = "SECRET"
DSN = f"postgresql://u:{SECRET}@db/x"


def _redacted_count(service: FlextMetricsService, metric: str) -> float | None:
    family = service.snapshot().family(REDACTED_LABEL_VALUES)
    assert family is not None
    state = family.state(metric=metric)
    return None if state is None else state.value  # type: ignore[union-attr]


def test_labels_named_like_secrets_keep_their_values_and_their_own_series() -> None:
    """Ensures auth_method="oauth" and "basic" stay two series with their counts; descriptive names keep values."""
    service = FlextMetricsService()
    logins = service.counter("logins_total", "Logins.", labels=("auth_method",)).unwrap()
    for _ in range(3):
        logins.labels(auth_method="oauth").inc()
    logins.labels(auth_method="basic").inc(2)
    family = service.snapshot().family("logins_total")
    assert family is not None
    assert [dict(series.labels) for series in family.series] == [{"auth_method": "basic"}, {"auth_method": "oauth"}]
    assert family.state(auth_method="oauth") == CounterState(value=3.0)
    assert family.state(auth_method="basic") == CounterState(value=2.0)

    states = service.gauge(
        "sessions_open", "Sessions.", labels=("session_state", "cookie_consent", "signature_algorithm")
    ).unwrap()
    states.labels(session_state="active", cookie_consent="granted", signature_algorithm="rs256").set(4)
    gauges = service.snapshot().family("sessions_open")
    assert gauges is not None
    assert gauges.state(session_state="active", cookie_consent="granted", signature_algorithm="rs256") == GaugeState(
        value=4.0
    )
    text = service.export_prometheus().unwrap()
    assert 'logins_total{auth_method="oauth"} 3.0' in text
    assert 'sessions_open{cookie_consent="granted",session_state="active",signature_algorithm="rs256"} 4.0' in text
    assert _redacted_count(service, "logins_total") is None


def test_a_credential_in_a_value_is_redacted_counted_once_and_warned_once(caplog: pytest.LogCaptureFixture) -> None:
    """Ensures a DSN's password is exposed redacted, counted once per label set, warned once, and never shown."""
    service = FlextMetricsService()
    queries = service.counter("queries_total", "Queries.", labels=("dsn",)).unwrap()
    with caplog.at_level(logging.WARNING, logger="flext_observability.metrics"):
        for _ in range(3):
            assert queries.labels(dsn=DSN).inc().unwrap() is None
        queries.labels(DSN).inc()  # by position: the same label set
        queries.labels(dsn="postgresql://v:OTHER@db/x").inc()  # another label set, the same redacted series
    family = service.snapshot().family("queries_total")
    assert family is not None
    assert [dict(series.labels) for series in family.series] == [{"dsn": "postgresql://REDACTED:REDACTED@db/x"}]
    assert family.series[0].state == CounterState(value=5.0)
    assert _redacted_count(service, "queries_total") == 2.0
    warnings = [record.getMessage() for record in caplog.records if "queries_total" in record.getMessage()]
    assert len(warnings) == 1, warnings
    assert "dsn" in warnings[0]
    assert SECRET not in caplog.text
    assert "OTHER" not in caplog.text
    prometheus = service.export_prometheus().unwrap()
    openmetrics = service.export_prometheus(openmetrics=True).unwrap()
    for text in (prometheus, openmetrics, repr(service.snapshot())):
        assert SECRET not in text
    assert 'queries_total{dsn="postgresql://REDACTED:REDACTED@db/x"} 5.0' in prometheus
    parsed = {family.name: family for family in parse_openmetrics(openmetrics)}  # type: ignore[no-untyped-call]
    samples = list(parsed[REDACTED_LABEL_VALUES.removesuffix("_total")].samples)
    assert [(sample.labels, sample.value) for sample in samples if sample.name.endswith("_total")] == [
        ({"metric": "queries_total"}, 2.0)
    ]


def test_a_reader_s_credential_is_redacted_and_counted_once_across_snapshots(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Ensures a callback's label value with credentials is exposed redacted, counted and warned once over scrapes."""
    service = FlextMetricsService()
    readings = [({"dsn": DSN, "auth_method": "basic"}, 1), ({"dsn": "db", "auth_method": "oauth"}, 2)]
    service.gauge_callback("pool_size", "Pools.", lambda: readings, labels=("dsn", "auth_method")).unwrap()
    with caplog.at_level(logging.WARNING, logger="flext_observability.metrics"):
        texts = [service.export_prometheus().unwrap() for _ in range(3)]
    for text in texts:
        assert SECRET not in text
        assert 'pool_size{auth_method="basic",dsn="postgresql://REDACTED:REDACTED@db/x"} 1.0' in text
        assert 'pool_size{auth_method="oauth",dsn="db"} 2.0' in text
    assert _redacted_count(service, "pool_size") == 1.0
    assert len([record for record in caplog.records if "pool_size" in record.getMessage()]) == 1
    assert SECRET not in caplog.text
