"""Fixtures of baseplate-context-redis's tests: the real Redis server and cluster.

The server is the machine's, on 127.0.0.1:6379 (BASEPLATE_REDIS_ADDR points elsewhere); the
three-master cluster is the one tools/redis-cluster.sh starts on 127.0.0.1:7000-7002
(BASEPLATE_REDIS_CLUSTER_ADDR names one of its nodes). Every test works under keys of its own
(a random prefix), so tests never see each other's data.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
import redis.cluster
from baseplate_testing import serve_one_request

from baseplate.context.redis import cluster_pool_from_config, pool_from_config
from baseplate.core import ContextFactory
from baseplate.core.testing import RecordingObserver


@pytest.fixture
def redis_url(service_address: Callable[[str, int], tuple[str, int]]) -> str:
    host, port = service_address("redis", 6379)
    return f"redis://{host}:{port}/0"


@pytest.fixture
def pool(redis_url: str) -> Iterator[redis.BlockingConnectionPool]:
    connection_pool = pool_from_config(
        {"redis.url": redis_url, "redis.socket_timeout": "5 seconds"}
    )
    yield connection_pool
    connection_pool.disconnect()


@pytest.fixture
def cluster(
    service_address: Callable[[str, int], tuple[str, int]],
) -> Iterator[redis.cluster.RedisCluster]:
    host, port = service_address("redis_cluster", 7000)
    client = cluster_pool_from_config(
        {"redis.url": f"redis://{host}:{port}", "redis.socket_timeout": "5 seconds"}
    )
    yield client
    client.close()


@pytest.fixture
def key() -> str:
    """A key prefix no other test uses."""
    return f"baseplate-test:{uuid.uuid4().hex}"


Serve = Callable[[ContextFactory, Callable[[Any], Any]], tuple[Any, RecordingObserver]]


@pytest.fixture
def serve() -> Serve:
    """``serve(factory, handler)``: run ``handler(context)`` in one request, the factory's
    client on the context as ``redis``; return what it returned and the spans recorded."""
    return functools.partial(serve_one_request, name="redis")
