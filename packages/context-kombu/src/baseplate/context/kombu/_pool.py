"""The pool of producers the context's producers borrow from."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from kombu.connection import Connection
from kombu.messaging import Producer


class PooledProducers:
    """A bounded pool of kombu producers, each on a connection (and channel) of its own.

    A producer is made, on a clone of ``connection``, the first time the pool has none free,
    and is then kept open and handed out again, so a publish costs no connection or channel
    set-up once the pool is warm. A producer whose publish raised is closed and dropped (its
    connection may be broken); the next borrower gets a new one.

    Made by :class:`KombuProducerContextFactory`; not usually built directly.

    Args:
        connection: The connection each producer's connection is cloned from.
        limit: The most producers in use at once; ``None`` for no limit. Borrowers wait for
            one to be free.

    Raises:
        ValueError: if ``limit`` is not a positive integer or ``None``.

    .. versionadded:: 0.1.0
    """

    def __init__(self, connection: Connection, limit: int | None = None) -> None:
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
        ):
            raise ValueError(f"max_connections must be a positive integer or None, got {limit!r}")
        self.connection = connection
        self.limit = limit
        self._idle: queue.LifoQueue[Producer] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(limit) if limit is not None else None

    @contextmanager
    def acquire(self) -> Iterator[Producer]:
        """Borrow a producer for the ``with`` block, waiting for one when all are in use."""
        if self._slots is not None:
            self._slots.acquire()
        try:
            try:
                producer = self._idle.get_nowait()
            except queue.Empty:
                producer = self.connection.clone().Producer()
            try:
                yield producer
            except BaseException:
                producer.connection.release()
                raise
            self._idle.put(producer)
        finally:
            if self._slots is not None:
                self._slots.release()

    def close(self) -> None:
        """Close the connections of the producers that are not in use.

        .. versionadded:: 0.1.0
        """
        while True:
            try:
                producer = self._idle.get_nowait()
            except queue.Empty:
                return
            producer.connection.release()
