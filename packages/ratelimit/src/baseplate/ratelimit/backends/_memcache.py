"""The memcached backend: a counter per bucket and window, grown with incr, created with add."""

from __future__ import annotations

import time

from pymemcache.client.base import PooledClient
from pymemcache.exceptions import MemcacheError

from baseplate.context.memcache import MemcacheContextFactory, MonitoredMemcacheConnection
from baseplate.core import ContextFactory, Span
from baseplate.ratelimit._window import time_to_live, window_key
from baseplate.ratelimit.backends._base import RateLimitBackend

DEFAULT_PREFIX = "rl:"

# memcached reads an expiry of more than 30 days as a moment (seconds since the epoch), not
# as a number of seconds from now.
_LONGEST_RELATIVE_EXPIRY = 30 * 24 * 60 * 60

# Attempts at incr-or-add before giving up; a second attempt is needed only when the
# counter vanished between two calls (evicted, or expired at that instant).
_ATTEMPTS = 3


class MemcacheRateLimitBackend(RateLimitBackend):
    """Counts in memcached, through the request's instrumented connection.

    Each :meth:`consume` adds to the window's counter with memcached's ``incr``, which is
    atomic and answers with the sum. The first consumer of a window finds no counter and
    creates it with ``add``, which only one of several concurrent consumers can do; the
    others ``incr`` the counter it made. So concurrent consumers in any number of
    processes are counted exactly, in one round trip (two or three for a window's first).
    Each call is a child span (``<context attribute>.incr``, ``.add``). The counter is
    ``prefix + key + window`` and lives for two intervals (see :mod:`baseplate.ratelimit`),
    as the original framework's, so its services and these share limits.

    The pool's serializer must store :class:`bytes` as they are, as pymemcache's default
    and the serializers of :mod:`baseplate.context.memcache.lib` do (without compressing
    values of a few bytes): the counter is created as the decimal digits of the amount.

    Args:
        memcache: The request's connection, a
            :class:`~baseplate.context.memcache.MonitoredMemcacheConnection`.
        prefix: Put before every key, so that two limiters given the same keys count
            apart.

    .. versionadded:: 0.1.0
    """

    def __init__(self, memcache: MonitoredMemcacheConnection, prefix: str = DEFAULT_PREFIX) -> None:
        self.memcache = memcache
        self.prefix = prefix

    def consume(self, key: str, amount: int, allowance: int, interval: int) -> bool:
        """Add ``amount`` to ``key``'s counter in this window; whether it is within
        ``allowance``.

        Raises:
            pymemcache.exceptions.MemcacheError: as pymemcache raises it, and when the
                counter disappeared again and again under the call (the span records it).
            OSError: when memcached cannot be reached.
        """
        counter = window_key(self.prefix, key, interval)
        for _ in range(_ATTEMPTS):
            count = self.memcache.incr(counter, amount, noreply=False)
            if count is not None:
                return int(count) <= allowance
            if self.memcache.add(
                counter, str(amount).encode("ascii"), expire=_expiry(interval), noreply=False
            ):
                return amount <= allowance
        raise MemcacheError(f"the rate limit counter {counter!r} vanished {_ATTEMPTS} times")


def _expiry(interval: int) -> int:
    """The expiry to give memcached for a counter of windows ``interval`` seconds long."""
    ttl = time_to_live(interval)
    if ttl > _LONGEST_RELATIVE_EXPIRY:
        return int(time.time()) + ttl
    return ttl


class MemcacheRateLimitBackendContextFactory(ContextFactory):
    """Puts a :class:`MemcacheRateLimitBackend` for each request into a
    :class:`~baseplate.ratelimit.RateLimiterContextFactory`.

    Args:
        memcache_pool: The pool of connections to memcached, as
            :func:`baseplate.context.memcache.pool_from_config` makes it (a pymemcache
            ``PooledClient``).
        prefix: Put before every key, so that two limiters given the same keys count
            apart.

    .. versionadded:: 0.1.0
    """

    def __init__(self, memcache_pool: PooledClient, prefix: str = DEFAULT_PREFIX) -> None:
        self.memcache_pool = memcache_pool
        self.prefix = prefix
        self._connections = MemcacheContextFactory(memcache_pool)

    def make_object_for_context(self, name: str, span: Span) -> MemcacheRateLimitBackend:
        """Return a backend whose calls are child spans of ``span``, named after ``name``."""
        connection = self._connections.make_object_for_context(name, span)
        return MemcacheRateLimitBackend(connection, self.prefix)
