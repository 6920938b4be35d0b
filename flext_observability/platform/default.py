"""The process-wide default platform: made on first use, set once by ``configure``, replaced only on purpose.

Code that records without naming a platform (the decorator, at import time,
long before ``main()`` runs) uses :func:`get_platform`. The first call makes
a platform that binds no port and sends nothing: it reads only the naming
variables of the environment (the service name and the deployment
environment), so it has no exporter, no Alertmanager, no Pushgateway.
:func:`configure` replaces it once with the application's own; a second call
warns and changes nothing unless ``force=True``. :func:`default_generation`
changes each time the default is replaced, so a holder of the old one
(a decorated function caching its instruments) knows to look again.
:func:`reset_platform` is for tests: it shuts the current default down and
forgets it.

The state lives in this module only, behind one fork-safe lock; reading the
current default takes no lock once it exists. After ``os.fork()`` the child
keeps the same default platform, whose services carry on in the child (see
``docs/platform.md``).
"""

from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING, Final

from flext_observability.core.settings import NAMING_VARIABLES
from flext_observability.platform.platform import FlextObservabilityPlatform
from flext_observability.shell.library_log import library_logger
from flext_observability.shell.locks import fork_safe_lock

if TYPE_CHECKING:
    from collections.abc import Mapping

_LOG: Final = library_logger("flext_observability.platform")
_LOCK: Final = fork_safe_lock()

RESET_TIMEOUT: Final = 5.0
"""Seconds :func:`reset_platform` and a forced :func:`configure` give the replaced platform to shut down."""


class _Default:
    """The one mutable record of the default: the platform, whether ``configure`` set it, and its generation."""

    __slots__ = ("configured", "generation", "platform")

    def __init__(self) -> None:
        self.platform: FlextObservabilityPlatform | None = None
        self.configured = False
        self.generation = 0


_STATE: Final = _Default()


def _quiet_environment() -> Mapping[str, str]:
    """The naming variables of the process's environment: nothing that makes the platform send or listen."""
    return {name: value for name, value in os.environ.items() if name in NAMING_VARIABLES}


def get_platform() -> FlextObservabilityPlatform:
    """The process-wide default platform; the first call makes one that binds no port and sends nothing.

    >>> from flext_observability.platform.default import get_platform, reset_platform
    >>> get_platform() is get_platform()
    True
    >>> reset_platform()
    """
    platform = _STATE.platform
    if platform is not None:
        return platform
    with _LOCK:
        if _STATE.platform is None:
            _STATE.platform = FlextObservabilityPlatform(
                environ=_quiet_environment(), load_plugins=False, configure_logs=False
            )
            _STATE.generation += 1
        return _STATE.platform


def configure(*, force: bool = False, **arguments: object) -> FlextObservabilityPlatform:
    """Make ``FlextObservabilityPlatform(**arguments)`` the process-wide default, once.

    A second call warns (``warnings.warn`` and a log line) and returns the
    default already configured, unchanged; with ``force=True`` it replaces
    it and shuts the old one down. A lazily made default (from
    :func:`get_platform`) is replaced without a warning. The new platform is
    not started: call ``start()`` and ``serve()`` on what is returned. A
    set-up mistake in ``arguments`` raises as the constructor does, and
    leaves the default as it was.
    """
    given: object = force  # callers outside the type checker may pass anything
    if not isinstance(given, bool):
        message = f"force must be True or False, not {type(given).__name__}"
        raise TypeError(message)
    with _LOCK:
        current = _STATE.platform
        if _STATE.configured and current is not None and not force:
            text = (
                "the default platform is configured already; this configure() call changes nothing "
                "(pass force=True to replace it)"
            )
            warnings.warn(text, RuntimeWarning, stacklevel=2)
            _LOG.warning("%s", text)
            return current
        made = FlextObservabilityPlatform(**arguments)  # type: ignore[arg-type]
        _STATE.platform = made
        _STATE.configured = True
        _STATE.generation += 1
    if current is not None:
        current.shutdown(RESET_TIMEOUT)
    return made


def reset_platform() -> None:
    """Shut the default platform down and forget it (for tests); the next :func:`get_platform` makes a new one."""
    with _LOCK:
        current = _STATE.platform
        _STATE.platform = None
        _STATE.configured = False
        _STATE.generation += 1
    if current is not None:
        current.shutdown(RESET_TIMEOUT)


def default_generation() -> int:
    """A number that changes whenever the default platform is made, replaced or reset."""
    return _STATE.generation


def is_configured() -> bool:
    """Whether :func:`configure` set the default (rather than a first :func:`get_platform`)."""
    return _STATE.configured
