"""Benchmark: a get through the context's memcached client against a bare pymemcache get.

Both run in one process against the same memcached (BASEPLATE_MEMCACHED_ADDR, default
127.0.0.1:11211, as tools/memcached.sh starts it), through the same pool, for the same
small key, alternately, so the server and the network cost the same for both. Prints
microseconds per call (best of the repeats) for:

- ``PooledClient.get``, pymemcache alone;
- ``MonitoredMemcacheConnection.get``, the connection a request's context holds: the same get
  inside a child span of the request's span (a Baseplate with no observers, so the figure is
  what the instrumentation itself costs);

and their ratio.

    python benchmarks/bench_context_memcache.py [--number 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os

from _timing import best_microseconds
from pymemcache.client.base import PooledClient

from baseplate.context.memcache import MemcacheContextFactory
from baseplate.core import Baseplate, RequestContext


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    host, _, port = os.environ.get("BASEPLATE_MEMCACHED_ADDR", "127.0.0.1:11211").rpartition(":")
    pool = PooledClient((host, int(port)), connect_timeout=1.0, timeout=1.0)
    key = "baseplate-bench:context-memcache"
    pool.set(key, b"x" * 100, noreply=False)

    baseplate = Baseplate()
    baseplate.add_to_context("memcache", MemcacheContextFactory(pool))
    context = RequestContext()
    span = baseplate.make_server_span(context, "bench")
    span.start()
    connection = context.memcache

    bare = context_client = float("inf")
    for _ in range(args.repeat):  # alternate, so a slower moment of the machine hits both
        bare = min(bare, best_microseconds(lambda: pool.get(key), args.number, 1))
        context_client = min(
            context_client, best_microseconds(lambda: connection.get(key), args.number, 1)
        )
    span.finish()
    pool.delete(key, noreply=False)
    pool.close()

    print(f"{'PooledClient.get':34} {bare:7.2f} us per call")
    print(f"{'MonitoredMemcacheConnection.get':34} {context_client:7.2f} us per call")
    print(f"ratio (context / bare): {context_client / bare:.3f}")


if __name__ == "__main__":
    main()
