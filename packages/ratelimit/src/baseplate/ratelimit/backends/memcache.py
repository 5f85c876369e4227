"""The memcached backend of :mod:`baseplate.ratelimit`
(``pip install "baseplate-ratelimit[memcache]"``).

::

    from baseplate.context.memcache import pool_from_config
    from baseplate.ratelimit import RateLimiterContextFactory
    from baseplate.ratelimit.backends.memcache import MemcacheRateLimitBackendContextFactory

    backend_factory = MemcacheRateLimitBackendContextFactory(pool_from_config(app_config))
    baseplate.add_to_context(
        "ratelimiter", RateLimiterContextFactory(backend_factory, allowance=100, interval=60)
    )
"""

from __future__ import annotations

from baseplate.ratelimit.backends._memcache import (
    MemcacheRateLimitBackend,
    MemcacheRateLimitBackendContextFactory,
)

__all__ = ["MemcacheRateLimitBackend", "MemcacheRateLimitBackendContextFactory"]

for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
