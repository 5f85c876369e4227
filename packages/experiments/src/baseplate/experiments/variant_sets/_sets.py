"""Variant sets: how a simple experiment's buckets are divided between its variants."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any

from .._errors import InvalidExperimentError


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _variants(kind: str, variants: object, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """Check that ``variants`` is a list of objects with a string name and numeric ``keys``."""
    if not isinstance(variants, list) or not variants:
        raise InvalidExperimentError(f"{kind}: variants must be a non-empty list, got {variants!r}")
    for position, variant in enumerate(variants):
        if not isinstance(variant, dict) or not isinstance(variant.get("name"), str):
            raise InvalidExperimentError(
                f"{kind}: variant {position} must be an object with a string 'name', "
                f"got {variant!r}"
            )
        for key in keys:
            if not _is_number(variant.get(key)):
                raise InvalidExperimentError(
                    f"{kind}: variant {variant['name']!r} needs a number {key!r}, "
                    f"got {variant.get(key)!r}"
                )
    return variants


def _check_buckets(num_buckets: object) -> int:
    if not isinstance(num_buckets, int) or isinstance(num_buckets, bool) or num_buckets < 1:
        raise InvalidExperimentError(f"num_buckets must be a positive integer, got {num_buckets!r}")
    return num_buckets


class VariantSet(abc.ABC):
    """The variants of a simple experiment, and which buckets each one takes.

    Sizes are fractions of the buckets (0.1 is 10%); a variant of size ``s`` takes
    ``int(s * num_buckets)`` buckets.

    Args:
        variants: The experiment's ``variants`` list, as parsed from JSON.
        num_buckets: How many buckets requests are divided into.

    Raises:
        InvalidExperimentError: the variants do not suit this kind of set.

    .. versionadded:: 0.1.0
    """

    def __init__(self, variants: Sequence[Any], num_buckets: int = 1000) -> None:
        self.num_buckets = _check_buckets(num_buckets)
        self._names = frozenset(variant["name"] for variant in self._validate(list(variants)))

    @abc.abstractmethod
    def _validate(self, variants: list[Any]) -> list[dict[str, Any]]:
        """Check the variants and keep what choose_variant needs; return the variants."""

    @abc.abstractmethod
    def choose_variant(self, bucket: int) -> str | None:
        """Return the variant that owns ``bucket``, or ``None`` if none does.

        Args:
            bucket: A bucket, from 0 to ``num_buckets - 1``.
        """

    def __contains__(self, name: object) -> bool:
        """Return whether ``name`` is one of the set's variants."""
        return name in self._names


class SingleVariantSet(VariantSet):
    """One treatment and one control: the first variant from the bottom, the second from the top.

    Growing either variant moves only buckets no variant had, and a change such as 60/40 to
    40/60 moves only the buckets between the two sizes. Exactly two variants, whose sizes
    add up to between 0 and 1.

    .. versionadded:: 0.1.0
    """

    def _validate(self, variants: list[Any]) -> list[dict[str, Any]]:
        if len(variants) != 2:
            raise InvalidExperimentError(
                f"single_variant expects exactly two variants (a treatment and a control), "
                f"got {len(variants)}"
            )
        first, second = _variants("single_variant", variants, ("size",))
        if not 0.0 <= first["size"] + second["size"] <= 1.0:
            raise InvalidExperimentError(
                f"single_variant: the sizes must add up to between 0 and 1, got "
                f"{first['size']!r} + {second['size']!r}"
            )
        n = self.num_buckets
        self._first: tuple[str, int] = (first["name"], int(first["size"] * n))
        self._second: tuple[str, int] = (second["name"], n - int(second["size"] * n))
        return variants

    def choose_variant(self, bucket: int) -> str | None:
        """Return the first variant below its size, the second from the top down to its own."""
        if bucket < self._first[1]:
            return self._first[0]
        if bucket >= self._second[1]:
            return self._second[0]
        return None


class MultiVariantSet(VariantSet):
    """Three or more variants, laid end to end from bucket 0 in the order given.

    Changing a size moves the buckets of every later variant, so a resize rebuckets. The
    variants' bucket counts must not add up to more than ``num_buckets``.

    .. versionadded:: 0.1.0
    """

    def _validate(self, variants: list[Any]) -> list[dict[str, Any]]:
        if len(variants) < 3:
            raise InvalidExperimentError(
                f"multi_variant expects three or more variants, got {len(variants)}"
            )
        offset = 0
        self._ends: list[tuple[int, str]] = []
        for variant in _variants("multi_variant", variants, ("size",)):
            offset += int(variant["size"] * self.num_buckets)
            self._ends.append((offset, variant["name"]))
        if offset > self.num_buckets:
            raise InvalidExperimentError(
                f"multi_variant: the variants take {offset} of {self.num_buckets} buckets"
            )
        return variants

    def choose_variant(self, bucket: int) -> str | None:
        """Return the variant whose span of buckets holds ``bucket``."""
        for end, name in self._ends:
            if bucket < end:
                return name
        return None


class RolloutVariantSet(VariantSet):
    """One variant, rolled out to the buckets below its size.

    Growing it from 45% to 55% moves only the new 10% into it; shrinking it moves only the
    difference out. Exactly one variant, of a size from 0 to 1.

    .. versionadded:: 0.1.0
    """

    def _validate(self, variants: list[Any]) -> list[dict[str, Any]]:
        if len(variants) != 1:
            raise InvalidExperimentError(
                f"feature_rollout expects exactly one variant, got {len(variants)}"
            )
        (variant,) = _variants("feature_rollout", variants, ("size",))
        if not 0.0 <= variant["size"] <= 1.0:
            raise InvalidExperimentError(
                f"feature_rollout: the size must be from 0 to 1, got {variant['size']!r}"
            )
        self._variant = (variant["name"], int(variant["size"] * self.num_buckets))
        return variants

    def choose_variant(self, bucket: int) -> str | None:
        """Return the variant if ``bucket`` is below its size."""
        return self._variant[0] if bucket < self._variant[1] else None


class RangeVariantSet(VariantSet):
    """Variants that each name their own range of buckets.

    Each variant has ``range_start`` (inclusive) and ``range_end`` (exclusive) as fractions
    of the buckets: it takes buckets ``int(range_start * num_buckets)`` up to
    ``int(range_end * num_buckets)``. The ranges' sizes must not add up to more than
    ``num_buckets``; where ranges overlap, the first variant listed wins.

    .. versionadded:: 0.1.0
    """

    def _validate(self, variants: list[Any]) -> list[dict[str, Any]]:
        total = 0
        self._ranges: list[tuple[int, int, str]] = []
        n = self.num_buckets
        for variant in _variants("range_variant", variants, ("range_start", "range_end")):
            start, end = variant["range_start"], variant["range_end"]
            total += int((end - start) * n)
            self._ranges.append((int(start * n), int(end * n), variant["name"]))
        if total > n:
            raise InvalidExperimentError(f"range_variant: the ranges take {total} of {n} buckets")
        return variants

    def choose_variant(self, bucket: int) -> str | None:
        """Return the first variant whose range holds ``bucket``."""
        for lower, upper, name in self._ranges:
            if lower <= bucket < upper:
                return name
        return None
