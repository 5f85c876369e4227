"""Serialized events gathered into one collector POST body, bounded in size and age."""

from __future__ import annotations

import time
from collections.abc import Callable

#: The largest batch body before compression, in bytes (500 KiB).
MAX_BATCH_SIZE = 500 * 1024
#: The longest an event waits in a batch before the batch is posted, in seconds.
MAX_BATCH_AGE = 1.0


class BatchFull(Exception):
    """The batch has no room for another event."""


class Batch:
    """Serialized events gathered for one POST, limited in size and age.

    The size is that of the serialized body, framing included. A batch's age runs from its
    first event. An event larger than the whole limit is still accepted into an empty batch,
    so that one event cannot stall the publisher.

    Subclasses give the framing: :meth:`serialize` and the framing's size.

    Args:
        max_size: The largest serialized batch, in bytes.
        max_age: How long a batch may gather events before it is due, in seconds.
        clock: The monotonic clock to measure age with.
    """

    def __init__(
        self,
        max_size: int = MAX_BATCH_SIZE,
        max_age: float = MAX_BATCH_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_size = max_size
        self.max_age = max_age
        self._clock = clock
        self._items: list[bytes] = []
        self._content = 0  # the events' bytes and the commas between them
        self._started = 0.0

    def __len__(self) -> int:
        return len(self._items)

    def _framing(self, count: int) -> int:
        """The bytes a body of ``count`` events adds around them."""
        raise NotImplementedError

    @property
    def size(self) -> int:
        """The size of the serialized batch, in bytes."""
        return self._content + self._framing(len(self._items))

    def add(self, item: bytes) -> None:
        """Add a serialized event.

        Raises:
            BatchFull: if the event would make the batch larger than ``max_size``.
        """
        added = len(item) + (1 if self._items else 0)
        if self._items and (
            self._content + added + self._framing(len(self._items) + 1) > self.max_size
        ):
            raise BatchFull
        if not self._items:
            self._started = self._clock()
        self._items.append(item)
        self._content += added

    def is_due(self) -> bool:
        """Whether the batch holds events and its first one is at least ``max_age`` old."""
        return bool(self._items) and self._clock() - self._started >= self.max_age

    @property
    def items(self) -> list[bytes]:
        """The serialized events, in the order they were added."""
        return list(self._items)

    def serialize(self) -> bytes:
        """Return the POST body."""
        raise NotImplementedError

    def reset(self) -> None:
        """Empty the batch."""
        self._items = []
        self._content = 0


class V1Batch(Batch):
    """v1 events as a JSON array: ``[e1,e2,...]``."""

    def _framing(self, count: int) -> int:
        return 2

    def serialize(self) -> bytes:
        return b"[" + b",".join(self._items) + b"]"


class V2Batch(Batch):
    """v2 events as the Thrift JSON struct whose field 1 is the list of events.

    That is ``{"1":{"lst":["rec",<count>,e1,e2,...]}}``: a list of structs (``rec``) of
    ``count`` elements.
    """

    _HEAD = b'{"1":{"lst":["rec",'
    _TAIL = b"]}}"

    def _framing(self, count: int) -> int:
        # The count, and the comma after it when there are events.
        return len(self._HEAD) + len(str(count)) + (1 if count else 0) + len(self._TAIL)

    def serialize(self) -> bytes:
        count = str(len(self._items)).encode("ascii")
        if not self._items:
            return self._HEAD + count + self._TAIL
        return self._HEAD + count + b"," + b",".join(self._items) + self._TAIL
