"""Connection pools (and cluster clients) made from the application's configuration."""

from __future__ import annotations

import datetime
from typing import Any

import redis
import redis.cluster
from redis.cluster import LoadBalancingStrategy
from redis.connection import parse_url

from baseplate import config


def _redis_url(text: str) -> str:
    """Parse a Redis URL (``redis://``, ``rediss://`` or ``unix://``), returned unchanged."""
    url = config.String(text)
    try:
        parse_url(url)  # type: ignore[no-untyped-call]
    except ValueError as exc:
        raise ValueError(f"{url!r} is not a Redis URL: {exc}") from None
    return url


def _seconds(timespan: datetime.timedelta | None) -> float | None:
    return None if timespan is None else timespan.total_seconds()


# The keys both helpers read, under their prefix.
_CONNECTION_SPEC: dict[str, Any] = {
    "url": _redis_url,
    "max_connections": config.Optional(config.PositiveInteger),
    "socket_connect_timeout": config.Optional(config.Positive(config.Timespan)),
    "socket_timeout": config.Optional(config.Positive(config.Timespan)),
}


def _connection_options(parsed: config.ConfigNamespace, kwargs: dict[str, Any]) -> None:
    """Fill ``kwargs`` with the parsed options the caller did not pass itself."""
    if parsed.max_connections is not None:
        kwargs.setdefault("max_connections", parsed.max_connections)
    for key in ("socket_connect_timeout", "socket_timeout"):
        seconds = _seconds(getattr(parsed, key))
        if seconds is not None:
            kwargs.setdefault(key, seconds)


def pool_from_config(
    app_config: config.RawConfig, prefix: str = "redis.", **kwargs: Any
) -> redis.BlockingConnectionPool:
    """Make a blocking connection pool to one Redis server from the configuration.

    Reads these keys, each with ``prefix`` in front of it:

    * ``url`` (required): the server, as a URL such as ``redis://localhost:6379/0``
      (``rediss://`` for TLS, ``unix:///path/to/socket`` for a Unix socket).
    * ``max_connections``: at most this many connections are open at once; a command that
      needs another waits for one to come back. No limit by default.
    * ``socket_connect_timeout``: how long connecting may take, a span of time such as
      ``200 milliseconds``. By default, redis-py's.
    * ``socket_timeout``: how long each read or write on a connection may take, a span of
      time. By default, redis-py's.

    Args:
        app_config: The application's raw configuration.
        prefix: The prefix of the keys, ``redis.`` by default.
        kwargs: More keyword arguments for :meth:`redis.BlockingConnectionPool.from_url`
            (``timeout``, ``decode_responses``, ...); one given here wins over the key of
            the same name.

    Returns:
        The pool, to give to :class:`RedisContextFactory` or :class:`MessageQueue`.

    Raises:
        baseplate.config.ConfigurationError: naming the full key whose value is missing or
            invalid.

    .. versionadded:: 0.1.0
    """
    parsed = config.parse_config(app_config, _CONNECTION_SPEC, prefix=prefix)
    _connection_options(parsed, kwargs)
    return redis.BlockingConnectionPool.from_url(parsed.url, **kwargs)


def cluster_pool_from_config(
    app_config: config.RawConfig, prefix: str = "redis.", **kwargs: Any
) -> redis.cluster.RedisCluster:
    """Make a client of a Redis cluster from the configuration.

    The client learns the cluster's nodes and slots from the node that ``url`` names (it
    connects to it at once), keeps a connection pool per node, and is shared by every
    request's :class:`MonitoredClusterRedisConnection`. Reads these keys, each with
    ``prefix`` in front of it:

    * ``url`` (required): one node of the cluster, such as ``redis://10.0.0.1:7000``.
    * ``max_connections``: at most this many connections are open to each node at once.
    * ``socket_connect_timeout``, ``socket_timeout``: as for :func:`pool_from_config`.
    * ``read_from_replicas``: whether read-only commands may be sent to replicas too
      (``true``/``false``, default false); when true, each shard's reads go round its
      primary and replicas in turn.
    * ``require_full_coverage``: whether every slot must be served for the client to start
      (default true).

    Args:
        app_config: The application's raw configuration.
        prefix: The prefix of the keys, ``redis.`` by default.
        kwargs: More keyword arguments for :class:`redis.cluster.RedisCluster`; one given here
            wins over the key of the same name.

    Returns:
        The cluster client, to give to :class:`ClusterRedisContextFactory`.

    Raises:
        baseplate.config.ConfigurationError: naming the full key whose value is missing or
            invalid.
        redis.exceptions.RedisClusterException: when the cluster cannot be reached or does
            not cover every slot (with ``require_full_coverage``).

    .. versionadded:: 0.1.0
    """
    spec = {
        **_CONNECTION_SPEC,
        "read_from_replicas": config.Optional(config.Boolean, default=False),
        "require_full_coverage": config.Optional(config.Boolean, default=True),
    }
    parsed = config.parse_config(app_config, spec, prefix=prefix)
    _connection_options(parsed, kwargs)
    if parsed.read_from_replicas:
        kwargs.setdefault("load_balancing_strategy", LoadBalancingStrategy.ROUND_ROBIN)
    kwargs.setdefault("require_full_coverage", parsed.require_full_coverage)
    # Like pool_from_config's pools: a command waits for a free connection to its node.
    kwargs.setdefault("connection_pool_class", redis.BlockingConnectionPool)
    return redis.cluster.RedisCluster.from_url(parsed.url, **kwargs)
