"""The producer on each request's context, and its context factory."""

from __future__ import annotations

from typing import Any

from kombu.connection import Connection
from kombu.entity import Exchange

from baseplate.context.kombu._pool import PooledProducers
from baseplate.core import ContextFactory, Span


class KombuProducer:
    """Publishes messages to one exchange, each publish a child span of the request's.

    Each :meth:`publish` makes a span named ``<context attribute>.publish``
    (``amqp.publish`` for a producer on the context as ``amqp``), tagged ``kind`` =
    ``producer`` and ``message_bus.destination`` with the routing key, and finished with the
    exception when the publish fails. The publish goes through a producer borrowed from
    the factory's pool and given back when it is done.

    Made by :class:`KombuProducerContextFactory` for each request; not usually built
    directly.

    Args:
        name: The context attribute the producer is on, for span names.
        span: The span of the request (or local span) the producer belongs to.
        connection: The connection to the broker.
        exchange: The exchange every message is published to.
        producers: The pool of producers to borrow from.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        name: str,
        span: Span,
        connection: Connection,
        exchange: Exchange,
        producers: PooledProducers,
    ) -> None:
        self.name = name
        self.span = span
        self.connection = connection
        self.exchange = exchange
        self.producers = producers
        self._span_name = f"{name}.publish"

    def publish(self, body: Any, routing_key: str | None = None, **kwargs: Any) -> Any:
        """Publish a message to the exchange with the routing key.

        Waits for a free producer when the pool's every producer is in use.

        Args:
            body: The message body; kombu serializes what is not :class:`bytes` or
                :class:`str` (JSON by default; ``serializer=`` chooses).
            routing_key: The routing key; the exchange's rules decide which queues it
                reaches.
            **kwargs: Passed on to :meth:`kombu.Producer.publish` (``headers``,
                ``serializer``, ``declare``, ``retry``, ``delivery_mode`` and so on).

        Returns:
            What :meth:`kombu.Producer.publish` returns.

        Raises:
            Exception: what kombu raises when the message cannot be published (e.g.
                :exc:`kombu.exceptions.OperationalError` when the broker is unreachable);
                the span is finished with it.
        """
        span = self.span.make_child(self._span_name)
        with span:
            span.set_tag("kind", "producer")
            if routing_key:
                span.set_tag("message_bus.destination", routing_key)
            with self.producers.acquire() as producer:
                return producer.publish(
                    body=body, routing_key=routing_key, exchange=self.exchange, **kwargs
                )


class KombuProducerContextFactory(ContextFactory):
    """Puts a :class:`KombuProducer` on each request's context.

    Every request's producer borrows from one :class:`PooledProducers` (producers on
    connections of their own, opened as they are first needed and then kept), so concurrent
    requests publish side by side and a connection outlives the request.

    Args:
        connection: The connection to the broker, usually from
            :func:`~baseplate.context.kombu.connection_from_config`; the pool's connections
            are clones of it.
        exchange: The exchange every message is published to, usually from
            :func:`~baseplate.context.kombu.exchange_from_config`.
        max_connections: The most connections (and producers) in use at once; ``None``
            for no limit. A publish waits for one to be free.

    Raises:
        ValueError: if ``max_connections`` is not a positive integer or ``None``.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        connection: Connection,
        exchange: Exchange,
        max_connections: int | None = None,
    ) -> None:
        self.connection = connection
        self.exchange = exchange
        self.max_connections = max_connections
        self.producers = PooledProducers(connection, max_connections)

    def make_object_for_context(self, name: str, span: Span) -> KombuProducer:
        """Return a producer for the request of ``span``, on its context as ``name``."""
        return KombuProducer(name, span, self.connection, self.exchange, self.producers)
