"""Observer plug-ins: distributions that offer an observer to ``configure_observers``.

A distribution registers a plug-in under the ``baseplate.observers`` entry-point group of its
``pyproject.toml``; the entry point names an :class:`ObserverPlugin`. Core knows the three
observer distributions of this repository only to name the one to install when a
configuration asks for it and it is missing (:data:`_BUILT_INS`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING, NamedTuple

from ._errors import MissingDistributionError
from ._optional import is_missing

if TYPE_CHECKING:
    from ._baseplate import Baseplate

logger = logging.getLogger("baseplate.core")

#: The entry-point group observer distributions register their plug-in in.
GROUP = "baseplate.observers"


@dataclass(frozen=True)
class ObserverPlugin:
    """What a ``baseplate.observers`` entry point names: an observer to switch on by config.

    :meth:`Baseplate.configure_observers <baseplate.core.Baseplate.configure_observers>`
    loads the installed plug-ins the configuration may ask for (it has a key under the entry
    point's name, ``prometheus.`` for ``prometheus``) and calls ``configure`` for each one that
    is switched on (:meth:`is_switched_on`): when the configuration has one of its
    ``config_keys``, or the environment has a non-empty value for one of its
    ``environment_variables``. Other plug-ins' modules are not imported at all.

    A distribution declares it in its ``pyproject.toml``; the entry point's name is the
    plug-in's name (plug-ins are configured in the order metrics, tracing, sentry, then by
    name)::

        [project.entry-points."baseplate.observers"]
        prometheus = "acme_prometheus._plugin:observer_plugin"

    Args:
        config_keys: Configuration keys any one of which switches the plug-in on.
        configure: Called as ``configure(baseplate, app_config, module_name)``, once, before
            the application serves: builds the observer from ``app_config`` (the raw
            configuration) and registers it on ``baseplate``, typically through the
            distribution's ``*_from_config`` helper and a ``Baseplate.configure_*`` method
            or :meth:`Baseplate.register <baseplate.core.Baseplate.register>`.
            ``module_name`` is the application's root module (``"__main__"`` if not given).
            It should validate every key it reads and raise ``ConfigurationError`` (from
            :mod:`baseplate.config`) naming a bad one.
        environment_variables: Environment variables a non-empty value of which also
            switches the plug-in on.

    Raises:
        TypeError: if the keys or variables are not tuples of strings, or ``configure`` is
            not callable.
        ValueError: if ``config_keys`` and ``environment_variables`` are both empty (nothing
            could switch the plug-in on).

    .. versionadded:: 0.1.0
    """

    config_keys: tuple[str, ...]
    configure: Callable[[Baseplate, Mapping[str, str], str], None]
    environment_variables: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for field in ("config_keys", "environment_variables"):
            names = getattr(self, field)
            if not isinstance(names, tuple) or not all(isinstance(n, str) for n in names):
                raise TypeError(f"{field} must be a tuple of strings, got {names!r}")
        if not callable(self.configure):
            raise TypeError(f"configure must be callable, got {self.configure!r}")
        if not self.config_keys and not self.environment_variables:
            raise ValueError("an observer plug-in needs config_keys or environment_variables")

    def is_switched_on(self, app_config: Mapping[str, str]) -> bool:
        """Whether ``app_config`` (or the environment) asks for this plug-in."""
        return any(key in app_config for key in self.config_keys) or any(
            os.environ.get(variable) for variable in self.environment_variables
        )


class _BuiltIn(NamedTuple):
    """An observer distribution of this repository: how it is switched on, what installs it."""

    name: str
    key: str
    environment_variable: str | None
    distribution: str

    def is_switched_on(self, app_config: Mapping[str, str]) -> bool:
        variable = self.environment_variable
        return self.key in app_config or bool(variable and os.environ.get(variable))

    @property
    def feature(self) -> str:
        also = f" (or {self.environment_variable} in the environment)"
        return f"{self.key} in the configuration{also if self.environment_variable else ''}"


# In the order they are configured; other plug-ins follow, by name.
_BUILT_INS = (
    _BuiltIn("metrics", "metrics.namespace", None, "baseplate-metrics"),
    _BuiltIn("tracing", "tracing.service_name", None, "baseplate-tracing"),
    _BuiltIn("sentry", "sentry.dsn", "SENTRY_DSN", "baseplate-sentry"),
)
_RANKS = {built_in.name: rank for rank, built_in in enumerate(_BUILT_INS)}


class _Loaded(NamedTuple):
    name: str
    plugin: ObserverPlugin
    distribution: str


def observer_entry_points() -> list[metadata.EntryPoint]:
    """Every installed entry point of the ``baseplate.observers`` group."""
    return list(metadata.entry_points(group=GROUP))


def _distribution_name(entry_point: metadata.EntryPoint) -> str:
    dist = entry_point.dist
    return dist.name if dist is not None else "an unknown distribution"


def _may_be_switched_on(name: str, app_config: Mapping[str, str]) -> bool:
    """Whether the plug-in named ``name`` needs loading to see if ``app_config`` asks for it.

    Only a configuration with a key under the plug-in's name (``<name>.``), or the environment
    variable of a built-in one, can ask for it; nothing else is imported.
    """
    prefix = f"{name}."
    if any(key.startswith(prefix) for key in app_config):
        return True
    return any(b.name == name and b.is_switched_on(app_config) for b in _BUILT_INS)


def load_observer_plugins(app_config: Mapping[str, str]) -> list[_Loaded]:
    """Load the installed observer plug-ins ``app_config`` may ask for, in configuration order.

    A plug-in is imported only when the configuration has a key under its entry point's name
    (``metrics.`` for ``metrics``), or, for the built-in ones, their environment variable is
    set: a service does not import (and keep in memory) the observers it does not use. An
    entry point whose module is not installed (metadata left behind) is skipped with a
    warning.

    Raises:
        TypeError: if an entry point names something that is not an :class:`ObserverPlugin`.
        Exception: whatever importing an entry point's module raised, with a note naming it.
    """
    loaded = []
    for entry_point in observer_entry_points():
        if not _may_be_switched_on(entry_point.name, app_config):
            continue
        distribution = _distribution_name(entry_point)
        try:
            plugin = entry_point.load()
        except ModuleNotFoundError as exc:
            if not is_missing(exc, entry_point.module):
                exc.add_note(f"loading observer plug-in {entry_point.value!r} of {distribution}")
                raise
            logger.warning(
                "Observer plug-in %r of %s names %r, which is not installed; skipped",
                entry_point.name,
                distribution,
                entry_point.value,
            )
            continue
        except Exception as exc:
            exc.add_note(f"loading observer plug-in {entry_point.value!r} of {distribution}")
            raise
        if not isinstance(plugin, ObserverPlugin):
            raise TypeError(
                f"the baseplate.observers entry point {entry_point.name!r} of {distribution} "
                f"must name a baseplate.core.ObserverPlugin, got {plugin!r}"
            )
        loaded.append(_Loaded(entry_point.name, plugin, distribution))
    loaded.sort(key=lambda item: (_RANKS.get(item.name, len(_RANKS)), item.name, item.distribution))
    return loaded


def check_built_ins(installed: Collection[str], app_config: Mapping[str, str]) -> None:
    """Raise if the configuration asks for a built-in observer that is not installed.

    Args:
        installed: The names of the installed entry points.

    Raises:
        MissingDistributionError: naming the first such observer's distribution.
    """
    names = set(installed)
    for built_in in _BUILT_INS:
        if built_in.name not in names and built_in.is_switched_on(app_config):
            raise MissingDistributionError(built_in.feature, built_in.distribution)
