"""Rate limits on each request's context: at most so many actions per key in each window.

A :class:`RateLimiter` lets through at most ``allowance`` per key (a user's id, say) in each
window of ``interval`` seconds, counting in a backend that every process of the service
shares: Redis (:mod:`baseplate.ratelimit.backends.redis`, extra ``redis``) or memcached
(:mod:`baseplate.ratelimit.backends.memcache`, extra ``memcache``). Counting is exact
however many greenlets and processes consume at once.

Windows are fixed: the window of a moment is ``int(time) // interval``, counting from the
epoch, and a key's counter in it is stored under ``prefix + key + str(window)`` (prefix
``rl:`` by default) for two intervals. These are the original framework's counters, so its
services and these can share limits.

::

    from baseplate.context.redis import pool_from_config
    from baseplate.ratelimit import RateLimiterContextFactory, RateLimitExceededException
    from baseplate.ratelimit.backends.redis import RedisRateLimitBackendContextFactory

    backend_factory = RedisRateLimitBackendContextFactory(pool_from_config(app_config))
    baseplate.add_to_context(
        "ratelimiter", RateLimiterContextFactory(backend_factory, allowance=100, interval=60)
    )

    def handler(context, user_id):
        try:
            context.ratelimiter.consume(user_id)
        except RateLimitExceededException:
            return "Too many requests"
"""

from __future__ import annotations

from baseplate.ratelimit._errors import RateLimitExceededException
from baseplate.ratelimit._limiter import RateLimiter, RateLimiterContextFactory
from baseplate.ratelimit.backends import RateLimitBackend

__all__ = [
    "RateLimitBackend",
    "RateLimitExceededException",
    "RateLimiter",
    "RateLimiterContextFactory",
]

for _name in ("RateLimitExceededException", "RateLimiter", "RateLimiterContextFactory"):
    globals()[_name].__module__ = __name__
del _name
