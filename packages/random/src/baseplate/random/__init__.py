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

from types import FunctionType

from baseplate.random._lottery import WeightedLottery

__all__ = ["WeightedLottery"]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
