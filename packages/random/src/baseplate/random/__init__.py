"""Extensions to the standard library's :mod:`random`: weighted random choice.

:class:`WeightedLottery` picks items with chances in proportion to their weights::

    >>> words = ["apple", "banana", "cantaloupe"]
    >>> lottery = WeightedLottery(words, weight_key=len)
    >>> lottery.pick()  # doctest: +SKIP
    'banana'
    >>> lottery.sample(2)  # doctest: +SKIP
    ['apple', 'cantaloupe']
"""

from __future__ import annotations

from baseplate.random._lottery import WeightedLottery

__all__ = ["WeightedLottery"]
