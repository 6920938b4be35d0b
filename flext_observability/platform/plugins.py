"""Plugins: objects that hear what the platform's signals do, and can never break them.

A plugin is any object with one or more of the hook methods of
:class:`FlextPlugin`; each is optional. Plugins are given to the platform
(``plugins=[...]``) or found by the platform, and only by it, in the
entry-point group :data:`ENTRY_POINT_GROUP` of the installed distributions
(an entry point names a plugin object, or a class or function called without
arguments to make one).

Isolation: a hook that raises is counted per plugin and hook, logged once per
plugin and hook, and the signal goes on; the other plugins still hear of it.
A plugin that fails to load is counted under the hook ``load``. Hooks run in
the thread that produced the event (the span export thread, a health check's
worker, the alert evaluation thread, the caller of ``record_metric``), so
they must be quick; a plugin with slow work hands it to its own queue.

>>> class Printer:
...     name = "printer"
...     def on_alert_transition(self, alert):
...         print(alert.name, alert.status.value)
>>> hooks = PluginHooks([Printer()])
>>> hooks.names
('printer',)
>>> hooks.wants("on_alert_transition"), hooks.wants("on_span_end")
(True, False)
"""

from __future__ import annotations

import importlib.metadata
from typing import TYPE_CHECKING, Final, Protocol

from returns.result import Success

from flext_observability.core.checks import describe
from flext_observability.shell.alerts.delivery import SinkStats
from flext_observability.shell.library_log import library_logger
from flext_observability.shell.locks import fork_safe_lock

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from returns.result import Result

    from flext_observability.core.alerts.alert import FlextAlert
    from flext_observability.core.errors import FlextExportError
    from flext_observability.core.metrics.metric import FlextMetric
    from flext_observability.core.tracing.span import FlextSpan
    from flext_observability.core.values import HealthStatus
    from flext_observability.shell.health.service import HealthRun
    from flext_observability.shell.tracing.span import Span

_LOG: Final = library_logger("flext_observability.plugins")

ENTRY_POINT_GROUP: Final = "flext_observability.plugins"
"""The entry-point group the platform loads plugins from."""

HOOKS: Final = ("on_metric_recorded", "on_span_start", "on_span_end", "on_alert_transition", "on_health_change")
"""The hook methods a plugin may have, each optional."""

LOAD: Final = "load"
"""The pseudo-hook a plugin that could not be loaded or made is counted under."""

MAX_PLUGINS: Final = 64
"""Plugins one platform takes at most (given and loaded together); the rest are refused and counted."""

_MAX_NAME: Final = 100


class FlextPlugin(Protocol):
    """What a plugin may implement; every method is optional (a plugin has at least one).

    - ``name``: optional text naming the plugin in counts and logs (its
      class name, or its entry point's name, otherwise).
    - ``on_metric_recorded(metric)``: a :class:`FlextMetric` entity was
      recorded through ``platform.record_metric`` (not every instrument
      update: those are the hot path and call nothing).
    - ``on_span_start(span)``: a sampled span started (called in the thread
      that starts it, before the traced code runs; the span is live: the
      plugin may set attributes on it).
    - ``on_span_end(span)``: a sampled span ended and reached the platform's
      exporters (called in the export thread, in batches' order).
    - ``on_alert_transition(alert)``: an alert started firing or was resolved
      (its ``status`` says which); a firing alert repeated after the repeat
      interval is heard of again.
    - ``on_health_change(run, previous)``: a health check's status changed
      (``previous`` is ``None`` for its first run); ``run`` is the
      :class:`HealthRun` that changed it.
    """

    def on_metric_recorded(self, metric: FlextMetric) -> object:
        """Hear of a metric entity recorded through the platform."""
        ...

    def on_span_start(self, span: Span) -> object:
        """Hear of a sampled span that started."""
        ...

    def on_span_end(self, span: FlextSpan) -> object:
        """Hear of a sampled span that ended."""
        ...

    def on_alert_transition(self, alert: FlextAlert) -> object:
        """Hear of an alert that started firing or was resolved."""
        ...

    def on_health_change(self, run: HealthRun, previous: HealthStatus | None) -> object:
        """Hear of a health check whose status changed."""
        ...


def _plain_name(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = "".join(character if character.isprintable() else "?" for character in str.__str__(value)).strip()
    return text[:_MAX_NAME] or None


def plugin_name(plugin: object, fallback: str = "") -> str:
    """The plugin's ``name`` when it is text, else ``fallback``, else its class's name; never raises."""
    try:
        given = getattr(plugin, "name", None)
    except Exception:  # noqa: BLE001 - a plugin's property is its own code
        given = None
    return _plain_name(given) or _plain_name(fallback) or type(plugin).__name__


def _hook_of(plugin: object, hook: str) -> Callable[..., object] | None:
    try:
        method = getattr(plugin, hook, None)
    except Exception:  # noqa: BLE001 - a plugin's attribute is its own code
        return None
    return method if callable(method) else None


def check_plugins(plugins: object) -> tuple[object, ...]:
    """``plugins`` as a tuple of plugins; a set-up mistake raises ``TypeError`` naming the bad one."""
    if plugins is None:
        return ()
    if isinstance(plugins, str | bytes) or not hasattr(plugins, "__iter__"):
        message = f"plugins must be a list of plugin objects (see FlextPlugin), not {describe(plugins)}"
        raise TypeError(message)
    try:
        given = tuple(plugins)
    except Exception:  # noqa: BLE001 - whatever cannot be read as a list is a set-up mistake to name
        message = f"plugins must be a list of plugin objects (see FlextPlugin); reading {describe(plugins)} failed"
        raise TypeError(message) from None
    for index, plugin in enumerate(given):
        if not any(_hook_of(plugin, hook) is not None for hook in HOOKS):
            message = f"plugins[{index}] has none of the hook methods {', '.join(HOOKS)}; give it at least one"
            raise TypeError(message)
    if len(given) > MAX_PLUGINS:
        message = f"plugins holds {len(given)} plugins; a platform takes at most {MAX_PLUGINS}"
        raise ValueError(message)
    return given


class PluginHooks:
    """The plugins of one platform, their hooks looked up once, and the count of their failures."""

    def __init__(self, plugins: Iterable[object], names: Sequence[str] = ()) -> None:
        """Take ``plugins`` (checked already), named by ``names`` where given, else by :func:`plugin_name`."""
        chosen: list[tuple[str, object]] = []
        taken: set[str] = set()
        for index, plugin in enumerate(plugins):
            name = plugin_name(plugin, names[index] if index < len(names) else "")
            unique, number = name, 2
            while unique in taken:
                unique, number = f"{name}#{number}", number + 1
            taken.add(unique)
            chosen.append((unique, plugin))
        self.names: Final = tuple(name for name, _ in chosen)
        """The plugins' names, each once, in order."""
        self._hooks: dict[str, tuple[tuple[str, Callable[..., object]], ...]] = {
            hook: tuple((name, method) for name, plugin in chosen if (method := _hook_of(plugin, hook)) is not None)
            for hook in HOOKS
        }
        self._lock = fork_safe_lock()
        self._failures: dict[tuple[str, str], int] = {}

    def wants(self, hook: str) -> bool:
        """Whether any plugin has ``hook``."""
        return bool(self._hooks.get(hook))

    def call(self, hook: str, *arguments: object) -> None:
        """Call ``hook`` of every plugin that has it; what one raises is counted and logged once, never passed on."""
        for name, method in self._hooks.get(hook, ()):
            try:
                method(*arguments)
            except Exception as error:  # noqa: BLE001 - a plugin must never break a signal or another plugin
                self.count_failure(name, hook, error)

    def count_failure(self, name: str, hook: str, error: BaseException | None = None) -> None:
        """Count one failure of ``name``'s ``hook``; the first of each pair is logged."""
        key = (name, hook)
        with self._lock:
            first = key not in self._failures
            self._failures[key] = self._failures.get(key, 0) + 1
        if first:
            reason = type(error).__name__ if error is not None else "unknown"
            _LOG.error(
                "the plugin %r failed in %s (%s); it stays on, and further failures of this hook are only counted",
                name,
                hook,
                reason,
            )

    def failures(self) -> dict[tuple[str, str], int]:
        """How many times each plugin's hook failed, by ``(plugin, hook)``."""
        with self._lock:
            return dict(self._failures)


class LoadedPlugins:
    """What loading the entry points gave: the plugins, their names, and the entry points that failed."""

    __slots__ = ("failed", "names", "plugins")

    def __init__(self) -> None:
        """Nothing loaded yet."""
        self.plugins: list[object] = []
        self.names: list[str] = []
        self.failed: list[str] = []


def load_entry_point_plugins(group: str = ENTRY_POINT_GROUP, *, limit: int = MAX_PLUGINS) -> LoadedPlugins:
    """Load every plugin of the entry-point ``group``; never raises.

    An entry point that names a class or a function is called without
    arguments to make the plugin. One that fails to load or to make, or whose
    object has no hook, is left out and its name listed in ``failed``
    (logged once each). At most ``limit`` plugins are kept.
    """
    loaded = LoadedPlugins()
    try:
        found = sorted(importlib.metadata.entry_points(group=group), key=lambda point: point.name)
    except Exception:  # noqa: BLE001 - broken distribution metadata must not stop the platform
        _LOG.exception("reading the entry points of %s failed; no plugin is loaded", group)
        return loaded
    for point in found:
        name = _plain_name(point.name) or "unnamed"
        if len(loaded.plugins) >= limit:
            loaded.failed.append(name)
            _LOG.error("the plugin %r is not loaded: a platform takes at most %d plugins", name, limit)
            continue
        try:
            target = point.load()
            plugin = target() if isinstance(target, type) or _is_factory(target) else target
        except Exception as error:  # noqa: BLE001 - a plugin that cannot load is left out, never raised
            loaded.failed.append(name)
            _LOG.error("the plugin %r (%s) could not be loaded: %s", name, point.value, type(error).__name__)
            continue
        if not any(_hook_of(plugin, hook) is not None for hook in HOOKS):
            loaded.failed.append(name)
            _LOG.error("the plugin %r (%s) has none of the hooks %s; it is left out", name, point.value, HOOKS)
            continue
        loaded.plugins.append(plugin)
        loaded.names.append(name)
    return loaded


def _is_factory(target: object) -> bool:
    """A plain function (not an object with hooks) is a factory to call."""
    return callable(target) and not any(_hook_of(target, hook) is not None for hook in HOOKS)


# --- the adapters that hand the services' events to the plugins ------------------------------


class PluginSpans:
    """The span exporter that hands each exported span to the plugins' ``on_span_end``."""

    def __init__(self, hooks: PluginHooks) -> None:
        self._hooks = hooks

    def export(self, spans: Sequence[FlextSpan], timeout: float) -> Result[int, FlextExportError]:
        """Call ``on_span_end`` with each span; a plugin's failure is its own (counted by the hooks)."""
        del timeout
        for span in spans:
            self._hooks.call("on_span_end", span)
        return Success(len(spans))

    def shutdown(self, timeout: float) -> None:
        """Nothing to stop."""
        del timeout


class PluginAlerts:
    """The alert sink that hands each alert sent (firing, resolved) to the plugins' ``on_alert_transition``."""

    name = "plugins"

    def __init__(self, hooks: PluginHooks) -> None:
        self._hooks = hooks
        self._sent = 0
        self._lock = fork_safe_lock()

    def submit(self, alerts: Sequence[FlextAlert]) -> bool:
        """Call ``on_alert_transition`` with each alert; always taken."""
        for alert in alerts:
            self._hooks.call("on_alert_transition", alert)
        with self._lock:
            self._sent += len(alerts)
        return True

    def stats(self) -> SinkStats:
        """How many alerts were handed to the plugins."""
        with self._lock:
            return SinkStats(sent=self._sent)

    def flush(self, timeout: float) -> bool:
        """Nothing is held: always flushed."""
        del timeout
        return True

    def shutdown(self, timeout: float) -> bool:
        """Nothing to stop."""
        del timeout
        return True


class HealthChanges:
    """The health run hook that tells plugins of each check whose status changed."""

    def __init__(self, hooks: PluginHooks) -> None:
        self._hooks = hooks
        self._last: dict[tuple[str, str], HealthStatus] = {}
        self._lock = fork_safe_lock()

    def __call__(self, run: HealthRun) -> None:
        """Call ``on_health_change`` when the status of ``run``'s check differs from its previous one."""
        key = (run.plan.key, run.plan.component_id)
        status = run.outcome.check.status
        with self._lock:
            previous = self._last.get(key)
            self._last[key] = status
        if previous is not status:
            self._hooks.call("on_health_change", run, previous)
