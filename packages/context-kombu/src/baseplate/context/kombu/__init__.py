"""An instrumented kombu producer on each request's context, for AMQP brokers such as
RabbitMQ.

Each message published through ``context.<name>.publish`` is a child span of the request's
span, ``<name>.publish``, tagged with the routing key. Producers and their connections
come from one pool shared by every request.

.. code-block:: ini

    [app:main]
    amqp.hostname = amqp://guest:guest@localhost:5672//
    amqp.exchange_name = events
    amqp.exchange_type = topic

::

    connection = connection_from_config(app_config, prefix="amqp.")
    exchange = exchange_from_config(app_config, prefix="amqp.")
    baseplate.add_to_context("amqp", KombuProducerContextFactory(connection, exchange))

    def handler(context):
        context.amqp.publish({"link": link_id}, routing_key="link.created")

Consuming is :mod:`baseplate.queue_consumer`'s job (distribution baseplate-queue-consumer).
"""

from __future__ import annotations

from types import FunctionType

from baseplate.context.kombu._config import connection_from_config, exchange_from_config
from baseplate.context.kombu._pool import PooledProducers
from baseplate.context.kombu._producer import KombuProducer, KombuProducerContextFactory

__all__ = [
    "KombuProducer",
    "KombuProducerContextFactory",
    "PooledProducers",
    "connection_from_config",
    "exchange_from_config",
]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
