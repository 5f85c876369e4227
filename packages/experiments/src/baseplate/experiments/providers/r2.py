"""Legacy r2-style experiments: percentages per variant, flat targeting and overrides."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from .._errors import InvalidExperimentError
from .base import Experiment, calculate_bucket

__all__ = ["R2Experiment"]

logger = logging.getLogger(__name__)

_CASE_SENSITIVE = "__case_sensitive__"


def _fold(value: Any, case_sensitive: bool) -> Any:
    """Lower-case a string value unless its parameter is case-sensitive."""
    return value if case_sensitive or not isinstance(value, str) else value.lower()


def _as_list(value: Any) -> list[Any] | tuple[Any, ...]:
    return value if isinstance(value, list | tuple) else [value]


def _case_sensitive(name: str, table: dict[str, Any]) -> frozenset[str]:
    params = table.pop(_CASE_SENSITIVE, [])
    if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
        raise InvalidExperimentError(f"{name}.{_CASE_SENSITIVE} must be a list of parameter names")
    return frozenset(param.lower() for param in params)


class R2Experiment(Experiment):
    """A legacy experiment in the style of r2: each variant a percentage of the buckets.

    Variants are sized in percent (1.5 is 1.5%). Buckets are dealt to the variants in turn,
    by name order, so each variant can hold at most ``100 / number of variants`` percent (a
    larger size is capped, with a warning) and growing a variant keeps everyone already in
    it. The bucket is :func:`~baseplate.experiments.providers.base.calculate_bucket` of the
    seed (the experiment's ``seed``, else its name) and the bucketing value.

    A call gets a variant only if one of its targeting parameters is allowed (no targeting,
    no variant). String values are compared lower-cased unless the parameter is listed in
    the targeting's (or overrides') ``__case_sensitive__``. ``logged_in`` targeting with
    ``newer_than`` also requires ``user_created`` later than it. An override of a known
    variant wins over everything, even a missing bucketing value.

    Args:
        id: The experiment's id.
        name: Its name.
        owner: Who owns it.
        variants: Variant name to percentage.
        seed: The bucketing seed; the name when not given.
        bucket_val: The input to bucket by.
        targeting: Parameter name to the list of values allowed.
        overrides: Parameter name to an object mapping a value to the variant it forces.
        newer_than: With ``logged_in`` targeting, the earliest ``user_created`` (epoch
            seconds) allowed.
        version: The configuration's version.

    Raises:
        InvalidExperimentError: the variants, targeting or overrides are malformed.

    .. versionadded:: 0.1.0

    .. deprecated:: 0.1.0
        Kept for configurations written for the original framework; new experiments use
        :class:`~baseplate.experiments.providers.simple_experiment.SimpleExperiment`.
    """

    num_buckets = 1000
    _only_variant: str | None = None  # a subclass whose one allowed variant this is

    def __init__(
        self,
        id: int,
        name: str,
        owner: str | None,
        variants: Mapping[str, float],
        seed: str | None = None,
        bucket_val: str = "user_id",
        targeting: Mapping[str, Any] | None = None,
        overrides: Mapping[str, Any] | None = None,
        newer_than: float | None = None,
        version: Any = None,
    ) -> None:
        if not isinstance(variants, Mapping) or not variants:
            raise InvalidExperimentError(f"variants must be a non-empty object, got {variants!r}")
        if self._only_variant is not None and set(variants) - {self._only_variant}:
            raise InvalidExperimentError(
                f"a {type(self).__name__} has only the variant {self._only_variant!r}, "
                f"got {sorted(variants)!r}"
            )
        for variant, size in variants.items():
            if not isinstance(size, int | float) or isinstance(size, bool):
                raise InvalidExperimentError(
                    f"variant {variant!r}'s size is not a number: {size!r}"
                )
        if not isinstance(bucket_val, str):
            raise InvalidExperimentError(f"bucket_val must be a string, got {bucket_val!r}")
        self.id = id
        self.name = name
        self.owner = owner
        self.version = version
        self.variants = dict(variants)
        self.seed = seed if seed else name
        self.bucket_val = bucket_val
        self.newer_than = newer_than
        self._names = sorted(self.variants)
        self._targeting, self._case_sensitive_targeting = self._read_targeting(targeting)
        self._overrides, self._case_sensitive_overrides = self._read_overrides(overrides)

    @staticmethod
    def _read_targeting(
        targeting: Mapping[str, Any] | None,
    ) -> tuple[dict[str, list[Any]], frozenset[str]]:
        table = dict(targeting or {})
        sensitive = _case_sensitive("targeting", table)
        result = {}
        for param, allowed in table.items():
            if not isinstance(allowed, list):
                raise InvalidExperimentError(f"targeting {param!r} must be a list, got {allowed!r}")
            key = param.lower()
            result[key] = [_fold(value, key in sensitive) for value in allowed]
        return result, sensitive

    @staticmethod
    def _read_overrides(
        overrides: Mapping[str, Any] | None,
    ) -> tuple[dict[str, dict[Any, Any]], frozenset[str]]:
        table = dict(overrides or {})
        sensitive = _case_sensitive("overrides", table)
        result = {}
        for param, forced in table.items():
            if not isinstance(forced, dict):
                raise InvalidExperimentError(
                    f"overrides {param!r} must be an object, got {forced!r}"
                )
            key = param.lower()
            result[key] = {_fold(value, key in sensitive): v for value, v in forced.items()}
        return result, sensitive

    def get_unique_id(self, **kwargs: Any) -> str | None:
        """Return ``"<name>:<bucket_val>:<value>"`` when the bucketing value is given and true."""
        value = kwargs.get(self.bucket_val)
        return f"{self.name}:{self.bucket_val}:{value}" if value else None

    def should_log_bucketing(self) -> bool:
        """Return true: choosing a variant logs a bucketing event."""
        return True

    def variant(self, **kwargs: Any) -> str | None:
        """Return the variant for these inputs: an override, else by targeting and bucket.

        Parameter names are case-insensitive.
        """
        inputs = {key.lower(): value for key, value in kwargs.items()}
        forced = self._override(inputs)
        if isinstance(forced, str) and forced in self.variants:  # names are strings in JSON
            return forced
        value = inputs.get(self.bucket_val)
        if value is None:
            logger.info("experiment %r: no %s given, so no variant", self.name, self.bucket_val)
            return None
        if not self._targeted(inputs):
            return None
        return self._choose_variant(calculate_bucket(self.seed, value, self.num_buckets))

    def _override(self, inputs: Mapping[str, Any]) -> Any:
        for param, forced in self._overrides.items():
            if param not in inputs:
                continue
            sensitive = param in self._case_sensitive_overrides
            for value in _as_list(inputs[param]):
                try:
                    variant = forced.get(_fold(value, sensitive))
                except TypeError:  # an unhashable input matches no override
                    continue
                if variant is not None:
                    return variant
        return None

    def _targeted(self, inputs: Mapping[str, Any]) -> bool:
        for param, allowed in self._targeting.items():
            if param not in inputs:
                continue
            sensitive = param in self._case_sensitive_targeting
            for value in _as_list(inputs[param]):
                if _fold(value, sensitive) not in allowed:
                    continue
                if param != "logged_in" or not self.newer_than:
                    return True
                created = inputs.get("user_created")
                if created and created > self.newer_than:
                    return True
        return False

    def _choose_variant(self, bucket: int) -> str | None:
        # If the variants filled every bucket, dealt in turn by name, this bucket would be
        # candidate's; it is, if candidate's size reaches this far. Growing a size only adds
        # buckets that no variant had.
        count = len(self._names)
        candidate = self._names[bucket % count]
        size = self.variants[candidate]
        if size / 100.0 > 1.0 / count:
            logger.warning(
                "experiment %r: variant %r exceeds the largest allowed size (%.2f > %.2f)",
                self.name, candidate, size / 100.0, 1.0 / count,
            )  # fmt: skip
        limit = size * count * (self.num_buckets / 100)
        return candidate if bucket < int(limit) else None
