"""MonitoredClusterRedisConnection against a real three-master cluster (tools/redis-cluster.sh):
commands as spans naming the node that served them, pipelines, transactions and locks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import redis.cluster
import redis.exceptions

from baseplate.context.redis import (
    ClusterRedisContextFactory,
    MonitoredClusterRedisConnection,
)

if TYPE_CHECKING:
    from .conftest import Serve

pytestmark = pytest.mark.integration


def keys_on_each_primary(cluster: redis.cluster.RedisCluster, prefix: str) -> dict[str, str]:
    """Return one key per primary node: node name -> a key whose slot that node serves."""
    found: dict[str, str] = {}
    for i in range(1000):
        candidate = f"{prefix}:{i}"
        found.setdefault(cluster.get_node_from_key(candidate).name, candidate)
        if len(found) == len(cluster.get_primaries()):
            return found
    raise AssertionError(f"no key found for every primary: {found}")


def test_each_commands_span_names_the_node_that_served_it(
    cluster: redis.cluster.RedisCluster, key: str, serve: Serve
) -> None:
    """A SET of a key on each of the three masters: each span is redis.SET, tagged with the
    node that holds the key's slot."""
    keys = keys_on_each_primary(cluster, key)
    assert len(keys) == 3

    def handler(context: Any) -> Any:
        assert isinstance(context.redis, MonitoredClusterRedisConnection)
        for name in keys.values():
            context.redis.set(name, "v", ex=60)
        return [context.redis.get(name) for name in keys.values()]

    values, recorder = serve(ClusterRedisContextFactory(cluster), handler)

    assert values == [b"v"] * 3
    spans = recorder.server_spans[0].children
    assert [span.name for span in spans] == ["redis.SET"] * 3 + ["redis.GET"] * 3
    nodes = list(keys)
    assert nodes + nodes == [span.tags["redis.node"] for span in spans]
    assert all(span.finished and span.exc_info is None for span in spans)


def test_a_failing_cluster_command_finishes_its_span_with_the_error(
    cluster: redis.cluster.RedisCluster, key: str, serve: Serve
) -> None:
    """A WRONGTYPE error reaches the caller and the span, which still names its node."""

    def handler(context: Any) -> None:
        context.redis.set(key, "text", ex=60)
        with pytest.raises(redis.exceptions.ResponseError, match="WRONGTYPE"):
            context.redis.lpush(key, "item")

    _, recorder = serve(ClusterRedisContextFactory(cluster), handler)

    _, push = recorder.server_spans[0].children
    assert push.name == "redis.LPUSH"
    assert push.exc_info is not None
    assert cluster.get_node_from_key(key).name == push.tags["redis.node"]


def test_a_command_sent_to_every_primary_names_each(
    cluster: redis.cluster.RedisCluster, serve: Serve
) -> None:
    """A PING to every primary is one span naming the three nodes."""

    def handler(context: Any) -> Any:
        return context.redis.ping(target_nodes=redis.cluster.RedisCluster.PRIMARIES)

    answer, recorder = serve(ClusterRedisContextFactory(cluster), handler)

    assert answer is True
    (span,) = recorder.server_spans[0].children
    assert span.name == "redis.PING"
    primaries = {node.name for node in cluster.get_primaries()}
    assert primaries == set(span.tags["redis.node"].split(","))


def test_a_cluster_pipeline_is_one_span(
    cluster: redis.cluster.RedisCluster, key: str, serve: Serve
) -> None:
    """Commands on keys of several nodes go in one pipeline, one span for the batch."""
    keys = list(keys_on_each_primary(cluster, key).values())

    def handler(context: Any) -> Any:
        pipe = context.redis.pipeline("fill")
        assert isinstance(pipe, redis.cluster.ClusterPipeline)
        for name in keys:
            pipe.set(name, name, ex=60)
        pipe.get(keys[0])
        return pipe.execute()

    results, recorder = serve(ClusterRedisContextFactory(cluster), handler)

    assert [True, True, True, keys[0].encode()] == results
    assert [c.name for c in recorder.server_spans[0].children] == ["redis.pipeline_fill"]


def test_a_cluster_transaction(cluster: redis.cluster.RedisCluster, key: str, serve: Serve) -> None:
    """transaction() on keys of one slot (a hash tag) runs as redis.pipeline_transaction."""
    counter = f"{{{key}}}:counter"

    def handler(context: Any) -> Any:
        def bump(pipe: Any) -> None:
            value = int(pipe.get(counter) or 0)
            pipe.multi()
            pipe.set(counter, value + 5, ex=60)

        return context.redis.transaction(bump, counter)

    results, recorder = serve(ClusterRedisContextFactory(cluster), handler)

    assert len(results) == 1  # the SET's answer, as redis-py's cluster pipeline gives it
    assert cluster.get(counter) == b"5"
    assert recorder.server_spans[0].children[-1].name == "redis.pipeline_transaction"


def test_a_cluster_lock(cluster: redis.cluster.RedisCluster, key: str, serve: Serve) -> None:
    """A lock taken through the cluster client excludes others until released."""

    def handler(context: Any) -> None:
        with context.redis.lock(f"{key}:lock", timeout=10, blocking_timeout=1):
            rival = cluster.lock(f"{key}:lock", blocking_timeout=0.1)
            assert not rival.acquire()
        assert rival.acquire()
        rival.release()

    _, recorder = serve(ClusterRedisContextFactory(cluster), handler)

    assert recorder.server_spans[0].children[0].name == "redis.SET"


def test_request_clients_share_the_cluster_and_leave_it_open(
    cluster: redis.cluster.RedisCluster, key: str, serve: Serve
) -> None:
    """Closing (or dropping) a request's client leaves the shared client's connections be."""

    def handler(context: Any) -> None:
        context.redis.set(key, "v", ex=60)
        context.redis.close()

    for _ in range(3):
        serve(ClusterRedisContextFactory(cluster), handler)

    assert cluster.get(key) == b"v"
