"""consume(): the loop of a queue-consuming process."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from kombu.connection import Connection
from kombu.entity import Exchange, Queue
from kombu.message import Message

from baseplate.core import Baseplate, RequestContext
from baseplate.queue_consumer._consumer import KombuConsumer

logger = logging.getLogger(__name__)

#: What ``handler`` is called with: the request context, the decoded body, the message.
Handler = Callable[[RequestContext, Any, Message], Any]


def consume(
    baseplate: Baseplate,
    exchange: Exchange,
    connection: Connection,
    queue_name: str,
    routing_keys: Sequence[str],
    handler: Handler,
) -> NoReturn:
    """Consume messages from a queue forever, handling each inside a server span.

    Declares the queue ``queue_name``, bound to ``exchange`` with each routing key, and
    reads it. Each message is handled in a request of its own: a new
    :class:`~baseplate.core.RequestContext`, a server span named ``queue_name`` (with a
    child span ``kombu.get_message`` for the wait, see :class:`KombuConsumer`), and
    ``handler(context, body, message)``.

    A message is acknowledged only after the handler returns. When the handler raises, the
    message goes back to the queue (it is rejected with requeue, and the broker would
    requeue it anyway when the connection closes), the span finishes with the exception,
    the consumer stops, and the exception propagates: let it end the process, and the
    message is delivered again to the next consumer. A process killed while handling a
    message loses nothing either: an unacknowledged message is delivered again.

    Args:
        baseplate: The service's Baseplate.
        exchange: The exchange the queue is bound to.
        connection: The connection to the broker.
        queue_name: The queue's name, also the server spans' name.
        routing_keys: The routing keys the queue is bound with.
        handler: Called as ``handler(context, body, message)`` for each message: the request
            context, the decoded body and the :class:`kombu.message.Message`.

    Raises:
        Exception: what the handler raised, after the message was put back.

    .. versionadded:: 0.1.0
    """
    queues = [Queue(name=queue_name, exchange=exchange, routing_key=key) for key in routing_keys]
    consumer = KombuConsumer.new(connection, queues)
    try:
        while True:
            context = RequestContext()
            with baseplate.make_server_span(context, queue_name) as server_span:
                message = consumer.get_message(server_span)
                try:
                    handler(context, message.decode(), message)
                except BaseException:
                    _put_back(message)
                    raise
                if not message.acknowledged:
                    message.ack()
    finally:
        consumer.close()
        connection.release()


def _put_back(message: Message) -> None:
    if message.acknowledged:  # the handler settled it itself
        return
    try:
        message.requeue()
    except Exception:
        # The connection is gone: the broker puts the message back on its own.
        logger.warning("Could not requeue message %r", message.delivery_tag, exc_info=True)
