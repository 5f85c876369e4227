"""Schemaless (v1) events: fields, their kinds, timestamps and the JSON they become."""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

import pytest

from baseplate.events import Event, FieldKind, serialize_v1_event


def decoded(event: Event) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(serialize_v1_event(event))
    return result


def test_event_serializes_to_the_v1_keys() -> None:
    """The JSON has the topic, type, millisecond timestamp, uuid and payload keys."""
    event_id = uuid.UUID("a3b6e4a1-1111-4c8e-9a9b-0123456789ab")
    event = Event(
        "topic", "type", timestamp=datetime.datetime(2020, 1, 2, 3, 4, 5, 678000), id=event_id
    )
    event.set_field("answer", 42)

    assert decoded(event) == {
        "event_topic": "topic",
        "event_type": "type",
        "event_ts": 1577934245678,
        "uuid": "a3b6e4a1-1111-4c8e-9a9b-0123456789ab",
        "payload": {"answer": 42},
    }
    assert serialize_v1_event(event) == event.serialize().encode()


def test_defaults_are_now_and_a_random_uuid(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a timestamp or id, the event gets the current time in ms and a new UUID4."""
    monkeypatch.setattr("time.time", lambda: 1234.5678)
    first, second = Event("t", "e"), Event("t", "e")

    assert first.timestamp == 1234567
    assert isinstance(first.id, uuid.UUID)
    assert first.id.version == 4
    assert first.id != second.id


def test_a_utc_timestamp_is_accepted_and_another_zone_refused() -> None:
    """Aware UTC datetimes are fine; any other offset is a ValueError saying how to fix it."""
    utc = datetime.datetime(1970, 1, 1, 0, 0, 1, tzinfo=datetime.UTC)
    assert Event("t", "e", timestamp=utc).timestamp == 1000

    plus_one = datetime.timezone(datetime.timedelta(hours=1))
    with pytest.raises(ValueError, match=r"UTC datetime.*astimezone"):
        Event("t", "e", timestamp=datetime.datetime(2020, 1, 1, tzinfo=plus_one))


def test_field_kinds_go_to_their_sections() -> None:
    """Normal fields are top-level; obfuscated and high-cardinality ones have sub-objects."""
    event = Event("t", "e")
    event.set_field("normal", "n")
    event.set_field("ip", "10.0.0.1", kind=FieldKind.OBFUSCATED)
    event.set_field("legacy", "x", obfuscate=True)
    event.set_field("request_id", "r", kind=FieldKind.HIGH_CARDINALITY)

    assert decoded(event)["payload"] == {
        "normal": "n",
        "obfuscated_data": {"ip": "10.0.0.1", "legacy": "x"},
        "interana_excluded": {"request_id": "r"},
    }


def test_the_same_key_in_different_sections_is_kept_apart() -> None:
    """A key set under two kinds holds two values, each read back with its kind."""
    event = Event("t", "e")
    event.set_field("key", "plain")
    event.set_field("key", "secret", kind=FieldKind.OBFUSCATED)

    assert event.get_field("key") == "plain"
    assert event.get_field("key", kind=FieldKind.OBFUSCATED) == "secret"
    assert event.get_field("key", kind=FieldKind.HIGH_CARDINALITY) is None
    assert event.get_field("missing") is None


@pytest.mark.parametrize("empty", [None, ""])
def test_none_and_empty_string_are_not_sent(empty: Any) -> None:
    """Setting None or "" leaves the field out (and removes an earlier value)."""
    event = Event("t", "e")
    event.set_field("gone", "before")
    event.set_field("gone", empty)
    event.set_field("never", empty, kind=FieldKind.OBFUSCATED)

    assert decoded(event)["payload"] == {}
    assert event.get_field("gone") is None


@pytest.mark.parametrize("falsy", [0, False, 0.0, []])
def test_other_false_values_are_kept(falsy: Any) -> None:
    """Zero, False and empty lists are real values and are sent."""
    event = Event("t", "e")
    event.set_field("value", falsy)

    assert {"value": falsy} == decoded(event)["payload"]


def test_a_normal_field_cannot_take_a_section_name() -> None:
    """Naming a normal field like a section would be overwritten: a ValueError says so."""
    with pytest.raises(ValueError, match=r"'obfuscated_data' is where fields of that kind go"):
        Event("t", "e").set_field("obfuscated_data", "x")


def test_values_that_are_not_json_fail_at_serialization() -> None:
    """A value JSON cannot encode raises TypeError when the event is serialized."""
    event = Event("t", "e")
    event.set_field("bad", object())

    with pytest.raises(TypeError):
        serialize_v1_event(event)
