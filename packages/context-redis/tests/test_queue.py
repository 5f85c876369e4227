"""The Redis-backed MessageQueue against the real server."""

from __future__ import annotations

import threading
import time

import pytest
import redis

from baseplate.context.redis import MessageQueue, TimedOutError

pytestmark = pytest.mark.integration


def test_messages_come_out_in_order_as_bytes(pool: redis.BlockingConnectionPool, key: str) -> None:
    """put() appends, get() takes the oldest; text and numbers come back as their bytes."""
    queue = MessageQueue(key, pool)
    try:
        for message in (b"\x00raw", "text", 42, 1.5):
            queue.put(message)

        assert [queue.get(timeout=1) for _ in range(4)] == [b"\x00raw", b"text", b"42", b"1.5"]
    finally:
        queue.close()


def test_two_queue_objects_share_one_queue(pool: redis.BlockingConnectionPool, key: str) -> None:
    """A message put through one object is got through another of the same name."""
    sender, receiver = MessageQueue(key, pool), MessageQueue(key, pool)
    try:
        sender.put("hello")
        assert receiver.get(timeout=0) == b"hello"
    finally:
        sender.close()


def test_get_waits_for_a_message(pool: redis.BlockingConnectionPool, key: str) -> None:
    """A get() on an empty queue returns the message put meanwhile by another thread."""
    queue = MessageQueue(key, pool)
    putter = threading.Timer(0.2, queue.put, args=("late",))
    putter.start()
    try:
        started = time.monotonic()
        assert queue.get(timeout=5) == b"late"
        assert time.monotonic() - started < 4
    finally:
        putter.join()
        queue.close()


@pytest.mark.parametrize(("timeout", "waited"), [(0, 0), (0.2, 1)])
def test_get_on_an_empty_queue_times_out(
    pool: redis.BlockingConnectionPool, key: str, timeout: float, waited: int
) -> None:
    """0 does not wait; a fraction of a second waits a whole second; then TimedOutError."""
    queue = MessageQueue(key, pool)
    started = time.monotonic()

    with pytest.raises(TimedOutError, match=f"was empty for {waited} s") as info:
        queue.get(timeout=timeout)

    elapsed = time.monotonic() - started
    assert waited - 0.1 <= elapsed < waited + 1
    assert (key, waited) == (info.value.queue_name, info.value.timeout)


def test_a_negative_timeout_is_refused(pool: redis.BlockingConnectionPool, key: str) -> None:
    """get(timeout=-1) is a ValueError, not a wait for ever."""
    with pytest.raises(ValueError, match="timeout must be None or at least 0"):
        MessageQueue(key, pool).get(timeout=-1)


def test_close_deletes_the_queue_and_put_makes_it_again(
    pool: redis.BlockingConnectionPool, key: str
) -> None:
    """close() drops pending messages; unlink() does nothing; the queue is usable after."""
    queue = MessageQueue(key, pool)
    queue.put("dropped")
    queue.unlink()
    assert redis.Redis(connection_pool=pool).exists(key)

    queue.close()
    assert not redis.Redis(connection_pool=pool).exists(key)

    queue.put("kept")
    assert queue.get(timeout=0) == b"kept"
    queue.close()
