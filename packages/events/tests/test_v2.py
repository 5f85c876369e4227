"""v2 events: Thrift structs in Thrift's JSON protocol, field ids as keys, values typed."""

from __future__ import annotations

import json

from thrift import TSerialization
from thrift.protocol.TJSONProtocol import TJSONProtocolFactory

from baseplate.events import serialize_v2_event
from baseplate.events.thrift.ttypes import Event


def test_an_event_is_thrift_json_keyed_by_field_id() -> None:
    """Each set field is "<id>": {"<type>": value}, in field-id order, with no spaces."""
    event = Event(
        source="baseplate",
        action="test",
        noun="baseplate",
        client_timestamp=1700000000123,
        uuid="2b6c1f3e-0000-4000-8000-000000000000",
    )

    assert serialize_v2_event(event) == (
        b'{"1":{"str":"baseplate"},"2":{"str":"test"},"3":{"str":"baseplate"},'
        b'"4":{"i64":1700000000123},"5":{"str":"2b6c1f3e-0000-4000-8000-000000000000"}}'
    )


def test_unset_fields_are_left_out() -> None:
    """Optional fields that are None do not appear."""
    assert json.loads(serialize_v2_event(Event(noun="button"))) == {"3": {"str": "button"}}


def test_the_bytes_read_back_as_the_same_struct() -> None:
    """Thrift's own JSON reader turns the bytes back into an equal struct."""
    event = Event(source="s", action="a", noun="n", client_timestamp=1, uuid="u")

    decoded = TSerialization.deserialize(Event(), serialize_v2_event(event), TJSONProtocolFactory())

    assert event == decoded
