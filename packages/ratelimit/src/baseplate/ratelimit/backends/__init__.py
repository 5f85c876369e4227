"""Backends keeping the counts of :class:`~baseplate.ratelimit.RateLimiter`.

:class:`RateLimitBackend` is the interface. :mod:`baseplate.ratelimit.backends.redis` (extra
``redis``) and :mod:`baseplate.ratelimit.backends.memcache` (extra ``memcache``) implement
it on the instrumented clients of baseplate-context-redis and baseplate-context-memcache.
"""

from __future__ import annotations

from baseplate.ratelimit.backends._base import RateLimitBackend

__all__ = ["RateLimitBackend"]

for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
