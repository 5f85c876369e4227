"""Thrift-schema (v2) events: any Thrift struct, serialized with Thrift's JSON protocol."""

from __future__ import annotations

from typing import Any

from thrift import TSerialization
from thrift.protocol.TJSONProtocol import TJSONProtocolFactory

_FACTORY = TJSONProtocolFactory()


def serialize_v2_event(event: Any) -> bytes:
    """Serialize a Thrift struct for the v2 event protocol: Thrift's JSON protocol.

    That is the ``TJSONProtocol`` encoding, in which a struct is a JSON object keyed by field
    id, each value tagged with its type: ``{"1":{"str":"baseplate"},"4":{"i64":1700000000000}}``.
    Use it with an :class:`~baseplate.events.EventQueue` for a publisher configured with
    ``collector.version = 2``.

    Args:
        event: A Thrift struct, such as a ``baseplate.events.thrift.ttypes.Event`` or one
            of a service's own event schemas.

    Raises:
        thrift.protocol.TProtocol.TProtocolException: if a required field of the struct is
            not set.

    .. versionadded:: 0.1.0
    """
    data: bytes = TSerialization.serialize(event, _FACTORY)
    return data
