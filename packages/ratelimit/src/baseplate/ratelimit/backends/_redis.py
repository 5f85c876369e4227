"""The Redis backend: a counter per bucket and window, INCRBY and EXPIRE in one transaction."""

from __future__ import annotations

import redis
import redis.cluster

from baseplate.context.redis import (
    ClusterRedisContextFactory,
    MonitoredClusterRedisConnection,
    MonitoredRedisConnection,
    RedisContextFactory,
)
from baseplate.core import ContextFactory, Span
from baseplate.ratelimit._window import time_to_live, window_key
from baseplate.ratelimit.backends._base import RateLimitBackend

DEFAULT_PREFIX = "rl:"


class RedisRateLimitBackend(RateLimitBackend):
    """Counts in Redis, through the request's instrumented client.

    Each :meth:`consume` sends one transaction (MULTI, ``INCRBY`` of the window's counter,
    ``EXPIRE`` of two intervals, EXEC) in one round trip, a child span named
    ``<context attribute>.pipeline_ratelimit``. Redis adds to the counter atomically and
    answers with the sum, so concurrent consumers in any number of processes are counted
    exactly. The counter is ``prefix + key + window`` (see :mod:`baseplate.ratelimit`), the
    original framework's key, so its services and these share limits.

    Args:
        redis: The request's client: a
            :class:`~baseplate.context.redis.MonitoredRedisConnection`, or a
            :class:`~baseplate.context.redis.MonitoredClusterRedisConnection` (a counter's
            two commands go to the node holding its key).
        prefix: Put before every key, so that two limiters given the same keys count
            apart.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        redis: MonitoredRedisConnection | MonitoredClusterRedisConnection,
        prefix: str = DEFAULT_PREFIX,
    ) -> None:
        self.redis = redis
        self.prefix = prefix

    def consume(self, key: str, amount: int, allowance: int, interval: int) -> bool:
        """Add ``amount`` to ``key``'s counter in this window; whether it is within
        ``allowance``.

        Raises:
            redis.exceptions.RedisError: as redis-py raises it (the span records it).
        """
        counter = window_key(self.prefix, key, interval)
        with self.redis.pipeline("ratelimit", transaction=True) as pipe:
            pipe.incrby(counter, amount)
            pipe.expire(counter, time_to_live(interval))
            count, _ = pipe.execute()
        return int(count) <= allowance


class RedisRateLimitBackendContextFactory(ContextFactory):
    """Puts a :class:`RedisRateLimitBackend` for each request into a
    :class:`~baseplate.ratelimit.RateLimiterContextFactory`.

    Args:
        redis_pool: The pool of connections to the Redis server, as
            :func:`baseplate.context.redis.pool_from_config` makes it.
        prefix: Put before every key, so that two limiters given the same keys count
            apart.

    .. versionadded:: 0.1.0
    """

    def __init__(self, redis_pool: redis.ConnectionPool, prefix: str = DEFAULT_PREFIX) -> None:
        self.redis_pool = redis_pool
        self.prefix = prefix
        self._clients = RedisContextFactory(redis_pool)

    def make_object_for_context(self, name: str, span: Span) -> RedisRateLimitBackend:
        """Return a backend whose commands are child spans of ``span``, named after ``name``."""
        return RedisRateLimitBackend(self._clients.make_object_for_context(name, span), self.prefix)


class ClusterRedisRateLimitBackendContextFactory(ContextFactory):
    """As :class:`RedisRateLimitBackendContextFactory`, counting in a Redis cluster.

    Args:
        cluster: The cluster client, as :func:`baseplate.context.redis.cluster_pool_from_config`
            makes it.
        prefix: Put before every key, so that two limiters given the same keys count
            apart.

    .. versionadded:: 0.1.0
    """

    def __init__(self, cluster: redis.cluster.RedisCluster, prefix: str = DEFAULT_PREFIX) -> None:
        self.cluster = cluster
        self.prefix = prefix
        self._clients = ClusterRedisContextFactory(cluster)

    def make_object_for_context(self, name: str, span: Span) -> RedisRateLimitBackend:
        """Return a backend whose commands are child spans of ``span``, named after ``name``."""
        return RedisRateLimitBackend(self._clients.make_object_for_context(name, span), self.prefix)
