"""Thrift clients on the context object, instrumented and pooled.

:class:`ThriftContextFactory` puts a proxy of a Thrift client on each request's context. Its
calls use a :class:`~baseplate.thrift_pool.ThriftConnectionPool`, are recorded as child spans
of the request, and carry the trace and edge request context to the downstream service::

    from baseplate.context.thrift import ThriftContextFactory
    from baseplate.thrift_pool import thrift_pool_from_config

    pool = thrift_pool_from_config(app_config, "other_service.")
    baseplate.add_to_context("other_service", ThriftContextFactory(pool, OtherService.Client))

    # in a handler: a child span named "other_service.lookup"
    context.other_service.lookup(thing_id)

    # retried on transport errors
    with context.other_service.retrying(attempts=3, backoff=0.05) as svc:
        svc.lookup(thing_id)

.. code-block:: ini

    other_service.endpoint = localhost:9090
    other_service.timeout = 500 milliseconds
"""

from __future__ import annotations

from types import FunctionType

from baseplate.context.thrift._factory import ThriftClientProxy, ThriftContextFactory

__all__ = ["ThriftClientProxy", "ThriftContextFactory"]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
