"""Events: facts about what happened in a service, sent to the event pipeline's collector.

An application puts events on an :class:`EventQueue`, a POSIX message queue on its host;
the event publisher sidecar (:mod:`baseplate.events.publisher`) reads the queue and posts
them to the collector in signed, compressed batches. A put never waits on the network, and
never longer than the queue's ``put_timeout``.

Two kinds of events are supported, one per serializer: schemaless (v1) :class:`Event`
objects, serialized as JSON by :func:`serialize_v1_event`, and Thrift structs (v2), serialized
with Thrift's JSON protocol by :func:`serialize_v2_event`::

    from baseplate.events import Event, EventQueue, FieldKind, serialize_v2_event
    from baseplate.events.thrift.ttypes import Event as EventV2

    baseplate.add_to_context("events", EventQueue("production"))
    baseplate.add_to_context("events_v2", EventQueue("v2", event_serializer=serialize_v2_event))

    def handler(context):
        event = Event("user_actions", "click")
        event.set_field("button", "subscribe")
        event.set_field("ip", "10.0.0.1", kind=FieldKind.OBFUSCATED)
        context.events.put(event)

        context.events_v2.put(EventV2(source="my_service", action="click", noun="button"))

Components that emit events without choosing their transport (the experiments client) take
an :class:`EventLogger`: :class:`EventQueueLogger` puts them on an :class:`EventQueue` as
events, and :class:`DebugLogger` writes them to the log.
"""

from __future__ import annotations

import types

from ._errors import EventError, EventQueueFullError, EventTooLargeError
from ._event import Event, FieldKind, serialize_v1_event
from ._limits import MAX_EVENT_SIZE, MAX_QUEUE_SIZE
from ._loggers import DebugLogger, EventLogger
from ._queue import EventQueue
from ._queue_logger import EventQueueLogger
from ._v2 import serialize_v2_event

__all__ = [
    "MAX_EVENT_SIZE",
    "MAX_QUEUE_SIZE",
    "DebugLogger",
    "Event",
    "EventError",
    "EventLogger",
    "EventQueue",
    "EventQueueFullError",
    "EventQueueLogger",
    "EventTooLargeError",
    "FieldKind",
    "serialize_v1_event",
    "serialize_v2_event",
]

for _name in __all__:
    _public = globals()[_name]
    if isinstance(_public, type | types.FunctionType):
        _public.__module__ = __name__
del _name, _public
