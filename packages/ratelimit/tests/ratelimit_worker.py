"""A worker process of the concurrency tests: greenlets consuming from one rate limit bucket.

Usage: ratelimit_worker.py TARGET PREFIX KEY ALLOWANCE INTERVAL AMOUNT GREENLETS HITS GO_FILE

TARGET is ``redis://host:port/0``, ``redis-cluster://host:port`` or ``memcache://host:port``.
The process patches itself for gevent, prints ``ready``, waits for GO_FILE to exist, then runs
GREENLETS greenlets that each make HITS requests, each request consuming AMOUNT from KEY
through the rate limiter on its context; it prints ``allowed=N refused=N`` and exits 0, or
exits 1 when a consume failed in another way than a refusal.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

import gevent  # noqa: E402

from baseplate.core import Baseplate, ContextFactory, RequestContext  # noqa: E402
from baseplate.ratelimit import RateLimiterContextFactory, RateLimitExceededException  # noqa: E402


def backend_factory(target: str, prefix: str, greenlets: int) -> ContextFactory:
    scheme, _, rest = target.partition("://")
    if scheme == "memcache":
        from baseplate.context.memcache import pool_from_config as memcache_pool
        from baseplate.ratelimit.backends.memcache import MemcacheRateLimitBackendContextFactory

        pool = memcache_pool({"memcache.endpoint": rest, "memcache.timeout": "5 seconds"})
        return MemcacheRateLimitBackendContextFactory(pool, prefix=prefix)
    if scheme == "redis-cluster":
        from baseplate.context.redis import cluster_pool_from_config
        from baseplate.ratelimit.backends.redis import ClusterRedisRateLimitBackendContextFactory

        cluster = cluster_pool_from_config(
            {"redis.url": f"redis://{rest}", "redis.socket_timeout": "5 seconds"}
        )
        return ClusterRedisRateLimitBackendContextFactory(cluster, prefix=prefix)
    from baseplate.context.redis import pool_from_config as redis_pool
    from baseplate.ratelimit.backends.redis import RedisRateLimitBackendContextFactory

    pool = redis_pool(
        {
            "redis.url": target,
            "redis.max_connections": str(greenlets),
            "redis.socket_timeout": "5 seconds",
        }
    )
    return RedisRateLimitBackendContextFactory(pool, prefix=prefix)


def main() -> int:
    target, prefix, key, allowance, interval, amount, greenlets, hits, go = sys.argv[1:]
    baseplate = Baseplate()
    factory = RateLimiterContextFactory(
        backend_factory(target, prefix, int(greenlets)), int(allowance), int(interval)
    )
    baseplate.add_to_context("ratelimiter", factory)
    counts = {"allowed": 0, "refused": 0, "failed": 0}

    def hit_repeatedly() -> None:
        for _ in range(int(hits)):
            context = RequestContext()
            try:
                with baseplate.make_server_span(context, "hit"):
                    context.ratelimiter.consume(key, int(amount))
            except RateLimitExceededException:
                counts["refused"] += 1
            except Exception:
                counts["failed"] += 1
                traceback.print_exc()
            else:
                counts["allowed"] += 1

    print("ready", flush=True)
    deadline = time.monotonic() + 30
    while not os.path.exists(go):
        if time.monotonic() > deadline:
            print("no go file", flush=True)
            return 1
        gevent.sleep(0.005)
    gevent.joinall([gevent.spawn(hit_repeatedly) for _ in range(int(greenlets))])
    print(f"allowed={counts['allowed']} refused={counts['refused']}", flush=True)
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
