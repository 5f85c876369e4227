"""BaseKombuConsumer and KombuConsumer against the real RabbitMQ."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from kombu.connection import Connection
from kombu.entity import Queue

from baseplate.core import Baseplate, RequestContext
from baseplate.core.testing import RecordingObserver
from baseplate.queue_consumer import BaseKombuConsumer, KombuConsumer

if TYPE_CHECKING:
    from conftest import Broker

pytestmark = pytest.mark.integration


@pytest.fixture
def queues(broker: Broker) -> list[Queue]:
    """The test's queue, for a consumer."""
    return [Queue(broker.queue.name, broker.exchange, routing_key="rk")]


@pytest.fixture
def base_consumer(connection: Connection, queues: list[Queue]) -> Iterator[BaseKombuConsumer]:
    """A BaseKombuConsumer of the test's queue, closed afterwards."""
    consumer = BaseKombuConsumer.new(connection, queues, queue_size=10)
    yield consumer
    consumer.close()


def test_get_message_then_get_batch_read_in_order(
    broker: Broker, base_consumer: BaseKombuConsumer
) -> None:
    """Messages come out in order, one by get_message, the rest by get_batch, none acked."""
    broker.publish(*range(5))
    first = base_consumer.get_message(timeout=5)
    batch = base_consumer.get_batch(max_items=10, timeout=1)
    assert [m.decode() for m in [first, *batch]] == [0, 1, 2, 3, 4]
    assert not any(m.acknowledged for m in [first, *batch])
    for message in [first, *batch]:
        message.ack()


def test_get_batch_stops_at_max_items_and_at_the_timeout(
    broker: Broker, base_consumer: BaseKombuConsumer
) -> None:
    """get_batch returns as soon as max_items came, and with fewer once the timeout passes."""
    broker.publish(*range(3))
    full = base_consumer.get_batch(max_items=2, timeout=5)
    started = time.monotonic()
    rest = base_consumer.get_batch(max_items=5, timeout=0.3)
    waited = time.monotonic() - started
    assert [m.decode() for m in full] == [0, 1]
    assert [m.decode() for m in rest] == [2]
    assert 0.25 < waited < 2
    for message in full + rest:
        message.ack()


def test_get_message_times_out_with_queue_empty(base_consumer: BaseKombuConsumer) -> None:
    """With nothing to read, get_message raises queue.Empty after its timeout."""
    with pytest.raises(queue.Empty):
        base_consumer.get_message(timeout=0.2)


def test_prefetch_is_bounded_by_queue_size(broker: Broker, connection: Connection) -> None:
    """The broker hands out no more unacked messages than the work queue holds."""
    consumer = BaseKombuConsumer.new(
        connection, [Queue(broker.queue.name, broker.exchange, routing_key="rk")], queue_size=3
    )
    try:
        broker.publish(*range(10))
        deadline = time.monotonic() + 5
        while consumer.work_queue.qsize() < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)
        assert consumer.work_queue.qsize() == 3
        assert broker.settled_count(7) == 7
    finally:
        consumer.close()


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_queue_size_must_be_a_non_negative_integer(
    bad: object, connection: Connection, queues: list[Queue]
) -> None:
    """A bad queue_size is refused with the value, before any thread starts."""
    with pytest.raises(ValueError, match=r"queue_size must be an integer of at least 0"):
        BaseKombuConsumer.new(connection, queues, queue_size=bad)  # type: ignore[arg-type]


def test_kombu_consumer_reads_inside_child_spans(
    broker: Broker,
    connection: Connection,
    queues: list[Queue],
    baseplate: Baseplate,
    recorder: RecordingObserver,
) -> None:
    """get_message and get_batch are child spans tagged with what they read."""
    consumer = KombuConsumer.new(connection, queues)
    try:
        broker.publish("one", "two", "three")
        span = baseplate.make_server_span(RequestContext(), "q")
        with span:
            message = consumer.get_message(span, timeout=5)
            batch = consumer.get_batch(span, max_items=2, timeout=5)
        for read in [message, *batch]:
            read.ack()
    finally:
        consumer.close()
    (server,) = recorder.server_spans
    get = server.child("kombu.get_message")
    assert get.tags == {
        "kind": "consumer",
        "routing_key": "rk",
        "consumer_tag": message.delivery_info["consumer_tag"],
        "delivery_tag": message.delivery_tag,
        "exchange": broker.exchange.name,
    }
    assert server.child("kombu.get_batch").tags == {"kind": "consumer", "message_count": 2}
    assert [m.decode() for m in batch] == ["two", "three"]
