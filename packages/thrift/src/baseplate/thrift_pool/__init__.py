"""A Thrift client connection pool.

.. note:: See :class:`baseplate.context.thrift.ThriftContextFactory` for a convenient way to
   use the pool from a request handler, with tracing.

The pool makes connections lazily and keeps them for reuse. Each connection has a maximum
lifetime, after which it is recycled. A basic example::

    from baseplate.thrift_pool import thrift_pool_from_config

    pool = thrift_pool_from_config(app_config, "example_service.")
    with pool.connection() as protocol:
        client = ExampleService.Client(protocol)
        client.do_example_thing()

with configuration such as:

.. code-block:: ini

    example_service.endpoint = localhost:9090
    example_service.timeout = 500 milliseconds
"""

from __future__ import annotations

from types import FunctionType

from baseplate.thrift_pool._config import thrift_pool_from_config
from baseplate.thrift_pool._pool import ThriftConnectionPool

__all__ = ["ThriftConnectionPool", "thrift_pool_from_config"]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
