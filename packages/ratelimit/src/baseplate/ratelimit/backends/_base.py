"""The interface every rate limit backend implements."""

from __future__ import annotations

import abc


class RateLimitBackend(abc.ABC):
    """Where a :class:`~baseplate.ratelimit.RateLimiter` keeps its counts.

    A backend counts in fixed windows, ``interval`` seconds long, that start at the
    multiples of ``interval`` since the epoch. Adding to a count and reading the result must
    be one atomic step on storage that all the limiter's processes share: that is what keeps
    the limit exact under concurrent use.

    .. versionadded:: 0.1.0
    """

    @abc.abstractmethod
    def consume(self, key: str, amount: int, allowance: int, interval: int) -> bool:
        """Add ``amount`` to ``key``'s count in the current window.

        Args:
            key: The rate limit bucket to consume from.
            amount: How much to add to its count.
            allowance: The most the bucket lets through in one window.
            interval: The length of a window, in seconds.

        Returns:
            Whether the count, with ``amount`` added, is still at most ``allowance``.

        .. versionadded:: 0.1.0
        """
