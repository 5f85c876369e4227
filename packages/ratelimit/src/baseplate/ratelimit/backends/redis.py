"""The Redis backend of :mod:`baseplate.ratelimit` (``pip install "baseplate-ratelimit[redis]"``).

::

    from baseplate.context.redis import pool_from_config
    from baseplate.ratelimit import RateLimiterContextFactory
    from baseplate.ratelimit.backends.redis import RedisRateLimitBackendContextFactory

    backend_factory = RedisRateLimitBackendContextFactory(pool_from_config(app_config))
    baseplate.add_to_context(
        "ratelimiter", RateLimiterContextFactory(backend_factory, allowance=100, interval=60)
    )
"""

from __future__ import annotations

from baseplate.ratelimit.backends._redis import (
    ClusterRedisRateLimitBackendContextFactory,
    RedisRateLimitBackend,
    RedisRateLimitBackendContextFactory,
)

__all__ = [
    "ClusterRedisRateLimitBackendContextFactory",
    "RedisRateLimitBackend",
    "RedisRateLimitBackendContextFactory",
]

for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
