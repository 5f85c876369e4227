"""The instrumented client of a Redis cluster, its pipelines and its context factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import redis.cluster

from baseplate.context.redis._client import TracedExecution, pipeline_span_name, run_transaction
from baseplate.core import ContextFactory, Span

#: The tag naming the node(s) a cluster command was sent to.
NODE_TAG = "redis.node"


class ClusterRedisContextFactory(ContextFactory):
    """Puts a :class:`MonitoredClusterRedisConnection` on each request's context.

    Every request's client is a handle on the one cluster client given here: they share its
    view of the cluster (nodes and slots) and its connection pool to each node.

    Args:
        cluster: The cluster client, as :func:`cluster_pool_from_config` makes it.

    .. versionadded:: 0.1.0
    """

    def __init__(self, cluster: redis.cluster.RedisCluster) -> None:
        self.cluster = cluster

    def make_object_for_context(self, name: str, span: Span) -> MonitoredClusterRedisConnection:
        """Return a client whose commands are children of ``span``, named after ``name``."""
        return MonitoredClusterRedisConnection(name, span, self.cluster)


class MonitoredClusterRedisConnection(redis.cluster.RedisCluster):
    """A :class:`redis.cluster.RedisCluster` client whose every command is a child span.

    As :class:`MonitoredRedisConnection` for one server: each command is a child span of
    ``server_span`` named ``<context_name>.<COMMAND>``, finished with the exception when the
    command fails, and tagged ``redis.node`` with the node that served it (``host:port``; a
    command redirected to another node, or sent to several, names each, comma-separated).
    :meth:`pipeline` takes a name first and records its ``execute()`` as one span,
    ``<context_name>.pipeline_<name>``. Locks and publish/subscribe are redis-py's own.

    The client is a handle on ``cluster``: it shares that client's nodes, slots, connection
    pools and settings, so making one per request costs no round trip. :meth:`close` closes
    nothing, since the connections are the shared client's.

    Made by :class:`ClusterRedisContextFactory` for each request; not usually built directly.

    Args:
        context_name: The context attribute the client is on, for span names.
        server_span: The span the commands are children of.
        cluster: The shared cluster client.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self, context_name: str, server_span: Span, cluster: redis.cluster.RedisCluster
    ) -> None:
        # Not RedisCluster.__init__, which would discover the cluster again: the handle takes
        # the shared client's state as its own (its attributes are references, shared).
        vars(self).update(vars(cluster))
        self.context_name = context_name
        self.server_span = server_span
        self._served_by: list[str] | None = None

    def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        """Execute a command in a child span named ``<context_name>.<COMMAND>``.

        Returns:
            The command's response (merged from every node it was sent to).

        Raises:
            redis.exceptions.RedisError: as redis-py raises it; the span records it.
        """
        if self.server_span.finished:
            return super().execute_command(*args, **kwargs)  # type: ignore[no-untyped-call]
        served: list[str] = []
        outer, self._served_by = self._served_by, served
        span = self.server_span.make_child(f"{self.context_name}.{args[0]}")
        with span:
            try:
                return super().execute_command(*args, **kwargs)  # type: ignore[no-untyped-call]
            finally:
                self._served_by = outer
                if served:
                    span.set_tag(NODE_TAG, ",".join(dict.fromkeys(served)))

    def get_redis_connection(self, node: redis.cluster.ClusterNode) -> redis.Redis:
        """Return the client of ``node``, noting that the current command is sent there."""
        if self._served_by is not None:
            self._served_by.append(node.name)
        return super().get_redis_connection(node)

    # redis-py's pipeline has no name; this one's comes first (see the class docstring).
    def pipeline(  # type: ignore[override]
        self, name: str | None = None, transaction: bool | None = None, shard_hint: Any = None
    ) -> redis.cluster.ClusterPipeline:
        """Return a pipeline whose ``execute()`` is one span, ``<context_name>.pipeline_<name>``.

        Args:
            name: What the pipeline does, for the span's name; without one (as redis-py's
                own code makes them, to send a command whose keys are on several nodes) the
                span is ``<context_name>.pipeline``.
            transaction: Whether the commands run in one MULTI/EXEC (their keys must then
                be in one slot), as redis-py's.
            shard_hint: Refused by redis-py in cluster mode.

        Raises:
            TypeError: if ``name`` is a bool, as in redis-py's ``pipeline(True)``: pass
                ``transaction`` by keyword here.

        .. versionadded:: 0.1.0
        """
        trace_name = pipeline_span_name(self.context_name, name)
        pipe = super().pipeline(transaction, shard_hint)  # type: ignore[no-untyped-call]
        return _TracedClusterPipeline.adopt(pipe, trace_name, self.server_span)

    def transaction(
        self, func: Callable[[redis.cluster.ClusterPipeline], Any], *watches: Any, **kwargs: Any
    ) -> Any:
        """Run ``func(pipeline)`` as a transaction, again while a watched key changes.

        As :meth:`MonitoredRedisConnection.transaction`: the pipeline is
        ``pipeline("transaction", transaction=True)``.

        .. versionadded:: 0.1.0
        """
        pipe = self.pipeline("transaction", True, kwargs.pop("shard_hint", None))
        return run_transaction(pipe, func, watches, **kwargs)

    def close(self) -> None:
        """Do nothing: the connections belong to the shared cluster client; close that."""


class _TracedClusterPipeline(TracedExecution, redis.cluster.ClusterPipeline):
    """A :class:`redis.cluster.ClusterPipeline` whose :meth:`execute` is one child span.

    Made by :meth:`MonitoredClusterRedisConnection.pipeline`, from the pipeline redis-py
    makes (see :meth:`adopt`).
    """

    @classmethod
    def adopt(
        cls, pipe: redis.cluster.ClusterPipeline, trace_name: str, server_span: Span
    ) -> _TracedClusterPipeline:
        """Make redis-py's pipeline ``pipe`` one of these, recording into ``server_span``.

        The object stays the same (redis-py's pipeline machinery refers back to it); only
        its class changes, to this one, which adds no state of its own but the two
        attributes.
        """
        pipe.__class__ = cls
        adopted: _TracedClusterPipeline = pipe  # type: ignore[assignment]
        adopted.trace_name = trace_name
        adopted.server_span = server_span
        return adopted
