"""The exception this package raises when a rate limit is used up."""

from __future__ import annotations


class RateLimitExceededException(Exception):
    """A :meth:`RateLimiter.consume <baseplate.ratelimit.RateLimiter.consume>` found the
    key's allowance for the current window used up.

    The exception is picklable. Its attributes are ``None`` when it was raised without them
    (``raise RateLimitExceededException()``, as code written for the original does).

    Args:
        key: The rate limit bucket that was full.
        amount: How much the call asked to consume.
        allowance: The most the bucket lets through in one window.
        interval: The length of a window, in seconds.

    Attributes:
        key: The rate limit bucket that was full.
        amount: How much the call asked to consume.
        allowance: The most the bucket lets through in one window.
        interval: The length of a window, in seconds.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        key: str | None = None,
        amount: int | None = None,
        allowance: int | None = None,
        interval: int | None = None,
    ) -> None:
        super().__init__(key, amount, allowance, interval)
        self.key = key
        self.amount = amount
        self.allowance = allowance
        self.interval = interval

    def __str__(self) -> str:
        if self.key is None:
            return "rate limit exceeded"
        return (
            f"rate limit exceeded for {self.key!r}: consuming {self.amount} would pass the "
            f"allowance of {self.allowance} per {self.interval} s"
        )
