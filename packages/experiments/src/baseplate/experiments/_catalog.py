"""The experiments file, parsed: every experiment's provider, or why it is disabled."""

from __future__ import annotations

import json
import logging
import time
from typing import IO, Any, NamedTuple

from ._errors import InvalidExperimentError
from .providers import Experiment, parse_experiment

logger = logging.getLogger(__name__)


class _Entry(NamedTuple):
    experiment: Experiment | None  # None: malformed, so disabled
    # parse_experiment decides once whether now lies in [start_ts, stop_ts]; when that
    # changes, the entry is parsed again. None when the window is not plain numbers.
    window: tuple[float, float] | None
    in_window: bool


def _window(config: Any) -> tuple[float, float] | None:
    if not isinstance(config, dict):
        return None
    start, stop = config.get("start_ts"), config.get("stop_ts")
    if isinstance(start, bool) or isinstance(stop, bool):
        return None
    if isinstance(start, int | float) and isinstance(stop, int | float):
        return (start, stop)
    return None


def _parse(name: str, config: Any) -> _Entry:
    window = _window(config)
    now = time.time()
    in_window = window is not None and window[0] <= now <= window[1]
    try:
        return _Entry(parse_experiment(config), window, in_window)
    except InvalidExperimentError as exc:
        logger.error("experiment %r is disabled: %s", name, exc)
    except Exception:  # a shape nothing foresaw: still only this experiment is disabled
        logger.exception("experiment %r is disabled: its configuration could not be read", name)
    return _Entry(None, window, in_window)


class Catalog:
    """One version of the experiments file: each experiment parsed once, when it is read.

    A malformed experiment is logged (at error level, with the reason) and disabled; the
    others are unaffected.
    """

    def __init__(self, configs: dict[str, Any]) -> None:
        self._configs = configs
        self._entries = {name: _parse(name, config) for name, config in configs.items()}

    def get(self, name: str) -> Experiment | None:
        """Return the experiment's provider; None if it is unknown or malformed."""
        entry = self._entries.get(name)
        if entry is None:
            return None
        window = entry.window
        if window is not None and (window[0] <= time.time() <= window[1]) != entry.in_window:
            entry = self._entries[name] = _parse(name, self._configs[name])
        return entry.experiment

    def names(self) -> list[str]:
        """Return the names of the experiments that are not malformed, in the file's order."""
        return [name for name, entry in self._entries.items() if entry.experiment is not None]


def load_catalog(file: IO[str]) -> Catalog:
    """Parse the experiments file: a JSON object of experiment name to configuration."""
    configs = json.load(file)
    if not isinstance(configs, dict):
        raise ValueError(f"expected a JSON object of experiments, got {type(configs).__name__}")
    return Catalog(configs)
