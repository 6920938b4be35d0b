"""The composition root: settings become services, wired once, with plugins, a lifecycle and a process default.

- :mod:`~flext_observability.platform.platform`: ``FlextObservabilityPlatform``;
- :mod:`~flext_observability.platform.plugins`: the plugin hooks and their loading;
- :mod:`~flext_observability.platform.status`: the ``/status`` document;
- :mod:`~flext_observability.platform.default`: the process-wide default
  (``get_platform``, ``configure``, ``reset_platform``);
- :mod:`~flext_observability.platform.decorator`: ``flext_monitor_function``.

Only this package loads plugins from entry points, and only it reads the
platform's environment variables at run time.
"""
