"""The rate limiter and its context factory."""

from __future__ import annotations

from baseplate.core import ContextFactory, Span
from baseplate.ratelimit._errors import RateLimitExceededException
from baseplate.ratelimit._window import check_amount, check_limits
from baseplate.ratelimit.backends._base import RateLimitBackend


class RateLimiter:
    """Lets through at most ``allowance`` per key in each window of ``interval`` seconds.

    Windows are fixed: they start at the multiples of ``interval`` seconds since the epoch,
    and every key's count starts again from zero in the next window. The counts are kept by
    the backend, so every process sharing its server shares the limit, and each
    :meth:`consume` is one atomic step there: however many greenlets and processes consume
    at once, no more than the allowance gets through in a window.

    Args:
        backend: Where the counts are kept.
        allowance: The most each key lets through in one window, at least 1.
        interval: The length of a window, in seconds, at least 1.

    Raises:
        ValueError: if ``allowance`` or ``interval`` is not an integer of at least 1.

    .. versionadded:: 0.1.0
    """

    def __init__(self, backend: RateLimitBackend, allowance: int, interval: int) -> None:
        check_limits(allowance, interval)
        self.backend = backend
        self.allowance = allowance
        self.interval = interval

    def consume(self, key: str, amount: int = 1) -> None:
        """Consume ``amount`` from ``key``'s allowance in the current window.

        An amount that does not fit still counts: once a key is over its allowance, every
        later call in the same window is refused too.

        Args:
            key: The rate limit bucket to consume from (a user's id, say).
            amount: How much to consume, at least 1.

        Raises:
            RateLimitExceededException: if the key's count in this window, with ``amount``,
                is over the allowance.
            ValueError: if ``amount`` is not an integer of at least 1.

        .. versionadded:: 0.1.0
        """
        check_amount(amount)
        if not self.backend.consume(key, amount, self.allowance, self.interval):
            raise RateLimitExceededException(key, amount, self.allowance, self.interval)


class RateLimiterContextFactory(ContextFactory):
    """Puts a :class:`RateLimiter` on each request's context.

    Each request's limiter counts through the backend that ``backend_factory`` makes for the
    request, so the backend's calls are child spans of the request's span (named after the
    limiter's context attribute).

    Args:
        backend_factory: A context factory whose objects are
            :class:`~baseplate.ratelimit.backends.RateLimitBackend` instances, such as
            :class:`~baseplate.ratelimit.backends.redis.RedisRateLimitBackendContextFactory`.
        allowance: The most each key lets through in one window, at least 1.
        interval: The length of a window, in seconds, at least 1.

    Raises:
        ValueError: if ``allowance`` or ``interval`` is not an integer of at least 1.

    .. versionadded:: 0.1.0
    """

    def __init__(self, backend_factory: ContextFactory, allowance: int, interval: int) -> None:
        check_limits(allowance, interval)
        self.backend_factory = backend_factory
        self.allowance = allowance
        self.interval = interval

    def make_object_for_context(self, name: str, span: Span) -> RateLimiter:
        """Return a limiter whose backend the backend factory made for ``name`` and ``span``."""
        backend = self.backend_factory.make_object_for_context(name, span)
        return RateLimiter(backend, self.allowance, self.interval)
