"""Encoded spans gathered into one JSON array of bounded size: a collector POST's body."""

from __future__ import annotations

import time
from collections.abc import Callable

#: The largest batch posted at once, in bytes, unless configured otherwise (the trace
#: publisher's ``max_batch_size``; also the most the remote recorder puts in one POST).
MAX_BATCH_SIZE_DEFAULT = 500 * 1024
#: The longest a span waits in a batch before the batch is posted, in seconds.
MAX_BATCH_AGE = 1.0


class BatchFull(Exception):
    """The batch has no room for another span."""


class SpanBatch:
    """Encoded spans gathered into a JSON array, limited in size and age.

    The size counts the brackets and commas of the array. A batch's age runs from its first
    span. A span larger than the whole limit is still accepted into an empty batch, so that
    one oversized span cannot stall the publisher.

    Args:
        max_size: The largest serialized batch, in bytes.
        max_age: How long a batch may gather spans before it is due, in seconds.
        clock: The monotonic clock to measure age with.
    """

    def __init__(
        self,
        max_size: int = MAX_BATCH_SIZE_DEFAULT,
        max_age: float = MAX_BATCH_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_size = max_size
        self.max_age = max_age
        self._clock = clock
        self._items: list[bytes] = []
        self._size = 2
        self._started = 0.0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def size(self) -> int:
        """The size of the serialized batch, in bytes."""
        return self._size

    def add(self, item: bytes) -> None:
        """Add an encoded span.

        Raises:
            BatchFull: if the span would make the batch larger than ``max_size``.
        """
        added = len(item) + (1 if self._items else 0)
        if self._items and self._size + added > self.max_size:
            raise BatchFull
        if not self._items:
            self._started = self._clock()
        self._items.append(item)
        self._size += added

    def is_due(self) -> bool:
        """Whether the batch holds spans and its first one is at least ``max_age`` old."""
        return bool(self._items) and self._clock() - self._started >= self.max_age

    @property
    def items(self) -> list[bytes]:
        """The encoded spans in the batch, in the order they were added."""
        return list(self._items)

    def serialize(self) -> bytes:
        """Return the batch as a JSON array: ``[span,span,...]``."""
        return b"[" + b",".join(self._items) + b"]"

    def reset(self) -> None:
        """Empty the batch."""
        self._items = []
        self._size = 2
