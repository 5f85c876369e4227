"""Bucketing agrees with the original's: its hash, its seeds and its test vectors."""

from __future__ import annotations

import hashlib
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baseplate.experiments.providers import R2Experiment, calculate_bucket, parse_experiment

# The original's published vectors: (seed, bucketing value, bucket of 1000).
VECTORS = [
    ("test", "t2_1", 236),
    ("some new seed", "t2_1", 924),
    ("1.test_experiment.None", "t2_1", 867),
]

NOW = time.time()


def simple(
    type_: str, variants: list[dict[str, object]], **experiment: object
) -> dict[str, object]:
    return {
        "id": 1, "name": "test_experiment", "owner": "team", "version": "1", "type": type_,
        "start_ts": NOW - 60, "stop_ts": NOW + 60,
        "experiment": {"experiment_version": 1, "variants": variants, **experiment},
    }  # fmt: skip


@pytest.mark.parametrize(("seed", "value", "bucket"), VECTORS)
def test_every_vector(seed: str, value: str, bucket: int) -> None:
    """Each published vector lands in its published bucket."""
    assert bucket == calculate_bucket(seed, value, 1000)


@given(seed=st.text(), value=st.one_of(st.text(), st.integers()), buckets=st.integers(1, 10**6))
def test_the_original_formula(seed: str, value: str | int, buckets: int) -> None:
    """The bucket is the SHA-1 hex digest of seed + str(value) as an integer, mod the count."""
    expected = int(hashlib.sha1(f"{seed}{value}".encode()).hexdigest(), 16) % buckets
    assert expected == calculate_bucket(seed, value, buckets)


def test_r2_seeds_with_its_name() -> None:
    """An r2 experiment without a seed seeds with its name: 'test' puts t2_1 in bucket 236."""
    experiment = R2Experiment(
        id=1, name="test", owner=None, variants={"a": 50, "b": 50},
        targeting={"logged_in": [True]},
    )  # fmt: skip
    assert experiment.seed == "test"
    # Bucket 236 is even, so of the variants dealt in name order it is a's; 236 < 50 * 2 * 10.
    assert experiment.variant(user_id="t2_1", logged_in=True) == "a"
    # With b alone at 12%: 236 % 1 == 0 picks b, but 236 is not below int(12 * 1 * 10).
    alone = R2Experiment(
        id=1, name="test", owner=None, variants={"b": 12}, targeting={"logged_in": [True]}
    )
    assert alone.variant(user_id="t2_1", logged_in=True) is None


def seeded_r2(size: float) -> R2Experiment:
    experiment = parse_experiment({
        "id": 1, "name": "test", "owner": None, "version": "1", "type": "r2",
        "start_ts": NOW - 60, "stop_ts": NOW + 60,
        "experiment": {"seed": "some new seed", "variants": {"a": size, "b": size},
                       "targeting": {"logged_in": [True]}},
    })  # fmt: skip
    assert isinstance(experiment, R2Experiment)
    return experiment


def test_r2_seed_replaces_the_name() -> None:
    """An r2 experiment's seed replaces its name: t2_1 lands in bucket 924."""
    assert seeded_r2(10).seed == "some new seed"
    # Bucket 924: candidate sorted(["a", "b"])[924 % 2] == "a", limit int(10 * 2 * 10) = 200.
    assert seeded_r2(10).variant(user_id="t2_1", logged_in=True) is None
    assert seeded_r2(50).variant(user_id="t2_1", logged_in=True) == "a"


def test_simple_default_seed_is_id_name_shuffle_version() -> None:
    """A simple experiment's default seed is '<id>.<name>.<shuffle_version>' (None if unset)."""
    experiment = parse_experiment(simple("single_variant", [
        {"name": "control", "size": 0.1}, {"name": "treatment", "size": 0.2},
    ]))  # fmt: skip
    assert experiment.seed == "1.test_experiment.None"  # type: ignore[attr-defined]
    # Bucket 867: not below 100 (control's), but at or above 1000 - 200 = 800 (treatment's).
    assert experiment.variant(user_id="t2_1") == "treatment"


def test_simple_bucket_seed_and_shuffle_version() -> None:
    """bucket_seed replaces the default seed; a new shuffle_version rebuckets."""
    seeded = parse_experiment(simple("feature_rollout", [{"name": "on", "size": 0.237}],
                                     bucket_seed="test"))  # fmt: skip
    assert seeded.variant(user_id="t2_1") == "on"  # bucket 236 < int(0.237 * 1000)
    narrower = parse_experiment(simple("feature_rollout", [{"name": "on", "size": 0.236}],
                                       bucket_seed="test"))  # fmt: skip
    assert narrower.variant(user_id="t2_1") is None
    shuffled = parse_experiment(simple("feature_rollout", [{"name": "on", "size": 0.5}],
                                       shuffle_version=2))  # fmt: skip
    assert shuffled.seed == "1.test_experiment.2"  # type: ignore[attr-defined]
    expected = "on" if calculate_bucket("1.test_experiment.2", "t2_1", 1000) < 500 else None
    assert expected == shuffled.variant(user_id="t2_1")


def test_bucket_count_is_configurable() -> None:
    """num_buckets changes the modulus."""
    experiment = parse_experiment(simple("range_variant", [
        {"name": "x", "range_start": 0.0, "range_end": 1.0},
    ], num_buckets=7, bucket_seed="test"))  # fmt: skip
    assert experiment.variant(user_id="t2_1") == "x"
    assert experiment.num_buckets == 7  # type: ignore[attr-defined]
