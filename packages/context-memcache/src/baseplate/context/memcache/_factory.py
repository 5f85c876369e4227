"""The pool of memcached connections from configuration, and the context factory."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from pymemcache.client.base import PooledClient

from baseplate import config
from baseplate.context.memcache._connection import MonitoredMemcacheConnection
from baseplate.core import ContextFactory, Span


class MemcacheContextFactory(ContextFactory):
    """Puts a :class:`~baseplate.context.memcache.MonitoredMemcacheConnection` on each
    request's context.

    Every request's connection sends its calls through the one pool given here, and records
    each call as a child span of the request (or of the local span in whose context it was
    read). Other packages' memcached-backed features (rate limits, for one) take this
    factory too.

    Args:
        pooled_client: The pool of connections to memcached, usually from
            :func:`~baseplate.context.memcache.pool_from_config`: a pymemcache
            ``PooledClient``.

    .. versionadded:: 0.1.0
    """

    def __init__(self, pooled_client: PooledClient) -> None:
        self.pooled_client = pooled_client

    def make_object_for_context(self, name: str, span: Span) -> MonitoredMemcacheConnection:
        """Return a connection for the request of ``span``, on its context as ``name``."""
        return MonitoredMemcacheConnection(name, span, self.pooled_client)


_SPEC = {
    "endpoint": config.Endpoint,
    "max_pool_size": config.Optional(config.PositiveInteger),
    "connect_timeout": config.Optional(config.Positive(config.TimespanOrSeconds)),
    "timeout": config.Optional(config.Positive(config.TimespanOrSeconds)),
    "no_delay": config.Optional(config.Boolean, default=True),
}


def pool_from_config(
    app_config: config.RawConfig,
    prefix: str = "memcache.",
    serializer: Callable[[Any, Any], tuple[bytes, int]] | None = None,
    deserializer: Callable[[Any, bytes, int], Any] | None = None,
) -> PooledClient:
    """Make a pool of connections to memcached (a pymemcache ``PooledClient``) from the
    application's configuration.

    Reads these keys, with ``prefix`` in front of each:

    * ``endpoint`` (required): the server, as ``host:port`` (``localhost:11211``),
      ``[ipv6-address]:port`` or the path of a UNIX socket.
    * ``max_pool_size``: the most connections the pool opens at once; a call that would need
      one more raises. Default: no limit to speak of (pymemcache's 2147483648).
    * ``connect_timeout``: how long to wait for a connection to open, as a span of time
      (``200 milliseconds``) or a number of seconds (``0.2``). Default: the socket default.
    * ``timeout``: how long each read and write on a connection may take, in the same forms.
      Default: the socket default.
    * ``no_delay``: whether to send each command at once (``TCP_NODELAY``); default true.

    Args:
        app_config: The application's raw configuration.
        prefix: The prefix of the keys, ``memcache.`` by default.
        serializer: The pool's serializer, ``(key, value) -> (bytes, flags)``, such as one
            made by :func:`~baseplate.context.memcache.lib.make_dump_and_compress_fn`; by
            default a value is stored as it is if it is :class:`bytes`, else as the ASCII
            text of ``str(value)``, with flags 0.
        deserializer: The pool's deserializer, ``(key, bytes, flags) -> value``, matching the
            serializer, such as :func:`~baseplate.context.memcache.lib.decompress_and_load`;
            by default values are read back as :class:`bytes`.

    Returns:
        The pool; give it to :class:`~baseplate.context.memcache.MemcacheContextFactory`.

    Raises:
        baseplate.config.ConfigurationError: naming the full key if its value is missing
            (``endpoint``) or invalid.

    .. versionadded:: 0.1.0
    """
    options = config.parse_config(app_config, _SPEC, prefix=prefix)
    endpoint = options.endpoint
    server: str | tuple[str, int]
    if endpoint.family == socket.AF_UNIX:
        server = f"unix:{endpoint.address}"  # pymemcache's form of a socket path
    else:
        server = (endpoint.address.host, endpoint.address.port)
    return PooledClient(
        server,
        serializer=serializer,
        deserializer=deserializer,
        connect_timeout=_seconds(options.connect_timeout),
        timeout=_seconds(options.timeout),
        no_delay=options.no_delay,
        max_pool_size=options.max_pool_size,
    )


def _seconds(span: Any) -> float | None:
    return None if span is None else float(span.total_seconds())
