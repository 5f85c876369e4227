"""Variant sets: how a simple experiment divides its buckets between its variants.

The experiment's ``type`` picks the set: ``single_variant`` is a
:class:`SingleVariantSet`, ``multi_variant`` a :class:`MultiVariantSet`,
``feature_rollout`` a :class:`RolloutVariantSet` and ``range_variant`` a
:class:`RangeVariantSet`::

    from baseplate.experiments.variant_sets import SingleVariantSet

    variants = SingleVariantSet([{"name": "a", "size": 0.1}, {"name": "b", "size": 0.1}])
    variants.choose_variant(42)  # 'a': buckets 0-99 are a's, 900-999 b's
"""

from __future__ import annotations

from ._sets import (
    MultiVariantSet,
    RangeVariantSet,
    RolloutVariantSet,
    SingleVariantSet,
    VariantSet,
)

__all__ = [
    "MultiVariantSet",
    "RangeVariantSet",
    "RolloutVariantSet",
    "SingleVariantSet",
    "VariantSet",
]

for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
