"""The Redis backend, against the real server (and the real cluster)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import redis

from baseplate.context.redis import cluster_pool_from_config, pool_from_config
from baseplate.ratelimit import RateLimitExceededException, _window
from baseplate.ratelimit.backends.redis import (
    ClusterRedisRateLimitBackendContextFactory,
    RedisRateLimitBackendContextFactory,
)

pytestmark = pytest.mark.integration

RequestsWith = Callable[..., Any]
Window = Callable[[int], int]


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


def consume(requests: Any, key: str, amount: int = 1) -> bool:
    """Consume in one request; whether it was let through."""

    def handler(context: Any) -> bool:
        try:
            context.ratelimiter.consume(key, amount)
        except RateLimitExceededException:
            return False
        return True

    return bool(requests(handler))


def test_allowance_per_window_on_the_server(
    pool: redis.ConnectionPool,
    bare: redis.Redis,
    prefix: str,
    requests_with: RequestsWith,
    window: Window,
) -> None:
    """The allowance gets through and the next is refused; the count is in the counter
    prefix + key + window, living two intervals; each consume is one pipeline span."""
    requests = requests_with(RedisRateLimitBackendContextFactory(pool, prefix=prefix), 3, 600)
    before = window(600)
    results = [consume(requests, "user") for _ in range(4)]
    if window(600) != before:
        pytest.skip("a window ended during the test; run it again")
    assert results == [True, True, True, False]
    counter = f"{prefix}user{before}"
    assert bare.get(counter) == b"4"
    assert 600 < bare.ttl(counter) <= 1200
    assert [span.name for span in requests.spans] == ["ratelimiter.pipeline_ratelimit"] * 4
    assert all(span.finished and span.exc_info is None for span in requests.spans)


def test_default_prefix_is_rl(
    pool: redis.ConnectionPool,
    bare: redis.Redis,
    prefix: str,
    requests_with: RequestsWith,
    window: Window,
) -> None:
    """Without a prefix, counters are named rl: + key + window, as the original's."""
    requests = requests_with(RedisRateLimitBackendContextFactory(pool), 5, 600)
    key = prefix + "bucket"
    assert consume(requests, key, 2)
    counters = [name.decode() for name in bare.keys(f"rl:{key}*")]
    try:
        assert counters == [f"rl:{key}{window(600)}"] or counters == [f"rl:{key}{window(600) - 1}"]
        assert bare.get(counters[0]) == b"2"
    finally:
        bare.delete(*counters)


def test_next_window_starts_from_zero(
    pool: redis.ConnectionPool,
    prefix: str,
    requests_with: RequestsWith,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A key refused in one window is let through again in the next."""
    clock = SimpleNamespace(now=1_000_000_000.0)
    monkeypatch.setattr(_window, "time", SimpleNamespace(time=lambda: clock.now))
    requests = requests_with(RedisRateLimitBackendContextFactory(pool, prefix=prefix), 2, 60)
    assert [consume(requests, "k") for _ in range(3)] == [True, True, False]
    clock.now += 19.5  # still 1_000_000_019: the same window as ..._000 (..._980 to ..._039)
    assert not consume(requests, "k")
    clock.now += 20  # 1_000_000_039.5 -> window 16_666_667
    assert [consume(requests, "k") for _ in range(3)] == [True, True, False]


def test_a_failing_server_is_recorded_and_raised(
    prefix: str, requests_with: RequestsWith, unused_port: Callable[[], int]
) -> None:
    """When Redis cannot be reached, consume raises redis-py's error (the request is not
    let through silently) and the pipeline's span records it."""
    dead = pool_from_config(
        {
            "redis.url": f"redis://127.0.0.1:{unused_port()}/0",
            "redis.socket_connect_timeout": "500 milliseconds",
        }
    )
    requests = requests_with(RedisRateLimitBackendContextFactory(dead, prefix=prefix), 2, 60)
    with pytest.raises(redis.exceptions.ConnectionError):
        consume(requests, "k")
    [span] = requests.spans
    assert span.name == "ratelimiter.pipeline_ratelimit"
    assert span.exc_info is not None


@pytest.mark.parametrize("amount", [1, 3])
def test_counting_is_exact_across_processes_and_greenlets(
    redis_address: tuple[str, int], prefix: str, workers: Any, amount: int, window: Window
) -> None:
    """4 processes x 10 greenlets x 20 hits at once on one bucket: exactly the allowance
    (in whole amounts) gets through, every other hit is refused."""
    host, port = redis_address
    for _ in range(2):  # once more if a window ended during the run
        before = window(3600)
        allowed, refused = workers.run(
            f"redis://{host}:{port}/0",
            f"{prefix}{before}:",
            processes=4,
            greenlets=10,
            hits=20,
            allowance=301,
            interval=3600,
            amount=amount,
        )
        if window(3600) == before:
            break
    assert allowed == 301 // amount
    assert allowed + refused == 4 * 10 * 20


@pytest.fixture
def cluster(service_address: Callable[[str, int], tuple[str, int]]) -> Iterator[Any]:
    host, port = service_address("redis_cluster", 7000)
    client = cluster_pool_from_config(
        {"redis.url": f"redis://{host}:{port}", "redis.socket_timeout": "5 seconds"}
    )
    yield client
    client.close()


def test_cluster_counts_on_the_node_of_the_key(
    cluster: Any, prefix: str, requests_with: RequestsWith, window: Window
) -> None:
    """On a cluster, each consume is one pipeline span served by the node holding the
    counter, and the allowance holds."""
    factory = ClusterRedisRateLimitBackendContextFactory(cluster, prefix=prefix)
    requests = requests_with(factory, 2, 600)
    before = window(600)
    results = [consume(requests, "user") for _ in range(3)]
    if window(600) != before:
        pytest.skip("a window ended during the test; run it again")
    assert results == [True, True, False]
    assert int(cluster.get(f"{prefix}user{before}")) == 3
    assert [span.name for span in requests.spans] == ["ratelimiter.pipeline_ratelimit"] * 3


def test_cluster_counting_is_exact_across_processes(
    service_address: Callable[[str, int], tuple[str, int]],
    prefix: str,
    workers: Any,
    window: Window,
) -> None:
    """3 processes x 10 greenlets x 10 hits on one bucket of the cluster: exactly the
    allowance gets through."""
    host, port = service_address("redis_cluster", 7000)
    for _ in range(2):
        before = window(3600)
        allowed, refused = workers.run(
            f"redis-cluster://{host}:{port}",
            f"{prefix}{before}:",
            processes=3,
            greenlets=10,
            hits=10,
            allowance=123,
            interval=3600,
        )
        if window(3600) == before:
            break
    assert (allowed, refused) == (123, 300 - 123)
