"""KombuProducerContextFactory and KombuProducer.publish, against the real RabbitMQ."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from kombu.connection import Connection
from kombu.entity import Exchange, Queue
from kombu.exceptions import OperationalError

from baseplate.context.kombu import KombuProducer, KombuProducerContextFactory, PooledProducers
from baseplate.core import Baseplate, RequestContext, ServerSpan
from baseplate.core.testing import RecordingObserver

pytestmark = pytest.mark.integration

NewRequest = Callable[[], tuple[RequestContext, ServerSpan]]


def _drain(queue: Queue, count: int) -> list[Any]:
    """Read ``count`` messages, waiting (5 s at most) for the broker to route them."""
    messages: list[Any] = []
    deadline = time.monotonic() + 5
    while len(messages) < count and time.monotonic() < deadline:
        message = queue.get(no_ack=True)
        if message is None:
            time.sleep(0.01)
        else:
            messages.append(message)
    assert len(messages) == count, f"expected {count} messages, got {len(messages)}"
    return messages


def test_publish_is_a_producer_span_and_reaches_the_queue(
    baseplate: Baseplate,
    recorder: RecordingObserver,
    connection: Connection,
    exchange: Exchange,
    bound_queue: Queue,
    new_request: NewRequest,
) -> None:
    """A publish is a child span amqp.publish tagged kind and destination; the message arrives."""
    baseplate.add_to_context("amqp", KombuProducerContextFactory(connection, exchange))
    context, span = new_request()
    assert isinstance(context.amqp, KombuProducer)
    context.amqp.publish({"n": 1}, routing_key="rk", headers={"h": "v"})
    span.finish()

    ((message,),) = [_drain(bound_queue, 1)]
    assert message.decode() == {"n": 1}
    assert message.headers["h"] == "v"
    child = recorder.server_spans[0].child("amqp.publish")
    assert child.tags == {"kind": "producer", "message_bus.destination": "rk"}
    assert (child.started, child.finished, child.exc_info) == (1, 1, None)


def test_failed_publish_finishes_its_span_with_the_error(
    baseplate: Baseplate,
    recorder: RecordingObserver,
    exchange: Exchange,
    new_request: NewRequest,
) -> None:
    """A broker that cannot be reached raises from publish and the span carries the error."""
    dead = Connection("amqp://guest:guest@127.0.0.1:1//", connect_timeout=0.5)
    baseplate.add_to_context("amqp", KombuProducerContextFactory(dead, exchange))
    context, _ = new_request()
    with pytest.raises(OperationalError) as raised:
        context.amqp.publish(b"x", routing_key="rk")
    child = recorder.server_spans[0].child("amqp.publish")
    assert child.finished == 1
    assert child.exc_info is not None
    assert child.exc_info[1] is raised.value


def test_producers_are_pooled_and_bounded_across_requests(
    baseplate: Baseplate,
    connection: Connection,
    exchange: Exchange,
    bound_queue: Queue,
    new_request: NewRequest,
) -> None:
    """Concurrent requests share at most max_connections producers and every message arrives."""
    factory = KombuProducerContextFactory(connection, exchange, max_connections=2)
    baseplate.add_to_context("amqp", factory)
    errors: list[BaseException] = []

    def request(n: int) -> None:
        try:
            context, span = new_request()
            for i in range(10):
                context.amqp.publish(f"{n}-{i}", routing_key="rk")
            span.finish()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=request, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    bodies = sorted(m.decode() for m in _drain(bound_queue, 60))
    assert bodies == sorted(f"{n}-{i}" for n in range(6) for i in range(10))
    assert factory.producers.limit == 2


@pytest.mark.parametrize("bad", [0, -1, True, 1.5])
def test_max_connections_must_be_a_positive_integer(
    bad: Any, connection: Connection, exchange: Exchange
) -> None:
    """A pool limit that is not a positive integer is refused, naming the value."""
    with pytest.raises(ValueError, match=r"max_connections must be a positive integer"):
        KombuProducerContextFactory(connection, exchange, max_connections=bad)


def test_pool_hands_the_same_open_producer_out_again(connection: Connection) -> None:
    """A returned producer is reused, connection and channel still open."""
    pool = PooledProducers(connection, limit=2)
    with pool.acquire() as first:
        first.connection.default_channel  # noqa: B018 - opens it
    with pool.acquire() as second:
        assert second is first
        assert second.connection.connected
    pool.close()
    assert not first.connection.connected


def test_pool_makes_borrowers_wait_beyond_its_limit(connection: Connection) -> None:
    """With every producer in use, the next borrower waits until one comes back."""
    pool = PooledProducers(connection, limit=1)
    got_second = threading.Event()

    def borrow() -> None:
        with pool.acquire():
            got_second.set()

    with pool.acquire():
        waiter = threading.Thread(target=borrow)
        waiter.start()
        assert not got_second.wait(0.3)
    assert got_second.wait(5)
    waiter.join(5)
    pool.close()


def test_pool_drops_a_producer_whose_use_raised(connection: Connection) -> None:
    """A producer that saw an error is closed and not handed out again."""
    pool = PooledProducers(connection)
    with pytest.raises(RuntimeError), pool.acquire() as broken:
        raise RuntimeError
    with pool.acquire() as fresh:
        assert fresh is not broken
    pool.close()
