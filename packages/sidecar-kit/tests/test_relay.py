"""Tests of the publishers' queue loop and of putting undelivered messages back."""

from __future__ import annotations

import logging
import threading
from unittest import mock

import pytest

from baseplate.sidecar_kit import Answer, JSONArrayBatch, RetryingPoster, relay, requeue


class Empty(Exception):
    pass


class ListQueue:
    """A queue over a list: get() pops the front or raises Empty; put() appends up to
    ``capacity`` messages, then raises Empty."""

    def __init__(self, messages: list[bytes], capacity: int = 100) -> None:
        self.messages = list(messages)
        self.capacity = capacity
        self.stop_when_empty: threading.Event | None = None

    def get(self, timeout: float | None = None) -> bytes:
        if not self.messages:
            if self.stop_when_empty is not None:
                self.stop_when_empty.set()
            raise Empty
        return self.messages.pop(0)

    def put(self, message: bytes, timeout: float | None = None) -> None:
        if len(self.messages) >= self.capacity:
            raise Empty
        self.messages.append(message)


def run(queue: ListQueue, batch: JSONArrayBatch, **kwargs: object) -> list[bytes]:
    flushed: list[bytes] = []

    def flush() -> None:
        flushed.append(batch.serialize())
        batch.reset()

    stop = threading.Event()
    queue.stop_when_empty = stop
    relay(queue, batch, flush, stop, Empty, **kwargs)  # type: ignore[arg-type]
    return flushed


def test_a_full_batch_is_flushed_before_the_message_that_did_not_fit() -> None:
    """Messages fill the batch to its size; the one that does not fit starts the next
    batch; what is left is flushed when stopping."""
    queue = ListQueue([b"1111", b"2222", b"3333"])

    flushed = run(queue, JSONArrayBatch(max_size=11, max_age=60.0))

    assert flushed == [b"[1111,2222]", b"[3333]"]


def test_a_due_batch_is_flushed_without_waiting_to_fill() -> None:
    """A batch whose first message is max_age old is flushed at once."""
    queue = ListQueue([b"1", b"2"])

    flushed = run(queue, JSONArrayBatch(max_size=1000, max_age=0.0))

    assert flushed == [b"[1]", b"[2]"]


def test_messages_not_accepted_are_left_out() -> None:
    """accept() returning False keeps a message out of every batch."""
    queue = ListQueue([b"good", b"bad", b"fine"])

    flushed = run(queue, JSONArrayBatch(max_age=60.0), accept=lambda message: message != b"bad")

    assert flushed == [b"[good,fine]"]


def test_requeue_puts_back_as_many_as_fit_in_order() -> None:
    """Items go back in order until the queue is full; the count says how many."""
    queue = ListQueue([b"x"], capacity=3)

    assert requeue(queue, [b"a", b"b", b"c"], Empty) == 2
    assert queue.messages == [b"x", b"a", b"b"]


def test_put_back_counts_and_logs_what_was_lost(caplog: pytest.LogCaptureFixture) -> None:
    """The poster's put_back requeues what fits, counts the rest in dropped and logs one
    line at the level and in the words it was given."""

    class Client:
        url = "http://collector/v1"

        def post(self, body: bytes) -> Answer:
            raise AssertionError("not posted")

    class Counter:
        def __init__(self) -> None:
            self.total = 0

        def increment(self, delta: float = 1) -> None:
            self.total += int(delta)

    dropped = Counter()
    metrics = mock.Mock()
    metrics.counter.side_effect = lambda name: dropped if name == "dropped" else mock.Mock()
    logger = logging.getLogger("test.put_back")
    poster = RetryingPoster(
        Client(), "span", logger, metrics, stopping="Shutting down", stopping_level=logging.ERROR
    )
    queue = ListQueue([], capacity=1)

    with caplog.at_level(logging.INFO, logger="test.put_back"):
        poster.put_back(queue, [b"a", b"b", b"c"], Empty)

    assert (queue.messages, dropped.total) == ([b"a"], 2)
    assert [(record.levelno, record.getMessage()) for record in caplog.records] == [
        (
            logging.ERROR,
            "Shutting down while http://collector/v1 fails: 1 undelivered span(s) put back on "
            "the queue for the next publisher, 2 lost (the queue was full)",
        )
    ]
