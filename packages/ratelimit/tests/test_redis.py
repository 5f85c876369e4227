"""The Redis backend, against the real server (and the real cluster)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import redis

from baseplate.context.redis import cluster_pool_from_config, pool_from_config
from baseplate.ratelimit.backends.redis import (
    ClusterRedisRateLimitBackendContextFactory,
    RedisRateLimitBackendContextFactory,
)

pytestmark = pytest.mark.integration

Limit = Callable[..., Any]


@pytest.fixture
def pool(redis_address: tuple[str, int]) -> Iterator[redis.ConnectionPool]:
    host, port = redis_address
    connection_pool = pool_from_config(
        {"redis.url": f"redis://{host}:{port}/0", "redis.socket_timeout": "5 seconds"}
    )
    yield connection_pool
    connection_pool.disconnect()


@pytest.fixture
def bare(pool: redis.ConnectionPool) -> redis.Redis:
    """A plain client on the same server, to look at the counters."""
    return redis.Redis(connection_pool=pool)


def test_allowance_per_window_on_the_server(
    pool: redis.ConnectionPool,
    bare: redis.Redis,
    prefix: str,
    limit: Limit,
) -> None:
    """The allowance gets through and the next is refused; the count is in the counter
    prefix + key + window, living two intervals; each consume is one pipeline span."""
    limited = limit(RedisRateLimitBackendContextFactory(pool, prefix=prefix), 3, 600)
    results, before = limited.consume_in_one_window("user", 4)
    assert results == [True, True, True, False]
    counter = f"{prefix}user{before}"
    assert bare.get(counter) == b"4"
    assert 600 < bare.ttl(counter) <= 1200
    assert [span.name for span in limited.spans] == ["ratelimiter.pipeline_ratelimit"] * 4
    assert all(span.finished and span.exc_info is None for span in limited.spans)


def test_default_prefix_is_rl(
    pool: redis.ConnectionPool,
    bare: redis.Redis,
    prefix: str,
    limit: Limit,
) -> None:
    """Without a prefix, counters are named rl: + key + window, as the original's."""
    limited = limit(RedisRateLimitBackendContextFactory(pool), 5, 600)
    key = prefix + "bucket"
    results, number = limited.consume_in_one_window(key, 1, amount=2)
    counters = [name.decode() for name in bare.keys(f"rl:{key}*")]
    try:
        assert results == [True]
        assert counters == [f"rl:{key}{number}"]
        assert bare.get(counters[0]) == b"2"
    finally:
        bare.delete(*counters)


def test_next_window_starts_from_zero(
    pool: redis.ConnectionPool,
    prefix: str,
    limit: Limit,
    frozen: SimpleNamespace,
) -> None:
    """A key refused in one window is let through again in the next."""
    limited = limit(RedisRateLimitBackendContextFactory(pool, prefix=prefix), 2, 60)
    assert [limited.consume("k") for _ in range(3)] == [True, True, False]
    frozen.now += 19.5  # still 1_000_000_019: the same window as ..._000 (..._980 to ..._039)
    assert not limited.consume("k")
    frozen.now += 20  # 1_000_000_039.5 -> window 16_666_667
    assert [limited.consume("k") for _ in range(3)] == [True, True, False]


def test_a_failing_server_is_recorded_and_raised(
    prefix: str, limit: Limit, unused_port: Callable[[], int]
) -> None:
    """When Redis cannot be reached, consume raises redis-py's error (the request is not
    let through silently) and the pipeline's span records it."""
    dead = pool_from_config(
        {
            "redis.url": f"redis://127.0.0.1:{unused_port()}/0",
            "redis.socket_connect_timeout": "500 milliseconds",
        }
    )
    limited = limit(RedisRateLimitBackendContextFactory(dead, prefix=prefix), 2, 60)
    with pytest.raises(redis.exceptions.ConnectionError):
        limited.consume("k")
    [span] = limited.spans
    assert span.name == "ratelimiter.pipeline_ratelimit"
    assert span.exc_info is not None


@pytest.fixture
def cluster(service_address: Callable[[str, int], tuple[str, int]]) -> Iterator[Any]:
    host, port = service_address("redis_cluster", 7000)
    client = cluster_pool_from_config(
        {"redis.url": f"redis://{host}:{port}", "redis.socket_timeout": "5 seconds"}
    )
    yield client
    client.close()


def test_cluster_counts_on_the_node_of_the_key(cluster: Any, prefix: str, limit: Limit) -> None:
    """On a cluster, each consume is one pipeline span served by the node holding the
    counter, and the allowance holds."""
    factory = ClusterRedisRateLimitBackendContextFactory(cluster, prefix=prefix)
    limited = limit(factory, 2, 600)
    results, before = limited.consume_in_one_window("user", 3)
    assert results == [True, True, False]
    assert int(cluster.get(f"{prefix}user{before}")) == 3
    assert [span.name for span in limited.spans] == ["ratelimiter.pipeline_ratelimit"] * 3
