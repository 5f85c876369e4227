"""The weighted lottery."""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import random as _random
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

T = TypeVar("T")


class WeightedLottery(Generic[T]):
    """A lottery whose items have different chances of being picked.

    An item's chance is its weight divided by the sum of all weights: the heavier, the likelier.
    An item of weight 0 is never picked. The weights are read once, when the lottery is made.

    Args:
        items: The items to choose from (any iterable; it is read once).
        weight_key: Returns an item's weight: a non-negative, finite number.
        rng: Where the randomness comes from; defaults to the :mod:`random` module's shared
            generator. Pass a seeded :class:`random.Random` for repeatable draws.

    Raises:
        ValueError: if there are no items, a weight is negative or not finite (the message
            names the item), or every weight is zero.
        TypeError: if a weight is not a number.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        items: Iterable[T],
        weight_key: Callable[[T], float],
        *,
        rng: _random.Random | None = None,
    ) -> None:
        self.items: list[T] = list(items)
        if not self.items:
            raise ValueError("a lottery needs at least one item, got none")
        self.weights: list[float] = [_check_weight(item, weight_key(item)) for item in self.items]
        self._cumulative = list(itertools.accumulate(self.weights))
        self._total = self._cumulative[-1]
        if self._total <= 0:
            raise ValueError(f"every item's weight is zero ({len(self.items)} items)")
        self._positive = sum(1 for weight in self.weights if weight > 0)
        self._random = rng.random if rng is not None else _random.random

    def pick(self) -> T:
        """Return one item, chosen with chance in proportion to its weight.

        Costs one random number and a binary search over the cumulative weights.
        """
        return self.items[self._pick_index()]

    def _pick_index(self) -> int:
        target = self._random() * self._total
        index = bisect.bisect_right(self._cumulative, target)
        # random() < 1, but float rounding can land on the total: take the last positive item.
        while index >= len(self.items) or self.weights[index] == 0:
            index -= 1
        return index

    def sample(self, sample_size: int) -> list[T]:
        """Return ``sample_size`` different items, drawn without replacement.

        The result is what picking one item at a time would give, each pick among the items
        not yet drawn, with chances in proportion to their weights: the first item of the
        sample is distributed as :meth:`pick` is. Items of weight 0 are never included, and
        no item appears twice (items are told apart by position, so equal items listed twice
        may both be drawn).

        Args:
            sample_size: How many items to draw, from 0 up to the number of items whose
                weight is above zero.

        Raises:
            ValueError: if ``sample_size`` is negative or more than the number of items that
                can be drawn.
            TypeError: if ``sample_size`` is not an integer.
        """
        if isinstance(sample_size, bool) or not isinstance(sample_size, int):
            raise TypeError(f"sample_size must be an integer, got {sample_size!r}")
        if not 0 <= sample_size <= self._positive:
            raise ValueError(
                f"sample_size must be between 0 and {self._positive} (the items whose weight "
                f"is above zero), got {sample_size}"
            )
        # Successive picks, each retried while it lands on an item already drawn: a retried
        # pick is a pick among the items not yet drawn, in proportion to their weights.
        drawn: dict[int, None] = {}  # an ordered set
        tries_left = 4 * sample_size + 16
        while len(drawn) < sample_size and tries_left:
            drawn[self._pick_index()] = None
            tries_left -= 1
        if len(drawn) < sample_size:
            # The drawn items hold most of the weight, so retries rarely land elsewhere:
            # draw the rest in one pass. Each remaining item gets the key u ** (1 / weight)
            # for a uniform u; the largest keys are a weighted sample without replacement, in
            # the order successive picks would give.
            random = self._random
            keyed = (
                (random() ** (1.0 / weight), index)
                for index, weight in enumerate(self.weights)
                if weight > 0 and index not in drawn
            )
            for _, index in heapq.nlargest(sample_size - len(drawn), keyed):
                drawn[index] = None
        return [self.items[index] for index in drawn]


def _check_weight(item: object, weight: object) -> float:
    if isinstance(weight, bool) or not isinstance(weight, int | float):
        raise TypeError(f"the weight of {item!r} must be a number, got {weight!r}")
    if not (weight >= 0 and math.isfinite(weight)):
        raise ValueError(f"the weight of {item!r} must be non-negative and finite, got {weight!r}")
    return weight
