"""The publishers' loop: messages read from a queue into batches, each batch flushed when full
or due, and what could not be delivered put back on the queue."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from ._batch import Batch, BatchFull

#: How long each wait on the queue for a message lasts, in seconds.
QUEUE_READ_TIMEOUT = 0.2
#: How long the loop pauses each time it has emptied the queue, in seconds, so that a busy
#: application's messages gather in the queue and are read many per wake-up instead of waking
#: the publisher one by one (which doubled the trace publisher's CPU per span under load).
DRAIN_PAUSE = 0.01


class Queue(Protocol):
    """What :func:`relay` reads (a :class:`baseplate.message_queue.MessageQueue`).

    .. versionadded:: 0.1.0
    """

    def get(self, timeout: float | None = None) -> bytes:
        """Return the next message, or raise the queue's timeout error after ``timeout``."""

    def put(self, message: bytes, timeout: float | None = None) -> None:
        """Add ``message``, or raise the queue's timeout error after ``timeout`` if full."""


def relay(
    queue: Queue,
    batch: Batch,
    flush: Callable[[], None],
    stop_event: threading.Event,
    timed_out: type[Exception],
    accept: Callable[[bytes], bool] | None = None,
) -> None:
    """Read messages from ``queue`` into ``batch`` until ``stop_event`` is set.

    ``flush()`` is called (and must empty the batch) when the next message does not fit and
    when the batch is due (its first message ``batch.max_age`` old). Nothing is read while
    ``flush()`` runs, so a publisher retrying a batch holds one batch however long the
    collector is away. Each time the queue is found empty the loop pauses for
    :data:`DRAIN_PAUSE` before waiting on it again. When stopping, a batch that holds
    messages is flushed once more.

    Args:
        queue: Where messages come from.
        batch: Where they gather.
        flush: Publishes and empties ``batch``.
        stop_event: Set to stop.
        timed_out: The exception ``queue`` raises when a read times out
            (:exc:`baseplate.message_queue.TimedOutError`).
        accept: Called with each message; one it returns ``False`` for is not added (the
            callable says why). ``None`` accepts every message.

    .. versionadded:: 0.1.0
    """
    found_empty = False
    while not stop_event.is_set():
        timeout = 0.0
        if found_empty:
            # Pause before waiting on the queue again: a busy application then fills it
            # between our reads instead of waking us for every message it puts.
            stop_event.wait(DRAIN_PAUSE)
            timeout = QUEUE_READ_TIMEOUT
        try:
            message: bytes | None = queue.get(timeout=timeout)
            found_empty = False
        except timed_out:
            message = None
            found_empty = True
        if message is not None and (accept is None or accept(message)):
            try:
                batch.add(message)
            except BatchFull:
                flush()
                batch.add(message)
        if batch.is_due():
            flush()
    if len(batch):
        flush()


def requeue(queue: Queue, items: Sequence[bytes], timed_out: type[Exception]) -> int:
    """Put ``items`` back on ``queue``, in order, as many as fit without waiting.

    Args:
        queue: Where they go.
        items: The undelivered messages.
        timed_out: The exception ``queue`` raises when it is full.

    Returns:
        How many were put back; the rest are lost (the caller counts and logs them).

    .. versionadded:: 0.1.0
    """
    returned = 0
    for item in items:
        try:
            queue.put(item, timeout=0)
        except timed_out:
            break
        returned += 1
    return returned
