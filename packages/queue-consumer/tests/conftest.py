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
    """The URL of the real RabbitMQ (``BASEPLATE_RABBITMQ_ADDR``, default port 5672)."""
    host, port = service_address("rabbitmq", 5672)
    return f"amqp://guest:guest@{host}:{port}//"


@pytest.fixture
def connection(amqp_url: str) -> Iterator[Connection]:
    """A connection for the code under test, released after the test."""
    conn = Connection(amqp_url, connect_timeout=2)
    yield conn
    conn.release()


@pytest.fixture
def exchange() -> Exchange:
    """A direct exchange of the test's own."""
    return Exchange(f"baseplate-test-{uuid.uuid4().hex[:12]}", "direct", auto_delete=True)


@pytest.fixture
def queue_name() -> str:
    """A queue name no other test (or run) uses."""
    return f"baseplate-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def broker(amqp_url: str, exchange: Exchange, queue_name: str) -> Iterator[Broker]:
    """The test's side of the broker: ``queue_name`` bound to ``exchange`` with routing key
    ``rk``, a way to publish to it, and the queue deleted afterwards."""
    conn = Connection(amqp_url, connect_timeout=2)
    queue = Queue(queue_name, exchange, routing_key="rk")(conn.default_channel)
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
def recorder() -> RecordingObserver:
    """Records the spans of the ``baseplate`` fixture."""
    return RecordingObserver()


@pytest.fixture
def baseplate(recorder: RecordingObserver) -> Baseplate:
    """A Baseplate with ``recorder`` registered."""
    app = Baseplate()
    app.register(recorder)
    return app
