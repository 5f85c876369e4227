"""An :class:`EventLogger` that turns what it is given into events on an :class:`EventQueue`."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from baseplate.core import WarningLimiter

from ._event import Event, serialize_v1_event
from ._loggers import EventLogger
from ._queue import EventQueue
from ._v2 import serialize_v2_event
from .thrift import ttypes as _generated

logger = logging.getLogger(__name__)

# The generated structs are untyped.
ttypes: Any = _generated

#: The ``source`` of the v2 events, the ``topic`` of the v1 ones.
SOURCE = "experiment"
#: The ``noun`` of the v2 events: what a bucketing or exposure event is about.
NOUN = "user"


def _event_type(fields: dict[str, Any]) -> str | None:
    event_type = fields.get("event_type")
    value = getattr(event_type, "value", event_type)  # an enum member, or its value
    return None if value is None else str(value)


def _experiment_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The experiment's id, name, owner and version, whatever describes it."""
    experiment = fields.get("experiment")
    version = getattr(experiment, "version", None)
    return {
        "id": getattr(experiment, "id", None),
        "name": getattr(experiment, "name", None) or fields.get("experiment_name"),
        "owner": getattr(experiment, "owner", None),
        "version": None if version is None else str(version),
    }


def _timestamp_ms(value: Any) -> int | None:
    return None if value is None else int(value)


def _v2_event(fields: dict[str, Any]) -> Any:
    experiment = _experiment_fields(fields)
    user_id = fields.get("user_id")
    logged_in = fields.get("logged_in")
    app_name = fields.get("app_name")
    user = ttypes.User(
        user_id=None if user_id is None else str(user_id),
        logged_in=None if logged_in is None else bool(logged_in),
        cookie_created_timestamp=_timestamp_ms(fields.get("cookie_created_timestamp")),
    )
    return ttypes.Event(
        source=SOURCE,
        action=_event_type(fields),
        noun=NOUN,
        client_timestamp=int(time.time() * 1000),
        uuid=str(uuid.uuid4()),
        app=ttypes.App(name=str(app_name)) if app_name is not None else None,
        user=user if user != ttypes.User() else None,
        experiment=ttypes.Experiment(variant=fields.get("variant"), **experiment),
    )


def _v1_event(fields: dict[str, Any]) -> Event:
    event = Event(SOURCE, _event_type(fields) or "unknown")
    for key, value in _experiment_fields(fields).items():
        event.set_field(f"experiment_{key}", value)
    for key in ("variant", "user_id", "logged_in", "cookie_created_timestamp", "app_name"):
        event.set_field(key, fields.get(key))
    return event


class EventQueueLogger(EventLogger):
    """An :class:`EventLogger` that puts each logged event on an :class:`EventQueue`.

    This is the logger to give the experiments client in production: each bucketing or
    exposure event it logs becomes an event on the queue ``/events-<name>``, which the event
    publisher sidecar started with ``--queue-name <name>`` posts to the collector::

        event_logger = EventQueueLogger("v2")
        baseplate.add_to_context(
            "experiments", experiments_client_from_config(app_config, event_logger)
        )

    The fields it reads are those the experiments client passes: ``experiment`` (an object
    with ``id``, ``name``, ``owner`` and ``version``), ``variant``, ``user_id``,
    ``logged_in``, ``cookie_created_timestamp`` (milliseconds), ``app_name`` and
    ``event_type`` (an enum member or its string value, ``"choose"`` for bucketing and
    ``"expose"`` for exposure); any others are ignored. Missing fields are left out.

    With the default :func:`~baseplate.events.serialize_v2_event`, each event is a
    ``baseplate.events.thrift.ttypes.Event`` with ``source`` ``"experiment"``,
    ``action`` the event type, ``noun`` ``"user"``, a fresh ``uuid`` and
    ``client_timestamp``, and its ``experiment`` (id, name, owner, variant, version),
    ``user`` (user_id, logged_in, cookie_created_timestamp) and ``app`` (name) structs. For
    a publisher of v1 events, pass :func:`~baseplate.events.serialize_v1_event`: each event
    is then an :class:`~baseplate.events.Event` of topic ``"experiment"`` and event type
    the event type, whose payload holds ``experiment_id``, ``experiment_name``,
    ``experiment_owner``, ``experiment_version``, ``variant``, ``user_id``, ``logged_in``,
    ``cookie_created_timestamp`` and ``app_name``.

    :meth:`log` never raises into the request: an event that cannot be queued (the queue
    stays full, the event is too large, it cannot be serialized) is dropped, counted in
    :attr:`dropped`, and warned about at most every ten seconds with the number dropped
    since the last warning.

    Args:
        name: The queue's name, as given to the publisher's ``--queue-name``.
        event_serializer: :func:`~baseplate.events.serialize_v2_event` (the default) for
            v2 events, or :func:`~baseplate.events.serialize_v1_event` for v1 events.
        put_timeout: How long a put may wait for room in a full queue, in seconds (as for
            :class:`EventQueue`; by default it never waits).

    Attributes:
        queue: The :class:`EventQueue` the events go to.
        dropped: How many events could not be queued since the logger was made.

    Raises:
        ValueError: if ``put_timeout`` is negative or not a number.
        baseplate.message_queue.MessageQueueError: if the queue cannot be opened.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        name: str,
        event_serializer: Callable[[Any], bytes] = serialize_v2_event,
        put_timeout: float = 0.0,
    ) -> None:
        self.queue = EventQueue(name, event_serializer=event_serializer, put_timeout=put_timeout)
        self._make_event: Callable[[dict[str, Any]], Any] = (
            _v1_event if event_serializer is serialize_v1_event else _v2_event
        )
        self.dropped = 0
        self._lock = threading.Lock()
        # A put that fails can fail on every request: warn at most every ten seconds.
        self._warnings = WarningLimiter(counted="event(s) not queued")

    def log(self, **kwargs: Any) -> None:
        """Build an event from ``kwargs`` and put it on the queue; never raises.

        Args:
            kwargs: The event's fields, as described above.
        """
        try:
            self.queue.put(self._make_event(kwargs))
        except Exception as exc:  # full, too large, or a field the serializer refuses
            self._drop(kwargs, exc)

    def _drop(self, fields: dict[str, Any], exc: Exception) -> None:
        with self._lock:
            self.dropped += 1
        self._warnings.warn(
            logger,
            "a %s event was not queued on %s and is dropped: %s",
            _event_type(fields) or "logged",
            self.queue.name,
            exc,
        )

    def close(self) -> None:
        """Close the queue (events already in it stay for the publisher)."""
        self.queue.close()
