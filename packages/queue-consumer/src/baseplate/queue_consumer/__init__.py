"""Long-running processes that consume messages from an AMQP queue, each a server span.

:func:`consume` is the whole loop: it declares and binds a queue, and calls your handler
with each message inside a request of its own::

    from kombu import Connection, Exchange

    from baseplate.queue_consumer import consume

    def process_links(context, body, message):
        context.db.execute(...)

    consume(
        baseplate=baseplate,
        exchange=Exchange("reddit_exchange", "direct"),
        connection=Connection("amqp://guest:guest@localhost:5672//"),
        queue_name="process_links_q",
        routing_keys=["link_created", "link_deleted", "link_updated"],
        handler=process_links,
    )

A message is acknowledged when the handler returns. To have it retried, let the handler
raise: the message goes back on the queue and the process ends. :class:`KombuConsumer` and
:class:`BaseKombuConsumer` are for consumers that read (and acknowledge) messages
themselves, in batches, say.
"""

from __future__ import annotations

from types import FunctionType

from baseplate.queue_consumer._consume import Handler, consume
from baseplate.queue_consumer._consumer import BaseKombuConsumer, KombuConsumer

__all__ = ["BaseKombuConsumer", "Handler", "KombuConsumer", "consume"]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
