"""Tests for pool_from_config and MemcacheContextFactory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pymemcache.client.base import PooledClient

from baseplate.config import ConfigurationError
from baseplate.context.memcache import (
    MemcacheContextFactory,
    MonitoredMemcacheConnection,
    pool_from_config,
)
from baseplate.context.memcache.lib import decompress_and_load, make_dump_and_compress_fn
from baseplate.core import Baseplate, RequestContext


def test_pool_from_config_reads_every_key() -> None:
    """Each key under the prefix reaches the PooledClient; timeouts take both forms."""
    pool = pool_from_config(
        {
            "cache.endpoint": "cache.local:11311",
            "cache.max_pool_size": "7",
            "cache.connect_timeout": "250 milliseconds",
            "cache.timeout": "0.1",
            "cache.no_delay": "false",
        },
        prefix="cache.",
    )

    assert isinstance(pool, PooledClient)
    assert pool.server == ("cache.local", 11311)
    assert pool.client_pool.max_size == 7
    assert pool.connect_timeout == 0.25
    assert pool.timeout == 0.1
    assert pool.no_delay is False


def test_pool_from_config_defaults() -> None:
    """Only endpoint is needed: socket-default timeouts, TCP_NODELAY on, pymemcache's size."""
    pool = pool_from_config({"memcache.endpoint": "[::1]:11211"})

    assert pool.server == ("::1", 11211)
    assert (pool.connect_timeout, pool.timeout) == (None, None)
    assert pool.no_delay is True
    assert pool.client_pool.max_size == 2147483648


def test_pool_from_config_takes_a_unix_socket_path() -> None:
    """An endpoint that is a path makes a pool on that UNIX socket."""
    pool = pool_from_config({"memcache.endpoint": "/run/memcached/memcached.sock"})

    assert pool.server == "/run/memcached/memcached.sock"


def test_pool_from_config_passes_the_serializers() -> None:
    """serializer and deserializer become the pool's serde."""
    serializer = make_dump_and_compress_fn()
    pool = pool_from_config(
        {"memcache.endpoint": "localhost:11211"},
        serializer=serializer,
        deserializer=decompress_and_load,
    )

    assert serializer is pool.serde.serialize
    assert decompress_and_load is pool.serde.deserialize


@pytest.mark.parametrize(
    ("config", "key", "message"),
    [
        ({}, "memcache.endpoint", "expected 'host:port'"),
        ({"memcache.endpoint": "nowhere"}, "memcache.endpoint", "'nowhere'"),
        ({"memcache.max_pool_size": "0"}, "memcache.max_pool_size", "at least 1, got '0'"),
        ({"memcache.timeout": "0"}, "memcache.timeout", "longer than zero, got '0'"),
        ({"memcache.connect_timeout": "soon"}, "memcache.connect_timeout", "'soon'"),
        ({"memcache.no_delay": "maybe"}, "memcache.no_delay", "'maybe'"),
    ],
)
def test_pool_from_config_errors_name_the_key(
    config: dict[str, str], key: str, message: str
) -> None:
    """A missing or bad value is a ConfigurationError naming the full key and the value."""
    raw = {"memcache.endpoint": "localhost:11211", **config} if config else {}

    with pytest.raises(ConfigurationError, match=key) as caught:
        pool_from_config(raw)

    assert message in str(caught.value)


def test_the_factory_puts_a_monitored_connection_on_each_request() -> None:
    """Each request gets its own connection over the one shared pool."""
    pool = PooledClient(("127.0.0.1", 11211))
    baseplate = Baseplate()
    baseplate.add_to_context("cache", MemcacheContextFactory(pool))
    seen: list[Any] = []

    def serve(handler: Callable[[Any], None]) -> None:
        context = RequestContext()
        with baseplate.make_server_span(context, "handler"):
            handler(context)

    for _ in range(2):
        serve(lambda context: seen.append(context.cache))

    first, second = seen
    assert isinstance(first, MonitoredMemcacheConnection)
    assert first is not second
    assert pool is first.pooled_client is second.pooled_client
