"""Fixtures of baseplate-context-kombu's tests: the machine's RabbitMQ and one request."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from kombu.connection import Connection
from kombu.entity import Exchange, Queue

from baseplate.core import Baseplate, RequestContext, ServerSpan
from baseplate.core.testing import RecordingObserver


@pytest.fixture
def amqp_url(service_address: Callable[[str, int], tuple[str, int]]) -> str:
    """The URL of the real RabbitMQ (``BASEPLATE_RABBITMQ_ADDR``, default port 5672)."""
    host, port = service_address("rabbitmq", 5672)
    return f"amqp://guest:guest@{host}:{port}//"


@pytest.fixture
def connection(amqp_url: str) -> Iterator[Connection]:
    """A connection to the real RabbitMQ, released after the test."""
    conn = Connection(amqp_url, connect_timeout=2)
    yield conn
    conn.release()


@pytest.fixture
def exchange() -> Exchange:
    """A direct exchange of this test's own, deleted when its queue goes."""
    return Exchange(f"baseplate-test-{uuid.uuid4().hex[:12]}", "direct", auto_delete=True)


@pytest.fixture
def bound_queue(connection: Connection, exchange: Exchange) -> Iterator[Queue]:
    """A queue of the test's own, bound to ``exchange`` with routing key ``rk``; deleted after."""
    queue = Queue(f"baseplate-test-{uuid.uuid4().hex[:12]}", exchange, routing_key="rk")
    bound = queue(connection.default_channel)
    bound.declare()
    yield bound
    bound.delete()


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


@pytest.fixture
def new_request(baseplate: Baseplate) -> Callable[[], tuple[RequestContext, ServerSpan]]:
    """``new_request()``: a new context of ``baseplate`` and its started server span."""

    def make() -> tuple[RequestContext, ServerSpan]:
        context = RequestContext()
        span = baseplate.make_server_span(context, "request")
        span.start()
        return context, span

    return make
