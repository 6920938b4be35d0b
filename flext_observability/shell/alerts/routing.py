"""Which sinks hear of which alerts: routes by severity and label matchers.

A route pairs a sink with a filter. The alert service hands an alert to
every route whose filter accepts it, so one alert may go to a log and to
Alertmanager, and a ``critical`` one to an on-call webhook too. Routing
here is deliberately simple: grouping, inhibition and silences are
Alertmanager's job (see ``docs/alerts.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from attrs import frozen

from flext_observability.core.alerts.alert import is_well_formed_alert
from flext_observability.core.alerts.matchers import LabelMatcher, check_matchers, is_well_formed_matcher, matchers_text
from flext_observability.core.checks import Problems, check_choice, describe
from flext_observability.core.values import AlertSeverity

if TYPE_CHECKING:
    from flext_observability.core.alerts.alert import FlextAlert


@runtime_checkable
class AlertSink(Protocol):
    """Where alerts go: a log, a webhook, Alertmanager. ``submit`` never blocks and never raises."""

    name: str

    def submit(self, alerts: Sequence[FlextAlert]) -> bool:
        """Queue ``alerts`` for delivery: ``True`` queued, ``False`` dropped (and counted by the sink)."""
        ...

    def flush(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds for what is queued to be delivered."""
        ...

    def shutdown(self, timeout: float) -> bool:
        """Deliver what is queued within ``timeout`` seconds, then take nothing more."""
        ...


@frozen(kw_only=True)
class AlertRoute:
    """One sink and the alerts it takes; made by :func:`alert_route`."""

    sink: AlertSink
    severities: frozenset[AlertSeverity] | None
    matchers: tuple[LabelMatcher, ...]

    def accepts(self, alert: FlextAlert) -> bool:
        """Whether ``alert`` goes to this route's sink (anything but a well-formed alert goes nowhere)."""
        if not is_well_formed_alert(alert):
            return False
        if self.severities is not None and alert.severity not in self.severities:
            return False
        labels = {**alert.labels, "alertname": alert.name, "severity": alert.severity.value}
        return all(matcher.matches(labels) for matcher in self.matchers)

    def __repr__(self) -> str:
        """How the route was made, readably."""
        severities = "" if self.severities is None else f", severities={sorted(s.value for s in self.severities)}"
        matchers = f", matchers={matchers_text(self.matchers)}" if self.matchers else ""
        return f"alert_route({self.sink.name!r}{severities}{matchers})"


def check_sink(sink: object, argument: str = "sink") -> AlertSink:
    """``sink`` when it is an alert sink with a text ``name``; else a ``TypeError`` naming ``argument``."""
    if not isinstance(sink, AlertSink) or not isinstance(getattr(sink, "name", None), str):
        message = f"{argument} must be an alert sink (LogSink, WebhookSink, AlertmanagerSink), not {describe(sink)}"
        raise TypeError(message)
    return sink


def alert_route(sink: AlertSink, *, severities: object = None, matchers: object = None) -> AlertRoute:
    """A route sending to ``sink`` the alerts of ``severities`` (all when ``None``) whose labels match ``matchers``.

    ``matchers`` may test ``alertname`` and ``severity`` as well as the
    alert's labels; it takes ``{"team": "data"}`` or ``(name, op, value)``
    triples (``=``, ``!=``, ``=~``, ``!~``). A bad argument raises a
    ``TypeError`` or ``ValueError`` naming it: routes are set up once.
    """
    check_sink(sink)
    problems: Problems = []
    chosen: frozenset[AlertSeverity] | None = None
    if severities is not None:
        items: object = [severities] if isinstance(severities, str | AlertSeverity) else severities
        if isinstance(items, Sequence | set | frozenset):
            try:
                items = list(items)
            except Exception:  # noqa: BLE001 - a collection that cannot be read is no list of severities
                items = None
        if not isinstance(items, list) or not items:
            message = f"severities must be a severity or a non-empty list of them, not {describe(severities)}"
            raise TypeError(message)
        picked = [
            check_choice(problems, f"severities[{index}]", item, AlertSeverity) for index, item in enumerate(items)
        ]
        chosen = frozenset(item for item in picked if item is not None)
    checked = check_matchers(problems, "matchers", matchers)
    if problems or checked is None:
        message = "; ".join(f"{problem.field}: {problem.message}" for problem in problems)
        raise ValueError(message)
    return AlertRoute(sink=sink, severities=chosen, matchers=checked)


def _is_severity_set(severities: object) -> bool:
    return type(severities) is frozenset and all(isinstance(item, AlertSeverity) for item in severities)


def is_well_formed_route(route: object) -> bool:
    """Whether ``route`` is an :class:`AlertRoute` as :func:`alert_route` makes them (not built by hand)."""
    if type(route) is not AlertRoute:
        return False
    sink: object = route.sink
    severities: object = route.severities
    matchers: object = route.matchers
    return (
        isinstance(sink, AlertSink)
        and type(getattr(sink, "name", None)) is str
        and (
            severities is None
            or (type(severities) is frozenset and all(isinstance(item, AlertSeverity) for item in severities))
        )
        and type(matchers) is tuple
        and all(is_well_formed_matcher(matcher) for matcher in matchers)
    )
