"""The application's side of the event pipeline: :class:`EventQueue`."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from baseplate.core import ContextFactory, Span
from baseplate.message_queue import MessageQueue, MessageTooLargeError, TimedOutError

from ._errors import EventQueueFullError, EventTooLargeError
from ._event import serialize_v1_event
from ._limits import MAX_EVENT_SIZE, MAX_QUEUE_SIZE, QUEUE_NAME_PREFIX


def _check_put_timeout(put_timeout: object) -> float:
    if (
        isinstance(put_timeout, bool)
        or not isinstance(put_timeout, int | float)
        or not math.isfinite(put_timeout)
        or put_timeout < 0
    ):
        raise ValueError(
            f"put_timeout must be a finite number of seconds >= 0, got {put_timeout!r}"
        )
    return float(put_timeout)


class EventQueue(ContextFactory):
    """A queue that hands events to the event publisher sidecar on this host.

    Events are serialized by ``event_serializer`` and put on the POSIX message queue
    ``/events-<name>`` (opened, and created if need be, when the object is made; it holds
    :data:`~baseplate.events.MAX_QUEUE_SIZE` events of up to
    :data:`~baseplate.events.MAX_EVENT_SIZE` bytes). The publisher started with
    ``--queue-name <name>`` reads it and posts the events to the collector.

    It is also a :class:`~baseplate.core.ContextFactory` that puts itself on the context::

        baseplate.add_to_context("events_production", EventQueue("production"))

        def handler(context):
            context.events_production.put(event)

    A put never waits longer than ``put_timeout`` seconds, however long the publisher is
    stalled: when the queue is still full after that, it raises
    :exc:`~baseplate.events.EventQueueFullError` and the event is not queued. The wait
    cooperates with gevent. One ``EventQueue`` may be shared by every request and thread.

    Args:
        name: The queue's name, which selects the publisher (``prod``, ``test``, ``v2``...).
        event_serializer: Turns an event into the bytes to queue:
            :func:`~baseplate.events.serialize_v1_event` (the default) for
            :class:`~baseplate.events.Event` objects, or
            :func:`~baseplate.events.serialize_v2_event` for Thrift structs.
        put_timeout: How long a put may wait for room in a full queue, in seconds; the
            default ``0`` makes one attempt and never waits.

    Raises:
        ValueError: if ``put_timeout`` is negative or not a number.
        baseplate.message_queue.MessageQueueError: if the queue cannot be opened (its
            message explains the system limits involved).

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        name: str,
        event_serializer: Callable[[Any], bytes] = serialize_v1_event,
        put_timeout: float = 0.0,
    ) -> None:
        self.put_timeout = _check_put_timeout(put_timeout)
        self.serializer = event_serializer
        self.queue = MessageQueue(QUEUE_NAME_PREFIX + name, MAX_QUEUE_SIZE, MAX_EVENT_SIZE)
        #: The largest serialized event this queue accepts, in bytes.
        self.max_event_size = min(MAX_EVENT_SIZE, self.queue.max_message_size)

    @property
    def name(self) -> str:
        """The POSIX queue's name, ``/events-<name>``."""
        return self.queue.name

    def put(self, event: Any) -> None:
        """Serialize ``event`` and add it to the queue.

        Args:
            event: An event of the kind the queue's serializer takes.

        Raises:
            EventTooLargeError: if the serialized event is larger than
                :attr:`max_event_size`; it is not queued.
            EventQueueFullError: if the queue stayed full for ``put_timeout`` seconds; the
                event is not queued.

        .. versionadded:: 0.1.0
        """
        message = self.serializer(event)
        if len(message) > self.max_event_size:
            raise EventTooLargeError(len(message), self.max_event_size)
        try:
            self.queue.put(message, timeout=self.put_timeout)
        except TimedOutError:
            raise EventQueueFullError(self.name, self.put_timeout) from None
        except MessageTooLargeError:  # a queue made with smaller limits than ours
            raise EventTooLargeError(len(message), self.queue.max_message_size) from None

    def make_object_for_context(self, name: str, span: Span) -> EventQueue:
        """Return this queue: the same object serves every request."""
        return self

    def close(self) -> None:
        """Close the POSIX queue (events already in it stay for the publisher)."""
        self.queue.close()
