"""Tests for baseplate.random.WeightedLottery: its distribution, sampling and errors."""

from __future__ import annotations

import collections
import random
from typing import Any

import pytest

from baseplate.random import WeightedLottery

WEIGHTS = {"a": 1, "b": 2, "c": 3, "d": 4, "e": 10}
# The chi-square critical value for 4 degrees of freedom at p = 0.001: a statistic above it
# would happen by chance once in a thousand seeds.
CHI_SQUARE_4_DF_P001 = 18.467


def chi_square(counts: collections.Counter[str], draws: int) -> float:
    total = sum(WEIGHTS.values())
    return sum(
        (counts[item] - draws * weight / total) ** 2 / (draws * weight / total)
        for item, weight in WEIGHTS.items()
    )


def test_the_documentation_example() -> None:
    """Words weighted by length: pick returns one of them, sample distinct ones."""
    words = ["apple", "banana", "cantelope"]
    lottery = WeightedLottery(words, weight_key=len, rng=random.Random(0))

    assert lottery.pick() in words
    sample = lottery.sample(2)
    assert len(set(sample)) == 2
    assert set(sample) <= set(words)


def test_pick_follows_the_weights() -> None:
    """Over 100,000 picks the counts fit the weights (chi-square, fixed seed)."""
    lottery = WeightedLottery(WEIGHTS, weight_key=WEIGHTS.__getitem__, rng=random.Random(1234))
    draws = 100_000

    counts = collections.Counter(lottery.pick() for _ in range(draws))

    assert chi_square(counts, draws) < CHI_SQUARE_4_DF_P001


def test_chi_square_check_can_fail() -> None:
    """The same check rejects a uniform pick, so the test above is not vacuous."""
    rng = random.Random(1234)
    draws = 100_000

    counts = collections.Counter(rng.choice(list(WEIGHTS)) for _ in range(draws))

    assert chi_square(counts, draws) > CHI_SQUARE_4_DF_P001


def test_first_item_of_a_sample_follows_the_weights() -> None:
    """A sample's first item is distributed as pick is."""
    lottery = WeightedLottery(WEIGHTS, weight_key=WEIGHTS.__getitem__, rng=random.Random(99))
    draws = 50_000

    counts = collections.Counter(lottery.sample(3)[0] for _ in range(draws))

    assert chi_square(counts, draws) < CHI_SQUARE_4_DF_P001


def test_second_item_of_a_sample_follows_the_remaining_weights() -> None:
    """After "e" (10 of 20) is drawn first, the second draw is among a-d by weight."""
    lottery = WeightedLottery(WEIGHTS, weight_key=WEIGHTS.__getitem__, rng=random.Random(7))
    seconds: collections.Counter[str] = collections.Counter()
    for _ in range(40_000):
        first, second = lottery.sample(2)
        if first == "e":
            seconds[second] += 1
    drawn = sum(seconds.values())

    # Expected shares of a-d: 1, 2, 3, 4 out of 10; "e" never.
    statistic = sum(
        (seconds[item] - drawn * weight / 10) ** 2 / (drawn * weight / 10)
        for item, weight in {"a": 1, "b": 2, "c": 3, "d": 4}.items()
    )
    assert seconds["e"] == 0
    assert statistic < 16.266  # 3 degrees of freedom, p = 0.001


def test_sample_never_repeats_an_item() -> None:
    """No item is drawn twice, even when every item is sampled."""
    items = list(range(50))
    lottery = WeightedLottery(items, weight_key=lambda i: i % 7 + 1, rng=random.Random(5))

    for size in (0, 1, 10, 49, 50):
        for _ in range(200):
            sample = lottery.sample(size)
            assert size == len(sample)
            assert size == len(set(sample))


def test_zero_weight_items_are_never_picked_or_sampled() -> None:
    """An item of weight 0 has no chance, and cannot fill a sample."""
    weights = {"never": 0, "always": 5, "also-never": 0}
    lottery = WeightedLottery(weights, weight_key=weights.__getitem__, rng=random.Random(3))

    assert {"always"} == {lottery.pick() for _ in range(1000)}
    assert lottery.sample(1) == ["always"]
    with pytest.raises(ValueError, match="between 0 and 1"):
        lottery.sample(2)


def test_pick_at_the_top_of_the_range_returns_a_weighted_item() -> None:
    """A random number that rounds up to the total still picks the last item with weight."""

    class Top(random.Random):
        def random(self) -> float:
            return 1.0 - 2**-53

    weights = {"x": 1, "y": 1, "last-zero": 0}
    lottery = WeightedLottery(weights, weight_key=weights.__getitem__, rng=Top())

    assert lottery.pick() == "y"


@pytest.mark.parametrize(
    ("items", "weight", "error", "message"),
    [
        ([], len, ValueError, "at least one item"),
        (["a", "b"], lambda _: 0, ValueError, "every item's weight is zero"),
        (["ok", "bad"], lambda i: -1 if i == "bad" else 1, ValueError, "weight of 'bad'"),
        (["nan"], lambda _: float("nan"), ValueError, "non-negative and finite"),
        (["inf"], lambda _: float("inf"), ValueError, "non-negative and finite"),
        (["s"], lambda _: "3", TypeError, "must be a number, got '3'"),
        (["b"], lambda _: True, TypeError, "must be a number"),
    ],
)
def test_bad_lotteries_are_refused(
    items: list[str], weight: Any, error: type[Exception], message: str
) -> None:
    """No items, negative, non-finite or non-numeric weights, or all zero: a clear error."""
    with pytest.raises(error, match=message):
        WeightedLottery(items, weight_key=weight)


@pytest.mark.parametrize(("size", "error"), [(-1, ValueError), (6, ValueError), (1.0, TypeError)])
def test_bad_sample_sizes_are_refused(size: object, error: type[Exception]) -> None:
    """A sample size below 0, above the population, or not an integer is refused."""
    lottery = WeightedLottery(WEIGHTS, weight_key=WEIGHTS.__getitem__)

    with pytest.raises(error, match="sample_size must be"):
        lottery.sample(size)  # type: ignore[arg-type]


def test_default_randomness_is_the_random_module() -> None:
    """Without rng, draws come from the random module, so random.seed makes them repeat."""
    lottery = WeightedLottery(list(range(100)), weight_key=lambda i: i + 1)

    random.seed(42)
    first = [lottery.pick() for _ in range(20)]
    random.seed(42)
    second = [lottery.pick() for _ in range(20)]

    assert first == second


def test_sample_when_one_item_holds_nearly_all_the_weight() -> None:
    """Retries rarely leave a dominant item; the rest is still drawn by weight.

    With "heavy" at 1000 of 1006, repeated picks almost never reach the others, so the
    sample is completed in one pass over the remaining items: their order must still follow
    their weights (1 : 2 : 3 for the second draw).
    """
    weights = {"heavy": 1000, "a": 1, "b": 2, "c": 3}
    lottery = WeightedLottery(weights, weight_key=weights.__getitem__, rng=random.Random(11))
    seconds: collections.Counter[str] = collections.Counter()
    for _ in range(20_000):
        sample = lottery.sample(4)
        assert len(set(sample)) == 4
        if sample[0] == "heavy":
            seconds[sample[1]] += 1
    drawn = sum(seconds.values())

    statistic = sum(
        (seconds[item] - drawn * weight / 6) ** 2 / (drawn * weight / 6)
        for item, weight in {"a": 1, "b": 2, "c": 3}.items()
    )
    assert drawn > 19_000
    assert statistic < 13.816  # 2 degrees of freedom, p = 0.001
