"""The consumers: a worker thread filling a local work queue, and its readers."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence
from typing import Any, Self

from kombu.connection import Connection
from kombu.entity import Queue
from kombu.message import Message
from kombu.mixins import ConsumerMixin

from baseplate.core import Span

# How long close() waits for the worker thread to notice it must stop (it looks between
# reads, which wait one second at most).
_STOP_TIMEOUT = 5.0


class _ConsumerWorker(ConsumerMixin):
    """Reads the queues on its own thread and puts each message in the work queue."""

    def __init__(
        self, connection: Connection, queues: Sequence[Queue], work_queue: queue.Queue[Message]
    ) -> None:
        self.connection = connection
        self.queues = list(queues)
        self.work_queue = work_queue

    def get_consumers(self, consumer_class: Any, channel: Any) -> list[Any]:
        # The broker sends no more unacknowledged messages than the work queue holds, so a
        # slow handler leaves the rest on the broker for other consumers.
        prefetch = self.work_queue.maxsize or None
        consumer = consumer_class(queues=self.queues, on_message=self.on_message)
        if prefetch:
            consumer.qos(prefetch_count=prefetch)
        return [consumer]

    def on_message(self, message: Message) -> None:
        self.work_queue.put(message)


class BaseKombuConsumer:
    """Consumes messages from queues into a local work queue, for you to read and ack.

    A worker thread (a daemon) reads the broker and puts each message in a bounded local
    queue; :meth:`get_message` and :meth:`get_batch` take them from it. Acknowledging or
    rejecting each message is the reader's job: one never acknowledged goes back to the
    queue when the connection closes (the process ends, say), and is delivered again. It
    works outside any request context; :class:`KombuConsumer` adds spans.

    Usually made with :meth:`new`.

    Args:
        worker: The object reading the broker on the worker thread.
        worker_thread: The (started) thread it runs on.
        work_queue: The local queue it fills; made by :meth:`new` when not given.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        worker: Any,
        worker_thread: threading.Thread,
        work_queue: queue.Queue[Message] | None = None,
    ) -> None:
        self.worker = worker
        self.worker_thread = worker_thread
        self.work_queue: queue.Queue[Message] = (
            work_queue if work_queue is not None else worker.work_queue
        )

    @classmethod
    def new(cls, connection: Connection, queues: Sequence[Queue], queue_size: int = 100) -> Self:
        """Make a consumer of ``queues`` and start its worker thread.

        The queues are declared (with their exchanges and bindings) when the worker
        connects. The broker is asked to send at most ``queue_size`` messages that are not
        yet acknowledged.

        Args:
            connection: The connection to the broker; the worker thread uses it.
            queues: The queues to consume from (:class:`kombu.Queue`).
            queue_size: The most messages held in the local work queue; ``0`` for no
                limit (then the broker sends all it has; not recommended).

        Raises:
            ValueError: if ``queue_size`` is negative or not an integer.

        .. versionadded:: 0.1.0
        """
        if isinstance(queue_size, bool) or not isinstance(queue_size, int) or queue_size < 0:
            raise ValueError(f"queue_size must be an integer of at least 0, got {queue_size!r}")
        work_queue: queue.Queue[Message] = queue.Queue(maxsize=queue_size)
        worker = _ConsumerWorker(connection, queues, work_queue)
        thread = threading.Thread(target=worker.run, name="kombu-consumer", daemon=True)
        thread.start()
        return cls(worker, thread, work_queue)

    def get_message(self, timeout: float | None = None) -> Message:
        """Return the next message, waiting for one.

        Args:
            timeout: The most seconds to wait; ``None`` waits for as long as it takes.

        Raises:
            queue.Empty: if no message came within ``timeout``.
        """
        return self.work_queue.get(block=True, timeout=timeout)

    def get_batch(self, max_items: int, timeout: float | None) -> list[Message]:
        """Return up to ``max_items`` messages, waiting up to ``timeout`` for them.

        Returns as soon as ``max_items`` messages are in, or when ``timeout`` has passed
        with what came by then (perhaps none).

        Args:
            max_items: The most messages to return.
            timeout: The most seconds to wait in all; ``None`` waits until ``max_items``
                messages came.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        messages: list[Message] = []
        while len(messages) < max_items:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                break
            try:
                messages.append(self.work_queue.get(block=True, timeout=remaining))
            except queue.Empty:
                break
        return messages

    def close(self) -> None:
        """Stop the worker thread and wait (a few seconds at most) for it to end.

        Messages still in the local work queue were never acknowledged: the broker delivers
        them again once the connection is closed.

        .. versionadded:: 0.1.0
        """
        self.worker.should_stop = True
        self.worker_thread.join(timeout=_STOP_TIMEOUT)


def _message_tags(message: Message) -> dict[str, Any]:
    info = message.delivery_info
    return {
        "routing_key": info.get("routing_key"),
        "consumer_tag": info.get("consumer_tag"),
        "delivery_tag": message.delivery_tag,
        "exchange": info.get("exchange"),
    }


class KombuConsumer(BaseKombuConsumer):
    """A :class:`BaseKombuConsumer` whose reads are child spans of a server span.

    :meth:`get_message` makes a span ``kombu.get_message`` tagged ``kind`` = ``consumer``
    and the message's ``routing_key``, ``consumer_tag``, ``delivery_tag`` and
    ``exchange``; :meth:`get_batch` a span ``kombu.get_batch`` tagged ``kind`` and
    ``message_count``.

    .. versionadded:: 0.1.0
    """

    def get_message(self, server_span: Span, timeout: float | None = None) -> Message:  # type: ignore[override]
        """Return the next message, waiting for one, inside a ``kombu.get_message`` span.

        Args:
            server_span: The span to make the child span of.
            timeout: The most seconds to wait; ``None`` waits for as long as it takes.

        Raises:
            queue.Empty: if no message came within ``timeout``.
        """
        with server_span.make_child("kombu.get_message") as span:
            span.set_tag("kind", "consumer")
            message = super().get_message(timeout)
            for key, value in _message_tags(message).items():
                span.set_tag(key, value)
        return message

    def get_batch(  # type: ignore[override]
        self, server_span: Span, max_items: int, timeout: float | None
    ) -> list[Message]:
        """Return up to ``max_items`` messages, inside a ``kombu.get_batch`` span.

        Args:
            server_span: The span to make the child span of.
            max_items: The most messages to return.
            timeout: The most seconds to wait in all; ``None`` waits until ``max_items``
                messages came.
        """
        with server_span.make_child("kombu.get_batch") as span:
            span.set_tag("kind", "consumer")
            messages = super().get_batch(max_items, timeout)
            span.set_tag("message_count", len(messages))
        return messages
