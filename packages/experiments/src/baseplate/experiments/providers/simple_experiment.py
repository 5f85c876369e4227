"""Simple experiments: a variant set, a targeting tree and ordered overrides."""

from __future__ import annotations

import logging
import time
from typing import Any

from .._errors import InvalidExperimentError
from ..targeting import Targeting, create_targeting_tree
from ..variant_sets import (
    MultiVariantSet,
    RangeVariantSet,
    RolloutVariantSet,
    SingleVariantSet,
    VariantSet,
)
from .base import Experiment, calculate_bucket

__all__ = ["SimpleExperiment"]

logger = logging.getLogger(__name__)

_VARIANT_SETS: dict[str, type[VariantSet]] = {
    "single_variant": SingleVariantSet,
    "multi_variant": MultiVariantSet,
    "feature_rollout": RolloutVariantSet,
    "range_variant": RangeVariantSet,
}

_EVERYONE = create_targeting_tree({"OVERRIDE": True})
_NO_ONE = create_targeting_tree({"OVERRIDE": False})


def _targeting(name: str, where: str, tree: object) -> Targeting:
    """Build a targeting tree: absent targets everyone, malformed no one (logged)."""
    if tree is None:
        return _EVERYONE
    try:
        return create_targeting_tree(tree)
    except InvalidExperimentError as exc:
        logger.error("experiment %r: %s is invalid, so it targets no one: %s", name, where, exc)
        return _NO_ONE


def _overrides(name: str, entries: object) -> list[tuple[str, Targeting]]:
    """Build the ordered overrides; a malformed entry is skipped (logged), the rest kept."""
    if not entries:
        return []
    if not isinstance(entries, list):
        logger.error("experiment %r: overrides must be a list, so none apply", name)
        return []
    overrides = []
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict) or len(entry) > 1:
            logger.error(
                "experiment %r: override %d is not an object with one key (the variant), so "
                "it does not apply: %r", name, position, entry,
            )  # fmt: skip
            continue
        for variant, tree in entry.items():
            overrides.append((variant, _targeting(name, f"override {position}", tree)))
    return overrides


class SimpleExperiment(Experiment):
    """An experiment that buckets requests into a variant set, after targeting and overrides.

    A call gets no variant outside ``start_ts <= now < stop_ts``, when disabled, or without
    the bucketing value (``bucket_val``; parameter names are case-insensitive for it). Then
    the first override whose targeting tree matches decides; else the call must match the
    targeting tree, and the variant set picks by bucket:
    :func:`~baseplate.experiments.providers.base.calculate_bucket` of the seed (``bucket_seed``,
    else ``"<id>.<name>.<shuffle_version>"``) and the bucketing value. Targeting trees see
    the inputs' names as given.

    Args:
        id: The experiment's unique id.
        name: Its name.
        owner: Who is responsible for it.
        start_ts: When it starts, in seconds since the epoch.
        stop_ts: When it stops, in seconds since the epoch.
        experiment_version: The version of its configuration; must be given (not falsy).
        shuffle_version: Part of the default seed: changing it rebuckets everyone.
        variant_set: How buckets map to variants.
        bucket_seed: The seed, replacing the default one.
        bucket_val: The input to bucket by.
        targeting: Who the experiment applies to.
        overrides: ``(variant, targeting)`` pairs, tried in order before bucketing.
        enabled: A disabled experiment gives every call no variant.
        log_bucketing: Whether choosing a variant logs a bucketing event.
        num_buckets: How many buckets; should match the variant set's.
        config: The ``experiment`` object it was built from.

    Raises:
        InvalidExperimentError: ``experiment_version`` is missing.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        id: int,
        name: str,
        owner: str | None,
        start_ts: float,
        stop_ts: float,
        experiment_version: Any,
        shuffle_version: Any,
        variant_set: VariantSet,
        bucket_seed: str | None = None,
        bucket_val: str = "user_id",
        targeting: Targeting = _EVERYONE,
        overrides: list[tuple[str, Targeting]] | None = None,
        enabled: bool = True,
        log_bucketing: bool = True,
        num_buckets: int = 1000,
        config: dict[str, Any] | None = None,
    ) -> None:
        if not experiment_version:
            raise InvalidExperimentError(
                f"experiment {name!r}: experiment_version must be given, got {experiment_version!r}"
            )
        self.id = id
        self.name = name
        self.owner = owner
        self.start_ts = start_ts
        self.stop_ts = stop_ts
        self.enabled = enabled
        self.version = self.experiment_version = experiment_version
        self.shuffle_version = shuffle_version
        self.variant_set = variant_set
        self.bucket_val = bucket_val
        self.num_buckets = num_buckets
        self.config = config
        self.seed = bucket_seed if bucket_seed is not None else f"{id}.{name}.{shuffle_version}"
        # Inputs are matched to bucket_val lower-cased, so one with capitals matches nothing.
        self._bucket_key = bucket_val if bucket_val == bucket_val.lower() else None
        self._targeting = targeting
        self._overrides = overrides or []
        self._log_bucketing = log_bucketing

    @classmethod
    def from_dict(
        cls,
        id: int,
        name: str,
        owner: str | None,
        start_ts: float,
        stop_ts: float,
        config: dict[str, Any],
        variant_type: str,
        enabled: bool = True,
    ) -> SimpleExperiment:
        """Build the experiment from its ``experiment`` object.

        Its keys: ``variants``, ``experiment_version`` (required), ``shuffle_version``,
        ``bucket_val`` (default ``user_id``), ``bucket_seed``, ``num_buckets`` (1000),
        ``log_bucketing`` (true), ``targeting`` (a tree; absent targets everyone, malformed
        no one) and ``overrides`` (a list of ``{variant: tree}`` objects; a malformed entry
        is skipped). What is skipped or targets no one is logged.

        Args:
            id: The experiment's id.
            name: Its name.
            owner: Who owns it.
            start_ts: When it starts (epoch seconds).
            stop_ts: When it stops (epoch seconds).
            config: The ``experiment`` object.
            variant_type: ``single_variant``, ``multi_variant``, ``feature_rollout`` or
                ``range_variant``.
            enabled: Whether it is enabled.

        Raises:
            InvalidExperimentError: the type is unknown, or the variants or another key is
                malformed.
        """
        set_type = _VARIANT_SETS.get(variant_type)
        if set_type is None:
            raise InvalidExperimentError(f"unknown simple experiment type {variant_type!r}")
        num_buckets = config.get("num_buckets", 1000)
        bucket_val = config.get("bucket_val", "user_id")
        if not isinstance(bucket_val, str):
            raise InvalidExperimentError(f"bucket_val must be a string, got {bucket_val!r}")
        bucket_seed = config.get("bucket_seed")
        if bucket_seed is not None and not isinstance(bucket_seed, str):
            raise InvalidExperimentError(f"bucket_seed must be a string, got {bucket_seed!r}")
        return cls(
            id=id,
            name=name,
            owner=owner,
            start_ts=start_ts,
            stop_ts=stop_ts,
            enabled=enabled,
            config=config,
            experiment_version=config.get("experiment_version"),
            shuffle_version=config.get("shuffle_version"),
            variant_set=set_type(config.get("variants", []), num_buckets=num_buckets),
            bucket_seed=bucket_seed,
            bucket_val=bucket_val,
            num_buckets=num_buckets,
            log_bucketing=bool(config.get("log_bucketing", True)),
            targeting=_targeting(name, "targeting", config.get("targeting")),
            overrides=_overrides(name, config.get("overrides")),
        )

    def get_unique_id(self, **kwargs: Any) -> str | None:
        """Return ``"<name>:<bucket_val>:<value>"`` when the bucketing value is given and true."""
        value = kwargs.get(self.bucket_val)
        return f"{self.name}:{self.bucket_val}:{value}" if value else None

    def should_log_bucketing(self) -> bool:
        """Return whether choosing a variant logs a bucketing event (``log_bucketing``)."""
        return self._log_bucketing

    def is_targeted(self, **kwargs: Any) -> bool:
        """Return whether the inputs match the experiment's targeting tree."""
        return self._targeting.evaluate(kwargs)

    def get_override(self, **kwargs: Any) -> str | None:
        """Return the variant of the first override whose tree the inputs match, if any."""
        for variant, targeting in self._overrides:
            if targeting.evaluate(kwargs):
                return variant
        return None

    def variant(self, **kwargs: Any) -> str | None:
        """Return the variant for these inputs (see the class description), or ``None``."""
        if not (self.enabled and self.start_ts <= time.time() < self.stop_ts):
            return None
        key = self._bucket_key
        value = kwargs.get(key) if key is not None else None
        if value is None:  # perhaps given in another letter case
            value = {name.lower(): v for name, v in kwargs.items()}.get(self.bucket_val)
            if value is None:
                logger.info("experiment %r: no %s given, so no variant", self.name, self.bucket_val)
                return None
        for variant, targeting in self._overrides:
            if targeting.evaluate(kwargs):
                if variant:
                    return variant
                break
        if not self._targeting.evaluate(kwargs):
            return None
        return self.variant_set.choose_variant(calculate_bucket(self.seed, value, self.num_buckets))
