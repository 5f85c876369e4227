"""An instrumented Redis client on each request's context, and a Redis-backed message queue.

The client is redis-py's (:class:`redis.Redis` for one server, :class:`redis.cluster.RedisCluster`
for a cluster) with every command a child span of the request's span, named
``<context attribute>.<COMMAND>``: ``redis.GET`` for ``context.redis.get(...)``. A pipeline is
one span for the whole batch. Locks and publish/subscribe work as in redis-py.

.. code-block:: ini

    [app:main]
    redis.url = redis://localhost:6379/0
    redis.max_connections = 50
    redis.socket_timeout = 200 milliseconds

::

    from baseplate.context.redis import RedisContextFactory, pool_from_config

    baseplate.add_to_context("redis", RedisContextFactory(pool_from_config(app_config)))

    def handler(context):
        context.redis.set("greeting", "hello")
        with context.redis.pipeline("counters") as pipe:
            pipe.incr("hits").expire("hits", 60).execute()

For a cluster, :func:`cluster_pool_from_config` and :class:`ClusterRedisContextFactory` take
the place of the two.
"""

from __future__ import annotations

from baseplate.context.redis._client import (
    MonitoredRedisConnection,
    MonitoredRedisPipeline,
    RedisContextFactory,
)
from baseplate.context.redis._cluster import (
    ClusterRedisContextFactory,
    MonitoredClusterRedisConnection,
)
from baseplate.context.redis._config import cluster_pool_from_config, pool_from_config
from baseplate.context.redis._errors import TimedOutError
from baseplate.context.redis._queue import MessageQueue

__all__ = [
    "ClusterRedisContextFactory",
    "MessageQueue",
    "MonitoredClusterRedisConnection",
    "MonitoredRedisConnection",
    "MonitoredRedisPipeline",
    "RedisContextFactory",
    "TimedOutError",
    "cluster_pool_from_config",
    "pool_from_config",
]

for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
