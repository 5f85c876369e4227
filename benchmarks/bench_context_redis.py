"""Benchmark: a GET through the context's Redis client against a bare redis-py GET.

Both GETs take the one connection of the same one-connection pool, so the figures differ only
by the instrumentation: the span each command makes (no observers registered, so this is the
span machinery's own cost) and the client's extra call. Prints microseconds per GET (best of
several runs, the two interleaved) and their ratio; with ``--cluster`` the same for a node of
the cluster tools/redis-cluster.sh starts, through ``RedisCluster``. Also the cost of making
each request's client (once per request, on first use of ``context.redis``).

Needs a Redis server (BASEPLATE_REDIS_ADDR, default 127.0.0.1:6379).

    python benchmarks/bench_context_redis.py [--number 5000] [--repeat 7] [--cluster]
"""

from __future__ import annotations

import argparse
import os
import timeit
from collections.abc import Callable
from typing import Any

import redis
import redis.cluster
from _timing import best_microseconds

from baseplate.context.redis import (
    ClusterRedisContextFactory,
    RedisContextFactory,
    cluster_pool_from_config,
    pool_from_config,
)
from baseplate.core import Baseplate, ContextFactory, RequestContext


def interleaved(
    bare: Callable[[], object], instrumented: Callable[[], object], number: int, repeat: int
) -> tuple[float, float]:
    """Microseconds per call of each, best of ``repeat`` alternating runs of ``number``."""
    bare()
    instrumented()
    best_bare = best_instrumented = float("inf")
    for _ in range(repeat):
        best_bare = min(best_bare, timeit.timeit(bare, number=number))
        best_instrumented = min(best_instrumented, timeit.timeit(instrumented, number=number))
    return best_bare / number * 1e6, best_instrumented / number * 1e6


def context_client(factory: ContextFactory) -> Any:
    """The client a request would find on its context as ``redis``."""
    baseplate = Baseplate()
    baseplate.add_to_context("redis", factory)
    context = RequestContext()
    baseplate.make_server_span(context, "bench").start()
    return context.redis


def report(label: str, bare_us: float, context_us: float) -> None:
    print(f"{label} bare redis-py GET   {bare_us:7.2f} us")
    print(f"{label} context client GET  {context_us:7.2f} us")
    overhead = context_us - bare_us
    print(f"{label} ratio {context_us / bare_us:.3f}x ({overhead:+.2f} us per GET)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--cluster", action="store_true", help="also time the cluster client")
    args = parser.parse_args()

    address = os.environ.get("BASEPLATE_REDIS_ADDR", "127.0.0.1:6379")
    pool = pool_from_config({"redis.url": f"redis://{address}/0", "redis.max_connections": "1"})
    bare = redis.Redis(connection_pool=pool)
    bare.set("bench:key", "value")
    factory = RedisContextFactory(pool)
    client = context_client(factory)
    report(
        "redis",
        *interleaved(
            lambda: bare.get("bench:key"), lambda: client.get("bench:key"), args.number, args.repeat
        ),
    )

    span = Baseplate().make_server_span(RequestContext(), "bench")
    made = best_microseconds(lambda: factory.make_object_for_context("redis", span), 20_000, 5)
    print(f"redis per-request client            {made:7.2f} us")

    if args.cluster:
        node = os.environ.get("BASEPLATE_REDIS_CLUSTER_ADDR", "127.0.0.1:7000")
        cluster = cluster_pool_from_config(
            {"redis.url": f"redis://{node}", "redis.max_connections": "1"}
        )
        cluster.set("bench:key", "value")
        cluster_client = context_client(ClusterRedisContextFactory(cluster))
        report(
            "cluster",
            *interleaved(
                lambda: cluster.get("bench:key"),
                lambda: cluster_client.get("bench:key"),
                args.number,
                args.repeat,
            ),
        )
        cluster.close()
    pool.disconnect()


if __name__ == "__main__":
    main()
