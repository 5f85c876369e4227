"""The variant sets: which buckets each variant takes, and what they refuse."""

from __future__ import annotations

import collections

import pytest

from baseplate.experiments import InvalidExperimentError
from baseplate.experiments.variant_sets import (
    MultiVariantSet,
    RangeVariantSet,
    RolloutVariantSet,
    SingleVariantSet,
    VariantSet,
)


def spread(variants: VariantSet, buckets: int = 1000) -> collections.Counter[str | None]:
    return collections.Counter(variants.choose_variant(bucket) for bucket in range(buckets))


def test_single_takes_the_bottom_and_the_top() -> None:
    """The first variant takes buckets from 0 up, the second from the top down."""
    variants = SingleVariantSet([{"name": "a", "size": 0.25}, {"name": "b", "size": 0.1}])
    assert variants.choose_variant(249) == "a"
    assert variants.choose_variant(250) is None
    assert variants.choose_variant(899) is None
    assert variants.choose_variant(900) == "b"
    assert spread(variants) == {"a": 250, "b": 100, None: 650}
    assert "a" in variants
    assert "c" not in variants


def test_single_growing_keeps_everyone() -> None:
    """Growing either variant moves only buckets that had no variant."""
    small = SingleVariantSet([{"name": "a", "size": 0.1}, {"name": "b", "size": 0.1}])
    large = SingleVariantSet([{"name": "a", "size": 0.4}, {"name": "b", "size": 0.5}])
    for bucket in range(1000):
        before = small.choose_variant(bucket)
        if before is not None:
            assert before == large.choose_variant(bucket)


def test_multi_lays_variants_end_to_end() -> None:
    """Variants take consecutive spans in the order listed, each int(size * buckets) long."""
    variants = MultiVariantSet(
        [{"name": "a", "size": 0.1}, {"name": "b", "size": 0.2}, {"name": "c", "size": 0.3}]
    )
    assert [variants.choose_variant(b) for b in (99, 100, 299, 599, 600)] == [
        "a",
        "b",
        "b",
        "c",
        None,
    ]
    assert spread(variants) == {"a": 100, "b": 200, "c": 300, None: 400}


def test_rollout_and_odd_bucket_counts() -> None:
    """A rollout takes the buckets below int(size * buckets), for any bucket count."""
    variants = RolloutVariantSet([{"name": "on", "size": 0.5}], num_buckets=7)
    assert spread(variants, 7) == {"on": 3, None: 4}
    assert spread(RolloutVariantSet([{"name": "on", "size": 1.0}])) == {"on": 1000}


def test_range_takes_its_own_buckets() -> None:
    """Each variant takes [int(start * N), int(end * N)); ranges may leave gaps."""
    variants = RangeVariantSet([
        {"name": "a", "range_start": 0.0, "range_end": 0.1},
        {"name": "b", "range_start": 0.5, "range_end": 0.75},
    ])  # fmt: skip
    assert [variants.choose_variant(b) for b in (0, 100, 500, 749, 750)] == [
        "a",
        None,
        "b",
        "b",
        None,
    ]
    assert spread(variants) == {"a": 100, "b": 250, None: 650}


@pytest.mark.parametrize(
    ("kind", "variants", "message"),
    [
        (SingleVariantSet, [{"name": "a", "size": 0.1}], "exactly two"),
        (SingleVariantSet, [{"name": "a", "size": 0.6}, {"name": "b", "size": 0.6}], "add up"),
        (SingleVariantSet, [{"name": "a"}, {"name": "b", "size": 0.1}], "number 'size'"),
        (MultiVariantSet, [{"name": "a", "size": 0.1}, {"name": "b", "size": 0.1}], "three or"),
        (MultiVariantSet, [{"name": n, "size": 0.4} for n in "abc"], "take 1200 of 1000"),
        (RolloutVariantSet, [{"name": "a", "size": 1.5}], "from 0 to 1"),
        (RolloutVariantSet, [], "exactly one"),
        (RangeVariantSet, [{"name": "a", "range_start": 0.1}], "number 'range_end'"),
        (RangeVariantSet, [{"name": "a", "range_start": 0, "range_end": 0.6},
                           {"name": "b", "range_start": 0.2, "range_end": 0.8}], "take 1200"),
        (RangeVariantSet, [], "non-empty list"),
        (RangeVariantSet, ["a"], "string 'name'"),
    ],
)  # fmt: skip
def test_malformed_variants_are_refused(
    kind: type[VariantSet], variants: list[object], message: str
) -> None:
    """Each set refuses variants that do not suit it, saying why."""
    with pytest.raises(InvalidExperimentError, match=message):
        kind(variants)


def test_bucket_count_must_be_positive() -> None:
    """num_buckets is a positive integer."""
    with pytest.raises(InvalidExperimentError, match="num_buckets must be a positive integer"):
        RolloutVariantSet([{"name": "on", "size": 0.5}], num_buckets=0)
