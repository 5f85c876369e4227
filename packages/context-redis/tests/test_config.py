"""pool_from_config and cluster_pool_from_config: the keys they read and the errors they raise."""

from __future__ import annotations

from typing import Any

import pytest
import redis
import redis.cluster
from redis.cluster import LoadBalancingStrategy

from baseplate.config import ConfigurationError
from baseplate.context.redis import cluster_pool_from_config, pool_from_config


def test_pool_reads_every_key() -> None:
    """url, max_connections and both timeouts (spans of time) reach a blocking pool."""
    pool = pool_from_config(
        {
            "redis.url": "redis://cache.example:6380/3",
            "redis.max_connections": "7",
            "redis.socket_connect_timeout": "200 milliseconds",
            "redis.socket_timeout": "2 seconds",
        }
    )

    assert isinstance(pool, redis.BlockingConnectionPool)
    assert pool.max_connections == 7
    kwargs = pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("cache.example", 6380, 3)
    assert kwargs["socket_connect_timeout"] == 0.2
    assert kwargs["socket_timeout"] == 2.0


def test_pool_optional_keys_keep_redis_defaults_and_prefix_is_chosen() -> None:
    """Only url is required; the prefix says where the keys are."""
    pool = pool_from_config({"cache.url": "redis://localhost/0"}, prefix="cache.")

    default = redis.BlockingConnectionPool()
    assert default.max_connections == pool.max_connections
    assert "socket_timeout" not in pool.connection_kwargs


def test_pool_keyword_arguments_win_over_keys() -> None:
    """A keyword argument given by the caller overrides the key of the same name."""
    pool = pool_from_config(
        {"redis.url": "redis://localhost/0", "redis.max_connections": "7"},
        max_connections=3,
        decode_responses=True,
    )

    assert pool.max_connections == 3
    assert pool.connection_kwargs["decode_responses"] is True


@pytest.mark.parametrize(
    ("extra", "bad_key"),
    [
        ({}, "redis.url"),
        ({"redis.url": "http://localhost/"}, "redis.url"),
        ({"redis.max_connections": "0"}, "redis.max_connections"),
        ({"redis.max_connections": "many"}, "redis.max_connections"),
        ({"redis.socket_timeout": "soon"}, "redis.socket_timeout"),
        ({"redis.socket_connect_timeout": "0 seconds"}, "redis.socket_connect_timeout"),
    ],
)
def test_pool_bad_value_names_the_key(extra: dict[str, str], bad_key: str) -> None:
    """A missing url, a URL that is not Redis's, or a bad number or timespan names its key."""
    raw: dict[str, Any] = {"redis.url": "redis://localhost/0", **extra}
    if not extra:
        del raw["redis.url"]

    with pytest.raises(ConfigurationError) as info:
        pool_from_config(raw)

    assert bad_key == info.value.key


def test_cluster_bad_value_names_the_key() -> None:
    """cluster_pool_from_config checks its keys before connecting anywhere."""
    with pytest.raises(ConfigurationError) as info:
        cluster_pool_from_config(
            {"redis.url": "redis://localhost:7000", "redis.read_from_replicas": "perhaps"}
        )
    assert info.value.key == "redis.read_from_replicas"

    with pytest.raises(ConfigurationError) as info:
        cluster_pool_from_config({"redis.url": "localhost:7000"})
    assert info.value.key == "redis.url"


@pytest.mark.integration
def test_cluster_reads_every_key(cluster: redis.cluster.RedisCluster) -> None:
    """The cluster client's node pools are blocking, sized and timed as configured."""
    node = cluster.get_nodes()[0]
    address = f"redis://{node.host}:{node.port}"

    client = cluster_pool_from_config(
        {
            "c.url": address,
            "c.max_connections": "4",
            "c.socket_connect_timeout": "300 milliseconds",
            "c.socket_timeout": "1 second",
            "c.read_from_replicas": "true",
        },
        prefix="c.",
    )
    try:
        assert client.load_balancing_strategy == LoadBalancingStrategy.ROUND_ROBIN
        assert len(client.get_primaries()) == 3
        pool = client.get_redis_connection(client.get_primaries()[0]).connection_pool
        assert isinstance(pool, redis.BlockingConnectionPool)
        assert pool.max_connections == 4
        assert pool.connection_kwargs["socket_connect_timeout"] == 0.3
        assert pool.connection_kwargs["socket_timeout"] == 1.0
    finally:
        client.close()
