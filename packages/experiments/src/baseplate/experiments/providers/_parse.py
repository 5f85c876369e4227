"""parse_experiment: one entry of the experiments file to the provider that runs it."""

from __future__ import annotations

import datetime
import logging
import time
import warnings
from collections.abc import Mapping
from typing import Any

from .._errors import InvalidExperimentError
from .base import Experiment
from .feature_flag import FeatureFlag
from .forced_variant import ForcedVariantExperiment
from .r2 import R2Experiment
from .simple_experiment import SimpleExperiment

logger = logging.getLogger(__name__)

_LEGACY: dict[str, type[R2Experiment]] = {"r2": R2Experiment, "feature_flag": FeatureFlag}
_SIMPLE = frozenset({"single_variant", "multi_variant", "feature_rollout", "range_variant"})


def _timestamp(name: object, key: str, value: object) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise InvalidExperimentError(f"experiment {name!r}: {key} must be a number, got {value!r}")
    return value


def _window(name: object, config: Mapping[str, Any]) -> tuple[float, float]:
    start_ts, stop_ts = config.get("start_ts"), config.get("stop_ts")
    if start_ts is not None and stop_ts is not None:
        return _timestamp(name, "start_ts", start_ts), _timestamp(name, "stop_ts", stop_ts)
    if "expires" not in config:
        raise InvalidExperimentError(f"experiment {name!r}: start_ts and stop_ts must be given")
    warnings.warn(
        f"experiment {name!r}: 'expires' is deprecated; give start_ts and stop_ts instead",
        DeprecationWarning,
        stacklevel=3,
    )
    try:
        expires = datetime.datetime.strptime(config["expires"], "%Y-%m-%d")
    except (TypeError, ValueError):
        raise InvalidExperimentError(
            f"experiment {name!r}: expires must be a date as YYYY-MM-DD, got {config['expires']!r}"
        ) from None
    return time.time(), expires.replace(tzinfo=datetime.UTC).timestamp()


def parse_experiment(config: Mapping[str, Any]) -> Experiment:
    """Return the provider for one experiment of the experiments file.

    The keys of ``config``:

    * ``id`` (required): the experiment's unique integer id.
    * ``name``, ``owner``: its name and owner.
    * ``version``: the version of its configuration (a deprecation warning when absent).
    * ``start_ts``, ``stop_ts`` (required): when it runs, in seconds since the epoch; outside
      that window it is disabled. A configuration without them may give the deprecated
      ``expires`` (``"YYYY-MM-DD"``, UTC) instead, starting now.
    * ``type``: ``r2``, ``feature_flag``, ``single_variant``, ``multi_variant``,
      ``feature_rollout`` or ``range_variant`` (any letter case). An unknown type is logged
      and gives a variant of ``None``.
    * ``experiment`` (required): the type's own configuration.
    * ``enabled``: false disables it (default true).
    * ``global_override``: when present, even as ``null``, every call gets this variant and
      no bucketing event is logged.

    A disabled ``r2`` or ``feature_flag`` experiment, and an experiment of unknown type, is a
    :class:`~baseplate.experiments.providers.forced_variant.ForcedVariantExperiment` of
    ``None``; a disabled simple experiment returns ``None`` from its ``variant``. Whether
    ``now`` lies in the window is decided when this is called.

    Args:
        config: The experiment's object from the experiments file.

    Returns:
        The experiment's provider.

    Raises:
        InvalidExperimentError: a required key is missing or a value is malformed; the
            message says which.

    .. versionadded:: 0.1.0
    """
    if not isinstance(config, Mapping):
        raise InvalidExperimentError(f"an experiment is a JSON object, got {config!r}")
    name = config.get("name")
    experiment_id = config.get("id")
    if not isinstance(experiment_id, int) or isinstance(experiment_id, bool):
        raise InvalidExperimentError(
            f"experiment {name!r}: id must be an integer, got {experiment_id!r}"
        )
    experiment_type = config.get("type")
    if experiment_type is not None and not isinstance(experiment_type, str):
        raise InvalidExperimentError(
            f"experiment {name!r}: type must be a string, got {experiment_type!r}"
        )
    kind = experiment_type.lower() if experiment_type else experiment_type
    owner = config.get("owner")
    start_ts, stop_ts = _window(name, config)
    if "version" in config:
        version = config["version"]
    else:
        warnings.warn(
            f"experiment {name!r} has no 'version'; it will be required",
            DeprecationWarning,
            stacklevel=2,
        )
        version = None

    enabled = bool(config.get("enabled", True)) and start_ts <= time.time() <= stop_ts
    if not enabled and kind in _LEGACY:
        return ForcedVariantExperiment(None)
    if "experiment" not in config:
        raise InvalidExperimentError(f"experiment {name!r}: the 'experiment' object is missing")
    experiment = config["experiment"]
    if not isinstance(experiment, dict):
        raise InvalidExperimentError(f"experiment {name!r}: 'experiment' must be an object")
    if "global_override" in config:
        return ForcedVariantExperiment(config["global_override"])

    if kind in _LEGACY:
        return _LEGACY[kind](
            id=experiment_id,
            name=name,  # type: ignore[arg-type]
            owner=owner,
            version=version,
            variants=experiment.get("variants"),  # type: ignore[arg-type]
            targeting=experiment.get("targeting"),
            overrides=experiment.get("overrides"),
            seed=experiment.get("seed"),
            bucket_val=experiment.get("bucket_val", "user_id"),
            newer_than=experiment.get("newer_than"),
        )
    if kind in _SIMPLE:
        return SimpleExperiment.from_dict(
            id=experiment_id,
            name=name,  # type: ignore[arg-type]
            owner=owner,
            start_ts=start_ts,
            stop_ts=stop_ts,
            enabled=enabled,
            config=experiment,
            variant_type=kind,
        )
    logger.warning(
        "experiment %r (id %r, owner %r) has the unknown type %r, so it gives no variant; "
        "please clean it up", name, experiment_id, owner, experiment_type,
    )  # fmt: skip
    return ForcedVariantExperiment(None)
