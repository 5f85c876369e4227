"""Fixtures of baseplate-queue-consumer's tests: the machine's RabbitMQ, and a queue of the
test's own bound to an exchange of its own."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from kombu.connection import Connection
from kombu.entity import Exchange, Queue

from baseplate.core import Baseplate
from baseplate.core.testing import RecordingObserver


@pytest.fixture
def amqp_url(service_address: Callable[[str, int], tuple[str, int]]) -> str:
    """The real RabbitMQ's URL (``BASEPLATE_RABBITMQ_ADDR``, port 5672 by default)."""
    return "amqp://guest:guest@{}:{}//".format(*service_address("rabbitmq", 5672))


@pytest.fixture
def connection(broker: Broker) -> Iterator[Connection]:
    """A connection of the code under test's own (a clone of the broker fixture's)."""
    conn = broker.conn.clone()
    yield conn
    conn.release()


@pytest.fixture
def exchange(broker: Broker) -> Exchange:
    """The test's exchange (direct, auto-deleted), which its queue is bound to."""
    return broker.exchange


@pytest.fixture
def queue_name(broker: Broker) -> str:
    """The name of the test's queue."""
    return str(broker.queue.name)


@pytest.fixture
def broker(amqp_url: str) -> Iterator[Broker]:
    """The test's side of the broker: a queue of its own bound to a direct exchange of its
    own with routing key ``rk``, a way to publish to it, and the queue deleted afterwards."""
    name = f"baseplate-test-{uuid.uuid4().hex[:12]}"
    conn = Connection(amqp_url, connect_timeout=2)
    exchange = Exchange(name, "direct", auto_delete=True)
    queue = Queue(name, exchange, routing_key="rk")(conn.default_channel)
    queue.declare()
    yield Broker(conn, exchange, queue)
    queue.delete()
    conn.release()


class Broker:
    """Publishes to the test's queue and reads what is left on it."""

    def __init__(self, conn: Connection, exchange: Exchange, queue: Queue) -> None:
        self.conn = conn
        self.exchange = exchange
        self.queue = queue
        self.producer = conn.Producer()

    def publish(self, *bodies: object) -> None:
        """Publish each body to the exchange with routing key ``rk`` (persistent)."""
        for body in bodies:
            self.producer.publish(body, exchange=self.exchange, routing_key="rk")

    def message_count(self) -> int:
        """How many messages wait in the queue (not counting those delivered, unacked)."""
        return int(self.queue.queue_declare(passive=True).message_count)

    def settled_count(self, expected: int, timeout: float = 5.0) -> int:
        """The queue's message count once it is ``expected`` (acks and requeues reach the
        broker a moment after they are sent), or whatever it is after ``timeout``."""
        deadline = time.monotonic() + timeout
        while (count := self.message_count()) != expected and time.monotonic() < deadline:
            time.sleep(0.02)
        return count


@pytest.fixture
def baseplate() -> Baseplate:
    """A Baseplate with nothing registered (the ``recorder`` fixture registers itself)."""
    return Baseplate()


@pytest.fixture
def recorder(baseplate: Baseplate) -> RecordingObserver:
    """A RecordingObserver registered with the ``baseplate`` fixture."""
    observer = RecordingObserver()
    baseplate.register(observer)
    return observer
