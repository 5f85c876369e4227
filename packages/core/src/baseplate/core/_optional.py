"""Importing what another Baseplate distribution provides, or naming the one to install."""

from __future__ import annotations

import importlib
from typing import Any

from ._errors import MissingDistributionError


def is_missing(exc: ModuleNotFoundError, module: str) -> bool:
    """Whether ``exc`` says ``module`` itself (or a package holding it) is not installed.

    A module that is installed but fails to import one of *its* dependencies raises
    :exc:`ModuleNotFoundError` too; that is a different problem and is not reported as a
    missing distribution.
    """
    missing = exc.name
    return missing is not None and (module == missing or module.startswith(missing + "."))


def load_optional(module: str, attribute: str, distribution: str, feature: str) -> Any:
    """Import ``attribute`` from ``module``, which another distribution provides.

    Raises:
        MissingDistributionError: naming ``distribution`` if ``module`` is not installed.
    """
    try:
        imported = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if is_missing(exc, module):
            raise MissingDistributionError(feature, distribution) from exc
        raise
    return getattr(imported, attribute)
