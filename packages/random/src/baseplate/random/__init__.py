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

# Present the public classes and functions under this module, so reprs, pickles and the
# documentation name it rather than the private module that defines them.
for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
