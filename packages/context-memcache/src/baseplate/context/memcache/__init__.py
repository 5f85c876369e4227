"""An instrumented memcached client on each request's context.

:func:`pool_from_config` makes one pool of connections to memcached (pymemcache's
``PooledClient``) from the application's configuration, and :class:`MemcacheContextFactory`
puts a :class:`MonitoredMemcacheConnection` over it on each request's context: it has the
pool's methods, and each call to memcached is a child span of the request's span, named
``<context attribute>.<method>``. :mod:`baseplate.context.memcache.lib` has serializers for
the values.

.. code-block:: ini

    [app:main]
    memcache.endpoint = localhost:11211
    memcache.max_pool_size = 10
    memcache.connect_timeout = 200 milliseconds
    memcache.timeout = 100 milliseconds

::

    from baseplate.context.memcache import MemcacheContextFactory, pool_from_config
    from baseplate.context.memcache.lib import decompress_and_load, make_dump_and_compress_fn

    pool = pool_from_config(
        app_config,
        serializer=make_dump_and_compress_fn(min_compress_length=1024),
        deserializer=decompress_and_load,
    )
    baseplate.add_to_context("memcache", MemcacheContextFactory(pool))

    def handler(context):
        context.memcache.set("greeting", {"text": "hello"}, expire=60)
        return context.memcache.get("greeting")  # span memcache.get, tag key=greeting
"""

from __future__ import annotations

from baseplate.context.memcache._connection import MonitoredMemcacheConnection
from baseplate.context.memcache._factory import MemcacheContextFactory, pool_from_config
from baseplate.context.memcache._keys import make_keys_str

__all__ = [
    "MemcacheContextFactory",
    "MonitoredMemcacheConnection",
    "make_keys_str",
    "pool_from_config",
]

for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
