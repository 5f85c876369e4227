"""Batches: v1 JSON arrays and v2 Thrift JSON lists, limited in size (framing included) and age."""

from __future__ import annotations

import json

import pytest
from thrift import TSerialization
from thrift.protocol.TJSONProtocol import TJSONProtocolFactory
from thrift.Thrift import TType

from baseplate.events import serialize_v2_event
from baseplate.events.publisher import MAX_BATCH_AGE, MAX_BATCH_SIZE, BatchFull, V1Batch, V2Batch
from baseplate.events.thrift.ttypes import Event


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_limits_are_500_kib_and_one_second() -> None:
    """By default a batch holds up to 500 KiB uncompressed and is due a second after its first."""
    assert (MAX_BATCH_SIZE, MAX_BATCH_AGE) == (512000, 1.0)
    assert (V1Batch().max_size, V2Batch().max_age) == (512000, 1.0)


def test_v1_batch_is_a_json_array() -> None:
    """The body is [e1,e2,...], and its size counts the brackets and commas."""
    batch = V1Batch()
    batch.add(b'{"a":1}')
    batch.add(b'{"b":2}')

    assert batch.serialize() == b'[{"a":1},{"b":2}]'
    assert len(batch.serialize()) == batch.size
    assert V1Batch().serialize() == b"[]"


def test_v2_batch_is_a_thrift_list_of_structs() -> None:
    """The body is {"1":{"lst":["rec",N,e1,...]}}, which Thrift reads as field 1's list."""
    events = [Event(source="s", noun=str(n), client_timestamp=n) for n in range(3)]
    batch = V2Batch()
    for event in events:
        batch.add(serialize_v2_event(event))
    body = batch.serialize()

    assert body.startswith(b'{"1":{"lst":["rec",3,{"1":{"str":"s"}')
    assert len(body) == batch.size

    class Wrapper:
        """A struct whose field 1 is list<Event>, read with Thrift's own JSON reader."""

        thrift_spec = (None, (1, TType.LIST, "events", (TType.STRUCT, [Event, None], False), None))

        def __init__(self) -> None:
            self.events: list[Event] | None = None

        def read(self, iprot: object) -> None:
            iprot.readStruct(self, self.thrift_spec)  # type: ignore[attr-defined]

    decoded = TSerialization.deserialize(Wrapper(), body, TJSONProtocolFactory())
    assert events == decoded.events
    assert json.loads(V2Batch().serialize()) == {"1": {"lst": ["rec", 0]}}


@pytest.mark.parametrize("batch_type", [V1Batch, V2Batch])
def test_an_event_that_would_overflow_is_refused(batch_type: type[V1Batch]) -> None:
    """An event that fits exactly is taken; one byte more raises BatchFull."""
    probe = batch_type(max_size=10**6)
    probe.add(b"x" * 10)
    probe.add(b"y" * 10)
    exact = probe.size
    batch = batch_type(max_size=exact)
    batch.add(b"x" * 10)
    batch.add(b"y" * 10)
    assert exact == batch.size

    smaller = batch_type(max_size=exact - 1)
    smaller.add(b"x" * 10)
    with pytest.raises(BatchFull):
        smaller.add(b"y" * 10)
    assert len(smaller) == 1


def test_v2_framing_counts_the_digits_of_the_count() -> None:
    """Going from 9 to 10 events adds a digit to the count, and the size says so."""
    batch = V2Batch()
    for _ in range(10):
        batch.add(b"{}")
        assert len(batch.serialize()) == batch.size


def test_an_oversized_event_is_taken_by_an_empty_batch() -> None:
    """One event larger than the limit still goes, alone, so it cannot stall the publisher."""
    batch = V1Batch(max_size=10)
    batch.add(b"x" * 50)

    with pytest.raises(BatchFull):
        batch.add(b"y")


def test_a_batch_is_due_one_age_after_its_first_event() -> None:
    """Age runs from the first event; an empty batch is never due; reset starts over."""
    clock = FakeClock()
    batch = V1Batch(max_age=1.0, clock=clock)
    clock.now += 5
    assert not batch.is_due()

    batch.add(b"{}")
    clock.now += 0.9
    batch.add(b"{}")
    assert not batch.is_due()
    clock.now += 0.1
    assert batch.is_due()

    batch.reset()
    assert (len(batch), batch.size, batch.is_due()) == (0, 2, False)
