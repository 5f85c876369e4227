"""Schemaless (v1) events: :class:`Event`, its :class:`FieldKind` sections, and their JSON."""

from __future__ import annotations

import datetime
import enum
import json
import time
import uuid
from typing import Any

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


class FieldKind(enum.Enum):
    """Where in a v1 event's payload a field goes, which tells the pipeline how to treat it.

    .. versionadded:: 0.1.0
    """

    #: For normal fields, which go at the top level of the payload.
    NORMAL = None
    #: For sensitive data, such as IP addresses, that must be handled with care; the field
    #: goes under ``payload.obfuscated_data``.
    OBFUSCATED = "obfuscated_data"
    #: For fields of such high cardinality that they must not be indexed; the field goes
    #: under ``payload.interana_excluded``.
    HIGH_CARDINALITY = "interana_excluded"


#: The payload keys the non-normal kinds own; a normal field may not take these names.
_SECTION_NAMES = frozenset(kind.value for kind in FieldKind if kind.value is not None)


def _millis(timestamp: datetime.datetime) -> int:
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=datetime.UTC)
    elif timestamp.utcoffset() != datetime.timedelta(0):
        raise ValueError(
            f"expected a naive (UTC) or UTC datetime for the event's timestamp, got "
            f"{timestamp!r}; convert it with .astimezone(datetime.UTC)"
        )
    return (timestamp - _EPOCH) // datetime.timedelta(milliseconds=1)


class Event:
    """A schemaless (v1) event: a topic, a type, and fields in a JSON payload.

    Put it on an :class:`~baseplate.events.EventQueue` whose serializer is
    :func:`~baseplate.events.serialize_v1_event` (the default)::

        event = Event("user_actions", "click")
        event.set_field("button", "subscribe")
        event.set_field("ip", request.client_addr, kind=FieldKind.OBFUSCATED)
        context.events_production.put(event)

    Args:
        topic: The topic the event belongs to.
        event_type: The type of the event within its topic.
        timestamp: When it happened: a naive datetime (taken as UTC) or a UTC one. Defaults
            to now.
        id: The event's unique identifier. Defaults to a new random UUID.

    Attributes:
        topic: As given.
        event_type: As given.
        timestamp: When it happened, in milliseconds since the epoch.
        id: The unique identifier (a :class:`uuid.UUID` unless another value was given).

    Raises:
        ValueError: if ``timestamp`` is in a time zone other than UTC.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        topic: str,
        event_type: str,
        timestamp: datetime.datetime | None = None,
        id: uuid.UUID | str | None = None,
    ) -> None:
        self.topic = topic
        self.event_type = event_type
        self.timestamp = _millis(timestamp) if timestamp is not None else int(time.time() * 1000)
        self.id = id if id is not None else uuid.uuid4()
        self._fields: dict[FieldKind, dict[str, Any]] = {kind: {} for kind in FieldKind}

    def get_field(self, key: str, kind: FieldKind = FieldKind.NORMAL) -> Any:
        """Return the value of the field ``key`` of the given kind, or ``None`` if not set.

        Args:
            key: The field's name.
            kind: Which section to look in; the same name may be set in each.

        .. versionadded:: 0.1.0
        """
        return self._fields[kind].get(key)

    def set_field(
        self, key: str, value: Any, obfuscate: bool = False, kind: FieldKind = FieldKind.NORMAL
    ) -> None:
        """Set the field ``key`` of the given kind to ``value``.

        ``None`` and the empty string are not sent, so setting a field to either removes
        it; other false values (``0``, ``False``) are kept.

        Args:
            key: The field's name.
            value: Its value; it must be JSON serializable (the error comes when the event
                is serialized).
            obfuscate: Deprecated: the same as ``kind=FieldKind.OBFUSCATED``.
            kind: The section of the payload it goes in.

        Raises:
            ValueError: if a normal field is named like a section (``obfuscated_data`` or
                ``interana_excluded``).

        .. versionadded:: 0.1.0
        """
        if obfuscate:
            kind = FieldKind.OBFUSCATED
        if kind is FieldKind.NORMAL and key in _SECTION_NAMES:
            raise ValueError(
                f"{key!r} is where fields of that kind go; set them with "
                f"kind=FieldKind({key!r}) or pick another name"
            )
        section = self._fields[kind]
        if value is None or (isinstance(value, str) and value == ""):
            section.pop(key, None)
            return
        section[key] = value

    @property
    def payload(self) -> dict[str, Any]:
        """The payload as serialized, normal fields first and then one object per other kind.

        .. versionadded:: 0.1.0
        """
        payload = dict(self._fields[FieldKind.NORMAL])
        for kind in (FieldKind.OBFUSCATED, FieldKind.HIGH_CARDINALITY):
            if self._fields[kind]:
                payload[kind.value] = dict(self._fields[kind])
        return payload

    def serialize(self) -> str:
        """Return the event as v1 JSON text (see :func:`~baseplate.events.serialize_v1_event`).

        Raises:
            TypeError: if a field's value is not JSON serializable.

        .. versionadded:: 0.1.0
        """
        return json.dumps(
            {
                "event_topic": self.topic,
                "event_type": self.event_type,
                "event_ts": self.timestamp,
                "uuid": str(self.id),
                "payload": self.payload,
            },
            separators=(",", ":"),
        )

    def __repr__(self) -> str:
        return f"<Event {self.topic}/{self.event_type} {self.id}>"


def serialize_v1_event(event: Event) -> bytes:
    """Serialize a schemaless :class:`Event` for the v1 event protocol: UTF-8 JSON.

    The JSON object has the keys ``event_topic``, ``event_type``, ``event_ts`` (milliseconds
    since the epoch), ``uuid`` and ``payload``.

    Args:
        event: The event.

    Raises:
        TypeError: if a field's value is not JSON serializable.

    .. versionadded:: 0.1.0
    """
    return event.serialize().encode("utf-8")
