"""The demo's pipeline: a small extract-transform-load job instrumented with ``flext_monitor_function``.

It extracts a dozen orders, transforms them one by one (three of them are
bad, and the transform raises for each), and loads the rest. Everything it
records goes to one :class:`FlextObservabilityPlatform`: each call's metrics,
span and (for a failure) log line from the decorator, two counters of its
own, a health check that warns while records are being rejected, and an
alert rule that fires on the transform's failures.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Final

import attrs

from flext_observability.core.alerts.expressions import threshold
from flext_observability.core.alerts.rules import alert_rule
from flext_observability.core.health.check import build_health_check
from flext_observability.platform.decorator import flext_monitor_function

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from flext_observability.core.health.check import FlextHealthCheck
    from flext_observability.platform.platform import FlextObservabilityPlatform

SERVICE: Final = "orders-pipeline"
"""The demo platform's service name."""

ORDERS: Final[tuple[Mapping[str, object], ...]] = (
    {"id": 1001, "customer": "acme", "amount": "120.50", "currency": "EUR"},
    {"id": 1002, "customer": "globex", "amount": "89.90", "currency": "EUR"},
    {"id": 1003, "customer": "initech", "amount": "-15.00", "currency": "EUR"},
    {"id": 1004, "customer": "umbrella", "amount": "42.00", "currency": "USD"},
    {"id": 1005, "customer": "hooli", "amount": "310.00", "currency": "EUR"},
    {"id": 1006, "customer": "stark", "amount": "ninety", "currency": "EUR"},
    {"id": 1007, "customer": "wayne", "amount": "77.25", "currency": "USD"},
    {"id": 1008, "customer": "acme", "amount": "12.00", "currency": "EUR"},
    {"id": 1009, "customer": "tyrell", "amount": "58.10", "currency": "XXX"},
    {"id": 1010, "customer": "globex", "amount": "19.99", "currency": "EUR"},
    {"id": 1011, "customer": "initech", "amount": "240.00", "currency": "USD"},
    {"id": 1012, "customer": "hooli", "amount": "5.75", "currency": "EUR"},
)
"""The orders the pipeline extracts; 1003, 1006 and 1009 are bad."""

CURRENCIES: Final = frozenset({"EUR", "USD"})
ALERT_NAME: Final = "OrdersRejected"
EXTRACT_SECONDS: Final = 0.02
LOAD_SECONDS: Final = 0.03


class InvalidOrderError(ValueError):
    """An order the transform step refuses; ``reason`` is a short label value."""

    def __init__(self, order_id: object, reason: str) -> None:
        """Refuse order ``order_id`` for ``reason``."""
        super().__init__(f"order {order_id}: {reason.replace('_', ' ')}")
        self.reason = reason


@attrs.frozen
class PipelineReport:
    """What one run of the pipeline did."""

    extracted: int
    loaded: int
    rejected: dict[str, int]


def _parse_amount(order: Mapping[str, object]) -> float:
    try:
        amount = float(str(order["amount"]))
    except ValueError:
        raise InvalidOrderError(order["id"], "amount_not_a_number") from None
    if amount <= 0:
        raise InvalidOrderError(order["id"], "amount_not_positive")
    return amount


def make_pipeline(platform: FlextObservabilityPlatform) -> Callable[[], PipelineReport]:
    """The pipeline's entry point, its steps monitored on ``platform``; also its own counters, check and rule."""
    rejected = platform.metrics.counter(
        "orders_records_rejected", "Order records the transform step refused.", labels=("reason",)
    ).unwrap()
    loaded = platform.metrics.counter("orders_records_loaded", "Order records loaded into the warehouse.").unwrap()
    counts: dict[str, int] = {"extracted": 0, "rejected": 0}

    @flext_monitor_function("extract", platform=platform)
    def extract() -> list[Mapping[str, object]]:
        time.sleep(EXTRACT_SECONDS)
        return list(ORDERS)

    @flext_monitor_function("transform", platform=platform)
    def transform(order: Mapping[str, object]) -> dict[str, object]:
        amount = _parse_amount(order)
        if order["currency"] not in CURRENCIES:
            raise InvalidOrderError(order["id"], "unknown_currency")
        return {"order_id": order["id"], "customer": order["customer"], "amount_cents": round(amount * 100)}

    @flext_monitor_function("load", platform=platform)
    def load(rows: list[dict[str, object]]) -> int:
        time.sleep(LOAD_SECONDS)
        return len(rows)

    @flext_monitor_function("orders_pipeline", platform=platform)
    def run() -> PipelineReport:
        orders = extract()
        rows: list[dict[str, object]] = []
        reasons: dict[str, int] = {}
        for order in orders:
            try:
                rows.append(transform(order))
            except InvalidOrderError as error:
                reasons[error.reason] = reasons.get(error.reason, 0) + 1
                rejected.labels(reason=error.reason).inc()
        written = load(rows)
        loaded.inc(written)
        counts["extracted"] += len(orders)
        counts["rejected"] += sum(reasons.values())
        return PipelineReport(extracted=len(orders), loaded=written, rejected=reasons)

    def rejections() -> FlextHealthCheck:
        share = counts["rejected"] / counts["extracted"] if counts["extracted"] else 0.0
        status = "fail" if share > MAX_REJECTED_SHARE else "warn" if share else "pass"
        return build_health_check(
            component="orders",
            measurement="rejectedShare",
            status=status,
            observed_value=round(share, 3),
            observed_unit="ratio",
            output=f"{counts['rejected']} of {counts['extracted']} records rejected",
            time=time.time(),
        ).unwrap()

    platform.health.register(lambda: True, component="warehouse")
    platform.health.register(rejections, component="orders", measurement="rejectedShare", critical=False)
    rule = alert_rule(
        ALERT_NAME,
        threshold("flext_function_errors_total", ">", 0, matchers={"function": "transform"}),
        severity="warning",
        labels={"team": "data"},
        annotations={"summary": "{value:.0f} order records failed the transform step"},
    ).unwrap()
    platform.alerts.add_rule(rule).unwrap()
    return run


MAX_REJECTED_SHARE: Final = 0.5
"""Above this share of rejected records, the ``orders:rejectedShare`` check fails (below, it warns)."""
