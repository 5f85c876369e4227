"""Policies for retrying an operation safely.

.. note:: This module is a low-level helper: many client libraries have protocol-aware retry
   logic built in. Check your library before using this.

A :class:`RetryPolicy` is iterated once per operation. Each item allows one attempt and says how
many seconds the attempt may take (``None`` when there is no time limit); the loop's ``else``
branch runs when the policy gives up::

    from baseplate.retry import RetryPolicy

    for time_remaining in RetryPolicy.new(attempts=3, budget=2.0, backoff=0.05):
        try:
            result = fetch(timeout=time_remaining)
            break
        except ConnectionError:
            continue
    else:
        raise RuntimeError("gave up on fetch")

:meth:`RetryPolicy.new` composes the policy classes below: an attempt limit, inside a time
budget, inside exponential backoff. The classes can also be composed by hand.
"""

from __future__ import annotations

from types import FunctionType

from baseplate.retry._policy import (
    ExponentialBackoffRetryPolicy,
    IndefiniteRetryPolicy,
    MaximumAttemptsRetryPolicy,
    RetryPolicy,
    SleepFunc,
    TimeBudgetRetryPolicy,
    TimeFunc,
)

__all__ = [
    "ExponentialBackoffRetryPolicy",
    "IndefiniteRetryPolicy",
    "MaximumAttemptsRetryPolicy",
    "RetryPolicy",
    "SleepFunc",
    "TimeBudgetRetryPolicy",
    "TimeFunc",
]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
