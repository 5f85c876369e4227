"""EventQueue: events serialized onto the publisher's POSIX queue, within bounded time."""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable

import pytest

from baseplate.core import Baseplate, RequestContext
from baseplate.events import (
    MAX_EVENT_SIZE,
    MAX_QUEUE_SIZE,
    Event,
    EventError,
    EventQueue,
    EventQueueFullError,
    EventTooLargeError,
    serialize_v1_event,
)
from baseplate.message_queue import MessageQueue

pytestmark = pytest.mark.integration  # real POSIX message queues

PREFIX = "/events-"


def event_queue_on(queue: MessageQueue, **kwargs: object) -> EventQueue:
    return EventQueue(queue.name.removeprefix(PREFIX), **kwargs)  # type: ignore[arg-type]


def test_put_queues_the_serialized_event(event_queues: Callable[..., MessageQueue]) -> None:
    """The message on /events-<name> is exactly what the serializer made of the event."""
    queue = event_queues()
    events = event_queue_on(queue)
    event = Event("topic", "type")
    event.set_field("k", "v")

    events.put(event)

    assert queue.name == events.name
    assert serialize_v1_event(event) == queue.get(timeout=1)


def test_put_uses_the_given_serializer(event_queues: Callable[..., MessageQueue]) -> None:
    """A custom serializer's bytes are queued as they are."""
    queue = event_queues()
    events = event_queue_on(queue, event_serializer=lambda event: b"custom:" + event)

    events.put(b"payload")

    assert queue.get(timeout=1) == b"custom:payload"


def test_the_limits_are_the_publisher_queue_s() -> None:
    """Events go to /events-<name>, 10,000 of at most 102,400 bytes, as the sidecar expects."""
    assert (MAX_EVENT_SIZE, MAX_QUEUE_SIZE) == (102400, 10000)
    assert str(EventTooLargeError(102401)).startswith("the serialized event is 102401 bytes;")
    assert EventTooLargeError(102401).max_size == MAX_EVENT_SIZE


def test_an_event_over_the_limit_is_refused(event_queues: Callable[..., MessageQueue]) -> None:
    """Over the queue's message size, put raises EventTooLargeError and queues nothing.

    The default sysctls allow no queue of the production message size, so this queue's own
    (smaller) limit is the one that applies.
    """
    queue = event_queues(max_message_size=8192)
    events = event_queue_on(queue, event_serializer=lambda size: b"x" * size)

    events.put(8192)  # exactly the limit fits
    with pytest.raises(EventTooLargeError, match=r"8193 bytes.*takes at most 8192") as caught:
        events.put(8193)

    assert (caught.value.size, caught.value.max_size) == (8193, 8192)
    assert events.max_event_size == 8192
    assert queue.current_messages == 1


def test_a_full_queue_fails_at_once_by_default(event_queues: Callable[..., MessageQueue]) -> None:
    """With the default put_timeout of 0, a full queue raises EventQueueFullError at once."""
    queue = event_queues(max_messages=2)
    events = event_queue_on(queue, event_serializer=bytes)
    events.put(b"1")
    events.put(b"2")

    started = time.monotonic()
    with pytest.raises(EventQueueFullError, match=r"stayed full for 0.0 s; is the event pub"):
        events.put(b"3")

    assert time.monotonic() - started < 0.5
    assert [queue.get(timeout=0), queue.get(timeout=0)] == [b"1", b"2"]


def test_a_put_waits_at_most_its_timeout(event_queues: Callable[..., MessageQueue]) -> None:
    """A full queue makes put wait put_timeout seconds for room, then raise, never longer."""
    queue = event_queues(max_messages=1)
    events = event_queue_on(queue, event_serializer=bytes, put_timeout=0.2)
    events.put(b"1")

    started = time.monotonic()
    with pytest.raises(EventQueueFullError) as caught:
        events.put(b"2")
    waited = time.monotonic() - started

    assert 0.2 <= waited < 1.0
    assert (queue.name, 0.2) == (caught.value.name, caught.value.timeout)


def test_a_put_that_finds_room_while_waiting_succeeds(
    event_queues: Callable[..., MessageQueue],
) -> None:
    """When the publisher reads while put waits, the event is queued and put returns."""
    import threading

    queue = event_queues(max_messages=1)
    events = event_queue_on(queue, event_serializer=bytes, put_timeout=5.0)
    events.put(b"1")
    reader = threading.Timer(0.1, queue.get, kwargs={"timeout": 1})
    reader.start()

    events.put(b"2")
    reader.join()

    assert queue.get(timeout=1) == b"2"


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), "1", True])
def test_a_bad_put_timeout_is_refused(bad: object) -> None:
    """put_timeout must be a finite, non-negative number; the error quotes the value."""
    with pytest.raises(ValueError, match=rf"put_timeout must be .*got {bad!r}"):
        EventQueue("unused", put_timeout=bad)  # type: ignore[arg-type]


def test_the_queue_is_its_own_context_factory(
    event_queues: Callable[..., MessageQueue],
) -> None:
    """Added to the context, a request sees the same EventQueue, and its puts arrive."""
    queue = event_queues()
    events = event_queue_on(queue, event_serializer=bytes)
    baseplate = Baseplate()
    baseplate.add_to_context("events", events)
    context = RequestContext()

    with baseplate.make_server_span(context, "handler"):
        assert context.events is events
        context.events.put(b"from the request")

    assert queue.get(timeout=1) == b"from the request"


def test_the_errors_share_a_base_and_pickle() -> None:
    """Both put errors are EventErrors and survive pickling with their attributes."""
    too_large = pickle.loads(pickle.dumps(EventTooLargeError(5, 4)))
    full = pickle.loads(pickle.dumps(EventQueueFullError("/events-x", 0.5)))

    assert isinstance(too_large, EventError)
    assert isinstance(full, EventError)
    assert (too_large.size, too_large.max_size) == (5, 4)
    assert (full.name, full.timeout) == ("/events-x", 0.5)
    assert str(EventTooLargeError(5, 4)) == str(too_large)
